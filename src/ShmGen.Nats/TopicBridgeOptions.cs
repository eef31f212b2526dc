using System;

namespace ShmGen.Nats;

/// <summary>Where a <see cref="TopicBridge"/> moves items. The NATS side (URL, credentials, TLS) is the <c>NatsOpts</c>
/// of the connection passed in; a receiver that must not drop items under load sets its
/// <c>SubPendingChannelFullMode</c> to <c>Wait</c>.</summary>
public sealed class TopicBridgeOptions
{
    /// <summary>The NATS subject. Required.</summary>
    public required string Subject { get; init; }

    /// <summary>How long a blocking wait on the local side lasts before the bridge looks at cancellation: 50 ms by default.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Called for each message refused (another layout, or not a bridge message); it is dropped and counted.</summary>
    public Action<SharedSegmentException>? Rejected { get; init; }

    /// <summary>Receiving: called once the subscription is registered with the server (items published from then on arrive).</summary>
    public Action? Subscribed { get; init; }
}

using System;

namespace ShmGen.Nats;

/// <summary>Where a <see cref="QueueBridge"/> moves items and how hard it pushes. The NATS side (URL, credentials, TLS)
/// is the <c>NatsOpts</c> of the connection passed in.</summary>
public sealed class QueueBridgeOptions
{
    /// <summary>The JetStream stream (created as a file-backed work-queue stream if it does not exist). Required.</summary>
    public required string Stream { get; init; }

    /// <summary>The subject items are published to and the stream captures; the stream's name when not set.</summary>
    public string? Subject { get; init; }

    /// <summary>The durable consumer the receiving side pulls with: one name per destination queue (every bridge
    /// feeding the same queue shares it). <c>shmgen-bridge</c> when not set.</summary>
    public string Consumer { get; init; } = "shmgen-bridge";

    /// <summary>The destination's delivery ledger (a shared memory segment on the destination host); derived from
    /// <see cref="Stream"/> and <see cref="Consumer"/> when not set.</summary>
    public string? LedgerName { get; init; }

    /// <summary>Sending: publishes awaiting their acknowledgement (the most items a SIGKILLed sender can lose). Receiving:
    /// the consumer's MaxAckPending. 256 by default.</summary>
    public int MaxInFlight { get; init; } = 256;

    /// <summary>How long JetStream waits for an acknowledgement before redelivering (30 s by default). While the
    /// destination queue is full the bridge reports progress, so a slow queue does not cause redeliveries.</summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a blocking wait on the local queue lasts before the bridge looks at cancellation and acks
    /// again: 50 ms by default.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Called for each message refused (another layout: <see cref="SegmentLayoutMismatchException"/> with the
    /// fields that differ; not a bridge message: <see cref="SegmentCorruptedException"/>). The message is terminated
    /// (never redelivered) and counted.</summary>
    public Action<SharedSegmentException>? Rejected { get; init; }

    internal string SubjectOrDefault => Subject ?? Stream;

    internal string LedgerNameOrDefault => LedgerName ?? $"shmgen-bridge-{Stream}-{Consumer}";
}

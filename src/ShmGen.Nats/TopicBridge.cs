using System;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;

namespace ShmGen.Nats;

/// <summary>
/// Forwards every item of a local source to a core NATS subject (<see cref="PublishToSubjectAsync"/>) and every item
/// from the subject into a local sink on another host (<see cref="DeliverFromSubjectAsync"/>), in the wire format of
/// <see cref="QueueBridge"/>. Publish/subscribe semantics: items published while no receiver listens, or that a slow
/// receiver's connection drops, are gone (counted by the receiver as <c>shmgen.bridge.missed</c> from the gaps in the
/// sender's sequence numbers); one sender's items arrive in order.
/// </summary>
/// <remarks>
/// The source and sink are the two small interfaces <see cref="IItemSource"/> and <see cref="IItemSink"/>, so anything
/// with a <c>TryTake</c>/<c>TryPut</c> shape plugs in: a <c>[SharedQueue]</c> through <see cref="BridgeEndpoint"/>
/// today. A <c>[SharedTopic]</c> subscriber's <c>TryReceive(out T, TimeSpan)</c> has the <see cref="ItemTaker{T}"/>
/// shape and its <c>Publish(in T)</c> never blocks, so it becomes a sink with a lambda that returns true.
/// </remarks>
public static class TopicBridge
{
    /// <summary>Takes items from <paramref name="source"/> and publishes each to the subject until cancelled.</summary>
    /// <param name="nats">A connection made from the usual <c>NatsOpts</c> (URL, credentials, TLS).</param>
    /// <param name="source">The local side.</param>
    /// <param name="options">The subject.</param>
    /// <param name="cancellationToken">Stops the bridge.</param>
    /// <returns>Completes when cancelled.</returns>
    public static async Task PublishToSubjectAsync(INatsConnection nats, IItemSource source, TopicBridgeOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nats);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var metrics = new BridgeMetrics("topic", "to-nats", options.Subject);

        // One buffer for the run: a core publish has copied the bytes into the connection's buffer when it completes.
        var message = WireFormat.Template(source.Layout);
        var itemOffset = WireFormat.ItemOffset(source.Layout, message);
        ulong sequence = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!source.TryTake(message.AsSpan(itemOffset), options.PollInterval))
            {
                continue;
            }

            WireFormat.Stamp(message, ++sequence, DateTime.UtcNow.Ticks);
            await nats.PublishAsync(options.Subject, message, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            metrics.Forwarded();
        }
    }

    /// <summary>Subscribes to the subject and puts every accepted item into <paramref name="sink"/> until cancelled.</summary>
    /// <param name="nats">A connection made from the usual <c>NatsOpts</c>.</param>
    /// <param name="sink">The local side.</param>
    /// <param name="options">The subject; <see cref="TopicBridgeOptions.Subscribed"/> says when items start to count.</param>
    /// <param name="cancellationToken">Stops the bridge.</param>
    /// <returns>Completes when cancelled.</returns>
    public static async Task DeliverFromSubjectAsync(INatsConnection nats, IItemSink sink, TopicBridgeOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nats);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(options);
        var metrics = new BridgeMetrics("topic", "from-nats", options.Subject);
        await using var subscription = await nats.SubscribeCoreAsync<byte[]>(options.Subject, cancellationToken: cancellationToken).ConfigureAwait(false);
        await nats.PingAsync(cancellationToken).ConfigureAwait(false);
        options.Subscribed?.Invoke();

        ulong last = 0;
        try
        {
            await foreach (var message in subscription.Msgs.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var data = message.Data ?? [];
                var rejection = WireFormat.Read(data, sink.Layout, options.Subject, out var itemOffset, out var sequence, out var sentAt);
                if (rejection is not null)
                {
                    metrics.Rejected(rejection);
                    options.Rejected?.Invoke(rejection);
                    continue;
                }

                // A sequence at or below the last one is a restarted sender starting over, not a loss.
                if (sequence > last + 1 && last != 0)
                {
                    metrics.Missed((long)(sequence - last - 1));
                }

                last = sequence;
                while (!sink.TryPut(data.AsSpan(itemOffset), options.PollInterval))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                metrics.Forwarded();
                metrics.Lag(sentAt);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}

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
    /// <summary>Takes items from <paramref name="source"/> and publishes each to the subject until cancelled. Runs on a
    /// thread-pool thread (it returns to the caller at once), which it keeps while it waits for items.</summary>
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

        // The source's TryTake blocks (up to PollInterval at a time) and an idle loop has nothing to await: leave the
        // caller's thread first, or a caller that starts the bridge and then produces would wait for ever.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);

        // Two buffers for the run, with and without the layout description (see WireFormat): a core publish has copied
        // the bytes into the connection's buffer when it completes.
        var described = WireFormat.Template(source.Layout);
        var plain = WireFormat.Template(source.Layout, described: false);
        var describedOffset = WireFormat.ItemOffset(source.Layout, described);
        var plainOffset = WireFormat.ItemOffset(source.Layout, plain);
        ulong sequence = 0;
        long lastSent = 0, lastDescribed = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Whether this message describes the layout is decided before the take (the item goes straight into its
            // buffer), from the count and the previous message's time: one clock read per message.
            var describe = (sequence % WireFormat.DescribeEvery) == 0 || lastSent - lastDescribed >= TimeSpan.TicksPerSecond;
            var message = describe ? described : plain;
            if (!source.TryTake(message.AsSpan(describe ? describedOffset : plainOffset), options.PollInterval))
            {
                continue;
            }

            lastSent = DateTime.UtcNow.Ticks;
            if (describe)
            {
                lastDescribed = lastSent;
            }

            WireFormat.Stamp(message, ++sequence, lastSent);
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
        var known = new DescriptionCache();
        try
        {
            await foreach (var message in subscription.Msgs.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var data = message.Data ?? [];
                var rejection = WireFormat.Read(data, sink.Layout, options.Subject, out var itemOffset, out var sequence, out var sentAt, known);
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

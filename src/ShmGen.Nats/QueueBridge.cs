using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace ShmGen.Nats;

/// <summary>
/// Moves items from a local <c>[SharedQueue]</c> into a JetStream work-queue stream (<see cref="ForwardToStreamAsync"/>)
/// and from the stream into a queue on another host (<see cref="DeliverFromStreamAsync"/>).
/// </summary>
/// <remarks>
/// <para><b>Receiving side: nothing acknowledged is lost, nothing is delivered twice.</b> A message is acknowledged
/// only after its item is in the destination queue and recorded in the destination's ledger (a shared memory segment
/// beside the queue, keyed by the stream sequence). A bridge killed before the item is in the queue leaves the message
/// unacknowledged and JetStream redelivers it after <see cref="QueueBridgeOptions.AckWait"/>; killed after, the
/// redelivered message is found in the ledger and dropped (<c>shmgen.bridge.duplicates</c>). The one window that can
/// still duplicate an item is a kill between the queue's publishing store and the ledger's store, a few instructions;
/// and a redelivery that comes after more than 65,536 newer messages were delivered, which the ledger can no longer
/// judge: it is delivered again and counted (<c>shmgen.bridge.possible_duplicates</c>), see <see cref="DeliveryLedger"/>.</para>
/// <para><b>Sending side: no duplicates, bounded loss on SIGKILL.</b> Each item is published with a
/// <c>Nats-Msg-Id</c> unique to this bridge run and retried with the same id until JetStream acknowledges it, so a
/// publish that timed out (a server restart, a lost acknowledgement) is stored once, within the stream's duplicate
/// window (2 minutes by default). Taking an item from a shared queue is final: a sending bridge killed with SIGKILL
/// loses the items it had taken whose publish JetStream had not acknowledged, at most
/// <see cref="QueueBridgeOptions.MaxInFlight"/>, exactly as any other consumer of the queue killed while holding
/// items would. Cancelled, it first waits for those acknowledgements.</para>
/// </remarks>
public static class QueueBridge
{
    /// <summary>Takes items from <paramref name="source"/> and publishes them to the stream until cancelled.</summary>
    /// <param name="nats">A connection made from the usual <c>NatsOpts</c> (URL, credentials, TLS).</param>
    /// <param name="source">The local queue, e.g. <c>BridgeEndpoint.Source&lt;Job&gt;(JobQueue.LayoutDescription, jobs.TryDequeue)</c>.</param>
    /// <param name="options">Stream, subject, window.</param>
    /// <param name="cancellationToken">Stops the bridge after the acknowledgements of the items it already took.</param>
    /// <returns>Completes when cancelled.</returns>
    public static async Task ForwardToStreamAsync(INatsConnection nats, IItemSource source, QueueBridgeOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nats);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var js = nats.CreateJetStreamContext();
        await EnsureStreamAsync(js, options, cancellationToken).ConfigureAwait(false);

        var metrics = new BridgeMetrics("queue", "to-nats", options.Stream);
        var subject = options.SubjectOrDefault;
        var template = WireFormat.Template(source.Layout);
        var itemOffset = WireFormat.ItemOffset(source.Layout, template);

        // Message ids unique to this run: a restarted bridge starts a new series, so JetStream's deduplication can only
        // ever drop a retry of the same publish, never a new item.
        var run = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var inFlight = new Queue<Publish>();
        ulong sequence = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var message = (byte[])template.Clone();

                // With publishes outstanding, do not sit in a wait while they could be completing.
                var wait = inFlight.Count > 0 ? TimeSpan.Zero : options.PollInterval;
                if (!source.TryTake(message.AsSpan(itemOffset), wait))
                {
                    while (inFlight.Count > 0)
                    {
                        await CompleteAsync(js, inFlight.Dequeue(), metrics, CancellationToken.None).ConfigureAwait(false);
                    }

                    continue;
                }

                sequence++;
                WireFormat.Stamp(message, sequence, DateTime.UtcNow.Ticks);
                var id = string.Concat(run, "-", sequence.ToString(CultureInfo.InvariantCulture));
                inFlight.Enqueue(new Publish(subject, message, id, Start(js, subject, message, id)));
                if (inFlight.Count >= options.MaxInFlight)
                {
                    await CompleteAsync(js, inFlight.Dequeue(), metrics, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // The items already taken exist nowhere else: see each one stored before returning.
            while (inFlight.Count > 0)
            {
                await CompleteAsync(js, inFlight.Dequeue(), metrics, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Pulls items from the stream and puts them into <paramref name="sink"/> until cancelled, acknowledging
    /// each one only once it is in the sink.</summary>
    /// <param name="nats">A connection made from the usual <c>NatsOpts</c> (URL, credentials, TLS).</param>
    /// <param name="sink">The destination queue, e.g. <c>BridgeEndpoint.Sink&lt;Job&gt;(JobQueue.LayoutDescription, jobs.TryEnqueue)</c>.</param>
    /// <param name="options">Stream, consumer, ledger, ack wait.</param>
    /// <param name="cancellationToken">Stops the bridge; a message whose item was not put stays unacknowledged.</param>
    /// <returns>Completes when cancelled.</returns>
    public static async Task DeliverFromStreamAsync(INatsConnection nats, IItemSink sink, QueueBridgeOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nats);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(options);
        var js = nats.CreateJetStreamContext();
        await EnsureStreamAsync(js, options, cancellationToken).ConfigureAwait(false);
        var consumer = await js.CreateOrUpdateConsumerAsync(
            options.Stream,
            new ConsumerConfig(options.Consumer)
            {
                AckPolicy = ConsumerConfigAckPolicy.Explicit,
                AckWait = options.AckWait,
                MaxAckPending = options.MaxInFlight,
                FilterSubject = options.SubjectOrDefault,
            },
            cancellationToken).ConfigureAwait(false);

        var metrics = new BridgeMetrics("queue", "from-nats", options.Stream);
        using var ledger = new LedgerFile(options.LedgerNameOrDefault);
        var consumeOptions = new NatsJSConsumeOpts { MaxMsgs = Math.Max(1, options.MaxInFlight) };
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var message in consumer.ConsumeAsync<byte[]>(opts: consumeOptions, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    await DeliverAsync(message, sink, options, ledger, metrics, cancellationToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromMilliseconds(100);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (NatsException)
            {
                // The server went away or the consumer was reset under us: whatever was not acknowledged comes back.
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.TicksPerSecond * 2));
            }
        }
    }

    private static async ValueTask DeliverAsync(
        INatsJSMsg<byte[]> message, IItemSink sink, QueueBridgeOptions options, LedgerFile ledger, BridgeMetrics metrics, CancellationToken cancellationToken)
    {
        var data = message.Data ?? [];
        var rejection = WireFormat.Read(data, sink.Layout, options.Stream, out var itemOffset, out _, out var sentAt);
        if (rejection is not null)
        {
            metrics.Rejected(rejection);
            options.Rejected?.Invoke(rejection);
            await message.AckTerminateAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }

        var metadata = message.Metadata;
        var streamSequence = metadata?.Sequence.Stream ?? 0;
        if (metadata is { NumDelivered: > 1 })
        {
            switch (ledger.Check(streamSequence))
            {
                case LedgerVerdict.Delivered:
                    metrics.Duplicate();
                    await message.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    return;
                case LedgerVerdict.Ambiguous:
                    metrics.PossibleDuplicate();
                    break;
            }
        }

        var progressEvery = Stopwatch.Frequency * (long)Math.Max(1, options.AckWait.TotalMilliseconds / 3) / 1000;
        var lastProgress = Stopwatch.GetTimestamp();
        while (!Put(sink, data, itemOffset, options.PollInterval))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return; // not in the queue, not acknowledged: redelivered to whoever runs next
            }

            if (Stopwatch.GetTimestamp() - lastProgress > progressEvery)
            {
                await message.AckProgressAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                lastProgress = Stopwatch.GetTimestamp();
            }
        }

        ledger.Record(streamSequence);
        metrics.Forwarded();
        metrics.Lag(sentAt);

        // Not cancellable: the item is in the queue, and the acknowledgement is what keeps it from coming back.
        await message.AckAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
    }

    private static bool Put(IItemSink sink, byte[] data, int itemOffset, TimeSpan timeout) => sink.TryPut(data.AsSpan(itemOffset), timeout);

    private static async Task EnsureStreamAsync(INatsJSContext js, QueueBridgeOptions options, CancellationToken cancellationToken)
    {
        var config = new StreamConfig(options.Stream, [options.SubjectOrDefault])
        {
            Retention = StreamConfigRetention.Workqueue,
            Storage = StreamConfigStorage.File,
        };
        await js.CreateOrUpdateStreamAsync(config, cancellationToken).ConfigureAwait(false);
    }

    private static Task<PubAckResponse> Start(INatsJSContext js, string subject, byte[] message, string id) =>
        js.PublishAsync(subject, message, opts: new NatsJSPubOpts { MsgId = id }).AsTask();

    private static async Task CompleteAsync(INatsJSContext js, Publish publish, BridgeMetrics metrics, CancellationToken cancellationToken)
    {
        var attempt = publish.Ack;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                var ack = await attempt.ConfigureAwait(false);
                ack.EnsureSuccess();
                metrics.Forwarded();
                return;
            }
            catch (Exception e) when (e is NatsException or TimeoutException)
            {
                // Lost connection, timed-out acknowledgement, no JetStream responder while the server restarts: publish
                // the same bytes under the same id again; if the first attempt was stored, JetStream drops this one.
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond));
                attempt = Start(js, publish.Subject, publish.Message, publish.Id);
            }
        }
    }

    private readonly record struct Publish(string Subject, byte[] Message, string Id, Task<PubAckResponse> Ack);
}

using System;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;
using ShmGen.Nats.TestHost;

namespace ShmGen.Nats.Tests;

/// <summary>A receiver built with another layout refuses the sender's items with the text a segment's open gives, and
/// counts them; nothing reaches its queue.</summary>
public sealed class LayoutMismatchTests
{
    [Theory]
    [InlineData("queue")]
    [InlineData("topic")]
    public async Task A_fingerprint_mismatch_is_rejected_with_the_segments_message_and_counted(string bridge)
    {
        using var server = new NatsServer();
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var name = $"shmgen-test-{Guid.NewGuid():N}";
        var sourceOptions = new SegmentOptions { Name = name + "-src" };
        var sinkOptions = new SegmentOptions { Name = name + "-dst" };
        using var rejections = new RejectionCounter();
        try
        {
            using var source = BridgeItemQueue.Create(sourceOptions);
            using var sink = BridgeItemV2Queue.Create(sinkOptions);
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var rejected = new TaskCompletionSource<SharedSegmentException>(TaskCreationOptions.RunContinuationsAsynchronously);
            var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var from = BridgeEndpoint.Source<BridgeItem>(BridgeItemQueue.LayoutDescription, source.TryDequeue);
            var to = BridgeEndpoint.Sink<BridgeItemV2>(BridgeItemV2Queue.LayoutDescription, sink.TryEnqueue);

            Task receiving, sending;
            if (bridge == "queue")
            {
                var options = new QueueBridgeOptions { Stream = name, Rejected = e => rejected.TrySetResult(e) };
                receiving = Task.Run(() => QueueBridge.DeliverFromStreamAsync(nats, to, options, stop.Token));
                sending = Task.Run(() => QueueBridge.ForwardToStreamAsync(nats, from, options, stop.Token));
            }
            else
            {
                var subject = $"shmgen.test.{name}";
                receiving = Task.Run(() => TopicBridge.DeliverFromSubjectAsync(
                    nats, to, new TopicBridgeOptions { Subject = subject, Rejected = e => rejected.TrySetResult(e), Subscribed = subscribed.SetResult }, stop.Token));
                await subscribed.Task.WaitAsync(stop.Token);
                sending = Task.Run(() => TopicBridge.PublishToSubjectAsync(nats, from, new TopicBridgeOptions { Subject = subject }, stop.Token));
            }

            source.Enqueue(BridgeItem.For(7));
            var rejection = await rejected.Task.WaitAsync(stop.Token);
            await stop.CancelAsync();
            await Task.WhenAll(receiving, sending);

            // What the segment says when this build opens the sender's queue: the same fields, in the same words.
            var opened = Assert.Throws<SegmentLayoutMismatchException>(() => BridgeItemV2Queue.Open(sourceOptions));
            var mismatch = Assert.IsType<SegmentLayoutMismatchException>(rejection);
            Assert.Equal(Differences(opened.Message, "segment"), Differences(mismatch.Message, "sender"));
            Assert.Contains("Id: Int32 at 0 vs Int64 at 0", mismatch.Message, StringComparison.Ordinal);
            Assert.Contains("Revision: Int32 at 4 vs missing", mismatch.Message, StringComparison.Ordinal);
            var sent = ItemLayout.Of<BridgeItem>(BridgeItemQueue.LayoutDescription);
            var expected = ItemLayout.Of<BridgeItemV2>(BridgeItemV2Queue.LayoutDescription);
            Assert.Equal(expected.Fingerprint, mismatch.ExpectedFingerprint);
            Assert.Equal(sent.Fingerprint, mismatch.ActualFingerprint);
            Assert.Contains($"0x{sent.Fingerprint:X16}", mismatch.Message, StringComparison.Ordinal);

            Assert.Equal(0, sink.Count);
            Assert.Equal(1, rejections.Layout);
        }
        finally
        {
            BridgeItemQueue.TryUnlink(sourceOptions);
            BridgeItemV2Queue.TryUnlink(sinkOptions);
            DeliveryLedgerSegment.TryUnlink(new SegmentOptions { Name = $"shmgen-bridge-{name}-shmgen-bridge" });
        }
    }

    private static string Differences(string message, string peer)
    {
        var marker = $"Differences (this build vs {peer}): ";
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, message);
        return message[(at + marker.Length)..];
    }

    /// <summary>Listens to the ShmGen meter's rejection counter for the duration of one test.</summary>
    private sealed class RejectionCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentBag<string> _reasons = [];

        public RejectionCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "ShmGen" && instrument.Name == "shmgen.bridge.rejected")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "shmgen.reason")
                    {
                        for (var i = 0; i < value; i++)
                        {
                            _reasons.Add((string)tag.Value!);
                        }
                    }
                }
            });
            _listener.Start();
        }

        public int Layout => _reasons.Count(r => r == "layout");

        public void Dispose() => _listener.Dispose();
    }
}

using System;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;
using ShmGen.Nats.TestHost;

namespace ShmGen.Nats.Tests;

/// <summary>A queue opened by name alone (what <c>shmgen bridge</c> does) moves the same bytes as its generated type.</summary>
public sealed class QueueSegmentEndpointTests
{
    [Fact]
    public void It_reads_the_layout_from_the_header_and_moves_items_byte_for_byte()
    {
        var options = new SegmentOptions { Name = $"shmgen-test-{Guid.NewGuid():N}" };
        try
        {
            using var typed = BridgeItemQueue.Create(options);
            using var untyped = QueueSegmentEndpoint.Open(options.Name!);
            Assert.Equal(ItemLayout.Of<BridgeItem>(BridgeItemQueue.LayoutDescription).Fingerprint, untyped.Layout.Fingerprint);
            Assert.Equal(16, untyped.Layout.ItemSize);

            typed.Enqueue(BridgeItem.For(3));
            var bytes = new byte[16];
            Assert.True(untyped.TryTake(bytes, TimeSpan.FromSeconds(1)));
            Assert.Equal(BridgeItem.For(3), System.Runtime.InteropServices.MemoryMarshal.Read<BridgeItem>(bytes));
            Assert.False(untyped.TryTake(bytes, TimeSpan.Zero));

            var item = BridgeItem.For(4);
            Assert.True(untyped.TryPut(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<BridgeItem>(in item)), TimeSpan.Zero));
            Assert.True(typed.TryDequeue(out var back, TimeSpan.Zero));
            Assert.Equal(item, back);
        }
        finally
        {
            BridgeItemQueue.TryUnlink(options);
        }
    }

    [Fact]
    public async Task An_untyped_source_bridges_into_a_typed_queue_through_JetStream()
    {
        const int count = 500;
        using var server = new NatsServer();
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var name = $"shmgen-test-{Guid.NewGuid():N}";
        var sourceOptions = new SegmentOptions { Name = name + "-src" };
        var sinkOptions = new SegmentOptions { Name = name + "-dst" };
        try
        {
            using var source = BridgeItemQueue.Create(sourceOptions);
            using var sink = BridgeItemQueue.Create(sinkOptions);
            using var untyped = QueueSegmentEndpoint.Open(sourceOptions.Name!);
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var options = new QueueBridgeOptions { Stream = name };
            var sending = Task.Run(() => QueueBridge.ForwardToStreamAsync(nats, untyped, options, stop.Token));
            var receiving = Task.Run(() => QueueBridge.DeliverFromStreamAsync(
                nats, BridgeEndpoint.Sink<BridgeItem>(BridgeItemQueue.LayoutDescription, sink.TryEnqueue), options, stop.Token));

            for (var id = 1; id <= count; id++)
            {
                source.Enqueue(BridgeItem.For(id));
            }

            for (var id = 1; id <= count; id++)
            {
                Assert.True(sink.TryDequeue(out var item, TimeSpan.FromSeconds(30)), $"item {id} did not arrive");
                Assert.Equal(BridgeItem.For(id), item);
            }

            await stop.CancelAsync();
            await Task.WhenAll(sending, receiving);
        }
        finally
        {
            BridgeItemQueue.TryUnlink(sourceOptions);
            BridgeItemQueue.TryUnlink(sinkOptions);
            DeliveryLedgerSegment.TryUnlink(new SegmentOptions { Name = $"shmgen-bridge-{name}-shmgen-bridge" });
        }
    }
}

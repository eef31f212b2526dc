using System;
using ShmGen.Nats.TestHost;

namespace ShmGen.Nats.Tests;

/// <summary>A receiver trusts nothing in a message: whatever bytes arrive, reading them rejects or accepts, never throws
/// or reads past the message.</summary>
public sealed class WireFormatTests
{
    private static readonly ItemLayout s_layout = ItemLayout.Of<BridgeItem>(BridgeItemQueue.LayoutDescription);

    [Fact]
    public void A_message_round_trips_its_item_sequence_and_time()
    {
        var message = WireFormat.Template(s_layout);
        var item = BridgeItem.For(42);
        System.Runtime.InteropServices.MemoryMarshal.Write(message.AsSpan(WireFormat.ItemOffset(s_layout, message)), in item);
        WireFormat.Stamp(message, 9, 1234);

        Assert.Null(WireFormat.Read(message, s_layout, "s", out var offset, out var sequence, out var sentAt));
        Assert.Equal(9UL, sequence);
        Assert.Equal(1234, sentAt);
        Assert.Equal(item, System.Runtime.InteropServices.MemoryMarshal.Read<BridgeItem>(message.AsSpan(offset)));
    }

    [Fact]
    public void The_wire_fingerprint_covers_the_item_not_the_queue_capacity()
    {
        // The same struct behind queues of different capacities exchanges items; the description keeps only the item.
        var small = ItemLayout.FromDescription("T", "queue=2;capacity=2;size=16;align=8;Id:Int64@0;Check:Int64@8");
        var large = ItemLayout.FromDescription("T", "queue=2;capacity=1024;size=16;align=8;Id:Int64@0;Check:Int64@8");
        Assert.Equal(small.Fingerprint, large.Fingerprint);
        Assert.Equal("size=16;align=8;Id:Int64@0;Check:Int64@8", large.Description);
        Assert.Equal(16, large.ItemSize);
    }

    [Fact]
    public void A_message_without_its_description_still_names_the_fields_once_one_described_message_was_seen()
    {
        var theirs = ItemLayout.Of<BridgeItemV2>(BridgeItemV2Queue.LayoutDescription);
        var known = new DescriptionCache();

        // Before any described message: the fingerprints, and a note that the field list comes later.
        var plain = WireFormat.Template(theirs, described: false);
        Assert.Equal(WireFormat.HeaderSize + theirs.ItemSize, plain.Length);
        var early = Assert.IsType<SegmentLayoutMismatchException>(WireFormat.Read(plain, s_layout, "s", out _, out _, out _, known));
        Assert.DoesNotContain("Differences", early.Message, StringComparison.Ordinal);
        Assert.Contains("next described message", early.Message, StringComparison.Ordinal);

        // One described message teaches the receiver that fingerprint's fields; later plain ones reuse them.
        var described = Assert.IsType<SegmentLayoutMismatchException>(WireFormat.Read(WireFormat.Template(theirs), s_layout, "s", out _, out _, out _, known));
        var later = Assert.IsType<SegmentLayoutMismatchException>(WireFormat.Read(plain, s_layout, "s", out _, out _, out _, known));
        Assert.Contains("Differences", described.Message, StringComparison.Ordinal);
        Assert.Equal(described.Message, later.Message);
    }

    [Fact]
    public void A_description_that_does_not_hash_to_the_messages_fingerprint_is_not_believed()
    {
        var theirs = ItemLayout.Of<BridgeItemV2>(BridgeItemV2Queue.LayoutDescription);
        var message = WireFormat.Template(theirs);

        // A sender lying about its fields (same length, other text): the receiver names no fields rather than wrong ones.
        message[WireFormat.HeaderSize + 5] ^= 0x01;
        var known = new DescriptionCache();
        var rejection = Assert.IsType<SegmentLayoutMismatchException>(WireFormat.Read(message, s_layout, "s", out _, out _, out _, known));
        Assert.DoesNotContain("Differences", rejection.Message, StringComparison.Ordinal);
        Assert.Null(known.Find(theirs.Fingerprint));
    }

    [Fact]
    public void Truncated_foreign_and_inconsistent_messages_are_rejected_as_corrupted()
    {
        var valid = WireFormat.Template(s_layout);
        Assert.IsType<SegmentCorruptedException>(WireFormat.Read(valid.AsSpan(0, 10), s_layout, "s", out _, out _, out _));
        Assert.IsType<SegmentCorruptedException>(WireFormat.Read(valid.AsSpan(0, valid.Length - 1), s_layout, "s", out _, out _, out _));
        Assert.IsType<SegmentCorruptedException>(WireFormat.Read("hello, world, this is not a bridge message"u8, s_layout, "s", out _, out _, out _));

        var huge = (byte[])valid.Clone();
        BitConverter.TryWriteBytes(huge.AsSpan(8), int.MaxValue);
        Assert.IsType<SegmentCorruptedException>(WireFormat.Read(huge, s_layout, "s", out _, out _, out _));
    }

    [Fact]
    public void Any_single_corrupted_byte_and_random_bytes_never_throw()
    {
        var valid = WireFormat.Template(s_layout);
        var random = new Random(17);
        for (var position = 0; position < valid.Length; position++)
        {
            for (var trial = 0; trial < 8; trial++)
            {
                var message = (byte[])valid.Clone();
                message[position] = (byte)random.Next(256);
                var problem = WireFormat.Read(message, s_layout, "s", out var offset, out _, out _);
                Assert.True(problem is not null || offset + s_layout.ItemSize == message.Length);
            }
        }

        for (var trial = 0; trial < 2000; trial++)
        {
            var noise = new byte[random.Next(0, 200)];
            random.NextBytes(noise);
            var problem = WireFormat.Read(noise, s_layout, "s", out var offset, out _, out _);
            Assert.True(problem is not null || offset + s_layout.ItemSize == noise.Length);
        }
    }
}

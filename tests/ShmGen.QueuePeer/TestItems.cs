using System;

namespace ShmGen.QueuePeer;

/// <summary>The item the process tests move: who made it, its number, and a checksum of both (catches torn copies).</summary>
[SharedQueue("shmgen-queue-test", Capacity = 1024)]
public partial struct TestItem
{
    /// <summary>The producer's id; <see cref="TestItems.StopProducer"/> tells a consumer to stop.</summary>
    public int Producer;

    /// <summary>0, 1, 2... per producer.</summary>
    public int Sequence;

    /// <summary><see cref="TestItems.Checksum"/> of the two fields above.</summary>
    public ulong Checksum;

    /// <summary>Filler derived from the checksum, so a torn copy of a wider item is caught too.</summary>
    public ulong Filler;
}

/// <summary>The same item in a queue of four slots: producers stall and consumers wait all the time.</summary>
[SharedQueue("shmgen-queue-small", Capacity = 4)]
public partial struct SmallItem
{
    /// <summary>See <see cref="TestItem.Producer"/>.</summary>
    public int Producer;

    /// <summary>See <see cref="TestItem.Sequence"/>.</summary>
    public int Sequence;

    /// <summary>See <see cref="TestItem.Checksum"/>.</summary>
    public ulong Checksum;

    /// <summary>See <see cref="TestItem.Filler"/>.</summary>
    public ulong Filler;
}

/// <summary>The same fields with capacity 8: opening a 4-slot queue as this must fail with both capacities named.</summary>
[SharedQueue("shmgen-queue-small8", Capacity = 8)] // a name of its own (SHM007); the tests open the 4-slot queue by SegmentOptions.Name
public partial struct SmallItem8
{
    /// <summary>See <see cref="TestItem.Producer"/>.</summary>
    public int Producer;

    /// <summary>See <see cref="TestItem.Sequence"/>.</summary>
    public int Sequence;

    /// <summary>See <see cref="TestItem.Checksum"/>.</summary>
    public ulong Checksum;

    /// <summary>See <see cref="TestItem.Filler"/>.</summary>
    public ulong Filler;
}

/// <summary>Making and checking test items.</summary>
public static class TestItems
{
    /// <summary>The producer id of the item that stops a consumer.</summary>
    public const int StopProducer = -1;

    /// <summary>SplitMix64's finalizer over both fields: any torn or mixed-up item fails the check.</summary>
    public static ulong Checksum(int producer, int sequence)
    {
        var z = ((ulong)(uint)producer << 32) | (uint)sequence;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A valid item.</summary>
    public static TestItem Make(int producer, int sequence)
    {
        var checksum = Checksum(producer, sequence);
        return new TestItem { Producer = producer, Sequence = sequence, Checksum = checksum, Filler = ~checksum };
    }

    /// <summary>A valid small item.</summary>
    public static SmallItem MakeSmall(int producer, int sequence)
    {
        var checksum = Checksum(producer, sequence);
        return new SmallItem { Producer = producer, Sequence = sequence, Checksum = checksum, Filler = ~checksum };
    }

    /// <summary>Whether the item is as its producer made it.</summary>
    public static bool IsIntact(in TestItem item) => item.Checksum == Checksum(item.Producer, item.Sequence) && item.Filler == ~item.Checksum;

    /// <summary>The small item as a <see cref="TestItem"/> (same fields).</summary>
    public static TestItem Widen(in SmallItem item) =>
        new() { Producer = item.Producer, Sequence = item.Sequence, Checksum = item.Checksum, Filler = item.Filler };
}

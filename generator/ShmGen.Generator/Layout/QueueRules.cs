namespace ShmGen.Layout;

/// <summary>The compile-time rules of <c>[SharedQueue]</c>, shared by the generator (skips invalid queues) and the analyzers (SHM009).</summary>
internal static class QueueRules
{
    /// <summary>The smallest capacity: a ring of one slot cannot tell full from empty.</summary>
    public const int MinCapacity = 2;

    /// <summary>The largest capacity (2^24): keeps the ring's sequence arithmetic and the segment size sane.</summary>
    public const int MaxCapacity = 1 << 24;

    /// <summary>A power of two (index = sequence &amp; (capacity - 1)) in [<see cref="MinCapacity"/>, <see cref="MaxCapacity"/>].</summary>
    public static bool IsValidCapacity(int capacity) =>
        capacity >= MinCapacity && capacity <= MaxCapacity && (capacity & (capacity - 1)) == 0;
}

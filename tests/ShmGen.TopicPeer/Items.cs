namespace ShmGen.TopicPeer;

/// <summary>
/// The item the topic tests publish: who published it, its number, a checksum of both and filler derived from the
/// checksum, so a copy torn anywhere in its 64 bytes is caught.
/// </summary>
[SharedTopic("shmgen-topic-test", Capacity = 1 << 20)]
public partial struct Tick
{
    /// <summary>The publisher's id.</summary>
    public long Publisher;

    /// <summary>0, 1, 2... per publisher.</summary>
    public long Sequence;

    /// <summary><see cref="Items.Checksum"/> of the two fields above.</summary>
    public ulong Checksum;

    /// <summary>Filler derived from the checksum.</summary>
    public ulong A, B, C, D, E;
}

/// <summary>The same fields in a ring of 16: a subscriber that dawdles is overrun.</summary>
[SharedTopic("shmgen-topic-small", Capacity = 16)]
public partial struct SmallTick
{
    /// <summary>See <see cref="Tick.Publisher"/>.</summary>
    public long Publisher;

    /// <summary>See <see cref="Tick.Sequence"/>.</summary>
    public long Sequence;

    /// <summary>See <see cref="Tick.Checksum"/>.</summary>
    public ulong Checksum;

    /// <summary>See <see cref="Tick.A"/>.</summary>
    public ulong A, B, C, D, E;
}

/// <summary>The same fields in a queue of 64 slots, for loans and batches.</summary>
[SharedQueue("shmgen-topicpeer-queue", Capacity = 64)]
public partial struct LoanItem
{
    /// <summary>See <see cref="Tick.Publisher"/>.</summary>
    public long Publisher;

    /// <summary>See <see cref="Tick.Sequence"/>.</summary>
    public long Sequence;

    /// <summary>See <see cref="Tick.Checksum"/>.</summary>
    public ulong Checksum;

    /// <summary>See <see cref="Tick.A"/>.</summary>
    public ulong A, B, C, D, E;
}

/// <summary>Making and checking items.</summary>
public static class Items
{
    /// <summary>A checksum no torn mix of two items matches.</summary>
    public static ulong Checksum(long publisher, long sequence) =>
        unchecked(((ulong)publisher * 0x9E3779B97F4A7C15UL) ^ ((ulong)sequence * 0xC2B2AE3D27D4EB4FUL) ^ 0x165667B19E3779F9UL);

    /// <summary>A topic item.</summary>
    public static Tick Tick(long publisher, long sequence)
    {
        var sum = Checksum(publisher, sequence);
        return new Tick { Publisher = publisher, Sequence = sequence, Checksum = sum, A = sum + 1, B = sum + 2, C = sum + 3, D = sum + 4, E = sum + 5 };
    }

    /// <summary>Whether every field agrees with the checksum.</summary>
    public static bool IsWhole(in Tick t) =>
        t.Checksum == Checksum(t.Publisher, t.Sequence) && t.A == t.Checksum + 1 && t.B == t.Checksum + 2 && t.C == t.Checksum + 3 && t.D == t.Checksum + 4 && t.E == t.Checksum + 5;

    /// <summary>The same item for the small topic.</summary>
    public static SmallTick Small(long publisher, long sequence)
    {
        var t = Tick(publisher, sequence);
        return new SmallTick { Publisher = t.Publisher, Sequence = t.Sequence, Checksum = t.Checksum, A = t.A, B = t.B, C = t.C, D = t.D, E = t.E };
    }

    /// <summary>Whether every field agrees with the checksum.</summary>
    public static bool IsWhole(in SmallTick s) =>
        IsWhole(new Tick { Publisher = s.Publisher, Sequence = s.Sequence, Checksum = s.Checksum, A = s.A, B = s.B, C = s.C, D = s.D, E = s.E });

    /// <summary>The same item for the queue.</summary>
    public static LoanItem Loan(long publisher, long sequence)
    {
        var t = Tick(publisher, sequence);
        return new LoanItem { Publisher = t.Publisher, Sequence = t.Sequence, Checksum = t.Checksum, A = t.A, B = t.B, C = t.C, D = t.D, E = t.E };
    }

    /// <summary>Whether every field agrees with the checksum.</summary>
    public static bool IsWhole(in LoanItem s) =>
        IsWhole(new Tick { Publisher = s.Publisher, Sequence = s.Sequence, Checksum = s.Checksum, A = s.A, B = s.B, C = s.C, D = s.D, E = s.E });
}

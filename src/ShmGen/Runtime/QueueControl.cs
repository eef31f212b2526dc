using System.Runtime.InteropServices;

namespace ShmGen.Runtime;

/// <summary>
/// The start of a queue's payload: its geometry (written once by the creator, checked by every opener), the two
/// positions and the two futex words, each on its own pair of cache lines so producers, consumers and waiters do not
/// false-share. The slots follow at <see cref="Size"/>. Part of the on-segment format: a change means a new
/// <see cref="CurrentVersion"/>, which is in every queue's layout description and so in its fingerprint.
/// </summary>
/// <remarks>
/// Each slot starts with a 64-bit state word: the low half is the slot's sequence number minus the slot's index
/// (so zero-filled memory is the correct initial state and creation need not touch the slots), the high half is the
/// <see cref="QueueClaim"/> of the process working on the slot, or zero when none does.
/// <list type="bullet">
/// <item>sequence = p, owner 0: free for the producer at position p.</item>
/// <item>sequence = p, owner X: producer X claimed position p and is copying its item in.</item>
/// <item>sequence = p + 1, owner 0: position p holds an item for the consumer at position p.</item>
/// <item>sequence = p + 1, owner <see cref="QueueClaim.Tombstone"/>: position p was claimed by a producer that died;
/// consumers release it without delivering anything.</item>
/// <item>sequence = p + 1, owner Y: consumer Y claimed position p and is copying its item out.</item>
/// <item>sequence = p + capacity, owner 0: free for the producer at position p + capacity.</item>
/// </list>
/// Positions and sequences are 32-bit and wrap; they are only ever compared by signed difference, and a capacity of at
/// most 2^24 keeps every difference far from the wrap.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal struct QueueControl
{
    /// <summary>Bytes before the first slot: five 128-byte blocks (adjacent-line prefetch pairs lines).</summary>
    public const int Size = 640;

    /// <summary>
    /// The slot protocol and geometry described above; part of <c>LayoutDescription</c> as <c>queue=2</c>. Version 2:
    /// slots that fit in a cache line take a whole line (version 1 packed them), so builds of the two versions refuse
    /// each other's queues by fingerprint instead of reading slots at the wrong stride.
    /// </summary>
    public const uint CurrentVersion = Contract.ShmContract.QueueProtocolVersion;

    [FieldOffset(0)] public uint Version;
    [FieldOffset(4)] public uint Capacity;
    [FieldOffset(8)] public uint SlotStride;
    [FieldOffset(12)] public uint ItemOffset;
    [FieldOffset(16)] public uint ItemSize;

    /// <summary>The next position a producer claims (advanced by the claimer or by anyone who sees it lag).</summary>
    [FieldOffset(128)] public uint EnqueuePosition;

    /// <summary>The next position a consumer claims.</summary>
    [FieldOffset(256)] public uint DequeuePosition;

    /// <summary>A <see cref="QueueSignal"/> word consumers park on while the queue is empty.</summary>
    [FieldOffset(384)] public int NotEmpty;

    /// <summary>A <see cref="QueueSignal"/> word producers park on while the queue is full.</summary>
    [FieldOffset(512)] public int NotFull;
}

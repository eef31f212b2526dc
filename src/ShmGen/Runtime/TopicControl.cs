using System.Runtime.InteropServices;

namespace ShmGen.Runtime;

/// <summary>
/// The start of a topic's payload: its geometry (written once by the creator, checked by every opener), the publish
/// counter and the subscribers' futex word, each on its own pair of cache lines. The slots follow at <see cref="Size"/>.
/// Part of the on-segment format: a change means a new <see cref="CurrentVersion"/>, which is in every topic's layout
/// description and so in its fingerprint.
/// </summary>
/// <remarks>
/// Each slot starts with a 64-bit state word. Its low half is a per-slot sequence lock over the item's sequence number
/// s (kept modulo 2^32): <c>2s + 1</c> while a publisher writes item s into the slot, <c>2s + 2</c> once item s is
/// published; zero-filled memory (nothing ever written) is the correct initial state. Its high half is the
/// <see cref="QueueClaim"/> of the publisher writing the slot, or zero once published, so a publisher that finds a slot
/// held by a dead writer can take it over.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal struct TopicControl
{
    /// <summary>Bytes before the first slot: three 128-byte blocks (adjacent-line prefetch pairs lines).</summary>
    public const int Size = 384;

    /// <summary>The slot protocol and geometry described above; part of <c>LayoutDescription</c> as <c>topic=2</c> (see <c>ShmContract.TopicProtocolVersion</c>).</summary>
    public const uint CurrentVersion = Contract.ShmContract.TopicProtocolVersion;

    [FieldOffset(0)] public uint Version;
    [FieldOffset(4)] public uint Capacity;
    [FieldOffset(8)] public uint SlotStride;
    [FieldOffset(12)] public uint ItemOffset;
    [FieldOffset(16)] public uint ItemSize;

    /// <summary>How many sequence numbers publishers have claimed: the next item's sequence number (a fetch-add).</summary>
    [FieldOffset(128)] public long NextSequence;

    /// <summary>A <see cref="QueueSignal"/> word subscribers park on while they have nothing to read.</summary>
    [FieldOffset(256)] public int Published;
}

using System;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using ShmGen.Inspection;

namespace ShmGen.Runtime;

/// <summary>
/// The compile-time facts about one <c>[SharedQueue]</c> item type that the generator hands to the runtime: name,
/// capacity, the item's size and alignment, and the queue's layout description and fingerprint (which cover the item
/// layout and the capacity). Derives the segment's geometry: a <see cref="QueueControl"/> block, then
/// <see cref="Capacity"/> slots. Infrastructure for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class QueueDefinition
{
    /// <summary>The smallest capacity (SHM009).</summary>
    internal const int MinCapacity = 2;

    /// <summary>The largest capacity (SHM009).</summary>
    internal const int MaxCapacity = 1 << 24;

    /// <summary>Slots up to this size are padded to it: one slot per cache line.</summary>
    private const int CacheLine = 64;

    private readonly string? _problem;

    /// <summary>Creates the definition (called once per generated queue type, from a static field initializer).</summary>
    /// <param name="defaultName">The attribute's name.</param>
    /// <param name="typeName">The item's C# type name, for messages.</param>
    /// <param name="layoutFingerprint">FNV-1a 64 of <paramref name="layoutDescription"/>.</param>
    /// <param name="layoutDescription">The queue's canonical layout: format version, capacity, then the item's layout.</param>
    /// <param name="capacity">A power of two in [<see cref="MinCapacity"/>, <see cref="MaxCapacity"/>].</param>
    /// <param name="itemSize">The item's size in bytes, as the generator's layout model computed it.</param>
    /// <param name="itemAlignment">The item's alignment in bytes (a power of two).</param>
    /// <param name="mode">The attribute's mode.</param>
    public QueueDefinition(
        string defaultName,
        string typeName,
        ulong layoutFingerprint,
        string layoutDescription,
        int capacity,
        int itemSize,
        int itemAlignment,
        UnixFileMode mode)
    {
        if (capacity < MinCapacity || capacity > MaxCapacity || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"A queue's capacity must be a power of two in [{MinCapacity}, {MaxCapacity}] (SHM009).");
        }

        if (itemSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(itemSize), itemSize, "An item has at least one byte.");
        }

        if (itemAlignment <= 0 || (itemAlignment & (itemAlignment - 1)) != 0 || itemAlignment > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(itemAlignment), itemAlignment, "An item's alignment is a power of two of at most 64 bytes.");
        }

        Capacity = capacity;
        ItemSize = itemSize;
        var expectedPrefix = string.Create(CultureInfo.InvariantCulture, $"queue={QueueControl.CurrentVersion};capacity={capacity};");
        if (!layoutDescription.StartsWith(expectedPrefix, StringComparison.Ordinal))
        {
            _problem = $"{typeName}: its queue was generated for another queue format ('{layoutDescription}' does not start with '{expectedPrefix}'); rebuild it with this version of ShmGen.";
        }

        // Each slot is its 8-byte state word, then the item at its natural alignment; strides keep every state word
        // 8-byte aligned (atomic) and every item naturally aligned. A slot that fits in a cache line gets a line of its
        // own (the slots start line-aligned): a consumer right behind a producer would otherwise pull the line the
        // producer is writing its next item into, once per item (8-byte items between two processes on this project's
        // 2-core machine: about 15 -> 25 million a second). Larger slots keep the compact stride: their items span lines
        // anyway, and padding 72-byte slots to 128 measured no faster.
        (ItemOffset, SlotStride) = SlotGeometry(itemSize, itemAlignment);

        var payload = QueueControl.Size + ((long)capacity * SlotStride);
        if (payload > int.MaxValue - SegmentHeader.Size - 64)
        {
            _problem ??= string.Create(
                CultureInfo.InvariantCulture,
                $"{typeName}: a queue of {capacity} slots of {SlotStride} bytes needs {payload} bytes, more than one ShmGen segment holds (2 GiB). Lower the Capacity.");
            payload = QueueControl.Size;
        }

        Segment = new SegmentDefinition(
            defaultName, typeName, SegmentKind.Queue, layoutFingerprint, layoutDescription, (int)payload, mode, SegmentFormat.Standard);
    }

    /// <summary>How many items the queue holds.</summary>
    internal int Capacity { get; }

    /// <summary>The item's size in bytes.</summary>
    internal int ItemSize { get; }

    /// <summary>The queue's segment: kind <see cref="SegmentKind.Queue"/>, payload = control block + slots.</summary>
    internal SegmentDefinition Segment { get; }

    /// <summary>Bytes from one slot to the next.</summary>
    internal int SlotStride { get; }

    /// <summary>Bytes from a slot's state word to its item.</summary>
    internal int ItemOffset { get; }

    /// <summary>
    /// Where a slot's item starts and how far apart slots are, for a ring whose slots begin with an 8-byte state word
    /// (queues and topics): the item at its natural alignment, strides that keep every state word 8-byte aligned, and a
    /// cache line of its own for a slot that fits in one.
    /// </summary>
    internal static (int ItemOffset, int SlotStride) SlotGeometry(int itemSize, int itemAlignment)
    {
        var slotAlignment = Math.Max(8, itemAlignment);
        var compact = (slotAlignment + itemSize + slotAlignment - 1) & ~(slotAlignment - 1);
        return (slotAlignment, compact <= CacheLine ? CacheLine : compact);
    }

    /// <summary>Throws when the queue would not fit in a segment, or its generated code does not match this runtime
    /// (checked before any system call).</summary>
    internal void VerifyUsable()
    {
        if (_problem is not null)
        {
            throw new NotSupportedException(_problem);
        }
    }
}

using System;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using ShmGen.Inspection;

namespace ShmGen.Runtime;

/// <summary>
/// The compile-time facts about one <c>[SharedTopic]</c> item type that the generator hands to the runtime: name,
/// capacity, the item's size and alignment, and the topic's layout description and fingerprint (which cover the item
/// layout and the capacity). Derives the segment's geometry: a <see cref="TopicControl"/> block, then
/// <see cref="Capacity"/> slots. Infrastructure for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TopicDefinition
{
    private readonly string? _problem;

    /// <summary>Creates the definition (called once per generated topic type, from a static field initializer).</summary>
    /// <param name="defaultName">The attribute's name.</param>
    /// <param name="typeName">The item's C# type name, for messages.</param>
    /// <param name="layoutFingerprint">FNV-1a 64 of <paramref name="layoutDescription"/>.</param>
    /// <param name="layoutDescription">The topic's canonical layout: format version, capacity, then the item's layout.</param>
    /// <param name="capacity">A power of two in [2, 2^24].</param>
    /// <param name="itemSize">The item's size in bytes, as the generator's layout model computed it.</param>
    /// <param name="itemAlignment">The item's alignment in bytes (a power of two).</param>
    /// <param name="mode">The attribute's mode.</param>
    public TopicDefinition(
        string defaultName,
        string typeName,
        ulong layoutFingerprint,
        string layoutDescription,
        int capacity,
        int itemSize,
        int itemAlignment,
        UnixFileMode mode)
    {
        if (capacity < QueueDefinition.MinCapacity || capacity > QueueDefinition.MaxCapacity || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"A topic's capacity must be a power of two in [{QueueDefinition.MinCapacity}, {QueueDefinition.MaxCapacity}] (SHM009).");
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
        var expectedPrefix = string.Create(CultureInfo.InvariantCulture, $"topic={TopicControl.CurrentVersion};capacity={capacity};");
        if (!layoutDescription.StartsWith(expectedPrefix, StringComparison.Ordinal))
        {
            _problem = $"{typeName}: its topic was generated for another topic format ('{layoutDescription}' does not start with '{expectedPrefix}'); rebuild it with this version of ShmGen.";
        }

        (ItemOffset, SlotStride) = QueueDefinition.SlotGeometry(itemSize, itemAlignment);
        var payload = TopicControl.Size + ((long)capacity * SlotStride);
        if (payload > int.MaxValue - SegmentHeader.Size - 64)
        {
            _problem ??= string.Create(
                CultureInfo.InvariantCulture,
                $"{typeName}: a topic of {capacity} slots of {SlotStride} bytes needs {payload} bytes, more than one ShmGen segment holds (2 GiB). Lower the Capacity.");
            payload = TopicControl.Size;
        }

        Segment = new SegmentDefinition(
            defaultName, typeName, SegmentKind.Topic, layoutFingerprint, layoutDescription, (int)payload, mode, SegmentFormat.Standard);
    }

    /// <summary>How many of the latest items the ring keeps.</summary>
    internal int Capacity { get; }

    /// <summary>The item's size in bytes.</summary>
    internal int ItemSize { get; }

    /// <summary>The topic's segment: kind <see cref="SegmentKind.Topic"/>, payload = control block + slots.</summary>
    internal SegmentDefinition Segment { get; }

    /// <summary>Bytes from one slot to the next.</summary>
    internal int SlotStride { get; }

    /// <summary>Bytes from a slot's state word to its item.</summary>
    internal int ItemOffset { get; }

    /// <summary>Throws when the topic would not fit in a segment, or its generated code does not match this runtime.</summary>
    internal void VerifyUsable()
    {
        if (_problem is not null)
        {
            throw new NotSupportedException(_problem);
        }
    }
}

using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using ShmGen.Contract;
using ShmGen.Runtime;

namespace ShmGen.Nats;

/// <summary>
/// One bridged item on the wire: a fixed 40-byte little-endian header, the sender's item layout description (in some
/// messages), then the item's bytes exactly as they are in shared memory.
/// <code>
///  0 u32 magic "SHMB"   4 u16 version (1)   6 u16 description length D   8 u32 item size N   12 u32 reserved (0)
/// 16 u64 layout fingerprint   24 u64 sequence number   32 i64 sent at (UTC ticks)   40 D bytes UTF-8   40+D N bytes item
/// </code>
/// The description lets a receiver built from another layout say which field differs, as a segment's open does,
/// without asking anyone. The queue bridge sends it in every message (each work-queue consumer sees only some of them,
/// and JetStream's per-message cost dwarfs the bytes). The topic bridge sends it in its first message and then at least
/// once a second or every <see cref="DescribeEvery"/> messages (D = 0 in the others): at 64-byte items the description
/// was two thirds of every message. A receiver remembers the descriptions of the mismatched fingerprints it has seen
/// (<see cref="DescriptionCache"/>), so every rejection after the first described message names the fields.
/// </summary>
internal static class WireFormat
{
    public const int HeaderSize = 40;
    public const uint Magic = 0x424D4853; // "SHMB"
    public const ushort Version = 1;

    /// <summary>The topic bridge describes its layout at least every this many messages.</summary>
    public const ulong DescribeEvery = 1024;

    /// <summary>The bytes of a message carrying one item of <paramref name="layout"/>, header and (unless
    /// <paramref name="described"/> is false) description filled in, the item left for the caller at <see cref="ItemOffset"/>.</summary>
    public static byte[] Template(ItemLayout layout, bool described = true)
    {
        var description = described ? Encoding.UTF8.GetBytes(layout.Description) : [];
        if (description.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"{layout.TypeName}'s layout description is longer than {ushort.MaxValue} bytes.", nameof(layout));
        }

        var message = new byte[HeaderSize + description.Length + layout.ItemSize];
        var span = message.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)description.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], layout.ItemSize);
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], layout.Fingerprint);
        description.CopyTo(span[HeaderSize..]);
        return message;
    }

    /// <summary>Where the item starts in a message of <paramref name="layout"/>.</summary>
    public static int ItemOffset(ItemLayout layout, byte[] template) => template.Length - layout.ItemSize;

    /// <summary>Stamps the per-message fields into a message made by <see cref="Template"/>.</summary>
    public static void Stamp(Span<byte> message, ulong sequence, long sentAtTicks)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(message[24..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(message[32..], sentAtTicks);
    }

    /// <summary>
    /// Checks a received message against this host's layout. Trusts nothing in it: any length or field that does not add
    /// up is a rejection, never an exception out of the bridge or a read past the message.
    /// </summary>
    /// <param name="message">The received bytes.</param>
    /// <param name="expected">This host's item layout.</param>
    /// <param name="source">Where it came from (subject, stream), for messages.</param>
    /// <param name="itemOffset">Where the item's bytes start when the message is accepted (they run to its end).</param>
    /// <param name="sequence">The sender's sequence number (0 when the header is unreadable).</param>
    /// <param name="sentAtTicks">When the sender took the item (UTC ticks).</param>
    /// <returns><see langword="null"/> when accepted, else why not: a <see cref="SegmentLayoutMismatchException"/> for another
    /// layout, a <see cref="SegmentCorruptedException"/> for bytes that are not a bridged item.</returns>
    /// <param name="known">Descriptions of mismatched layouts seen earlier, for messages that carry none; updated.</param>
    public static SharedSegmentException? Read(
        ReadOnlySpan<byte> message, ItemLayout expected, string source, out int itemOffset, out ulong sequence, out long sentAtTicks, DescriptionCache? known = null)
    {
        itemOffset = 0;
        sequence = 0;
        sentAtTicks = 0;
        if (message.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(message) != Magic)
        {
            return new SegmentCorruptedException(source, $"A {message.Length}-byte message on '{source}' is not a ShmGen bridge message (no SHMB header).");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(message[4..]);
        if (version != Version)
        {
            return new SegmentCorruptedException(source, $"A message on '{source}' has bridge format version {version}; this build reads version {Version}.");
        }

        var descriptionLength = BinaryPrimitives.ReadUInt16LittleEndian(message[6..]);
        var itemSize = BinaryPrimitives.ReadInt32LittleEndian(message[8..]);
        sequence = BinaryPrimitives.ReadUInt64LittleEndian(message[24..]);
        sentAtTicks = BinaryPrimitives.ReadInt64LittleEndian(message[32..]);
        if (itemSize < 0 || (long)HeaderSize + descriptionLength + itemSize != message.Length)
        {
            return new SegmentCorruptedException(
                source,
                string.Create(CultureInfo.InvariantCulture, $"Message {sequence} on '{source}' is {message.Length} bytes, but its header says {HeaderSize} + {descriptionLength} + {itemSize}."));
        }

        var fingerprint = BinaryPrimitives.ReadUInt64LittleEndian(message[16..]);
        if (fingerprint != expected.Fingerprint)
        {
            return LayoutMismatch(expected, source, sequence, fingerprint, message.Slice(HeaderSize, descriptionLength), known);
        }

        if (itemSize != expected.ItemSize)
        {
            return new SegmentCorruptedException(
                source, string.Create(CultureInfo.InvariantCulture, $"Message {sequence} on '{source}' carries {itemSize} bytes, but {expected.TypeName} is {expected.ItemSize}."));
        }

        itemOffset = HeaderSize + descriptionLength;
        return null;
    }

    // The text of a segment's layout mismatch (the runtime's SegmentValidation), with "sender" where it says "segment":
    // both fingerprints, then the fields that differ, computed by the same LayoutDescription code.
    private static SegmentLayoutMismatchException LayoutMismatch(
        ItemLayout expected, string source, ulong sequence, ulong fingerprint, ReadOnlySpan<byte> description, DescriptionCache? known)
    {
        var message = new StringBuilder()
            .Append("Message ").Append(sequence.ToString(CultureInfo.InvariantCulture)).Append(" on '").Append(source)
            .Append("' was sent with layout fingerprint 0x").Append(fingerprint.ToString("X16", CultureInfo.InvariantCulture))
            .Append(", but this build's ").Append(expected.TypeName).Append(" has 0x")
            .Append(expected.Fingerprint.ToString("X16", CultureInfo.InvariantCulture))
            .Append(": the two builds disagree about the struct's layout.");
        string? theirs;
        try
        {
            theirs = description.IsEmpty ? null : new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(description);
        }
        catch (ArgumentException)
        {
            theirs = null;
        }

        // Only a description that hashes to the message's fingerprint is the sender's: anything else would name wrong fields.
        if (theirs is not null && LayoutFingerprint.Compute(theirs) != fingerprint)
        {
            theirs = null;
        }

        if (theirs is not null)
        {
            known?.Remember(fingerprint, theirs);
        }
        else
        {
            theirs = known?.Find(fingerprint);
        }

        if (theirs is null)
        {
            message.Append(" (The sender's field list comes with its next described message.)");
        }
        else
        {
            var differences = LayoutDescription.Differences(expected.Description, theirs);
            if (differences.Count > 0)
            {
                message.Append(" Differences (this build vs sender): ").Append(string.Join("; ", differences)).Append('.');
            }
        }

        return new SegmentLayoutMismatchException(source, message.ToString(), expected.Fingerprint, fingerprint);
    }
}

/// <summary>
/// The layout descriptions of mismatched senders a receiver has seen, by fingerprint: bounded (a hostile sender cycling
/// fingerprints evicts the oldest, it cannot grow the cache), used by one receive loop at a time.
/// </summary>
internal sealed class DescriptionCache
{
    private const int Capacity = 16;
    private readonly Queue<(ulong Fingerprint, string Description)> _entries = new();

    public void Remember(ulong fingerprint, string description)
    {
        if (Find(fingerprint) is not null)
        {
            return;
        }

        if (_entries.Count == Capacity)
        {
            _entries.Dequeue();
        }

        _entries.Enqueue((fingerprint, description));
    }

    public string? Find(ulong fingerprint)
    {
        foreach (var (known, description) in _entries)
        {
            if (known == fingerprint)
            {
                return description;
            }
        }

        return null;
    }
}

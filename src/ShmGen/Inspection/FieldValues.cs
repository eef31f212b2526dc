using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace ShmGen.Inspection;

/// <summary>
/// Decodes payload bytes field by field, from the type names of the stored layout description (the CLR names the
/// layout model writes: <c>Int64</c>, <c>Double</c>, <c>Byte[16]</c>...). The bytes come from a peer: every offset and
/// length is checked against what was read, and a type it does not know is reported, never guessed.
/// </summary>
internal static class FieldValues
{
    public static List<SegmentFieldValue> Decode(SegmentLayoutInfo layout, ReadOnlySpan<byte> payload, long payloadSize)
    {
        var values = new List<SegmentFieldValue>(layout.Fields.Count);
        foreach (var field in layout.Fields)
        {
            var (element, length) = SplitArray(field.Type);
            var size = ElementSize(element);
            if (size is null || length is null)
            {
                values.Add(new SegmentFieldValue(field, null, $"type {field.Type} is not one the tool decodes"));
                continue;
            }

            var end = (long)field.Offset + ((long)size.Value * length.Value);
            if (field.Offset < 0 || end > payloadSize)
            {
                values.Add(new SegmentFieldValue(field, null, $"bytes {field.Offset}..{end} lie outside the {payloadSize}-byte payload"));
                continue;
            }

            if (end > payload.Length)
            {
                values.Add(new SegmentFieldValue(field, null, $"beyond the first {payload.Length} bytes, which is all the tool reads"));
                continue;
            }

            var bytes = payload.Slice(field.Offset, (int)(end - field.Offset));
            values.Add(new SegmentFieldValue(field, Format(element, size.Value, length.Value, field.Type.EndsWith(']'), bytes), null));
        }

        return values;
    }

    /// <summary>The bytes the fields need, at most <paramref name="limit"/>.</summary>
    public static int BytesNeeded(SegmentLayoutInfo layout, long payloadSize, int limit)
    {
        long needed = 0;
        foreach (var field in layout.Fields)
        {
            var (element, length) = SplitArray(field.Type);
            if (ElementSize(element) is { } size && length is { } n && field.Offset >= 0)
            {
                needed = Math.Max(needed, field.Offset + ((long)size * n));
            }
        }

        return (int)Math.Min(Math.Min(needed, payloadSize), limit);
    }

    private static string Format(string element, int size, int length, bool isArray, ReadOnlySpan<byte> bytes)
    {
        if (!isArray)
        {
            return FormatOne(element, bytes);
        }

        if (element is "Byte" or "SByte")
        {
            return "0x" + Convert.ToHexString(bytes);
        }

        var text = new StringBuilder("[");
        for (var i = 0; i < length; i++)
        {
            text.Append(i == 0 ? "" : ", ").Append(FormatOne(element, bytes.Slice(i * size, size)));
        }

        return text.Append(']').ToString();
    }

    private static string FormatOne(string type, ReadOnlySpan<byte> b)
    {
        var c = CultureInfo.InvariantCulture;
        return type switch
        {
            "Boolean" => b[0] switch { 0 => "false", 1 => "true", var raw => $"true (byte {raw})" },
            "Byte" => b[0].ToString(c),
            "SByte" => ((sbyte)b[0]).ToString(c),
            "Int16" => BinaryPrimitives.ReadInt16LittleEndian(b).ToString(c),
            "UInt16" => BinaryPrimitives.ReadUInt16LittleEndian(b).ToString(c),
            "Char" => Char(BinaryPrimitives.ReadUInt16LittleEndian(b)),
            "Int32" => BinaryPrimitives.ReadInt32LittleEndian(b).ToString(c),
            "UInt32" => BinaryPrimitives.ReadUInt32LittleEndian(b).ToString(c),
            "Int64" => BinaryPrimitives.ReadInt64LittleEndian(b).ToString(c),
            "UInt64" => BinaryPrimitives.ReadUInt64LittleEndian(b).ToString(c),
            "IntPtr" or "UIntPtr" => "0x" + BinaryPrimitives.ReadUInt64LittleEndian(b).ToString("X16", c),
            "Half" => BinaryPrimitives.ReadHalfLittleEndian(b).ToString("R", c),
            "Single" => BinaryPrimitives.ReadSingleLittleEndian(b).ToString("R", c),
            "Double" => BinaryPrimitives.ReadDoubleLittleEndian(b).ToString("R", c),
            "Int128" => BinaryPrimitives.ReadInt128LittleEndian(b).ToString(c),
            "UInt128" => BinaryPrimitives.ReadUInt128LittleEndian(b).ToString(c),
            "Guid" => new Guid(b).ToString(),
            "Decimal" => Decimal(b),
            "DateTime" => DateTimeText(BinaryPrimitives.ReadUInt64LittleEndian(b)),
            "DateTimeOffset" => DateTimeOffsetText(b),
            _ => "0x" + Convert.ToHexString(b),
        };
    }

    private static string Char(ushort code) =>
        code is >= 0x20 and < 0x7F ? $"'{(char)code}' (U+{code:X4})" : $"U+{code:X4}";

    private static string Decimal(ReadOnlySpan<byte> b)
    {
        // System.Decimal's fields: flags (sign, scale), hi32, lo64. Bits a real decimal never has are shown raw.
        var flags = BinaryPrimitives.ReadInt32LittleEndian(b);
        var hi = BinaryPrimitives.ReadInt32LittleEndian(b[4..]);
        var lo = BinaryPrimitives.ReadUInt64LittleEndian(b[8..]);
        var scale = (flags >> 16) & 0xFF;
        if ((flags & 0x7F00_FFFF) != 0 || scale > 28)
        {
            return "invalid decimal 0x" + Convert.ToHexString(b);
        }

        return new decimal((int)lo, (int)(lo >> 32), hi, flags < 0, (byte)scale).ToString(CultureInfo.InvariantCulture);
    }

    private static string DateTimeText(ulong data)
    {
        // DateTime's one field: ticks in the low 62 bits, the kind in the top two.
        var ticks = (long)(data & 0x3FFF_FFFF_FFFF_FFFFUL);
        if (ticks > DateTime.MaxValue.Ticks)
        {
            return $"invalid DateTime 0x{data:X16}";
        }

        var kind = (data >> 62) switch { 1 => "Utc", 0 => "Unspecified", _ => "Local" };
        return new DateTime(ticks).ToString("O", CultureInfo.InvariantCulture) + $" ({kind})";
    }

    private static string DateTimeOffsetText(ReadOnlySpan<byte> b)
    {
        // DateTimeOffset: a UTC DateTime, then the offset in minutes.
        var ticks = (long)(BinaryPrimitives.ReadUInt64LittleEndian(b) & 0x3FFF_FFFF_FFFF_FFFFUL);
        var minutes = BinaryPrimitives.ReadInt16LittleEndian(b[8..]);
        if (ticks > DateTime.MaxValue.Ticks || minutes is < -840 or > 840)
        {
            return "invalid DateTimeOffset 0x" + Convert.ToHexString(b);
        }

        var local = ticks + (minutes * TimeSpan.TicksPerMinute);
        return local < 0 || local > DateTime.MaxValue.Ticks
            ? "invalid DateTimeOffset 0x" + Convert.ToHexString(b)
            : new DateTimeOffset(new DateTime(local), TimeSpan.FromMinutes(minutes)).ToString("O", CultureInfo.InvariantCulture);
    }

    /// <summary><c>Int32[4]</c> → (Int32, 4); <c>Int64</c> → (Int64, 1); a malformed length → null.</summary>
    private static (string Element, int? Length) SplitArray(string type)
    {
        var open = type.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return (type, 1);
        }

        return type.EndsWith(']')
            && int.TryParse(type.AsSpan(open + 1, type.Length - open - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            && length is > 0 and <= 1 << 24
            ? (type[..open], length)
            : (type[..open], null);
    }

    private static int? ElementSize(string type) => type switch
    {
        "Boolean" or "Byte" or "SByte" => 1,
        "Int16" or "UInt16" or "Char" or "Half" => 2,
        "Int32" or "UInt32" or "Single" => 4,
        "Int64" or "UInt64" or "Double" or "IntPtr" or "UIntPtr" or "DateTime" => 8,
        "Int128" or "UInt128" or "Guid" or "Decimal" or "DateTimeOffset" => 16,
        _ => null,
    };
}

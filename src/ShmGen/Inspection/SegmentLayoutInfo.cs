using System;
using System.Collections.Generic;
using System.Globalization;

namespace ShmGen.Inspection;

/// <summary>One field of a segment's payload, as the generator laid it out.</summary>
/// <param name="Name">The field's path (<c>Inner.Value</c> for a field of a nested struct).</param>
/// <param name="Type">The field's type as the layout model names it (<c>Int64</c>, <c>Byte[16]</c>...).</param>
/// <param name="Offset">The byte offset from the start of the payload.</param>
public sealed record SegmentFieldInfo(string Name, string Type, int Offset);

/// <summary>A decoded layout description: the payload's size, alignment and fields, in offset order.</summary>
/// <param name="Size">The payload struct's size in bytes.</param>
/// <param name="Alignment">The payload struct's alignment in bytes.</param>
/// <param name="Fields">Every field, including the fields of nested structs.</param>
/// <param name="IsTruncated">Whether the header's copy of the description was cut at its capacity, so fields may be missing.</param>
public sealed record SegmentLayoutInfo(int Size, int Alignment, IReadOnlyList<SegmentFieldInfo> Fields, bool IsTruncated)
{
    /// <summary>Decodes <c>size=N;align=N;Field:Type@Offset;...</c> (a queue's item layout after its
    /// <c>queue=N;capacity=N;</c> prefix); <see langword="null"/> if it is not in that form.</summary>
    /// <param name="description">The description stored in a segment header.</param>
    /// <param name="isTruncated">Whether the description filled the header's capacity (its end may be cut).</param>
    public static SegmentLayoutInfo? Parse(string description, bool isTruncated = false)
    {
        ArgumentNullException.ThrowIfNull(description);
        int? size = null;
        int? alignment = null;
        var fields = new List<SegmentFieldInfo>();
        var parts = description.Split(';', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.StartsWith("size=", StringComparison.Ordinal) && TryParse(part.AsSpan(5), out var s))
            {
                size = s;
                continue;
            }

            if (part.StartsWith("align=", StringComparison.Ordinal) && TryParse(part.AsSpan(6), out var a))
            {
                alignment = a;
                continue;
            }

            // A queue's description starts with its slot protocol and capacity (queue=N;capacity=N;) before the item's.
            if ((part.StartsWith("queue=", StringComparison.Ordinal) && TryParse(part.AsSpan(6), out _))
                || (part.StartsWith("capacity=", StringComparison.Ordinal) && TryParse(part.AsSpan(9), out _)))
            {
                continue;
            }

            var colon = part.IndexOf(':', StringComparison.Ordinal);
            var at = part.LastIndexOf('@');
            if (colon > 0 && at > colon + 1 && TryParse(part.AsSpan(at + 1), out var offset))
            {
                fields.Add(new SegmentFieldInfo(part.Substring(0, colon), part.Substring(colon + 1, at - colon - 1), offset));
            }
            else if (!(isTruncated && i == parts.Length - 1))
            {
                return null;
            }
        }

        return size is null || alignment is null ? null : new SegmentLayoutInfo(size.Value, alignment.Value, fields, isTruncated);
    }

    private static bool TryParse(ReadOnlySpan<char> text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}

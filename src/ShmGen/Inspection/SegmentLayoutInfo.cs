using System;
using System.Collections.Generic;
using ShmGen.Contract;

namespace ShmGen.Inspection;

/// <summary>One field of a segment's payload, as the generator laid it out.</summary>
/// <param name="Name">The field's path (<c>Inner.Value</c> for a field of a nested struct).</param>
/// <param name="Type">The field's type as the layout model names it (<c>Int64</c>, <c>Byte[16]</c>, <c>Double[16]</c> for an inline array...).</param>
/// <param name="Offset">The byte offset from the start of the payload.</param>
public sealed record SegmentFieldInfo(string Name, string Type, int Offset);

/// <summary>A decoded layout description: the payload's size, alignment and fields, in offset order.</summary>
/// <param name="Size">The payload struct's size in bytes.</param>
/// <param name="Alignment">The payload struct's alignment in bytes.</param>
/// <param name="Fields">Every field, including the fields of nested structs.</param>
/// <param name="IsTruncated">Whether the header's copy of the description was cut at its capacity, so fields may be missing.</param>
public sealed record SegmentLayoutInfo(int Size, int Alignment, IReadOnlyList<SegmentFieldInfo> Fields, bool IsTruncated)
{
    /// <summary>
    /// Decodes <c>size=N;align=N;Field:Type@Offset;...</c> (a queue's description starts with <c>queue=N;capacity=N;</c>
    /// and describes its item); <see langword="null"/> if it is not in that form.
    /// </summary>
    /// <param name="description">The description stored in a segment header.</param>
    /// <param name="isTruncated">Whether the description filled the header's capacity (its end may be cut).</param>
    public static SegmentLayoutInfo? Parse(string description, bool isTruncated = false)
    {
        ArgumentNullException.ThrowIfNull(description);
        var parsed = LayoutDescription.Parse(description, isTruncated);
        if (parsed is not { Size: { } size, Alignment: { } alignment })
        {
            return null;
        }

        var fields = new List<SegmentFieldInfo>(parsed.Fields.Count);
        foreach (var field in parsed.Fields)
        {
            fields.Add(new SegmentFieldInfo(field.Path, field.Type, field.Offset));
        }

        return new SegmentLayoutInfo(size, alignment, fields, isTruncated);
    }
}

using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using ShmGen.Contract;

namespace ShmGen.Layout;

/// <summary>Why a struct cannot, or should not, live in shared memory. Each maps to one diagnostic ID.</summary>
internal enum LayoutProblemKind
{
    /// <summary>SHM001: not an unmanaged struct (class, generic, reference-type or unknown-layout field).</summary>
    NotUnmanagedStruct,

    /// <summary>SHM002: a field holds a process-local address.</summary>
    ProcessLocalAddress,

    /// <summary>SHM003: LayoutKind.Auto, so field order is not fixed between builds.</summary>
    AutoLayout,

    /// <summary>SHM004: a type with no fixed cross-language layout (bool, char, decimal, DateTime, ...).</summary>
    NonPortableType,

    /// <summary>SHM008: a field whose offset is not a multiple of its alignment.</summary>
    Misaligned,
}

/// <summary>One problem, located on the top-level field (or the annotated type) that causes it.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Symbol">The top-level field of the annotated struct (or the struct itself) to report on.</param>
/// <param name="Attribute">The attribute to report on, for layout attributes (StructLayout, FieldOffset).</param>
/// <param name="Subject">The field path or type the message names, e.g. "Inner.Flag" or "System.String".</param>
/// <param name="Detail">A short reason for the message.</param>
internal readonly record struct LayoutProblem(LayoutProblemKind Kind, ISymbol Symbol, AttributeData? Attribute, string Subject, string Detail);

/// <summary>One leaf of the flattened layout: a primitive, enum, pointer, fixed-size buffer or inline array of scalars.</summary>
/// <param name="Path">Dotted from the top-level field: "Inner.Count", "Items[2].X" in an inline array of structs.</param>
/// <param name="TypeName">The CLR name of the leaf type ("Int64"), "Double[16]" for fixed buffers and inline arrays.</param>
/// <param name="Offset">Bytes from the start of the annotated struct.</param>
/// <param name="Size">Bytes (all elements, for an array).</param>
/// <param name="Alignment">The natural alignment of the element type.</param>
/// <param name="CType">The C type of one element ("int64_t"), or null when C has no equivalent.</param>
/// <param name="ArrayLength">Elements, for fixed-size buffers and inline arrays; 0 for scalars.</param>
internal readonly record struct LayoutLeaf(string Path, string TypeName, int Offset, int Size, int Alignment, string? CType, int ArrayLength);

/// <summary>The computed layout of an annotated struct, as the CLR lays it out on 64-bit Linux.</summary>
internal sealed class TypeLayout
{
    public TypeLayout(int size, int alignment, ImmutableArray<LayoutLeaf> leaves, ImmutableArray<LayoutProblem> problems, int laidOutTypes)
    {
        Size = size;
        Alignment = alignment;
        Leaves = leaves;
        Problems = problems;
        LaidOutTypes = laidOutTypes;
        Description = LayoutDescription.Write(size, alignment, leaves.Select(l => new LayoutField(l.Path, l.TypeName, l.Offset)));
        Fingerprint = LayoutFingerprint.Compute(Description);
    }

    public int Size { get; }

    public int Alignment { get; }

    public ImmutableArray<LayoutLeaf> Leaves { get; }

    public ImmutableArray<LayoutProblem> Problems { get; }

    /// <summary>size=N;align=N;Path:Type@Offset;... — what the fingerprint hashes and the header stores.</summary>
    public string Description { get; }

    public ulong Fingerprint { get; }

    /// <summary>How many struct types were laid out to compute this: each distinct type once, however often it is nested.</summary>
    public int LaidOutTypes { get; }

    /// <summary>Whether the generator can emit code for it: no problem beyond warnings and infos.</summary>
    public bool IsShareable
    {
        get
        {
            foreach (var problem in Problems)
            {
                if (problem.Kind is LayoutProblemKind.NotUnmanagedStruct or LayoutProblemKind.ProcessLocalAddress or LayoutProblemKind.AutoLayout)
                {
                    return false;
                }
            }

            return true;
        }
    }
}

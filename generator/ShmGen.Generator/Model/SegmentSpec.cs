using ShmGen.Layout;

namespace ShmGen.Generator.Model;

/// <summary>Which attribute produced the spec.</summary>
internal enum SharedTypeKind
{
    Segment,
    Queue,
    Topic,
}

/// <summary>
/// Everything the emitter needs about one annotated struct: strings, numbers and equatable arrays only, never a
/// Roslyn symbol, node or compilation, so the incremental pipeline can cache it and compare it by value.
/// </summary>
internal sealed record SegmentSpec(
    SharedTypeKind Kind,
    string Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string TypeName,
    string FullyQualifiedTypeName,
    string DisplayTypeName,
    string Accessibility,
    string SegmentName,
    int Mode,
    int Format,
    int Capacity,
    int PayloadSize,
    int PayloadAlignment,
    ulong Fingerprint,
    string LayoutDescription,
    EquatableArray<FieldAccessorSpec> Fields,
    EquatableArray<LayoutLeaf> Leaves);

/// <summary>A type the annotated struct is nested in, outermost first: "partial class Outer".</summary>
internal readonly record struct ContainingTypeSpec(string Keyword, string Name);

/// <summary>One Guard accessor: a field declared as a field and visible to the generated type.</summary>
/// <param name="Name">The field's name, escaped for C# (@class).</param>
/// <param name="FullyQualifiedType">The field type, global::-qualified.</param>
/// <param name="Accessibility">"public" or "internal".</param>
/// <param name="IsReadOnly">A readonly field gets a ref readonly accessor.</param>
/// <param name="FixedBufferElementType">For a fixed-size buffer, the element type; it gets a Span accessor.</param>
/// <param name="FixedBufferLength">For a fixed-size buffer, its length.</param>
internal readonly record struct FieldAccessorSpec(
    string Name,
    string FullyQualifiedType,
    string Accessibility,
    bool IsReadOnly,
    string? FixedBufferElementType,
    int FixedBufferLength);

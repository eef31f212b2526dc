using ShmGen.Contract;

namespace ShmGen.Generator.Model;

/// <summary>Everything the emitter needs for one <c>[SharedSegment]</c> struct.</summary>
/// <param name="Type">The struct and the generated class's place and names.</param>
/// <param name="Format">Standard (header + payload) or Raw (the C struct alone).</param>
/// <param name="Layout">The payload's layout; its fingerprint is the segment's.</param>
/// <param name="Fields">One Guard accessor per field declared as a field and visible to the generated class.</param>
internal sealed record SegmentSpec(
    SharedTypeSpec Type,
    PayloadFormat Format,
    PayloadLayoutSpec Layout,
    EquatableArray<FieldAccessorSpec> Fields);

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

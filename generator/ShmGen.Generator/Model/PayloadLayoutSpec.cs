using ShmGen.Layout;

namespace ShmGen.Generator.Model;

/// <summary>The computed layout of a struct as the generated code and the C header need it.</summary>
/// <param name="Size">Bytes.</param>
/// <param name="Alignment">Bytes.</param>
/// <param name="Fingerprint">FNV-1a 64 of <paramref name="Description"/>.</param>
/// <param name="Description">The canonical layout description (the shared contract's format).</param>
/// <param name="Leaves">The flattened fields, for the C header.</param>
internal sealed record PayloadLayoutSpec(int Size, int Alignment, ulong Fingerprint, string Description, EquatableArray<LayoutLeaf> Leaves);

using ShmGen.Contract;

namespace ShmGen.Generator.Model;

/// <summary>
/// What every generated shared type (segment, queue, and the topics to come) knows about its annotated struct: where
/// the generated class goes, what it is called and which POSIX name and mode it gets. Strings, numbers and equatable
/// arrays only, never a Roslyn symbol, node or compilation, so the incremental pipeline can cache it by value.
/// </summary>
/// <param name="Namespace">The struct's namespace; empty for the global namespace.</param>
/// <param name="ContainingTypes">The types the struct is nested in, outermost first.</param>
/// <param name="TypeName">The struct's name: <c>Sample</c>.</param>
/// <param name="TypeKeyword">How a partial declaration of the struct is spelled: "struct" or "record struct".</param>
/// <param name="FullyQualifiedTypeName">global::-qualified, for generated code.</param>
/// <param name="DisplayTypeName">For messages and the segment header: <c>Demo.Sample</c>.</param>
/// <param name="Accessibility">The generated class's accessibility keyword, the struct's own.</param>
/// <param name="SharedName">The POSIX name from the attribute, without the leading '/'.</param>
/// <param name="Mode">The attribute's <c>Mode</c>, or the default 0600.</param>
internal sealed record SharedTypeSpec(
    string Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string TypeName,
    string TypeKeyword,
    string FullyQualifiedTypeName,
    string DisplayTypeName,
    string Accessibility,
    string SharedName,
    FileModeBits Mode);

/// <summary>A type the annotated struct is nested in, outermost first: "partial class Outer".</summary>
internal readonly record struct ContainingTypeSpec(string Keyword, string Name);

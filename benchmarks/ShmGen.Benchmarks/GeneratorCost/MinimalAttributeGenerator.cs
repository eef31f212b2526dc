using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ShmGen.Benchmarks.GeneratorCost;

/// <summary>
/// The floor any attribute-driven generator pays on the same input: ForAttributeWithMetadataName on
/// [SharedSegment] structs, a transform that touches the type's fields (binding their types), a one-line output.
/// ShmGenerator's cost over this is its own work: layout, fingerprint, emission. Driven directly, so it carries no
/// [Generator] attribute (this assembly is not a compiler extension).
/// </summary>
internal sealed class MinimalAttributeGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var names = context.SyntaxProvider.ForAttributeWithMetadataName(
            "ShmGen.SharedSegmentAttribute",
            static (node, _) => node is StructDeclarationSyntax,
            static (context, _) => context.TargetSymbol.Name + ":" + string.Join(",", ((INamedTypeSymbol)context.TargetSymbol)
                .GetMembers().OfType<IFieldSymbol>().Select(f => f.Type.ToDisplayString())));
        context.RegisterSourceOutput(names, static (output, name) =>
            output.AddSource(name.Split(':')[0] + ".g.cs", "// " + name));
    }
}

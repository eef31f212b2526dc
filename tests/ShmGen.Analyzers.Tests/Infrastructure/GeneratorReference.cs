using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ShmGen.Generator;

namespace ShmGen.Analyzers.Tests.Infrastructure;

/// <summary>
/// The real ShmGen generator as an analyzer reference of the test project, the way a package consumer has it: the
/// workspace runs it for every compilation, so analyzers and code fixes (whose semantic models come from the workspace)
/// both see the generated segment types.
/// </summary>
internal sealed class GeneratorReference : AnalyzerReference
{
    public static GeneratorReference Instance { get; } = new();

    private readonly ImmutableArray<ISourceGenerator> _generators = [new ShmGenerator().AsSourceGenerator()];

    private GeneratorReference()
    {
    }

    public override string? FullPath => null;

    public override object Id => typeof(ShmGenerator);

    public override string Display => nameof(ShmGenerator);

    public override ImmutableArray<DiagnosticAnalyzer> GetAnalyzersForAllLanguages() => [];

    public override ImmutableArray<DiagnosticAnalyzer> GetAnalyzers(string language) => [];

    public override ImmutableArray<ISourceGenerator> GetGeneratorsForAllLanguages() => _generators;

    public override ImmutableArray<ISourceGenerator> GetGenerators(string language) =>
        language == LanguageNames.CSharp ? _generators : [];
}

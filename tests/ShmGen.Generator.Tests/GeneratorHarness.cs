using System.Collections.Immutable;
using System.Linq;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ShmGen.Generator.Tests;

/// <summary>Runs the real generator over source text, against .NET 10 reference assemblies (no download) and ShmGen.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> s_references =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(SharedSegmentAttribute).Assembly.Location),
    ];

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "Tests",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            s_references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable, warningLevel: 9999)
                // ShmGen targets net8.0 and the tests compile against net10.0 reference assemblies: the SDK silences
                // these unification notices (NoWarn 1701;1702) in every real build, so the harness does too.
                .WithSpecificDiagnosticOptions([new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new ShmGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns its output and the compilation with the output added.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(params string[] sources)
    {
        var compilation = Compile(sources);
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>
    /// The single generated file's text (one annotated type per input), after <see cref="IncrementalChecks"/> proved
    /// the run over this input caches: what every snapshot test goes through.
    /// </summary>
    public static string CachedSingleOutput(params string[] sources)
    {
        var result = IncrementalChecks.RunAndAssertCacheable(sources);
        var generated = Assert.Single(Assert.Single(result.Results).GeneratedSources);
        return generated.SourceText.ToString();
    }

    /// <summary>The single generated file's text (the tests use one annotated type each).</summary>
    public static string SingleOutput(params string[] sources)
    {
        var (result, _) = Run(sources);
        var generated = Assert.Single(Assert.Single(result.Results).GeneratedSources);
        return generated.SourceText.ToString();
    }
}

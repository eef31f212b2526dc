using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using ShmGen.Analyzers.Tests.Infrastructure;
using ShmGen.Generator;

namespace ShmGen.Analyzers.Tests;

/// <summary>
/// The repository's samples are the first corpus (issue 3): every analyzer runs over each sample, with the generator,
/// and reports nothing above info. A sample that does not compile here fails too, so the check cannot pass vacuously.
/// </summary>
public class RepositoryCorpusTests
{
    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var project in Directory.GetFiles(RepositoryPaths.Combine("samples"), "*.csproj", SearchOption.AllDirectories).Order())
        {
            data.Add(Path.GetRelativePath(RepositoryPaths.Root, Path.GetDirectoryName(project)!));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Samples_produce_no_ShmGen_warnings(string sample)
    {
        var directory = RepositoryPaths.Combine(sample);
        var trees = Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), new CSharpParseOptions(LanguageVersion.Latest), f))
            .ToList();
        Assert.NotEmpty(trees);

        var compilation = CSharpCompilation.Create(
            "Corpus",
            trees,
            [.. Basic.Reference.Assemblies.Net100.References.All, MetadataReference.CreateFromFile(typeof(SegmentOptions).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create(new ShmGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out var generated, out _);

        var errors = generated.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));

        ImmutableArray<DiagnosticAnalyzer> analyzers =
        [
            new LayoutAnalyzer(), new DeclarationAnalyzer(), new SegmentNameAnalyzer(),
            new ModeAnalyzer(), new LifetimeAnalyzer(), new LockDisciplineAnalyzer(),
        ];
        var diagnostics = await generated.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        var findings = diagnostics.Where(d => d.Severity > DiagnosticSeverity.Info).ToList();
        Assert.True(findings.Count == 0, string.Join("\n", findings));
    }
}

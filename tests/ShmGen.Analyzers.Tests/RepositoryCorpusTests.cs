using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
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

        var diagnostics = await generated.WithAnalyzers(AllAnalyzers).GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        var findings = diagnostics.Where(d => d.Severity > DiagnosticSeverity.Info).ToList();
        Assert.True(findings.Count == 0, string.Join("\n", findings));
    }

    /// <summary>
    /// The README's C# snippets that declare a shared type (the API example, the queue, the topic...) pasted as they
    /// are: each compiles (its statements moved before its types, as top-level statements must be) and every analyzer
    /// is silent on it. The API example and the queue snippet must be among them, so the check cannot pass vacuously.
    /// </summary>
    [Fact]
    public async Task Readme_snippets_produce_no_ShmGen_warnings()
    {
        var readme = File.ReadAllText(RepositoryPaths.Combine("README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var snippets = Regex.Matches(readme, "```csharp\n(.*?)```", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value)
            .Where(s => s.Contains("[Shared", StringComparison.Ordinal))
            .ToList();
        var checkedSnippets = new List<string>();
        var failures = new List<string>();
        foreach (var snippet in snippets)
        {
            var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(snippet, new CSharpParseOptions(LanguageVersion.Latest)).GetRoot();
            var source = "using System;\nusing System.Threading;\nusing ShmGen;\n" + string.Concat(root.Usings.Select(u => u.ToFullString())) +
                string.Concat(root.Members.OfType<GlobalStatementSyntax>().Select(m => m.ToFullString())) + "\n" +
                string.Concat(root.Members.Where(m => m is not GlobalStatementSyntax).Select(m => m.ToFullString()));
            var compilation = CSharpCompilation.Create(
                "Readme",
                [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
                [.. Basic.Reference.Assemblies.Net100.References.All, MetadataReference.CreateFromFile(typeof(SegmentOptions).Assembly.Location)],
                new CSharpCompilationOptions(OutputKind.ConsoleApplication, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
            CSharpGeneratorDriver.Create(new ShmGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out var generated, out _);
            if (generated.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                continue; // a fragment that needs the text around it (a type defined elsewhere in the README)
            }

            checkedSnippets.Add(snippet);
            var diagnostics = await generated.WithAnalyzers(AllAnalyzers).GetAnalyzerDiagnosticsAsync(CancellationToken.None);
            failures.AddRange(diagnostics.Where(d => d.Severity > DiagnosticSeverity.Info).Select(d => $"{d} in\n{snippet}"));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Contains(checkedSnippets, s => s.Contains("JobQueue.OpenOrCreate", StringComparison.Ordinal));
        Assert.Contains(checkedSnippets, s => s.Contains("SampleSegment.Create()", StringComparison.Ordinal));
    }

    private static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers =>
    [
        new LayoutAnalyzer(), new DeclarationAnalyzer(), new SegmentNameAnalyzer(),
        new ModeAnalyzer(), new LifetimeAnalyzer(), new LockDisciplineAnalyzer(), new GuardWaitAnalyzer(),
    ];
}

using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace ShmGen.Analyzers.Tests.Infrastructure;

/// <summary>An analyzer test with ShmGen's references and generator (see <see cref="ShmGenTestSetup"/>).</summary>
internal sealed class ShmGenAnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public ShmGenAnalyzerTest()
    {
        ShmGenTestSetup.Apply(this);
    }

    protected override ParseOptions CreateParseOptions() => ShmGenTestSetup.ParseOptions((CSharpParseOptions)base.CreateParseOptions());

    protected override CompilationOptions CreateCompilationOptions() => ShmGenTestSetup.CompilationOptions((CSharpCompilationOptions)base.CreateCompilationOptions());
}

/// <summary>A code-fix test with ShmGen's references and generator (see <see cref="ShmGenTestSetup"/>).</summary>
internal sealed class ShmGenCodeFixTest<TAnalyzer, TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public ShmGenCodeFixTest()
    {
        ShmGenTestSetup.Apply(this);
    }

    protected override ParseOptions CreateParseOptions() => ShmGenTestSetup.ParseOptions((CSharpParseOptions)base.CreateParseOptions());

    protected override CompilationOptions CreateCompilationOptions() => ShmGenTestSetup.CompilationOptions((CSharpCompilationOptions)base.CreateCompilationOptions());
}

/// <summary>Short entry points: <c>await Verify&lt;LockDisciplineAnalyzer&gt;.AnalyzerAsync(source)</c>.</summary>
internal static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);

    /// <summary>An expected diagnostic by ID and severity, without checking its message.</summary>
    public static DiagnosticResult Diagnostic(string id, DiagnosticSeverity severity) => new(id, severity);

    /// <summary>Runs the analyzer (and the generator) over <paramref name="source"/>; markup gives the expected diagnostics.</summary>
    public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected) =>
        AnalyzerAsync([source], expected);

    public static Task AnalyzerAsync(string[] sources, params DiagnosticResult[] expected)
    {
        var test = new ShmGenAnalyzerTest<TAnalyzer>();
        foreach (var source in sources)
        {
            test.TestState.Sources.Add(ShmGenTestSetup.Usings + source);
        }

        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>Applies <typeparamref name="TCodeFix"/> one diagnostic at a time and as Fix All; both must reach <paramref name="fixedSource"/>.</summary>
    public static Task CodeFixAsync<TCodeFix>(string source, string fixedSource, params DiagnosticResult[] expected)
        where TCodeFix : CodeFixProvider, new() =>
        CodeFixAsync<TCodeFix>(source, fixedSource, incrementalIterations: null, expected);

    /// <param name="incrementalIterations">How many one-at-a-time fixes reach the fixed source, when one fix resolves several diagnostics.</param>
    public static Task CodeFixAsync<TCodeFix>(string source, string fixedSource, int? incrementalIterations, params DiagnosticResult[] expected)
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new ShmGenCodeFixTest<TAnalyzer, TCodeFix>
        {
            TestCode = ShmGenTestSetup.Usings + source,
            FixedCode = ShmGenTestSetup.Usings + fixedSource,
            NumberOfIncrementalIterations = incrementalIterations,
        };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using ShmGen.Analyzers;
using ShmGen.Generator;

namespace ShmGen.Benchmarks.GeneratorCost;

/// <summary>
/// The <c>analyzers</c> mode: how long ShmGen's analyzers take on one large file, the way a build runs them. The file
/// has 1,000 methods, 500 of which use segments the ways the lock and lifetime rules follow (locks and writes, TryLock
/// branches, early returns, loops, lambdas, create/unlink/dispose), with a few deliberate mistakes so the rules have
/// something to find. Each repetition builds a fresh compilation (nothing bound yet), runs the generator, and then the
/// analyzers with Roslyn's own per-analyzer execution-time accounting, so the column for an analyzer is its time and
/// not the binding it forces. The wall-clock column is all of GetAnalyzerDiagnosticsAsync, binding included.
/// </summary>
internal static class AnalyzerCostRunner
{
    private const int Repetitions = 7;
    private const int Methods = 1000;
    private const int SegmentUses = 500;

    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.Latest);

    public static int Run()
    {
        var references = Basic.Reference.Assemblies.Net100.References.All
            .Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(SharedSegmentAttribute).Assembly.Location))
            .ToList();
        var tree = CSharpSyntaxTree.ParseText(Source(), s_parseOptions, path: "Uses.cs");
        ImmutableArray<DiagnosticAnalyzer> analyzers =
        [
            new LayoutAnalyzer(), new DeclarationAnalyzer(), new SegmentNameAnalyzer(), new ModeAnalyzer(),
            new LifetimeAnalyzer(), new LockDisciplineAnalyzer(), new GuardWaitAnalyzer(),
        ];

        // Roslyn and the analyzers are JIT-compiled on first use: time steady-state runs, as in a long-lived compiler server.
        for (var i = 0; i < 2; i++)
        {
            Measure(tree, references, analyzers);
        }

        var runs = Enumerable.Range(0, Repetitions).Select(_ => Measure(tree, references, analyzers)).ToList();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"ShmGen analyzers over one file of {Methods:N0} methods with {SegmentUses} segment uses, median of {Repetitions} fresh compilations (min in parentheses); Roslyn {typeof(CSharpCompilation).Assembly.GetName().Version}.");
        text.AppendLine();
        text.AppendLine("| analyzer | execution time (ms) |");
        text.AppendLine("|---|---:|");
        foreach (var analyzer in analyzers)
        {
            var times = runs.Select(r => r.PerAnalyzer[analyzer.GetType().Name]).ToList();
            text.AppendLine(CultureInfo.InvariantCulture, $"| {analyzer.GetType().Name} | {Median(times):F1} ({times.Min():F1}) |");
        }

        var totals = runs.Select(r => r.PerAnalyzer.Values.Sum()).ToList();
        var walls = runs.Select(r => r.Wall).ToList();
        text.AppendLine(CultureInfo.InvariantCulture, $"| all ShmGen analyzers | {Median(totals):F1} ({totals.Min():F1}) |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| wall clock of the analyzer pass, binding included | {Median(walls):F1} ({walls.Min():F1}) |");
        text.AppendLine();
        text.AppendLine("Diagnostics found (the deliberate mistakes): " + string.Join(", ", runs[0].Found.OrderBy(p => p.Key).Select(p => $"{p.Key} x{p.Value}")));
        Console.WriteLine(text);
        return runs[0].Found.Count == 0 ? 1 : 0;
    }

    private static Measurement Measure(SyntaxTree tree, List<MetadataReference> references, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var compilation = CSharpCompilation.Create(
            "AnalyzerCost",
            [tree],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create(new ShmGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out var generated, out _);
        var withAnalyzers = generated.WithAnalyzers(
            analyzers,
            new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: true));
        var watch = Stopwatch.StartNew();
        var diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
        var wall = watch.Elapsed.TotalMilliseconds;
        var perAnalyzer = new Dictionary<string, double>();
        foreach (var analyzer in analyzers)
        {
            var telemetry = withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None).GetAwaiter().GetResult();
            perAnalyzer[analyzer.GetType().Name] = telemetry.ExecutionTime.TotalMilliseconds;
        }

        var found = diagnostics.GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.Count());
        return new Measurement(perAnalyzer, wall, found);
    }

    /// <summary>10 segment types and one class: every other method uses a segment, in one of ten shapes.</summary>
    private static string Source()
    {
        var text = new StringBuilder();
        text.AppendLine("using System; using System.Threading; using ShmGen;");
        text.AppendLine("namespace Bench;");
        for (var type = 0; type < 10; type++)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $$"""
                [SharedSegment("analyzer-bench-{{type}}")]
                public partial struct Stats{{type}} { public long Count; public long Total; public int Flags; }
                """);
        }

        text.AppendLine("public static class Uses {");
        var uses = 0;
        for (var method = 0; method < Methods; method++)
        {
            var type = method % 10;
            if (method % 2 == 1 || uses >= SegmentUses)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $$"""
                    public static long Plain{{method}}(long[] values) { long sum = 0; for (var i = 0; i < values.Length; i++) { if (values[i] > {{method}}) sum += values[i]; } return sum; }
                    """);
                continue;
            }

            uses++;
            var shape = (method / 2) % 10;
            text.AppendLine(shape switch
            {
                0 => $$"""public static void Use{{method}}(Stats{{type}}Segment s) { using var g = s.Lock(); g.Count++; g.Total += {{method}}; }""",
                1 => $$"""public static bool Use{{method}}(Stats{{type}}Segment s) { if (!s.TryLock(TimeSpan.FromMilliseconds(5), out var g)) return false; using (g) { s.Data.Count++; } return true; }""",
                2 => $$"""public static long Use{{method}}(Stats{{type}}Segment s, bool early) { var g = s.Lock(); try { if (early) return 0; return g.Count; } finally { g.Dispose(); } }""",
                3 => $$"""public static void Use{{method}}(Stats{{type}}Segment s, int n) { for (var i = 0; i < n; i++) { using var g = s.Lock(); ref var d = ref g.Data; d.Count += i; } }""",
                4 => $$"""public static void Use{{method}}(Stats{{type}}Segment s) { Interlocked.Increment(ref s.Data.Count); var c = s.Data.Total; Console.WriteLine(c); }""",
                5 => $$"""public static void Use{{method}}() { var s = Stats{{type}}Segment.Create(new SegmentOptions { Name = "bench-{{method}}" }); try { using var g = s.Lock(); g.Flags = 1; } finally { s.Unlink(); s.Dispose(); } }""",
                6 => $$"""public static long Use{{method}}() { using var s = Stats{{type}}Segment.Open(); using var g = s.Lock(); return g.Total; }""",
                7 => $$"""public static Action Use{{method}}(Stats{{type}}Segment s) => () => { using var g = s.Lock(); g.Count--; };""",
                8 => $$"""public static void Use{{method}}(Stats{{type}}Segment s) { using var g = s.Lock(); while (g.Count == 0) g.Wait(TimeSpan.FromMilliseconds(1)); g.Count--; }""",
                // The deliberate mistake, one use in ten: a write after the guard's scope.
                _ => $$"""public static void Use{{method}}(Stats{{type}}Segment s) { using (var g = s.Lock()) { g.Count = 1; } s.Data.Total = 2; }""",
            });
        }

        text.AppendLine("}");
        return text.ToString();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private sealed record Measurement(Dictionary<string, double> PerAnalyzer, double Wall, Dictionary<string, int> Found);
}

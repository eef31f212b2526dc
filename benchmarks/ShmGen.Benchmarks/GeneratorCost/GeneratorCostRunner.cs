using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ShmGen.Generator;

namespace ShmGen.Benchmarks.GeneratorCost;

/// <summary>
/// The <c>generator</c> mode: how long ShmGenerator takes, driven by a <see cref="GeneratorDriver"/> the way the
/// compiler and the IDE drive it. Cold: a fresh compilation (parsed trees reused, nothing bound yet) and a fresh driver
/// for 10/100/1000 annotated structs, so the time includes the binding the generator's pipeline forces. Edit: the
/// driver of a finished run, given a compilation where one unrelated file changed, which is what the IDE does on every
/// keystroke; every tracked step must come back Cached or Unchanged.
/// </summary>
internal static class GeneratorCostRunner
{
    private const int Repetitions = 5;

    // The generator's named steps (its internal TrackingNames). Roslyn's own ForAttributeWithMetadataName steps are left
    // out: the edited file's syntax steps are rightly Modified.
    private static readonly string[] s_generatorSteps = ["SegmentSpecs", "ValidSegments"];

    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.Latest);

    public static int Run(int[] counts)
    {
        var references = Basic.Reference.Assemblies.Net100.References.All
            .Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(SharedSegmentAttribute).Assembly.Location))
            .ToList();

        // Roslyn and the generator are JIT-compiled on first use; time steady-state runs, as in a long-lived compiler server.
        for (var i = 0; i < 3; i++)
        {
            Measure(50, references);
        }

        var rows = counts.Select(count => Measure(count, references)).ToList();
        var failed = false;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"ShmGenerator cost, median of {Repetitions} runs (min in parentheses); Roslyn {typeof(CSharpCompilation).Assembly.GetName().Version}.");
        text.AppendLine();
        text.AppendLine("| annotated structs | cold run (ms) | minimal FAWMN generator, cold (ms) | unrelated edit on a reused driver (ms) | minimal generator, same edit (ms) | edit: tracked step outputs Cached/Unchanged |");
        text.AppendLine("|---:|---:|---:|---:|---:|---|");
        foreach (var row in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Structs} | {row.Cold.Median:F1} ({row.Cold.Min:F1}) | {row.MinimalCold.Median:F1} ({row.MinimalCold.Min:F1}) | {row.Edit.Median:F2} ({row.Edit.Min:F2}) | {row.MinimalEdit.Median:F2} ({row.MinimalEdit.Min:F2}) | {row.CachedSteps}/{row.TotalSteps}{(row.CachedSteps == row.TotalSteps ? string.Empty : " (NOT incremental)")} |");
            failed |= row.TotalSteps == 0 || row.CachedSteps != row.TotalSteps || row.GeneratedFiles != row.Structs;
        }

        Console.WriteLine(text);
        return failed ? 1 : 0;
    }

    private static Row Measure(int count, List<MetadataReference> references)
    {
        var trees = Enumerable.Range(0, count).Select(StructTree).ToList();
        var unrelated = CSharpSyntaxTree.ParseText(UnrelatedSource(41), s_parseOptions, path: "Unrelated.cs");
        trees.Add(unrelated);
        var edited = CSharpSyntaxTree.ParseText(UnrelatedSource(42), s_parseOptions, path: "Unrelated.cs");

        var (cold, edit, generatedFiles) = Time(new ShmGenerator(), trees, unrelated, edited, references);
        var (minimalCold, minimalEdit, _) = Time(new MinimalAttributeGenerator(), trees, unrelated, edited, references);
        var (cached, total) = TrackedEdit(trees, unrelated, edited, references);
        return new Row(count, cold, edit, minimalCold, minimalEdit, generatedFiles, cached, total);
    }

    private static (Stats Cold, Stats Edit, int GeneratedFiles) Time(
        IIncrementalGenerator generator, List<SyntaxTree> trees, SyntaxTree unrelated, SyntaxTree edited, List<MetadataReference> references)
    {
        var cold = new List<double>();
        var edit = new List<double>();
        var generatedFiles = 0;
        for (var repetition = 0; repetition < Repetitions; repetition++)
        {
            var compilation = NewCompilation(trees, references);
            GeneratorDriver driver = CSharpGeneratorDriver.Create([generator.AsSourceGenerator()], parseOptions: s_parseOptions);
            var watch = Stopwatch.StartNew();
            driver = driver.RunGenerators(compilation);
            cold.Add(watch.Elapsed.TotalMilliseconds);
            generatedFiles = driver.GetRunResult().GeneratedTrees.Length;

            var next = compilation.ReplaceSyntaxTree(unrelated, edited);
            watch.Restart();
            driver.RunGenerators(next);
            edit.Add(watch.Elapsed.TotalMilliseconds);
        }

        return (Stats.Of(cold), Stats.Of(edit), generatedFiles);
    }

    /// <summary>The same edit with step tracking on: how many tracked step outputs were Cached or Unchanged.</summary>
    private static (int Cached, int Total) TrackedEdit(List<SyntaxTree> trees, SyntaxTree unrelated, SyntaxTree edited, List<MetadataReference> references)
    {
        var compilation = NewCompilation(trees, references);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new ShmGenerator().AsSourceGenerator()],
            parseOptions: s_parseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGenerators(compilation);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(unrelated, edited));
        var outputs = driver.GetRunResult().Results
            .SelectMany(r => r.TrackedSteps.Where(s => s_generatorSteps.Contains(s.Key)).SelectMany(s => s.Value))
            .SelectMany(step => step.Outputs)
            .ToList();
        return (outputs.Count(o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged), outputs.Count);
    }

    private static CSharpCompilation NewCompilation(List<SyntaxTree> trees, List<MetadataReference> references) =>
        CSharpCompilation.Create(
            "GeneratorCost",
            trees,
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

    private static SyntaxTree StructTree(int index) => CSharpSyntaxTree.ParseText(
        string.Create(CultureInfo.InvariantCulture, $$"""
            namespace Bench.Group{{index % 10}};

            [global::ShmGen.SharedSegment("bench-{{index}}")]
            public partial struct Telemetry{{index}}
            {
                public long Sequence;
                public int Count;
                public int Flags;
                public double Value;
                public ulong Timestamp;
            }
            """),
        s_parseOptions,
        path: $"Telemetry{index}.cs");

    private static string UnrelatedSource(int answer) => string.Create(CultureInfo.InvariantCulture, $$"""
        namespace Bench;

        public static class Unrelated
        {
            public static int Answer() => {{answer}};
        }
        """);

    private sealed record Row(int Structs, Stats Cold, Stats Edit, Stats MinimalCold, Stats MinimalEdit, int GeneratedFiles, int CachedSteps, int TotalSteps);

    private sealed record Stats(double Median, double Min)
    {
        public static Stats Of(List<double> values)
        {
            var sorted = values.Order().ToList();
            return new Stats(sorted[sorted.Count / 2], sorted[0]);
        }
    }
}

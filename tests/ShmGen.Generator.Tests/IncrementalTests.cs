using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ShmGen.Generator.Tests;

public sealed class IncrementalTests
{
    private const string Annotated = """
        using ShmGen;

        namespace Demo;

        [SharedSegment("sample")]
        public partial struct Sample
        {
            public ulong Value;
        }

        [SharedQueue("jobs", Capacity = 64)]
        public partial struct Job
        {
            public long Id;
        }
        """;

    private const string Unrelated = """
        namespace Demo;

        public static class Helper
        {
            public static int Twice(int x) => x * 2;
        }
        """;

    [Fact]
    public void An_unrelated_edit_leaves_every_tracked_step_cached_or_unchanged()
    {
        var compilation = GeneratorHarness.Compile(Annotated, Unrelated);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText(Unrelated.Replace("x * 2", "x + x", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: "Source1.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Equal(IncrementalChecks.TrackedSteps.Length, result.TrackedSteps.Keys.Count(IncrementalChecks.TrackedSteps.Contains));
        IncrementalChecks.AssertCachedOrUnchanged(result);
    }

    [Fact]
    public void Editing_the_annotated_struct_regenerates_it()
    {
        var compilation = GeneratorHarness.Compile(Annotated, Unrelated);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.First(),
            CSharpSyntaxTree.ParseText(Annotated.Replace("ulong Value", "long Value", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: "Source0.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var reasons = result.TrackedSteps[TrackingNames.ValidSegments].SelectMany(r => r.Outputs).Select(o => o.Reason);
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
        var queueReasons = result.TrackedSteps[TrackingNames.ValidQueues].SelectMany(r => r.Outputs).Select(o => o.Reason);
        Assert.All(queueReasons, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"queue step was {reason}"));
    }

    [Fact]
    public void No_step_output_holds_a_symbol_syntax_node_or_compilation()
    {
        var compilation = GeneratorHarness.Compile(Annotated, Unrelated);
        var result = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();

        IncrementalChecks.AssertNoRoslynObjects(result);
    }
}

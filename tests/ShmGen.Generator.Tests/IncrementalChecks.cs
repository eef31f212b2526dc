using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ShmGen.Generator.Tests;

/// <summary>
/// The two properties that keep the generator incremental, checked on any input (every snapshot test runs them):
/// a second run after an edit that touches no annotated type leaves every tracked step Cached or Unchanged, and no
/// step output holds a symbol, syntax node or compilation (which would keep old compilations alive and defeat caching).
/// </summary>
internal static class IncrementalChecks
{
    /// <summary>Every step named in <see cref="TrackingNames"/>.</summary>
    public static readonly string[] TrackedSteps = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    private const string UnrelatedSource = """
        namespace Unrelated;

        public static class Helper
        {
            public static int Twice(int x) => x * 2;
        }
        """;

    /// <summary>Runs the generator over <paramref name="sources"/>, checks both properties, and returns the first run's result.</summary>
    public static GeneratorDriverRunResult RunAndAssertCacheable(params string[] sources)
    {
        var compilation = GeneratorHarness.Compile(sources);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var first = driver.GetRunResult();
        AssertNoRoslynObjects(first.Results.Single());

        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(UnrelatedSource, GeneratorHarness.ParseOptions, path: "Unrelated.cs"));
        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();
        AssertCachedOrUnchanged(second);
        Assert.Equal(
            first.Results.Single().GeneratedSources.Select(s => s.SourceText.ToString()),
            second.GeneratedSources.Select(s => s.SourceText.ToString()));
        return first;
    }

    /// <summary>Every tracked step's outputs Cached or Unchanged, and every source output Cached.</summary>
    public static void AssertCachedOrUnchanged(GeneratorRunResult result)
    {
        Assert.NotEmpty(TrackedSteps);
        foreach (var step in TrackedSteps)
        {
            if (!result.TrackedSteps.TryGetValue(step, out var runs))
            {
                continue; // an input with no [SharedQueue] never runs the queue steps
            }

            foreach (var output in runs.SelectMany(r => r.Outputs))
            {
                Assert.True(
                    output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"step {step} was {output.Reason}");
            }
        }

        Assert.All(
            result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    /// <summary>No output of a tracked step reaches a Roslyn object through its fields or elements.</summary>
    public static void AssertNoRoslynObjects(GeneratorRunResult result)
    {
        foreach (var (step, runs) in result.TrackedSteps.Where(s => TrackedSteps.Contains(s.Key)))
        {
            foreach (var (value, _) in runs.SelectMany(r => r.Outputs))
            {
                AssertNoRoslynObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    private static void AssertNoRoslynObjects(object? value, string path, HashSet<object> visited)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !visited.Add(value))
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree, $"{path} holds a {value.GetType().Name}");
        if (value is IEnumerable items)
        {
            var index = 0;
            foreach (var item in items)
            {
                AssertNoRoslynObjects(item, $"{path}[{index++}]", visited);
            }
        }

        foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoRoslynObjects(field.GetValue(value), $"{path}.{field.Name}", visited);
        }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace ShmGen.Generator.Tests;

/// <summary>
/// The README's C# snippets of the sections listed here compile as written, with the generator's output: the blocks
/// that declare a [SharedSegment] become one file of types, every other block the body of a method of its own.
/// </summary>
public sealed partial class ReadmeSnippetTests
{
    [Theory]
    [InlineData("## Monitors and waiting consumers")]
    public void SectionSnippets_Compile(string heading)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var start = readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no '{heading}' section");
        var end = readme.IndexOf("\n## ", start + heading.Length + 2, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        var blocks = CSharpBlock().Matches(section).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(blocks);

        var types = blocks.Where(b => b.Contains("[SharedSegment", StringComparison.Ordinal)).ToList();
        var bodies = blocks.Except(types).Select((body, i) => $$"""
            internal static class Snippet{{i}}
            {
                internal static void Run()
                {
            {{body}}
                }
            }
            """);
        var sources = new[] { "using ShmGen;\n" + string.Join("\n", types) }
            .Concat(bodies.Select(b => "using System;\nusing ShmGen;\n" + b))
            .ToArray();

        var (_, output) = GeneratorHarness.Run(sources);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors) + "\n" + string.Join("\n----\n", sources));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ShmGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("ShmGen.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}

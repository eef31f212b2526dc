using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;

namespace ShmGen.Analyzers.Tests.Infrastructure;

/// <summary>
/// What every analyzer and code-fix test compiles against: .NET 10 reference assemblies compiled into
/// Basic.Reference.Assemblies (no NuGet download, so no network at test time), the ShmGen runtime, C# latest with
/// unsafe code, and the real ShmGen generator as an analyzer reference of the project, so the analyzers and the code
/// fixes see exactly what users see.
/// </summary>
internal static class ShmGenTestSetup
{
    private static readonly ImmutableArray<MetadataReference> s_references =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(SegmentOptions).Assembly.Location),
    ];

    /// <summary>An empty reference-assembly set: ResolveAsync has no package to fetch.</summary>
    public static ReferenceAssemblies NoDownload { get; } = new("net10.0");

    public static void Apply<TVerifier>(Microsoft.CodeAnalysis.Testing.AnalyzerTest<TVerifier> test)
        where TVerifier : IVerifier, new()
    {
        test.ReferenceAssemblies = NoDownload;
        test.TestState.AdditionalReferences.AddRange(s_references);
        test.SolutionTransforms.Add((solution, projectId) => solution.AddAnalyzerReference(projectId, GeneratorReference.Instance));
    }

    public static CSharpParseOptions ParseOptions(CSharpParseOptions options) => options.WithLanguageVersion(LanguageVersion.Latest);

    public static CSharpCompilationOptions CompilationOptions(CSharpCompilationOptions options) =>
        options.WithAllowUnsafe(true).WithNullableContextOptions(NullableContextOptions.Enable);

    /// <summary>The source prelude most tests share.</summary>
    public const string Usings = """
        using System;
        using System.IO;
        using System.Runtime.InteropServices;
        using System.Threading;
        using ShmGen;

        """;

    public static string[] UsedIds(ImmutableArray<Diagnostic> diagnostics) => diagnostics.Select(d => d.Id).Distinct().Order().ToArray();
}

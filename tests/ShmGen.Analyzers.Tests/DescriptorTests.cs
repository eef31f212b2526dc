using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using ShmGen.Analyzers.Tests.Infrastructure;

namespace ShmGen.Analyzers.Tests;

/// <summary>The polish around the diagnostics: IDs, severities, help pages, release tracking, configuration.</summary>
public class DescriptorTests
{
    /// <summary>DESIGN §5, the contract: every ID with its default severity.</summary>
    public static TheoryData<string, DiagnosticSeverity> Contract { get; } = new()
    {
        { "SHM001", DiagnosticSeverity.Error },
        { "SHM002", DiagnosticSeverity.Error },
        { "SHM003", DiagnosticSeverity.Error },
        { "SHM004", DiagnosticSeverity.Warning },
        { "SHM005", DiagnosticSeverity.Error },
        { "SHM006", DiagnosticSeverity.Error },
        { "SHM007", DiagnosticSeverity.Error },
        { "SHM008", DiagnosticSeverity.Warning },
        { "SHM009", DiagnosticSeverity.Error },
        { "SHM010", DiagnosticSeverity.Error },
        { "SHM101", DiagnosticSeverity.Warning },
        { "SHM102", DiagnosticSeverity.Warning },
        { "SHM201", DiagnosticSeverity.Warning },
        { "SHM202", DiagnosticSeverity.Error },
        { "SHM203", DiagnosticSeverity.Warning },
        { "SHM204", DiagnosticSeverity.Warning },
        { "SHM205", DiagnosticSeverity.Warning },
        { "SHM301", DiagnosticSeverity.Warning },
    };

    private static readonly DiagnosticAnalyzer[] s_analyzers =
    [
        new LayoutAnalyzer(),
        new DeclarationAnalyzer(),
        new SegmentNameAnalyzer(),
        new ModeAnalyzer(),
        new LifetimeAnalyzer(),
        new LockDisciplineAnalyzer(),
        new GuardWaitAnalyzer(),
    ];

    private static IEnumerable<DiagnosticDescriptor> Descriptors() =>
        typeof(DiagnosticDescriptors)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!);

    [Theory]
    [MemberData(nameof(Contract))]
    public void Each_contract_id_has_one_descriptor_with_its_severity_and_one_analyzer_reporting_it(string id, DiagnosticSeverity severity)
    {
        var descriptor = Assert.Single(Descriptors(), d => d.Id == id);
        Assert.Equal(severity, descriptor.DefaultSeverity);
        Assert.True(descriptor.IsEnabledByDefault);
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Title.ToString()));
        Assert.False(string.IsNullOrWhiteSpace(descriptor.MessageFormat.ToString()));
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Description.ToString()));
        Assert.Single(s_analyzers, a => a.SupportedDiagnostics.Any(d => d.Id == id));
    }

    [Fact]
    public void There_are_exactly_the_contract_ids()
    {
        var contract = Contract.Select(row => (string)row[0]).Order().ToArray();
        Assert.Equal(contract, Descriptors().Select(d => d.Id).Order().ToArray());
        Assert.Equal(contract, typeof(DiagnosticIds).GetFields().Select(f => (string)f.GetValue(null)!).Order().ToArray());
    }

    [Fact]
    public void Every_help_link_points_at_an_existing_page_in_docs_diagnostics()
    {
        foreach (var descriptor in Descriptors())
        {
            Assert.StartsWith(DiagnosticDescriptors.HelpLinkBase, descriptor.HelpLinkUri, StringComparison.Ordinal);
            Assert.Equal(descriptor.Id + ".md", descriptor.HelpLinkUri[DiagnosticDescriptors.HelpLinkBase.Length..]);

            var page = RepositoryPaths.Combine("docs", "diagnostics", descriptor.Id + ".md");
            Assert.True(File.Exists(page), $"{descriptor.Id}: {page} is missing");
            var text = File.ReadAllText(page);
            Assert.StartsWith("# " + descriptor.Id, text, StringComparison.Ordinal);
            Assert.Contains("dotnet_diagnostic." + descriptor.Id + ".severity", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_id_is_tracked_in_the_unshipped_release_with_its_category_and_severity()
    {
        var lines = File.ReadAllLines(RepositoryPaths.Combine("analyzers", "ShmGen.Analyzers", "AnalyzerReleases.Unshipped.md"));
        foreach (var descriptor in Descriptors())
        {
            var row = Assert.Single(lines, l => l.StartsWith(descriptor.Id + " ", StringComparison.Ordinal));
            var cells = row.Split('|').Select(c => c.Trim()).ToArray();
            Assert.Equal(descriptor.Category, cells[1]);
            Assert.Equal(descriptor.DefaultSeverity.ToString(), cells[2]);
        }
    }

    [Fact]
    public void The_tests_never_download_reference_assemblies()
    {
        Assert.Null(ShmGenTestSetup.NoDownload.ReferenceAssemblyPackage);
        Assert.Empty(ShmGenTestSetup.NoDownload.Packages);
        Assert.Empty(ShmGenTestSetup.NoDownload.Assemblies);
    }

    [Fact]
    public async Task Severity_is_configurable_through_editorconfig()
    {
        var test = new ShmGenAnalyzerTest<LockDisciplineAnalyzer>
        {
            TestCode = ShmGenTestSetup.Usings + """
                [SharedSegment("configured")]
                public partial struct Configured { public long Value; }

                public static class Writer
                {
                    public static void Run(ConfiguredSegment segment)
                    {
                        segment.Data.Value = 1;
                        {|#0:segment.Lock()|};
                    }
                }
                """,
        };
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", """
            root = true

            [*.cs]
            dotnet_diagnostic.SHM201.severity = none
            dotnet_diagnostic.SHM202.severity = warning
            """));
        test.ExpectedDiagnostics.Add(new DiagnosticResult("SHM202", DiagnosticSeverity.Warning).WithLocation(0));
        await test.RunAsync(CancellationToken.None);
    }
}

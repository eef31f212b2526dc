using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;

namespace ShmGen.Package.Tests;

/// <summary>The packed .nupkg and .snupkg hold what DESIGN §1 says: one package, runtime plus Roslyn components.</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageContentsTests(PackageFixture fixture)
{
    private static readonly string[] s_roslynComponents = ["ShmGen.Analyzers.dll", "ShmGen.CodeFixes.dll", "ShmGen.Generator.dll"];

    [Fact]
    public void Runtime_is_in_lib_and_generator_analyzers_and_code_fixes_are_in_analyzers()
    {
        using var package = ZipFile.OpenRead(fixture.PackagePath);
        var entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("lib/net8.0/ShmGen.dll", entries);
        Assert.Contains("lib/net8.0/ShmGen.xml", entries);
        Assert.Equal(
            s_roslynComponents,
            entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)).Select(e => e["analyzers/dotnet/cs/".Length..]).Order(StringComparer.Ordinal));
        Assert.Equal(["lib/net8.0/ShmGen.dll"], entries.Where(e => e.EndsWith(".dll", StringComparison.Ordinal) && !e.StartsWith("analyzers/", StringComparison.Ordinal)));
    }

    [Fact]
    public void Metadata_names_the_package_its_license_readme_repository_and_only_dependency()
    {
        using var package = ZipFile.OpenRead(fixture.PackagePath);
        var metadata = Nuspec(package).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;

        Assert.Equal("ShmGen", Value("id"));
        Assert.Equal(fixture.Version, Value("version"));
        Assert.Equal("MIT", Value("license"));
        Assert.Contains("shared-memory", Value("tags").Split(' '));
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));
        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        Assert.Equal(RepositoryUrl, repository.Attribute("url")!.Value);
        Assert.Equal(RepositoryUrl, Value("projectUrl"));

        // The Roslyn components travel inside the package: they must not become dependencies.
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value);
        Assert.Equal(["Tmds.LibC"], dependencies);

        var readme = metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "readme")?.Value;
        if (File.Exists(Path.Combine(fixture.RepoRoot, "README.md")))
        {
            Assert.Equal("README.md", readme);
            Assert.Equal(File.ReadAllText(Path.Combine(fixture.RepoRoot, "README.md")), ReadEntry(package, "README.md"));
        }
        else
        {
            Assert.Null(readme);
        }
    }

    [Fact]
    public void Symbols_package_holds_the_runtime_pdb()
    {
        using var symbols = ZipFile.OpenRead(fixture.SymbolPackagePath);
        Assert.Contains(symbols.Entries, e => e.FullName == "lib/net8.0/ShmGen.pdb");
    }

    [Fact]
    public void Packed_generator_is_an_incremental_generator_a_compiler_can_load()
    {
        var directory = Path.Combine(fixture.Root, "extracted-analyzers");
        using (var package = ZipFile.OpenRead(fixture.PackagePath))
        {
            foreach (var entry in package.Entries.Where(e => e.FullName.StartsWith("analyzers/dotnet/cs/", StringComparison.Ordinal)))
            {
                Directory.CreateDirectory(directory);
                entry.ExtractToFile(Path.Combine(directory, entry.Name), overwrite: true);
            }
        }

        Assert.Equal(["ShmGen.Generator.ShmGenerator"], RoslynComponents.Load(directory).Generators);
    }

    [Fact]
    public void Diagnostic_help_links_point_into_the_one_repository_url_the_package_metadata_names()
    {
        var directory = Path.Combine(fixture.Root, "extracted-analyzers-links");
        using (var package = ZipFile.OpenRead(fixture.PackagePath))
        {
            foreach (var entry in package.Entries.Where(e => e.FullName.StartsWith("analyzers/dotnet/cs/", StringComparison.Ordinal)))
            {
                Directory.CreateDirectory(directory);
                entry.ExtractToFile(Path.Combine(directory, entry.Name), overwrite: true);
            }
        }

        var components = RoslynComponents.Load(directory);
        Assert.NotEmpty(components.HelpLinks);
        Assert.All(components.HelpLinks, link => Assert.StartsWith(RepositoryUrl + "/blob/main/docs/diagnostics/SHM", link, StringComparison.Ordinal));
    }

    /// <summary>$(ShmGenRepositoryUrl) from Directory.Build.props, as this test project was built with it.</summary>
    private static string RepositoryUrl =>
        typeof(PackageContentsTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryUrl").Value!;

    private static XDocument Nuspec(ZipArchive package)
    {
        using var stream = package.Entries.Single(e => e.FullName == "ShmGen.nuspec").Open();
        return XDocument.Load(stream);
    }

    private static string ReadEntry(ZipArchive package, string name)
    {
        using var reader = new StreamReader(package.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }
}

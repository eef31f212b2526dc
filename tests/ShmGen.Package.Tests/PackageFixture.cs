using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;

namespace ShmGen.Package.Tests;

/// <summary>
/// Packs ShmGen once per test run into a temporary folder feed, under a version no other run ever used, and builds a
/// fresh console project that installs it by PackageReference. Everything lives under one temporary directory,
/// including the NuGet packages folder the consumer restores into, so a stale ShmGen from an earlier run or from the
/// machine's cache can never be picked up, and deleting the directory leaves nothing behind.
/// </summary>
public sealed class PackageFixture : IDisposable
{
    public const string ConsumerName = "ShmGenConsumer";

    private static readonly TimeSpan s_packTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromSeconds(120);

    private readonly Lazy<string> _package;
    private readonly Lazy<CommandResult> _consumerBuild;

    public PackageFixture()
    {
        RepoRoot = Metadata("RepoRoot");
        Configuration = Metadata("Configuration");
        Version = $"{Metadata("VersionPrefix")}-packagetest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        Root = Directory.CreateTempSubdirectory("shmgen-package-test-").FullName;
        Feed = Directory.CreateDirectory(Path.Combine(Root, "feed")).FullName;
        PackagesFolder = Directory.CreateDirectory(Path.Combine(Root, "packages")).FullName;
        ConsumerDirectory = Directory.CreateDirectory(Path.Combine(Root, "consumer")).FullName;
        _package = new Lazy<string>(Pack, LazyThreadSafetyMode.ExecutionAndPublication);
        _consumerBuild = new Lazy<CommandResult>(BuildConsumer, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string RepoRoot { get; }

    public string Configuration { get; }

    /// <summary>The unique version this run packs.</summary>
    public string Version { get; }

    public string Root { get; }

    public string Feed { get; }

    /// <summary>The NUGET_PACKAGES folder of the consumer's restore (the package as installed).</summary>
    public string PackagesFolder { get; }

    public string ConsumerDirectory { get; }

    /// <summary>The packed .nupkg (packing on first use).</summary>
    public string PackagePath => _package.Value;

    public string SymbolPackagePath => Path.ChangeExtension(PackagePath, ".snupkg");

    /// <summary>The consumer's build (packing and restoring on first use); it may have failed, check the exit code.</summary>
    public CommandResult ConsumerBuild => _consumerBuild.Value;

    /// <summary>Where the consumer's restore extracted the package.</summary>
    public string InstalledPackageDirectory => Path.Combine(PackagesFolder, "shmgen", Version.ToLowerInvariant());

    public string ConsumerAssembly => Path.Combine(ConsumerDirectory, "bin", "Debug", "net10.0", ConsumerName + ".dll");

    public IReadOnlyDictionary<string, string> ChildEnvironment => new Dictionary<string, string> { ["NUGET_PACKAGES"] = PackagesFolder };

    /// <summary>The line of the consumer's Program.cs that writes outside a lock.</summary>
    public static int UnlockedWriteLine =>
        ConsumerSources.Program.Split('\n').Select((text, index) => (text, index)).Single(l => l.text.Contains("// SHM201", StringComparison.Ordinal)).index + 1;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still held open must not turn a passing run into a failure.
        }
    }

    private string Pack()
    {
        // The test project's build built src/ShmGen and the Roslyn components it packs (ProjectReference), in this
        // configuration, so packing only assembles the package.
        var result = DotNetCli.Run(
            RepoRoot,
            new Dictionary<string, string>(),
            s_packTimeout,
            "pack", Path.Combine(RepoRoot, "src", "ShmGen", "ShmGen.csproj"),
            "--no-build", "-tl:off", "-c", Configuration, "-o", Feed, "-nodeReuse:false", $"-p:PackageVersion={Version}");
        var package = Path.Combine(Feed, $"ShmGen.{Version}.nupkg");
        if (result.ExitCode != 0 || !File.Exists(package))
        {
            throw new InvalidOperationException($"Packing ShmGen failed: {result}");
        }

        return package;
    }

    private CommandResult BuildConsumer()
    {
        _ = PackagePath;
        File.WriteAllText(Path.Combine(ConsumerDirectory, ConsumerName + ".csproj"), ConsumerSources.Project(Version));
        File.WriteAllText(Path.Combine(ConsumerDirectory, "Program.cs"), ConsumerSources.Program);
        File.WriteAllText(Path.Combine(ConsumerDirectory, "nuget.config"), ConsumerSources.NuGetConfig(Feed, MachinePackagesFolder()));

        // Stop MSBuild's upward search: nothing above the temporary directory may shape the consumer's build.
        File.WriteAllText(Path.Combine(ConsumerDirectory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(ConsumerDirectory, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(ConsumerDirectory, "Directory.Packages.props"), "<Project />\n");

        return DotNetCli.Run(ConsumerDirectory, ChildEnvironment, s_buildTimeout, "build", "-c", "Debug", "-tl:off", "-nodeReuse:false", "-p:UseSharedCompilation=false");
    }

    /// <summary>
    /// The machine's global packages folder, where this repository's own restore put Tmds.LibC. The consumer uses it
    /// as a read-only fallback folder, so its restore needs no network.
    /// </summary>
    private static string MachinePackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static string Metadata(string key) =>
        typeof(PackageFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");
}

[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "Packed ShmGen";
}

using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Xml.Linq;

namespace ShmGen.Package.Tests;

/// <summary>
/// Runs the README's install steps (<see cref="ReadmeSteps"/>) once per test run, as a reader would: packs ShmGen into
/// the clone's artifacts/packages, installs it into fresh console projects, once with an empty NuGet cache and once with
/// a cache that already holds older ShmGen builds, and installs the shmgen tool. The test has no network: a
/// user-level NuGet.Config in a temporary HOME makes the machine's packages folder the "nuget.org" the steps add
/// the local folder beside, so Tmds.LibC restores offline from there exactly as it would from nuget.org.
/// </summary>
public sealed partial class PackageFixture : IDisposable
{
    public const string ConsumerName = "ShmGenConsumer";

    /// <summary>What every local pack used to be called, and an older dev build: neither may ever be picked.</summary>
    public static readonly string[] OlderVersions = ["0.1.0", "0.2.0-dev.1.g0000000"];

    private static readonly TimeSpan s_packTimeout = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(5);

    private readonly IReadOnlyDictionary<string, string> _steps;
    private readonly Lazy<(string Package, string Version)> _package;
    private readonly Lazy<ConsumerInstall> _emptyCache;
    private readonly Lazy<ConsumerInstall> _filledCache;
    private readonly Lazy<ToolInstall> _tool;

    public PackageFixture()
    {
        RepoRoot = Metadata("RepoRoot");
        _steps = ReadmeSteps.Read(RepoRoot);
        Root = Directory.CreateTempSubdirectory("shmgen-package-test-").FullName;
        Home = Directory.CreateDirectory(Path.Combine(Root, "home")).FullName;
        var userConfig = Directory.CreateDirectory(Path.Combine(Home, ".nuget", "NuGet")).FullName;
        File.WriteAllText(Path.Combine(userConfig, "NuGet.Config"), NuGetConfig(("nuget.org", MachinePackagesFolder)));
        _package = new Lazy<(string, string)>(Pack, LazyThreadSafetyMode.ExecutionAndPublication);
        _emptyCache = new Lazy<ConsumerInstall>(() => Install("empty-cache", seed: false, build: true), LazyThreadSafetyMode.ExecutionAndPublication);

        // Restored, not built: which package the restore resolved and extracted is the question, and the empty-cache
        // consumer already proves that what is restored builds and runs (a build costs minutes on a busy machine).
        _filledCache = new Lazy<ConsumerInstall>(() => Install("filled-cache", seed: true, build: false), LazyThreadSafetyMode.ExecutionAndPublication);
        _tool = new Lazy<ToolInstall>(InstallTool, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string RepoRoot { get; }

    public string Root { get; }

    /// <summary>The HOME of every command after the pack: its NuGet.Config is the offline stand-in for nuget.org.</summary>
    public string Home { get; }

    /// <summary>The .nupkg the README's pack step made (packing on first use).</summary>
    public string PackagePath => _package.Value.Package;

    /// <summary>The version that pack gave it.</summary>
    public string Version => _package.Value.Version;

    public string SymbolPackagePath => Path.ChangeExtension(PackagePath, ".snupkg");

    /// <summary>The README's install into a fresh project with an empty NuGet cache.</summary>
    public ConsumerInstall EmptyCache => _emptyCache.Value;

    /// <summary>The same, with a NuGet cache that already holds <see cref="OlderVersions"/> of ShmGen.</summary>
    public ConsumerInstall FilledCache => _filledCache.Value;

    /// <summary>The README's tool install, into <see cref="Home"/>.</summary>
    public ToolInstall Tool => _tool.Value;

    /// <summary>The line of the consumer's Program.cs that writes outside a lock.</summary>
    public static int UnlockedWriteLine =>
        ConsumerSources.Program.Split('\n').Select((text, index) => (text, index)).Single(l => l.text.Contains("// SHM201", StringComparison.Ordinal)).index + 1;

    /// <summary>
    /// The machine's global packages folder, where this repository's own restore put Tmds.LibC: the stand-in for
    /// nuget.org, read as a local feed.
    /// </summary>
    private static string MachinePackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    public void Dispose()
    {
        // What this run added to the clone's artifacts/packages and to the machine's cache goes again; the rest stays.
        if (_package.IsValueCreated)
        {
            File.Delete(PackagePath);
            File.Delete(SymbolPackagePath);
        }

        if (_tool.IsValueCreated && _tool.Value.PackagePath is { } toolPackage)
        {
            File.Delete(toolPackage);
            DeleteDirectory(Path.Combine(MachinePackagesFolder, "shmgen.tool", _tool.Value.Version.ToLowerInvariant()));
        }

        DeleteDirectory(Root);
    }

    private (string Package, string Version) Pack()
    {
        // The clone as a reader has it: the machine's own HOME and NuGet cache.
        var result = DotNetCli.Bash(RepoRoot, new Dictionary<string, string>(), s_packTimeout, _steps[ReadmeSteps.Pack]);
        var created = CreatedPackage().Match(result.Output);
        if (result.ExitCode != 0 || !created.Success || !File.Exists(created.Groups["path"].Value))
        {
            throw new InvalidOperationException($"The README's pack step failed: {result}");
        }

        return (created.Groups["path"].Value, created.Groups["version"].Value);
    }

    private ConsumerInstall Install(string label, bool seed, bool build)
    {
        _ = PackagePath;
        var packages = Directory.CreateDirectory(Path.Combine(Root, label + "-packages")).FullName;
        if (seed)
        {
            SeedOlderBuilds(packages);
        }

        var directory = Directory.CreateDirectory(Path.Combine(Root, label, ConsumerName)).FullName;
        File.WriteAllText(Path.Combine(directory, ConsumerName + ".csproj"), ConsumerSources.Project);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), ConsumerSources.Program);
        IsolateFromRepository(directory);

        var environment = new Dictionary<string, string>
        {
            ["HOME"] = Home,
            ["NUGET_PACKAGES"] = packages,
            ["SHMGEN"] = RepoRoot.TrimEnd('/'),
        };
        var add = DotNetCli.Bash(directory, environment, s_buildTimeout, _steps[ReadmeSteps.Consume]);
        var built = add.ExitCode == 0 && build
            ? DotNetCli.Run(directory, environment, s_buildTimeout, "build", "-c", "Debug", "-tl:off", "-nodeReuse:false", "-p:UseSharedCompilation=false")
            : null;
        return new ConsumerInstall(directory, packages, environment, add, built);
    }

    /// <summary>
    /// Puts older builds of ShmGen into a NuGet cache the way using them once would: restored from a feed of their own.
    /// Their runtime differs from the fresh one (a marker appended to the dll), so picking one shows in the dll's hash.
    /// </summary>
    private void SeedOlderBuilds(string packages)
    {
        var feed = Directory.CreateDirectory(Path.Combine(Root, "older-builds")).FullName;
        foreach (var version in OlderVersions)
        {
            CopyAsVersion(PackagePath, Path.Combine(feed, $"ShmGen.{version}.nupkg"), version);
        }

        var seeder = Directory.CreateDirectory(Path.Combine(Root, "seeder")).FullName;
        File.WriteAllText(Path.Combine(seeder, "Seeder.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup><PackageDownload Include="ShmGen" Version="{string.Join(';', OlderVersions.Select(v => $"[{v}]"))}" /></ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(seeder, "nuget.config"), NuGetConfig(("older-builds", feed)).Replace("<packageSources>", "<packageSources><clear />", StringComparison.Ordinal));
        IsolateFromRepository(seeder);
        var restore = DotNetCli.Run(seeder, new Dictionary<string, string> { ["HOME"] = Home, ["NUGET_PACKAGES"] = packages }, s_buildTimeout, "restore", "-nodeReuse:false");
        if (restore.ExitCode != 0 || !OlderVersions.All(v => Directory.Exists(Path.Combine(packages, "shmgen", v))))
        {
            throw new InvalidOperationException($"Seeding the cache with older ShmGen builds failed: {restore}");
        }
    }

    private ToolInstall InstallTool()
    {
        // HOME decides where a global tool goes; the repository's restore keeps the machine's cache.
        var environment = new Dictionary<string, string> { ["HOME"] = Home, ["NUGET_PACKAGES"] = MachinePackagesFolder };
        var install = DotNetCli.Bash(RepoRoot, environment, s_packTimeout, _steps[ReadmeSteps.Tool]);
        var created = CreatedToolPackage().Match(install.Output);
        var list = DotNetCli.Run(Root, environment, s_buildTimeout, "tool", "list", "--global");
        return new ToolInstall(
            install,
            list,
            created.Success ? created.Groups["path"].Value : null,
            created.Success ? created.Groups["version"].Value : "",
            Path.Combine(Home, ".dotnet", "tools", "shmgen"));
    }

    private static void CopyAsVersion(string source, string destination, string version)
    {
        File.Copy(source, destination);
        using var package = ZipFile.Open(destination, ZipArchiveMode.Update);
        var nuspecEntry = package.GetEntry("ShmGen.nuspec")!;
        XDocument nuspec;
        using (var stream = nuspecEntry.Open())
        {
            nuspec = XDocument.Load(stream);
        }

        nuspec.Descendants().Single(e => e.Name.LocalName == "version").Value = version;
        nuspecEntry.Delete();
        using (var stream = package.CreateEntry("ShmGen.nuspec").Open())
        {
            nuspec.Save(stream);
        }

        var dll = package.GetEntry("lib/net8.0/ShmGen.dll")!;
        byte[] bytes;
        using (var stream = dll.Open())
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            bytes = [.. copy.ToArray(), .. Encoding.ASCII.GetBytes("older build " + version)];
        }

        dll.Delete();
        using (var stream = package.CreateEntry("lib/net8.0/ShmGen.dll").Open())
        {
            stream.Write(bytes);
        }
    }

    /// <summary>Stops MSBuild's and NuGet's upward search: nothing above the temporary directory shapes the build.</summary>
    private static void IsolateFromRepository(string directory)
    {
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Packages.props"), "<Project />\n");
    }

    private static string NuGetConfig(params (string Key, string Path)[] sources) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
        {string.Concat(sources.Select(s => $"    <add key=\"{SecurityElement.Escape(s.Key)}\" value=\"{SecurityElement.Escape(s.Path)}\" />\n"))}  </packageSources>
        </configuration>
        """;

    private static void DeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a file still held open must not turn a passing run into a failure.
        }
    }

    private static string Metadata(string key) =>
        typeof(PackageFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");

    [GeneratedRegex(@"Successfully created package '(?<path>[^']*/ShmGen\.(?<version>\d[^']*)\.nupkg)'")]
    private static partial Regex CreatedPackage();

    [GeneratedRegex(@"Successfully created package '(?<path>[^']*/ShmGen\.Tool\.(?<version>\d[^']*)\.nupkg)'")]
    private static partial Regex CreatedToolPackage();
}

/// <summary>One run of the README's consume step in a fresh project, and the build after it.</summary>
/// <param name="Directory">The consumer project.</param>
/// <param name="PackagesFolder">Its NUGET_PACKAGES.</param>
/// <param name="Environment">What its commands ran with (HOME, NUGET_PACKAGES, SHMGEN).</param>
/// <param name="AddPackage">The consume step (nuget.config, dotnet add package).</param>
/// <param name="Built">The consumer's build, when it was built and the step succeeded.</param>
public sealed record ConsumerInstall(string Directory, string PackagesFolder, IReadOnlyDictionary<string, string> Environment, CommandResult AddPackage, CommandResult? Built)
{
    /// <summary>The build, or the step's result when the step failed first.</summary>
    public CommandResult Build => Built ?? AddPackage;

    /// <summary>Every ShmGen version the restore resolved (project.assets.json "libraries").</summary>
    public IReadOnlyList<string> RestoredShmGenVersions
    {
        get
        {
            using var assets = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "obj", "project.assets.json")));
            return assets.RootElement.GetProperty("libraries").EnumerateObject()
                .Where(p => p.Name.StartsWith("ShmGen/", StringComparison.OrdinalIgnoreCase)).Select(p => p.Name["ShmGen/".Length..]).ToList();
        }
    }

    public string Assembly => Path.Combine(Directory, "bin", "Debug", "net10.0", PackageFixture.ConsumerName + ".dll");

    /// <summary>The ShmGen version <c>dotnet add package</c> wrote into the project.</summary>
    public string? ReferencedVersion =>
        XDocument.Load(Path.Combine(Directory, PackageFixture.ConsumerName + ".csproj")).Descendants("PackageReference")
            .SingleOrDefault(e => (string?)e.Attribute("Include") == "ShmGen")?.Attribute("Version")?.Value;

    public string InstalledPackageDirectory(string version) => Path.Combine(PackagesFolder, "shmgen", version.ToLowerInvariant());
}

/// <summary>The README's tool step and what it left installed.</summary>
public sealed record ToolInstall(CommandResult Install, CommandResult List, string? PackagePath, string Version, string Command);

[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "Packed ShmGen";
}

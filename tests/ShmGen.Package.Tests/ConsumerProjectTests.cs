using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using Xunit.Abstractions;

namespace ShmGen.Package.Tests;

/// <summary>
/// A fresh console project installs the packed ShmGen by PackageReference, exactly as a user would: the generator
/// runs from the package, the analyzers report from it, and the program maps real shared memory through the runtime.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class ConsumerProjectTests(PackageFixture fixture, ITestOutputHelper output)
{
    private const string UnlockedWrite = "SHM201";

    [Fact]
    public void Consumer_restores_the_packed_package_and_builds_against_the_generated_type()
    {
        var build = fixture.ConsumerBuild;

        // CounterSegment exists only if the packaged generator ran: a build without it fails with CS0246.
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(File.Exists(fixture.ConsumerAssembly), build.ToString());

        // The consumer got the runtime of THIS package, byte for byte, from the folder feed.
        Assert.True(Directory.Exists(fixture.InstalledPackageDirectory), $"not restored into {fixture.InstalledPackageDirectory}");
        using var package = ZipFile.OpenRead(fixture.PackagePath);
        using var packed = package.GetEntry("lib/net8.0/ShmGen.dll")!.Open();
        using var copied = File.OpenRead(Path.Combine(Path.GetDirectoryName(fixture.ConsumerAssembly)!, "ShmGen.dll"));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(packed)), Convert.ToHexString(SHA256.HashData(copied)));
    }

    [Fact]
    public void Consumer_runs_and_shares_memory_through_the_packaged_runtime()
    {
        Assert.True(fixture.ConsumerBuild.ExitCode == 0, fixture.ConsumerBuild.ToString());
        var name = $"shmgen-test-{Guid.NewGuid():N}";
        try
        {
            var run = DotNetCli.Run(fixture.ConsumerDirectory, fixture.ChildEnvironment, TimeSpan.FromSeconds(30), fixture.ConsumerAssembly, name);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal($"value=42 name={name} default=package-test-counter creator=True", run.Output.Trim());
            Assert.False(File.Exists("/dev/shm/" + name), "the consumer unlinks its segment");
        }
        finally
        {
            File.Delete("/dev/shm/" + name);
        }
    }

    /// <summary>
    /// SHM201 comes from the analyzers issue. This asserts the warning whenever the packed analyzers declare the ID
    /// (read from the package, not assumed), and until then that the package reports nothing it does not declare.
    /// </summary>
    [Fact]
    public void Write_outside_a_lock_is_reported_as_SHM201_when_the_packed_analyzers_declare_it()
    {
        var build = fixture.ConsumerBuild;
        Assert.True(build.ExitCode == 0, build.ToString());
        var declared = RoslynComponents.Load(Path.Combine(fixture.InstalledPackageDirectory, "analyzers", "dotnet", "cs")).DiagnosticIds;
        output.WriteLine($"Diagnostic IDs the packed analyzers declare: {(declared.Count == 0 ? "(none)" : string.Join(", ", declared))}");

        var reported = Warnings(build.Output, UnlockedWrite);
        output.WriteLine($"{UnlockedWrite} warnings in the consumer's build:{Environment.NewLine}{string.Join(Environment.NewLine, reported)}");
        if (declared.Contains(UnlockedWrite))
        {
            var expected = $"Program.cs({PackageFixture.UnlockedWriteLine},";
            Assert.True(reported.Any(w => w.Contains(expected, StringComparison.Ordinal)), $"no {UnlockedWrite} at {expected}{Environment.NewLine}{build}");
        }
        else
        {
            output.WriteLine($"NOTE: the packed analyzers do not declare {UnlockedWrite} yet; the warning is asserted once they do.");
            Assert.Empty(reported);
        }
    }

    private static List<string> Warnings(string buildOutput, string id) =>
        buildOutput.Split('\n').Where(l => l.Contains($": warning {id}:", StringComparison.Ordinal)).ToList();
}

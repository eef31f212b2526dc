using System.Security;

namespace ShmGen.Package.Tests;

/// <summary>The files of the fresh console project that installs the packed ShmGen like a user would.</summary>
internal static class ConsumerSources
{
    public static string Project(string version) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>disable</ImplicitUsings>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="ShmGen" Version="[{version}]" />
          </ItemGroup>
        </Project>
        """;

    /// <summary>
    /// Only the folder feed as a source (ShmGen's unique version exists nowhere else) and the machine's packages folder
    /// as a fallback for Tmds.LibC: the restore is offline and cannot pick up any other ShmGen.
    /// </summary>
    public static string NuGetConfig(string feed, string machinePackages) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="shmgen-under-test" value="{SecurityElement.Escape(feed)}" />
          </packageSources>
          <fallbackPackageFolders>
            <clear />
            <add key="machine-packages" value="{SecurityElement.Escape(machinePackages)}" />
          </fallbackPackageFolders>
        </configuration>
        """;

    public const string Program = """
        using System;
        using ShmGen;

        var name = args[0];
        using var counter = CounterSegment.Create(new SegmentOptions { Name = name });
        try
        {
            using (var guard = counter.Lock(TimeSpan.FromSeconds(10)))
            {
                guard.Value = 41;
            }

            counter.Data.Value++; // SHM201: a deliberate write outside the lock

            using (var guard = counter.Lock(TimeSpan.FromSeconds(10)))
            {
                Console.WriteLine($"value={guard.Value} name={counter.Name} default={CounterSegment.DefaultName} creator={counter.IsCreator}");
            }
        }
        finally
        {
            counter.Unlink();
        }

        [SharedSegment("package-test-counter")]
        public partial struct Counter
        {
            public long Value;
        }
        """;
}

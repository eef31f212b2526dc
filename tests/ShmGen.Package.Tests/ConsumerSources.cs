namespace ShmGen.Package.Tests;

/// <summary>The files of the fresh console project that installs the packed ShmGen like a user would.</summary>
internal static class ConsumerSources
{
    /// <summary>A new console project, as <c>dotnet new console</c> would make it: the README's step adds ShmGen.</summary>
    public const string Project = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>disable</ImplicitUsings>
          </PropertyGroup>
        </Project>
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

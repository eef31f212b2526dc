using System;
using System.IO;

namespace ShmGen.Analyzers.Tests.Infrastructure;

/// <summary>Finds files of this repository from the test's output directory.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Directory.Packages.props")) &&
                Directory.Exists(Path.Combine(directory.FullName, "analyzers")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (with Directory.Packages.props) was not found above " + AppContext.BaseDirectory);
    }
}

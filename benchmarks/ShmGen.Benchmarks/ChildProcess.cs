using System;
using System.Diagnostics;
using System.IO;

namespace ShmGen.Benchmarks;

/// <summary>Starts this program again, whether it runs from its apphost or as "dotnet ShmGen.Benchmarks.dll".</summary>
internal static class ChildProcess
{
    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}

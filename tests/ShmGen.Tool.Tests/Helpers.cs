using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;

namespace ShmGen.Tool.Tests;

/// <summary>What one run of the tool printed.</summary>
internal sealed record ToolRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{Output}{Environment.NewLine}stderr:{Environment.NewLine}{Error}";
}

/// <summary>Runs <c>shmgen</c> commands in this process (the real command line, parser and all) and child programs.</summary>
internal static class Shmgen
{
    public static ToolRun Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = ShmGenCommand.Run(args, output, error);
        return new ToolRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs a .NET program as a child process with a time limit.</summary>
    public static ToolRun RunProcess(string assembly, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(assembly);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assembly} {string.Join(' ', args)} did not finish in 30 s");
        }

        return new ToolRun(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Starts the test peer, which leaves a segment behind the way a crashed process does, and waits for it to exit.</summary>
    public static void Peer(string command, string name)
    {
        var peer = typeof(Shmgen).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ToolTestPeer").Value!;
        var run = RunProcess(peer, command, name);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"test peer {command} {name} failed: {run}");
        }
    }

    /// <summary>
    /// A human table as rows of column → cell, using the header's column positions (cells may contain single spaces).
    /// </summary>
    public static List<Dictionary<string, string>> ParseTable(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        var header = lines[0];
        var starts = new List<(string Name, int Start)>();
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i] != ' ' && (i == 0 || (header[i - 1] == ' ' && i >= 2 && header[i - 2] == ' ')))
            {
                var end = header.IndexOf("  ", i, StringComparison.Ordinal);
                starts.Add((header[i..(end < 0 ? header.Length : end)], i));
            }
        }

        var rows = new List<Dictionary<string, string>>();
        foreach (var line in lines.Skip(1).TakeWhile(l => l.Length > 0 && !l.Contains(" other file", StringComparison.Ordinal)))
        {
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var c = 0; c < starts.Count; c++)
            {
                var start = Math.Min(starts[c].Start, line.Length);
                var end = c + 1 < starts.Count ? Math.Min(starts[c + 1].Start, line.Length) : line.Length;
                row[starts[c].Name] = line[start..end].Trim();
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>"Label: value" lines of <c>shmgen inspect</c>.</summary>
    public static Dictionary<string, string> ParseDetails(string text)
    {
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && l[0] != ' '))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            details[line[..colon]] = line[(colon + 1)..].Trim();
        }

        return details;
    }

    /// <summary>The kernel thread id of the calling thread.</summary>
    public static int CurrentThreadId() =>
        int.Parse(Path.GetFileName(new DirectoryInfo("/proc/thread-self").LinkTarget!), System.Globalization.CultureInfo.InvariantCulture);

    public static uint CurrentUserId() =>
        uint.Parse(File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Unique /dev/shm names for one test, all removed when it ends, whatever happened.</summary>
public sealed class ShmNames : IDisposable
{
    private readonly List<string> _names = [];

    /// <summary>A prefix no other test or run shares: tool commands in these tests are filtered to it, so they never
    /// touch (or gc) other tests' segments running in parallel.</summary>
    public string Prefix { get; } = $"shmgen-test-tool-{Guid.NewGuid():N}"[..30] + "-";

    public string Pattern => Prefix + "*";

    public string New(string role)
    {
        var name = Prefix + role;
        _names.Add(name);
        return name;
    }

    /// <summary>Writes a file that is not a ShmGen segment.</summary>
    public string Foreign(string role, byte[] content)
    {
        var name = New(role);
        File.WriteAllBytes("/dev/shm/" + name, content);
        return name;
    }

    public static bool Exists(string name) => File.Exists("/dev/shm/" + name);

    public void Dispose()
    {
        foreach (var name in _names)
        {
            File.Delete("/dev/shm/" + name);
        }
    }
}

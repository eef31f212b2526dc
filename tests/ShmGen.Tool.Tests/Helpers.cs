using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.Json;

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
        var run = RunProcess(PeerAssembly, command, name);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"test peer {command} {name} failed: {run}");
        }
    }

    /// <summary>The test peer's dll (tests/ShmGen.Tool.TestPeer), as built beside this test.</summary>
    public static string PeerAssembly =>
        typeof(Shmgen).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ToolTestPeer").Value!;

    /// <summary>Runs shmgen with <c>--json</c> appended and parses what it printed; the exit code must be 0.</summary>
    public static JsonElement Json(params string[] args)
    {
        var run = Run([.. args, "--json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Output);
        return document.RootElement.Clone();
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

/// <summary>
/// A live test peer (<c>ShmGen.Tool.TestPeer serve</c>): a real child process that creates segments and queues, keeps
/// them mapped, and enqueues, dequeues, writes or holds locks on command. Disposing it ends it (it unlinks what it made).
/// </summary>
public sealed class LivePeer : IDisposable
{
    private readonly Process _process;

    public LivePeer()
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        info.ArgumentList.Add(Shmgen.PeerAssembly);
        info.ArgumentList.Add("serve");
        _process = Process.Start(info)!;
    }

    public int ProcessId => _process.Id;

    /// <summary>Sends one command and waits for the peer to have carried it out.</summary>
    public void Do(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        var answer = _process.StandardOutput.ReadLineAsync();
        if (!answer.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"the test peer did not answer '{command}' in 30 s");
        }

        Assert.True(answer.Result == "ok", $"test peer: '{command}' answered '{answer.Result}'");
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.WriteLine("exit");
            _process.StandardInput.Flush();
        }
        catch (IOException)
        {
            // Already gone.
        }

        if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}

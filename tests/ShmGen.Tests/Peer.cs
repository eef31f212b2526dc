using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace ShmGen.Tests;

/// <summary>A real child process running ShmGen.TestPeer with one verb; its stdout lines are collected as they come.</summary>
internal sealed class Peer : IDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = new();
    private readonly List<string> _seen = new();

    private Peer(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.CompleteAdding();
            }
            else
            {
                _lines.Add(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public static Peer Start(params string[] arguments) => Start(null, arguments);

    /// <summary>Starts the peer, optionally behind a wrapper command line (e.g. unshare) that ends with the dotnet invocation.</summary>
    public static Peer Start(string[]? wrapper, params string[] arguments)
    {
        var peerDll = Path.Combine(AppContext.BaseDirectory, "ShmGen.TestPeer.dll");
        var all = new List<string>();
        if (wrapper is not null)
        {
            all.AddRange(wrapper);
        }

        all.Add(DotNetHost);
        all.Add("exec");
        all.Add(peerDll);
        all.AddRange(arguments);
        var info = new ProcessStartInfo(all[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in all.GetRange(1, all.Count - 1))
        {
            info.ArgumentList.Add(argument);
        }

        return new Peer(Process.Start(info) ?? throw new InvalidOperationException("could not start the peer"));
    }

    public static string DotNetHost
    {
        get
        {
            var path = Environment.ProcessPath;
            return path is not null && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        }
    }

    /// <summary>Waits for the next line equal to <paramref name="expected"/>; fails with everything seen so far.</summary>
    public void WaitForLine(string expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultWait);
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero || !_lines.TryTake(out var line, remaining))
            {
                throw new TimeoutException($"peer {Id} did not print '{expected}'; it printed: {string.Join(" | ", _seen)}");
            }

            _seen.Add(line);
            if (line == expected)
            {
                return;
            }
        }
    }

    /// <summary>The next line, or null when the output ended.</summary>
    public string? NextLine(TimeSpan? timeout = null)
    {
        if (_lines.TryTake(out var line, timeout ?? DefaultWait))
        {
            _seen.Add(line);
            return line;
        }

        return null;
    }

    /// <summary>Waits for the process to end and returns its exit code and every line it printed.</summary>
    public (int ExitCode, List<string> Lines) Finish(TimeSpan? timeout = null)
    {
        if (!_process.WaitForExit(timeout ?? DefaultWait))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"peer {Id} did not exit; it printed: {string.Join(" | ", _seen)}");
        }

        _process.WaitForExit();
        while (_lines.TryTake(out var line, TimeSpan.FromSeconds(5)))
        {
            _seen.Add(line);
        }

        return (_process.ExitCode, new List<string>(_seen));
    }

    /// <summary>SIGKILL: no finalizers, no unwinding, exactly what a crash does to a lock holder.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        _lines.Dispose();
    }
}

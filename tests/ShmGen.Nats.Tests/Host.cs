using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace ShmGen.Nats.Tests;

/// <summary>
/// One "host": the ShmGen.Nats.TestHost program in a mount namespace of its own with a fresh tmpfs on /dev/shm
/// (<c>unshare -m</c>, as root), so its shared memory is invisible to the test and to the other host. Output is
/// collected line by line; disposing kills whatever still runs in it, and the tmpfs goes with the namespace.
/// </summary>
internal sealed class Host : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];
    private readonly ConcurrentQueue<string> _all = new();
    private readonly ConcurrentQueue<string> _errors = new();

    private Host(Process process) => _process = process;

    public static Host Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("unshare")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-m");
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("mount -t tmpfs -o size=256m,mode=1777 shmgen-host /dev/shm && exec \"$0\" \"$@\"");
        start.ArgumentList.Add(Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ShmGen.Nats.TestHost.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var host = new Host(Process.Start(start)!);
        host._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                host._lines.CompleteAdding();
            }
            else
            {
                host._all.Enqueue(e.Data);
                host._lines.Add(e.Data);
            }
        };
        host._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                host._errors.Enqueue(e.Data);
            }
        };
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Everything it printed so far, for failure messages.</summary>
    public string Transcript => string.Join("\n", _all) + (_errors.IsEmpty ? "" : "\nstderr:\n" + string.Join("\n", _errors));

    /// <summary>Waits for a line satisfying <paramref name="match"/>; fails with the transcript if it does not come.</summary>
    public string WaitFor(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (!_lines.TryTake(out var line, timeout - deadline.Elapsed))
            {
                break;
            }

            if (match(line))
            {
                return line;
            }
        }

        throw new Xunit.Sdk.XunitException($"no expected line within {timeout}; transcript:\n{Transcript}");
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new Xunit.Sdk.XunitException($"host did not exit within {timeout}; transcript:\n{Transcript}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public IReadOnlyList<string> Lines => _all.ToList();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}

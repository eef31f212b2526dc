using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using ShmGen.QueuePeer;

// The process tests start several peers each; on two shared cores they are steadier run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace ShmGen.Queue.Tests;

/// <summary>
/// Unique queue names and ledger files for one test, removed on dispose whether the test passed or not, so nothing is
/// left in /dev/shm or the temp directory.
/// </summary>
internal sealed class TestScope : IDisposable
{
    private readonly List<string> _names = [];
    private readonly List<string> _files = [];
    private readonly List<Peer> _peers = [];

    public string NewName()
    {
        var name = $"shmgen-test-{Guid.NewGuid():N}";
        _names.Add(name);
        return name;
    }

    public SegmentOptions Options(string name) => new() { Name = name };

    public Ledger NewLedger(int producers, int perProducer, out string path)
    {
        path = Path.Combine(Path.GetTempPath(), $"shmgen-ledger-{Guid.NewGuid():N}");
        _files.Add(path);
        return Ledger.Create(path, producers, perProducer);
    }

    public Peer Start(params string[] arguments)
    {
        var peer = Peer.Start(arguments);
        _peers.Add(peer);
        return peer;
    }

    public void Dispose()
    {
        foreach (var peer in _peers)
        {
            peer.Dispose();
        }

        foreach (var name in _names)
        {
            // Every test queue is unlinked by name; the kind used to unlink does not matter.
            TestItemQueue.TryUnlink(new SegmentOptions { Name = name });
        }

        foreach (var file in _files)
        {
            File.Delete(file);
        }
    }
}

/// <summary>A running ShmGen.QueuePeer process with its output collected line by line.</summary>
internal sealed class Peer : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];
    private readonly ConcurrentQueue<string> _errors = new();

    private Peer(Process process) => _process = process;

    public int ExitCode => _process.ExitCode;

    public bool HasExited => _process.HasExited;

    /// <summary>Standard error and the mode, for assertion messages.</summary>
    public string Description => $"peer '{string.Join(' ', _process.StartInfo.ArgumentList.Skip(1))}' stderr: {string.Join(" | ", _errors)}";

    public static Peer Start(string[] arguments)
    {
        // SHMGEN_PEER_HOST runs peers under a wrapper instead of dotnet (e.g. a script that execs strace -f -e futex
        // dotnet "$@", to count how often waiters really park).
        var host = Environment.GetEnvironmentVariable("SHMGEN_PEER_HOST") ?? Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ShmGen.QueuePeer.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var peer = new Peer(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                peer._lines.CompleteAdding();
            }
            else
            {
                peer._lines.Add(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                peer._errors.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>The next line of standard output, or null if none came within <paramref name="timeout"/>.</summary>
    public string? ReadLine(TimeSpan timeout) => _lines.TryTake(out var line, timeout) ? line : null;

    /// <summary>Waits for the line; fails the test with the peer's stderr if it does not come.</summary>
    public void Expect(string expected, TimeSpan timeout)
    {
        var line = ReadLine(timeout);
        Assert.True(line == expected, $"expected '{expected}', got '{line ?? "(nothing)"}'; {Description}");
    }

    /// <summary>Waits for a normal exit with code 0; fails the test otherwise (killing the peer if it hangs).</summary>
    public void ExpectSuccess(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            Assert.Fail($"did not finish within {timeout}: a hang (lost wake-up or wedged slot?); {Description}");
        }

        _process.WaitForExit();
        Assert.True(_process.ExitCode == 0, $"exit code {_process.ExitCode}; {Description}");
    }

    /// <summary>Waits for the peer to die of SIGKILL (exit code 128 + 9), as its kill switch makes it.</summary>
    public void ExpectKilled(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            Assert.Fail($"did not kill itself within {timeout}; {Description}");
        }

        _process.WaitForExit();
        Assert.True(_process.ExitCode == 137, $"expected death by SIGKILL (137), got exit code {_process.ExitCode}; {Description}");
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>SIGKILL, then reap.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }
}

/// <summary>Polling with a deadline, for conditions another process makes true.</summary>
internal static class Eventually
{
    public static void True(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, $"timed out after {timeout} waiting for {what}");
            Thread.Sleep(5);
        }
    }
}

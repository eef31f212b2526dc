using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using ShmGen.TopicPeer;

// The process tests start several peers each; on two shared cores they are steadier run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace ShmGen.Topic.Tests;

/// <summary>Unique names for one test, removed (with its peers killed) on dispose whether the test passed or not.</summary>
internal sealed class TestScope : IDisposable
{
    private readonly List<string> _names = [];
    private readonly List<Peer> _peers = [];

    public string NewName()
    {
        var name = $"shmgen-test-{Guid.NewGuid():N}";
        _names.Add(name);
        return name;
    }

    public static SegmentOptions Options(string name) => new() { Name = name };

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
            // Unlinking goes by name; the type used does not matter.
            TickTopic.TryUnlink(new SegmentOptions { Name = name });
        }
    }
}

/// <summary>A running ShmGen.TopicPeer process with its output collected line by line.</summary>
internal sealed class Peer : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];
    private readonly ConcurrentQueue<string> _errors = new();

    private Peer(Process process) => _process = process;

    public string Description => $"peer '{string.Join(' ', _process.StartInfo.ArgumentList.Skip(1))}' stderr: {string.Join(" | ", _errors)}";

    public static Peer Start(string[] arguments)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ShmGen.TopicPeer.dll"));
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

    public string? ReadLine(TimeSpan timeout) => _lines.TryTake(out var line, timeout) ? line : null;

    public void Expect(string expected, TimeSpan timeout)
    {
        var line = ReadLine(timeout);
        Assert.True(line == expected, $"expected '{expected}', got '{line ?? "(nothing)"}'; {Description}");
    }

    /// <summary>Waits for a normal exit with code 0 (killing the peer if it hangs); returns its last output line.</summary>
    public string? ExpectSuccess(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            Assert.Fail($"did not finish within {timeout}; {Description}");
        }

        _process.WaitForExit();
        string? last = null;
        while (_lines.TryTake(out var line, TimeSpan.FromSeconds(1)))
        {
            last = line;
        }

        Assert.True(_process.ExitCode == 0, $"exit code {_process.ExitCode}, last line '{last}'; {Description}");
        return last;
    }

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
        }

        _process.Dispose();
    }
}

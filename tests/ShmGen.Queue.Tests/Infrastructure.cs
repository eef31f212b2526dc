using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using ShmGen.QueuePeer;
using ShmGen.Testing;

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

/// <summary>A running ShmGen.QueuePeer process.</summary>
internal sealed class Peer : ChildPeer
{
    private Peer(string[] arguments)
        : base("ShmGen.QueuePeer.dll", wrapper: null, arguments)
    {
    }

    public static Peer Start(string[] arguments) => new(arguments);
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

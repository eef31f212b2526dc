using System;
using System.IO;
using ShmGen.Inspection;
using ShmGen.Testing;

namespace ShmGen.Tests;

/// <summary>
/// A peer that can write a named segment can ftruncate it shorter under the processes that map it; touching the cut
/// pages is a SIGBUS, which no check can prevent on the uncontended paths (the README's threat model). Where a check is
/// cheap and off the hot path the runtime looks before it touches anything: Open, the contended Lock, the inspector.
/// The cut keeps the header page, so the lock word the contended path reads is still backed; a cut below it would
/// fault on the lock word itself, which is what read-only views and sealed anonymous segments are for.
/// </summary>
public sealed class ShrinkTests
{
    [Fact]
    public void A_FileCutShorter_IsRefusedByTheContendedLock_ByOpen_AndByTheInspector()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        var whole = new FileInfo(scratch.Path).Length;

        // The peer holds the lock while it cuts: our Lock cannot take the fast path and goes the contended way.
        using var peer = Peer.Start("hold-and-cut", scratch.Name, "4096");
        peer.WaitForLine("cut");
        Assert.Equal(4096, new FileInfo(scratch.Path).Length);

        var contended = Assert.Throws<SegmentCorruptedException>(() => segment.Lock(TimeSpan.FromSeconds(5)).Dispose());
        Assert.Contains($"'/{scratch.Name}' is 4096 bytes, but its header says {whole}", contended.Message, StringComparison.Ordinal);

        var opened = Assert.Throws<SegmentCorruptedException>(() => CounterSegment.Open(scratch.Options));
        Assert.Contains("truncated or resized", opened.Message, StringComparison.Ordinal);

        var inspected = SegmentInspector.Inspect(scratch.Name);
        Assert.Equal(SegmentStatus.Corrupted, inspected.Status);
        Assert.Contains("truncated", inspected.Problem, StringComparison.Ordinal);

        // The holder dies: the lock word names a dead thread, so the next Lock again goes the contended way (it would
        // take over and run the repair hook on the missing data) and refuses instead.
        peer.Kill();
        Assert.Throws<SegmentCorruptedException>(() => segment.Lock(TimeSpan.FromSeconds(5)).Dispose());
    }
}

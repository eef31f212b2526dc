using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using ShmGen.Testing;

namespace ShmGen.Tests;

/// <summary>
/// SegmentOptions.UnlinkOnExit and WaitForCreation across real processes (ShmGen.TestPeer children): the segment a
/// child created goes when it exits normally or is signalled, the signal still ends it as it would have, a newer
/// segment under the same name survives; a monitor started before its collector opens once the collector creates.
/// </summary>
public sealed class ExitAndCreationTests
{
    [Fact]
    public void UnlinkOnExit_NormalExit_RemovesTheSegment()
    {
        using var scratch = new ScratchSegment();
        using var child = Peer.Start("create-unlink-on-exit", scratch.Name, "exit", "on");
        var (exitCode, lines) = child.Finish();
        Assert.True(exitCode == 0, string.Join(" | ", lines));
        Assert.Contains("created", lines);
        Assert.False(File.Exists(scratch.Path), "the segment the child created is still in /dev/shm");
    }

    [Theory]
    [InlineData(15)] // SIGTERM
    [InlineData(2)] // SIGINT
    [InlineData(1)] // SIGHUP
    public void UnlinkOnExit_Signal_RemovesTheSegment_AndTheSignalStillEndsTheProcess(int signal)
    {
        using var scratch = new ScratchSegment();
        using var control = new ScratchSegment();

        // The control has no UnlinkOnExit: the same signal must end both children the same way.
        var expectedExit = Signal(control.Name, signal, "off");
        Assert.True(File.Exists(control.Path), "without UnlinkOnExit the segment stays (the control)");
        var exitCode = Signal(scratch.Name, signal, "on");

        Assert.Equal(expectedExit, exitCode);
        Assert.False(File.Exists(scratch.Path), $"signal {signal}: the segment the child created is still in /dev/shm");
    }

    [Fact]
    public void UnlinkOnExit_NeverRemovesANewerSegmentUnderTheSameName()
    {
        using var scratch = new ScratchSegment();
        using var child = Peer.Start("create-unlink-on-exit", scratch.Name, "wait", "on");
        child.WaitForLine("created");

        // Someone removes the child's segment and creates a new one under the same name.
        Assert.True(CounterSegment.TryUnlink(scratch.Options));
        using var newer = CounterSegment.Create(scratch.Options);
        var inode = Inode(scratch.Path);

        child.Signal(15);
        child.Finish();

        Assert.True(File.Exists(scratch.Path), "the child's exit removed a segment it did not create");
        Assert.Equal(inode, Inode(scratch.Path));
        using var reopened = CounterSegment.Open(scratch.Options);
        newer.Unlink();
    }

    [Fact]
    public void WaitForCreation_AMonitorStartedBeforeItsCollector_OpensOnceTheCollectorCreates()
    {
        using var scratch = new ScratchSegment();
        using var monitor = Peer.Start("open-waiting", scratch.Name, "30000");
        monitor.WaitForLine("waiting");

        // Give the monitor time to find no name and park on its watch before the collector creates.
        Thread.Sleep(500);
        var created = Stopwatch.StartNew();
        using var collector = CounterSegment.Create(scratch.Options);
        using (var guard = collector.Lock())
        {
            guard.Value = 42;
            guard.Shadow = 42;
        }

        monitor.WaitForLine("opened 42", TimeSpan.FromSeconds(20));
        var (exitCode, lines) = monitor.Finish();
        Assert.True(exitCode == 0, string.Join(" | ", lines));

        // Woken by the event, not a retry timer: well under a second on any machine.
        Assert.True(created.Elapsed < TimeSpan.FromSeconds(10), $"opened {created.Elapsed} after the create");
        collector.Unlink();
    }

    [Fact]
    public void WaitForCreation_TimesOutWithSegmentNotFoundException()
    {
        using var scratch = new ScratchSegment();
        var waited = Stopwatch.StartNew();
        var error = Assert.Throws<SegmentNotFoundException>(() =>
            CounterSegment.Open(scratch.With(o => new SegmentOptions { Name = o.Name, WaitForCreation = TimeSpan.FromMilliseconds(400) })));
        waited.Stop();
        Assert.Contains(scratch.Name, error.Message, StringComparison.Ordinal);
        Assert.True(waited.Elapsed >= TimeSpan.FromMilliseconds(380), $"gave up after {waited.Elapsed}");
    }

    [Fact]
    public void WaitForCreation_OtherNamesAppearing_DoNotEndTheWait()
    {
        using var scratch = new ScratchSegment();
        using var other = new ScratchSegment();
        using var monitor = Peer.Start("open-waiting", scratch.Name, "1500");
        monitor.WaitForLine("waiting");
        Thread.Sleep(300);
        using (var unrelated = CounterSegment.Create(other.Options))
        {
            unrelated.Unlink();
        }

        var (exitCode, lines) = monitor.Finish();
        Assert.Equal(3, exitCode);
        Assert.Contains(nameof(SegmentNotFoundException), lines);
    }

    [Fact]
    public void WaitForCreation_NegativeTimeout_IsArgumentOutOfRange()
    {
        using var scratch = new ScratchSegment();
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            CounterSegment.Open(new SegmentOptions { Name = scratch.Name, WaitForCreation = TimeSpan.FromSeconds(-2) }));
    }

    private static int Signal(string name, int signal, string unlinkOnExit)
    {
        using var child = Peer.Start("create-unlink-on-exit", name, "wait", unlinkOnExit);
        child.WaitForLine("created");
        child.Signal(signal);
        var (exitCode, lines) = child.Finish(TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("not signalled", lines);
        return exitCode;
    }

    private static ulong Inode(string path)
    {
        Assert.Equal(0, Stat(path, out var inode));
        return inode;
    }

    private static int Stat(string path, out ulong inode)
    {
        // The inode without a stat struct binding: /proc is not involved, `stat -c %i` is.
        using var process = Process.Start(new ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        inode = process.ExitCode == 0 ? ulong.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture) : 0;
        return process.ExitCode;
    }
}

using System;
using System.Diagnostics;
using System.Threading;
using ShmGen.Testing;

namespace ShmGen.Tests;

/// <summary>The lock's instruments on the ShmGen meter (docs/architecture.md, "Metrics"), driven by real child processes.</summary>
public sealed class LockMetricsTests
{
    private const string Contended = "shmgen.lock.contended";
    private const string WaitDuration = "shmgen.lock.wait.duration";
    private const string Abandoned = "shmgen.lock.abandoned";
    private const string Timeouts = "shmgen.lock.timeouts";

    [Fact]
    public void A_wait_for_a_lock_another_process_holds_is_counted_and_timed_and_an_uncontended_lock_records_nothing()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        using var metrics = new MetricRecorder(scratch.Name);
        for (var i = 0; i < 100; i++)
        {
            using var uncontended = segment.Lock();
        }

        Assert.Equal(string.Empty, metrics.Describe());

        // The child holds the lock until it sees this thread parked on it, then 200 ms more.
        using var holder = Peer.Start("hold-until-waited", scratch.Name, "200");
        holder.WaitForLine("locked");
        var elapsed = Stopwatch.StartNew();
        using (var guard = segment.Lock(TimeSpan.FromSeconds(30)))
        {
            elapsed.Stop();
            Assert.False(guard.WasAbandoned);
            Assert.Equal(1, guard.Value);
        }

        holder.WaitForLine("released");
        holder.ExpectSuccess(TimeSpan.FromSeconds(30));

        Assert.Equal(1, metrics.Sum(Contended));
        var waited = Assert.Single(metrics.Values(WaitDuration));
        Assert.InRange(waited, 0.2, elapsed.Elapsed.TotalSeconds);
        Assert.Equal("s", metrics.Unit(WaitDuration));
        Assert.Equal(0, metrics.Sum(Abandoned));
        Assert.Equal(0, metrics.Sum(Timeouts));
    }

    [Fact]
    public void Timeouts_and_the_takeover_of_a_killed_holders_lock_are_counted()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        using var metrics = new MetricRecorder(scratch.Name);
        using var holder = Peer.Start("hold", scratch.Name);
        holder.WaitForLine("locked");

        Assert.Throws<TimeoutException>(() => segment.Lock(TimeSpan.FromMilliseconds(100)));
        Assert.False(segment.TryLock(TimeSpan.FromMilliseconds(50), out _));
        Assert.Equal(2, metrics.Sum(Timeouts));
        Assert.Equal(0, metrics.Sum(Contended));
        Assert.Empty(metrics.Values(WaitDuration));

        holder.Kill();
        using (var guard = segment.Lock(TimeSpan.FromSeconds(10)))
        {
            Assert.True(guard.WasAbandoned);
        }

        Assert.Equal(1, metrics.Sum(Abandoned));
        Assert.Equal(1, metrics.Sum(Contended));
        Assert.Single(metrics.Values(WaitDuration));
        Assert.Equal(2, metrics.Sum(Timeouts));
    }

    [Fact]
    public void A_Raw_segments_semaphore_records_a_timed_out_wait_and_nothing_for_an_uncontended_lock()
    {
        using var scratch = new ScratchSegment();
        using var segment = RawCellSegment.Create(scratch.Options);
        try
        {
            using var metrics = new MetricRecorder(scratch.Name);
            using (segment.Lock())
            {
            }

            Assert.Equal(string.Empty, metrics.Describe());

            // Another thread of this process holds the semaphore, as a C peer would.
            using var held = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            var holder = new Thread(() =>
            {
                using (segment.Lock())
                {
                    held.Set();
                    release.Wait();
                }
            });
            holder.Start();
            held.Wait();
            Assert.False(segment.TryLock(TimeSpan.FromMilliseconds(50), out _));
            release.Set();
            holder.Join();

            Assert.Equal(1, metrics.Sum(Timeouts));
            Assert.Equal(0, metrics.Sum(Contended));
            Assert.Empty(metrics.Values(WaitDuration));
        }
        finally
        {
            segment.Unlink();   // the semaphore file too
        }
    }
}

using System;
using System.Diagnostics;
using System.Threading;
using ShmGen.Testing;
using Xunit.Abstractions;

namespace ShmGen.Tests;

/// <summary>
/// Hostile peers as real processes: each maps the segment without ShmGen and writes into the lock block what an
/// attacker would, while this process locks. Every call must end in one of three outcomes (acquired,
/// TimeoutException, SegmentCorruptedException) within its timeout; a crash would take the test run down with it.
/// </summary>
public sealed class HostileLockTests(ITestOutputHelper output)
{
    // Far above any deadline overrun the lock allows (one owner check, one futex slice); the test machine is loaded.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData("random")]
    [InlineData("flip")]
    public void A_peer_rewriting_the_lock_block_on_every_iteration_never_crashes_hangs_or_outlasts_a_timeout(string pattern)
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        using var hostile = Peer.Start("scribble-lock", scratch.Name, pattern);
        hostile.WaitForLine("scribbling");

        var timeout = TimeSpan.FromMilliseconds(50);
        int acquired = 0, timedOut = 0, corrupted = 0;
        var worst = TimeSpan.Zero;
        var until = Stopwatch.StartNew();
        while (until.Elapsed < TimeSpan.FromSeconds(3))
        {
            var call = Stopwatch.StartNew();
            try
            {
                using var guard = segment.Lock(timeout);
                guard.Value++;
                acquired++;
            }
            catch (TimeoutException)
            {
                timedOut++;
            }
            catch (SegmentCorruptedException)
            {
                corrupted++;
            }

            worst = call.Elapsed > worst ? call.Elapsed : worst;
            Assert.True(call.Elapsed < timeout + Slack, $"a Lock({timeout}) took {call.Elapsed}");

            // The lock-free read must keep its deadline too, whatever the sequence word says.
            call.Restart();
            _ = segment.TrySnapshot(out _, timeout);
            Assert.True(call.Elapsed < timeout + Slack, $"a TrySnapshot({timeout}) took {call.Elapsed}");
        }

        output.WriteLine($"{pattern}: acquired {acquired}, timed out {timedOut}, corrupted {corrupted}, slowest call {worst.TotalMilliseconds:F1} ms");
        Assert.True(acquired + timedOut + corrupted > 10);
        Assert.False(hostile.HasExited, hostile.Description);
    }

    [Theory]
    [InlineData("random")]
    [InlineData("zero")]
    [InlineData("not-recoverable")]
    public void A_peer_rewriting_the_lock_while_it_is_held_cannot_make_the_holders_release_write_anywhere(string pattern)
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        var canary = new long[64];
        Array.Fill(canary, 0x5A5A5A5A5A5A5A5AL);
        var pinned = System.Runtime.InteropServices.GCHandle.Alloc(canary, System.Runtime.InteropServices.GCHandleType.Pinned);
        try
        {
            using (var guard = segment.Lock(TimeSpan.FromSeconds(5)))
            {
                guard.Value = 1;
                using var hostile = Peer.Start("scribble-lock", scratch.Name, pattern);
                hostile.WaitForLine(pattern == "random" ? "scribbling" : "written");
                Thread.Sleep(50);
                hostile.Kill();
            }

            // The release wrote nothing but (at most) the lock word, and never through anything the peer chose.
            Assert.All(canary, value => Assert.Equal(0x5A5A5A5A5A5A5A5AL, value));
            Assert.Equal(1, segment.Data.Value);

            // And the lock is still usable, or reports what the peer made of it.
            try
            {
                using var again = segment.Lock(TimeSpan.FromMilliseconds(500));
            }
            catch (Exception error) when (error is TimeoutException or SegmentCorruptedException)
            {
                output.WriteLine($"{pattern}: after the release, {error.GetType().Name}: {error.Message}");
            }
        }
        finally
        {
            pinned.Free();
        }
    }

    [Fact]
    public void A_forged_live_owner_is_a_TimeoutException_naming_the_holder_not_a_hang()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        using var hostile = Peer.Start("scribble-lock", scratch.Name, "forge-live");
        hostile.WaitForLine("written");

        var error = Assert.Throws<TimeoutException>(() => segment.Lock(TimeSpan.FromMilliseconds(300)));
        Assert.Contains($"held by thread {hostile.Id}", error.Message, StringComparison.Ordinal);

        // Once the forger is gone, its identity names a dead thread, and the next locker takes over.
        hostile.Kill();
        using var guard = segment.Lock(TimeSpan.FromSeconds(5));
        Assert.True(guard.WasAbandoned);
    }

    [Fact]
    public void The_not_recoverable_state_written_by_a_peer_is_a_SegmentCorruptedException()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        using var hostile = Peer.Start("scribble-lock", scratch.Name, "not-recoverable");
        hostile.WaitForLine("written");

        var error = Assert.Throws<SegmentCorruptedException>(() => segment.Lock(TimeSpan.FromSeconds(1)));
        Assert.Contains("not recoverable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_peer_that_leaves_the_sequence_odd_makes_Snapshot_time_out_not_hang_and_the_next_lock_heals_it()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        using var hostile = Peer.Start("scribble-lock", scratch.Name, "odd-sequence");
        hostile.WaitForLine("written");

        Assert.False(segment.TrySnapshot(out _, TimeSpan.FromMilliseconds(100)));
        using (var guard = segment.Lock(TimeSpan.FromSeconds(1)))
        {
            guard.Value = 7;
        }

        Assert.True(segment.TrySnapshot(out var value, TimeSpan.FromMilliseconds(100)));
        Assert.Equal(7, value.Value);
    }

    [Fact]
    public void A_thread_that_ends_holding_the_lock_is_taken_over_within_the_detection_delay()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        using var peer = Peer.Start("hold-then-exit-thread", scratch.Name);
        peer.WaitForLine("thread ended");

        // The holding thread is gone while its process lives on: an owner check by thread, not by process.
        using var guard = segment.Lock(TimeSpan.FromSeconds(5));
        Assert.True(guard.WasAbandoned);
        Assert.Equal(1, guard.Repairs);
    }

    [Fact]
    public void Detection_delay_after_the_holder_is_killed()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        var delays = new System.Collections.Generic.List<double>();
        for (var round = 0; round < 5; round++)
        {
            using var holder = Peer.Start("hold", scratch.Name);
            holder.WaitForLine("locked");
            var waiter = new Thread(() =>
            {
                using var guard = segment.Lock(TimeSpan.FromSeconds(10));
            });
            var stopwatch = new Stopwatch();
            waiter.Start();
            Thread.Sleep(50); // the waiter is parked on the futex by now
            stopwatch.Start();
            holder.Kill();
            waiter.Join();
            delays.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        delays.Sort();
        output.WriteLine($"takeover after SIGKILL (ms, sorted): {string.Join(", ", delays.ConvertAll(d => d.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.True(delays[2] < 5_000, "a parked waiter must notice a dead owner within seconds, not wait for ever");
    }
}

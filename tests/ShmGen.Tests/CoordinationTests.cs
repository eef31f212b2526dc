using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using ShmGen.Runtime.Locking;
using ShmGen.Testing;
using Xunit.Abstractions;

namespace ShmGen.Tests;

/// <summary>
/// Guard.Wait/Notify and Snapshot across real processes (ShmGen.TestPeer children, CoordinationVerbs): a ping-pong that
/// would hang on a lost wake-up, a waiter that outlives a dead notifier and one that dies leaving nothing behind, no torn
/// snapshot while another process writes flat out, and a writer SIGKILLed mid-update. The other parts of the coordination
/// contract are tested beside their code: 1,000 pending DequeueAsync in tests/ShmGen.Queue.Tests (QueueAsyncTests),
/// UnlinkOnExit under SIGTERM, SIGINT, SIGHUP and a normal exit and WaitForCreation in ExitAndCreationTests.
/// </summary>
public sealed class CoordinationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_hostileSlack = TimeSpan.FromSeconds(2);

    private const int Rounds = 10_000;

    // The condition word is at this offset of a Standard segment's file: LockBlock at header offset 64, Condition at +8.
    private const long ConditionOffset = 64 + 8;

    private static readonly TimeSpan s_peerTimeout = TimeSpan.FromSeconds(120);

    private static readonly string[] s_futexOnly =
    [
        ConditionWait.SpinIterationsName + "=0",
        ConditionWait.ParkRecheckName + "=-1",
    ];

    /// <summary>
    /// Two processes hand a turn back and forth 10,000 times, each Wait with a 15 s timeout: one lost wake-up and a side
    /// times out (exit code 6). "futex" makes every wait park at once and never look again on its own, so each round goes
    /// through the sleeper flag and FUTEX_WAKE and only a wake-up can end a wait; "spin" is the shipped configuration.
    /// </summary>
    [Theory]
    [InlineData("one", "futex")]
    [InlineData("all", "futex")]
    [InlineData("one", "spin")]
    [InlineData("all", "spin")]
    public void TenThousandWaitNotifyRoundsBetweenTwoProcesses_LoseNoWakeUp(string notify, string mode)
    {
        using var scratch = new ScratchSegment();
        using var segment = BatonSegment.Create(scratch.Options);
        string[] Arguments(int side) =>
        [
            "baton", scratch.Name, $"side={side}", $"rounds={Rounds}", $"notify={notify}", .. mode == "futex" ? s_futexOnly : [],
        ];

        var watch = Stopwatch.StartNew();
        var firstArguments = Arguments(0);
        var secondArguments = Arguments(1);
        using var first = Peer.Start(firstArguments);
        using var second = Peer.Start(secondArguments);
        var (firstExit, firstLines) = first.Finish(s_peerTimeout);
        var (secondExit, secondLines) = second.Finish(s_peerTimeout);
        output.WriteLine($"{notify}/{mode}: {watch.Elapsed.TotalMilliseconds:F0} ms with process start; {firstLines.LastOrDefault()}; {secondLines.LastOrDefault()}");

        Assert.True(firstExit == 0, first.Description);
        Assert.True(secondExit == 0, second.Description);
        Assert.Contains(firstLines, l => l.StartsWith($"done {Rounds} waits ", StringComparison.Ordinal));
        Assert.Contains(secondLines, l => l.StartsWith($"done {Rounds} waits ", StringComparison.Ordinal));
        using var guard = segment.Lock(TimeSpan.FromSeconds(5));
        Assert.Equal(2L * Rounds, guard.Round);
        Assert.False(guard.WasAbandoned);
        segment.Unlink();
    }

    /// <summary>
    /// A waiter parked in Wait(60 s) whose would-be notifier takes the lock and is SIGKILLed holding it: the waiter
    /// notices the dead holder on its own, takes the lock over and returns with WasAbandoned, long before its timeout.
    /// </summary>
    [Fact]
    public void AWaiterWhoseNotifierDiesHoldingTheLock_ReturnsWithTheLockAndWasAbandoned()
    {
        using var scratch = new ScratchSegment();
        using var segment = BatonSegment.Create(scratch.Options);
        using var waiter = Peer.Start("baton-wait", scratch.Name);
        waiter.WaitForLine("waiting");

        // It can only take the lock once the waiter released it inside Wait.
        using var notifier = Peer.Start("baton-hold", scratch.Name);
        notifier.WaitForLine("locked");
        notifier.Kill();

        var watch = Stopwatch.StartNew();
        waiter.WaitForLine("woke turn 0 abandoned True", TimeSpan.FromSeconds(30));
        output.WriteLine($"the waiter returned {watch.Elapsed.TotalMilliseconds:F0} ms after the notifier's death");
        waiter.ExpectSuccess(TimeSpan.FromSeconds(30));

        // The waiter's repair-less takeover released the lock cleanly.
        using var guard = segment.Lock(TimeSpan.FromSeconds(5));
        Assert.False(guard.WasAbandoned);
        Assert.Equal(-1, guard.Round);
        segment.Unlink();
    }

    /// <summary>
    /// A waiter SIGKILLed while parked leaves at most the two flag bits of the condition word: the lock is free, the next
    /// Notify makes one FUTEX_WAKE that finds nobody and clears them, and from then on a notify costs no system call.
    /// </summary>
    [Fact]
    public void AWaiterKilledWhileParked_LeavesNothingBehind()
    {
        using var scratch = new ScratchSegment();
        using var segment = BatonSegment.Create(scratch.Options);
        string[] arguments = ["baton-wait", scratch.Name, .. s_futexOnly];
        using var waiter = Peer.Start(arguments);
        waiter.WaitForLine("waiting");
        WaitUntil(() => (Condition(scratch.Path) & ConditionWait.Sleeping) != 0, "the waiter to set its sleeper flag");
        waiter.Kill();

        var before = Condition(scratch.Path);
        Assert.Equal(ConditionWait.Armed | ConditionWait.Sleeping, before & 3);
        var calls = ConditionWait.WakeSystemCalls;
        using (var guard = segment.Lock(TimeSpan.FromSeconds(5)))
        {
            Assert.False(guard.WasAbandoned, "the waiter released the lock inside Wait");
            guard.Notify();
            Assert.Equal(calls + 1, ConditionWait.WakeSystemCalls);
            var after = Condition(scratch.Path);
            Assert.Equal(0, after & 3);
            Assert.NotEqual(before & ~3, after & ~3);

            guard.Notify();
            guard.NotifyAll();
            Assert.Equal(calls + 1, ConditionWait.WakeSystemCalls);
            Assert.Equal(after, Condition(scratch.Path));
        }

        segment.Unlink();
    }

    [Theory]
    [InlineData("random")]
    [InlineData("flip")]
    public void Wait_and_Notify_under_a_peer_rewriting_the_lock_block_never_hang_or_outlast_their_timeouts(string pattern)
    {
        // The condition word is rewritten too: Notify has no timeout, so it must never loop on the peer's CAS races,
        // and Wait ends by its timeout plus the re-acquisition's LockTimeout. (In this class, not HostileLockTests,
        // because its notifies make FUTEX_WAKE calls that the process-wide count the tests above assert on would see.)
        using var scratch = new ScratchSegment();
        var lockTimeout = TimeSpan.FromMilliseconds(200);
        using var segment = CounterSegment.Create(new SegmentOptions { Name = scratch.Name, LockTimeout = lockTimeout });
        using var hostile = Peer.Start("scribble-lock", scratch.Name, pattern);
        hostile.WaitForLine("scribbling");

        var timeout = TimeSpan.FromMilliseconds(20);
        int notified = 0, waited = 0, failed = 0;
        var until = Stopwatch.StartNew();
        while (until.Elapsed < TimeSpan.FromSeconds(3))
        {
            try
            {
                using var guard = segment.Lock(timeout);
                var call = Stopwatch.StartNew();
                guard.Notify();
                guard.NotifyAll();
                Assert.True(call.Elapsed < s_hostileSlack, $"Notify and NotifyAll took {call.Elapsed}");
                notified++;

                call.Restart();
                try
                {
#pragma warning disable SHM205 // One bounded wait per round is the point: its duration is what is measured.
                    _ = guard.Wait(timeout);
#pragma warning restore SHM205
                    waited++;
                }
                finally
                {
                    Assert.True(call.Elapsed < timeout + lockTimeout + s_hostileSlack, $"a Wait({timeout}) with LockTimeout {lockTimeout} took {call.Elapsed}");
                }
            }
            catch (Exception e) when (e is TimeoutException or SegmentCorruptedException)
            {
                failed++;
            }
        }

        output.WriteLine($"{pattern}: notified {notified}, waits returned {waited}, timed out or corrupt {failed}");
        Assert.True(notified + failed > 10);
        Assert.False(hostile.HasExited, hostile.Description);
    }

    /// <summary>Notify and NotifyAll with nobody waiting make no system call and leave the word as it was (no write).</summary>
    [Fact]
    public void NotifyWithoutWaiters_MakesNoSystemCall()
    {
        using var scratch = new ScratchSegment();
        using var segment = BatonSegment.Create(scratch.Options);
        var calls = ConditionWait.WakeSystemCalls;
        var before = Condition(scratch.Path);
        using (var guard = segment.Lock(TimeSpan.FromSeconds(5)))
        {
            for (var i = 0; i < 1000; i++)
            {
                guard.Notify();
                guard.NotifyAll();
            }
        }

        Assert.Equal(calls, ConditionWait.WakeSystemCalls);
        Assert.Equal(before, Condition(scratch.Path));

        // A wait that parks and times out leaves both flags, as a waiter that died parked does: the next notify pays one
        // FUTEX_WAKE that finds nobody and clears them; the ones after it pay none.
        using (var guard = segment.Lock(TimeSpan.FromSeconds(5)))
        {
#pragma warning disable SHM205 // One wait that parks and times out is the point; no condition is awaited.
            Assert.False(guard.Wait(TimeSpan.FromMilliseconds(50)));
#pragma warning restore SHM205
            Assert.Equal(ConditionWait.Armed | ConditionWait.Sleeping, Condition(scratch.Path) & 3);
            guard.Notify();
            Assert.Equal(0, Condition(scratch.Path) & 3);
            guard.Notify();
            guard.NotifyAll();
        }

        Assert.Equal(calls + 1, ConditionWait.WakeSystemCalls);
        segment.Unlink();
    }

    /// <summary>
    /// Disposing the handle while a thread of this process waits in a Wait loop ends the wait with ObjectDisposedException
    /// (the lock released), as it ends a Lock, instead of letting the loop spin on a handle that is going away.
    /// </summary>
    [Fact]
    public void DisposingTheHandle_EndsAWaitLoopWithObjectDisposedException()
    {
        using var scratch = new ScratchSegment();
        var segment = BatonSegment.Create(scratch.Options);
        Exception? caught = null;
        using var waiting = new System.Threading.ManualResetEventSlim();
        var thread = new System.Threading.Thread(() =>
        {
            try
            {
                using var guard = segment.Lock(TimeSpan.FromSeconds(5));
                waiting.Set();
                while (guard.Turn == 0)
                {
                    guard.Wait();
                }
            }
            catch (Exception e)
            {
                caught = e;
            }
        });
        thread.Start();
        Assert.True(waiting.Wait(TimeSpan.FromSeconds(30)));
        segment.Dispose();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the Wait loop did not end after Dispose");
        Assert.IsType<ObjectDisposedException>(caught);

        // The lock was released: another handle takes it at once, not abandoned.
        using var other = BatonSegment.Open(scratch.Options);
        using (var guard = other.Lock(TimeSpan.FromSeconds(5)))
        {
            Assert.False(guard.WasAbandoned);
        }

        other.Unlink();
    }

    /// <summary>
    /// A million snapshots (and more, until 500 were fresh) of a 256-byte struct while another process rewrites it under
    /// the lock as fast as it can: not one is torn, and at least 100 are fresh (the writer really ran during the reads).
    /// Reader and writer share CPU 0: on separate cores of a host whose cache lines travel slowly, a flat-out writer's
    /// stable windows (tens of ns) are shorter than copying 256 bytes it keeps dirtying, and the reader starves (a
    /// sequence lock's known limit, README "Monitors and waiting consumers"); on one CPU the writer is preempted at every
    /// point of its update, odd ones included, which is what a torn snapshot needs.
    /// </summary>
    [Fact]
    public void AMillionSnapshotsWhileAnotherProcessWritesFlatOut_NoneIsTorn()
    {
        const int Reads = 1_000_000;
        using var scratch = new ScratchSegment();
        using var segment = TelemetrySegment.Create(scratch.Options);
        using var pinned = CpuPin.CurrentThreadTo(0);
        using var writer = Peer.Start(["taskset", "-c", "0"], "telemetry-writer", scratch.Name);
        writer.WaitForLine("writing");

        int torn = 0, fresh = 0, rawTorn = 0;
        long last = -1;
        var watch = Stopwatch.StartNew();
        // At least a million reads, and on until 500 were fresh: on a loaded machine the writer may get little CPU.
        var i = 0;
        for (; i < Reads || (fresh < 500 && watch.Elapsed < TimeSpan.FromSeconds(30)); i++)
        {
            var copy = segment.Snapshot();
            if (!TelemetryFields.IsConsistent(copy))
            {
                torn++;
            }

            if (copy.A != last)
            {
                fresh++;
                last = copy.A;
            }

            // The unsynchronized view, for contrast (not asserted: whether a race shows depends on the scheduler).
            if ((i & 1023) == 0 && !TelemetryFields.IsConsistent(segment.Data))
            {
                rawTorn++;
            }
        }

        watch.Stop();
        Assert.False(writer.HasExited, writer.Description);
        writer.Kill();
        output.WriteLine($"{i} snapshots in {watch.Elapsed.TotalMilliseconds:F0} ms: {torn} torn, {fresh} fresh; {rawTorn} of {i / 1024} unsynchronized reads torn");
        Assert.Equal(0, torn);
        Assert.True(fresh >= 100, $"only {fresh} fresh snapshots: the writer did not run during the reads");
        segment.Unlink();
    }

    /// <summary>
    /// A writer SIGKILLed mid-update leaves the sequence odd: Snapshot waits out LockTimeout and throws
    /// TimeoutException (TrySnapshot returns false) instead of returning the half-written data; the next Lock takes the
    /// lock over (WasAbandoned, repair hook run), and from then on Snapshot works again.
    /// </summary>
    [Fact]
    public void AWriterKilledMidUpdate_SnapshotTimesOut_UntilTheNextLockRepairs()
    {
        using var scratch = new ScratchSegment();
        var timeout = TimeSpan.FromMilliseconds(300);
        using var segment = TelemetrySegment.Create(scratch.With(o => new SegmentOptions { Name = o.Name, LockTimeout = timeout }));
        using (var guard = segment.Lock())
        {
            TelemetryFields.Write(ref guard.Data, 1);
        }

        using var writer = Peer.Start("telemetry-hold", scratch.Name);
        writer.WaitForLine("mid-update");
        writer.Kill();

        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<TimeoutException>(() => segment.Snapshot());
        watch.Stop();
        output.WriteLine($"Snapshot gave up after {watch.Elapsed.TotalMilliseconds:F0} ms: {error.Message}");
        Assert.Contains(scratch.Name, error.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed >= timeout - TimeSpan.FromMilliseconds(20), $"gave up after {watch.Elapsed}");
        Assert.True(watch.Elapsed < timeout + TimeSpan.FromSeconds(10), $"took {watch.Elapsed}: it should end by its LockTimeout");
        Assert.False(segment.TrySnapshot(out _, TimeSpan.FromMilliseconds(50)));

        using (var guard = segment.Lock())
        {
            Assert.True(guard.WasAbandoned);
            Assert.Equal(1, guard.Repairs);
        }

        var copy = segment.Snapshot();
        Assert.True(TelemetryFields.IsConsistent(copy));
        Assert.Equal(12345, copy.A);
        segment.Unlink();
    }

    /// <summary>
    /// A flat-out writer SIGKILLed at arbitrary points, three times: after each death a snapshot is either consistent or
    /// refused (the writer died inside the lock), never torn; after the next Lock it is always consistent.
    /// </summary>
    [Fact]
    public void AFlatOutWriterKilledAtRandom_NeverLeavesATornSnapshot()
    {
        using var scratch = new ScratchSegment();
        using var segment = TelemetrySegment.Create(scratch.Options);
        var random = new Random(12);
        int refused = 0, consistent = 0;
        for (var kill = 0; kill < 3; kill++)
        {
            using var writer = Peer.Start("telemetry-writer", scratch.Name);
            writer.WaitForLine("writing");
            System.Threading.Thread.Sleep(random.Next(1, 40));
            writer.Kill();

            if (segment.TrySnapshot(out var copy, TimeSpan.FromMilliseconds(200)))
            {
                Assert.True(TelemetryFields.IsConsistent(copy), $"torn after kill {kill}: A={copy.A} B={copy.B} C={copy.C}");
                consistent++;
            }
            else
            {
                refused++;
            }

            using (var guard = segment.Lock(TimeSpan.FromSeconds(5)))
            {
                Assert.True(TelemetryFields.IsConsistent(guard.Data));
            }

            Assert.True(TelemetryFields.IsConsistent(segment.Snapshot()));
        }

        output.WriteLine($"after 3 kills: {consistent} consistent snapshots, {refused} refused (killed inside the lock)");
        segment.Unlink();
    }

    private static int Condition(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        Span<byte> word = stackalloc byte[4];
        Assert.Equal(4, RandomAccess.Read(file, word, ConditionOffset));
        return BitConverter.ToInt32(word);
    }

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "timed out waiting for " + what);
            System.Threading.Thread.Sleep(5);
        }
    }
}

/// <summary>Pins the calling thread to one CPU until disposed, then restores its affinity (xunit reuses its threads).</summary>
internal sealed unsafe class CpuPin : IDisposable
{
    private readonly ulong _previous;

    private CpuPin(ulong previous) => _previous = previous;

    public static CpuPin CurrentThreadTo(int cpu)
    {
        ulong previous;
        Assert.Equal(0, sched_getaffinity(0, sizeof(ulong), &previous));
        var mask = 1UL << cpu;
        Assert.Equal(0, sched_setaffinity(0, sizeof(ulong), &mask));
        return new CpuPin(previous);
    }

    public void Dispose()
    {
        var previous = _previous;
        _ = sched_setaffinity(0, sizeof(ulong), &previous);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int sched_getaffinity(int pid, nint size, ulong* mask);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint size, ulong* mask);
}

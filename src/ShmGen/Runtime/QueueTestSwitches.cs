using System;
using System.Globalization;
using System.Threading;

namespace ShmGen.Runtime;

/// <summary>
/// AppContext switches, read once at startup, that let the queue's own tests put a real SIGKILL at an exact point of the
/// slot protocol and make parked waits depend on wake-ups alone. Both are off unless a test program sets them with
/// <see cref="AppContext.SetData(string, object?)"/> before its first queue operation; when off they cost nothing
/// (static readonly fields: the JIT folds the checks away).
/// </summary>
internal static class QueueTestSwitches
{
    /// <summary>
    /// <c>"OPERATION:PHASE:N"</c>: the process SIGKILLs itself inside its N-th (0-based) enqueue or dequeue
    /// (OPERATION), at PHASE: <c>claimed</c> (the slot's claim CAS succeeded, the shared position is not advanced yet),
    /// <c>copied</c> (the item is copied in or out, the slot not yet published or released) or <c>done</c> (published
    /// or released, the waiters not yet woken).
    /// </summary>
    public const string KillInsideClaimName = "ShmGen.Testing.QueueKillInsideClaim";

    /// <summary>
    /// Milliseconds a parked waiter sleeps before re-checking the queue without being woken; <c>-1</c> never re-checks,
    /// so a lost wake-up hangs (what the lost-wakeup stress test relies on). Default <see cref="DefaultParkRecheck"/>.
    /// </summary>
    public const string ParkRecheckName = "ShmGen.Testing.QueueParkRecheckMilliseconds";

    /// <summary>
    /// How many SpinWait rounds a waiter spins (after its short fixed-interval polls) before it parks; <c>0</c> parks at
    /// once, polls included, so every wait goes through the futex protocol (what the lost-wakeup stress tests want).
    /// Default <see cref="DefaultSpinIterations"/>.
    /// </summary>
    public const string SpinIterationsName = "ShmGen.Testing.QueueSpinIterations";

    /// <summary>
    /// SpinWait rounds before parking (about 4 us on the project's 2-core machine, after about 5.6 us of fixed-interval
    /// polls). Brief: a live peer usually answers within them, and on a busy machine spinning longer only steals the
    /// core the other side needs (SpinWait yields the thread after its first rounds).
    /// </summary>
    public const int DefaultSpinIterations = 16;

    /// <summary>
    /// How long a parked waiter sleeps before re-checking on its own. Only needed when a process died between changing
    /// the queue and waking the waiters; every live notifier wakes them at once.
    /// </summary>
    public static readonly TimeSpan DefaultParkRecheck = TimeSpan.FromMilliseconds(250);

    /// <summary>Whether <see cref="KillInsideClaimName"/> is set.</summary>
    public static readonly bool KillInsideClaim;

    /// <summary>The park re-check interval in force.</summary>
    public static readonly TimeSpan ParkRecheck;

    /// <summary>The spin rounds in force.</summary>
    public static readonly int SpinIterations;

    private static readonly bool s_killInEnqueue;
    private static readonly ClaimPhase s_killPhase;
    private static readonly int s_killAt;
    private static int s_enqueues;
    private static int s_dequeues;

#pragma warning disable CA1810 // Explicit static constructor: the switches are parsed together, once.
    static QueueTestSwitches()
#pragma warning restore CA1810
    {
        ParkRecheck = DefaultParkRecheck;
        SpinIterations = DefaultSpinIterations;
        if (AppContext.GetData(SpinIterationsName) is { } spin &&
            int.TryParse(Convert.ToString(spin, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out var iterations))
        {
            SpinIterations = iterations;
        }

        if (AppContext.GetData(ParkRecheckName) is { } recheck &&
            int.TryParse(Convert.ToString(recheck, CultureInfo.InvariantCulture), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var milliseconds))
        {
            ParkRecheck = milliseconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(milliseconds);
        }

        if (AppContext.GetData(KillInsideClaimName) is string kill)
        {
            var parts = kill.Split(':');
            if (parts.Length == 3 && parts[0] is "enqueue" or "dequeue" && Enum.TryParse<ClaimPhase>(parts[1], ignoreCase: true, out var phase) &&
                int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var at))
            {
                s_killInEnqueue = parts[0] == "enqueue";
                s_killPhase = phase;
                s_killAt = at;
                KillInsideClaim = true;
            }
        }
    }

    /// <summary>Called at each phase of a claim when <see cref="KillInsideClaim"/> is on: dies there if this is the
    /// chosen operation and phase.</summary>
    public static void AtClaim(bool enqueue, ClaimPhase phase)
    {
        if (enqueue != s_killInEnqueue || phase != s_killPhase)
        {
            return;
        }

        var count = enqueue ? Interlocked.Increment(ref s_enqueues) : Interlocked.Increment(ref s_dequeues);
        if (count - 1 == s_killAt)
        {
            const int sigkill = 9;
            Tmds.Linux.LibC.kill(Environment.ProcessId, sigkill);
            Thread.Sleep(Timeout.Infinite);
        }
    }
}

/// <summary>Where inside an enqueue or dequeue <see cref="QueueTestSwitches.KillInsideClaimName"/> strikes.</summary>
internal enum ClaimPhase
{
    /// <summary>The claim CAS succeeded; the shared position still points at the slot.</summary>
    Claimed,

    /// <summary>The item is copied; the slot is not published (enqueue) or released (dequeue).</summary>
    Copied,

    /// <summary>Published or released; the other side's waiters are not woken yet.</summary>
    Done,
}

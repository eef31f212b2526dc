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
    /// <c>"enqueue:N"</c> or <c>"dequeue:N"</c>: the process SIGKILLs itself inside its N-th (0-based) enqueue or
    /// dequeue, after claiming the slot and copying the item, before publishing or releasing it.
    /// </summary>
    public const string KillInsideClaimName = "ShmGen.Testing.QueueKillInsideClaim";

    /// <summary>
    /// Milliseconds a parked waiter sleeps before re-checking the queue without being woken; <c>-1</c> never re-checks,
    /// so a lost wake-up hangs (what the lost-wakeup stress test relies on). Default <see cref="DefaultParkRecheck"/>.
    /// </summary>
    public const string ParkRecheckName = "ShmGen.Testing.QueueParkRecheckMilliseconds";

    /// <summary>
    /// How many rounds a waiter spins before it parks; <c>0</c> parks at once, so every wait goes through the futex
    /// protocol (what the lost-wakeup stress tests want). Default <see cref="DefaultSpinIterations"/>.
    /// </summary>
    public const string SpinIterationsName = "ShmGen.Testing.QueueSpinIterations";

    /// <summary>
    /// Spin rounds before parking. Brief: a live peer usually answers within them, and on a busy machine spinning
    /// longer only steals the core the other side needs (SpinWait yields the thread after its first rounds).
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
            if (parts.Length == 2 && parts[0] is "enqueue" or "dequeue" &&
                int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var at))
            {
                s_killInEnqueue = parts[0] == "enqueue";
                s_killAt = at;
                KillInsideClaim = true;
            }
        }
    }

    /// <summary>Called inside a claim when <see cref="KillInsideClaim"/> is on: dies there if this is the chosen one.</summary>
    public static void AtClaim(bool enqueue)
    {
        if (enqueue != s_killInEnqueue)
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

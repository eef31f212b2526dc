using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading;
using ShmGen.Native;

namespace ShmGen.Runtime.Locking;

/// <summary>
/// <c>Guard.Wait</c>/<c>Notify</c>/<c>NotifyAll</c>: a condition variable across processes on the header's
/// <see cref="LockBlock.Condition"/> word. Bit 0 (<see cref="Armed"/>): a thread called Wait since the word was last
/// cleared. Bit 1 (<see cref="Sleeping"/>): one of them may be parked in FUTEX_WAIT. Bits 2..31: an epoch that every
/// notify advances. The protocol and why it loses no wake-up: docs/architecture.md, "Waiting on a condition".
/// </summary>
/// <remarks>
/// In short: a waiter arms while it holds the lock (so a notifier, which holds the lock too, cannot miss it), releases,
/// spins watching the epoch, and before parking sets <see cref="Sleeping"/> with a CAS on the epoch it armed with. A
/// notifier advances the epoch with a CAS, so of "waiter sets Sleeping" and "notifier advances the epoch" one comes
/// first: either the notifier sees Sleeping and makes the FUTEX_WAKE system call, or the waiter sees the new epoch and
/// never parks. A notifier that finds nobody armed writes nothing and makes no system call; one that finds waiters
/// still spinning makes none either. What a dead waiter leaves is at most the two flag bits: the next notify's
/// FUTEX_WAKE finds nobody and clears them. Every wake-up may be spurious (a peer can write the word), which is why
/// callers re-check their condition in a loop.
/// </remarks>
internal static unsafe class ConditionWait
{
    /// <summary>A thread called Wait since the word was last cleared.</summary>
    public const int Armed = 1;

    /// <summary>A waiter may be parked in the kernel: a notifier must make the system call.</summary>
    public const int Sleeping = 2;

    /// <summary>
    /// Test switch: how many spin checks a waiter makes before it parks; <c>0</c> parks at once, so every wait goes
    /// through the futex protocol. Default <see cref="DefaultSpinIterations"/>.
    /// </summary>
    public const string SpinIterationsName = "ShmGen.Testing.ConditionSpinIterations";

    /// <summary>
    /// Test switch: milliseconds a parked waiter sleeps before it looks again without being woken (the dispose check and
    /// the dead-holder check); <c>-1</c> never, so a lost wake-up hangs until the caller's timeout (what the ping-pong
    /// test relies on). Default <see cref="DefaultParkRecheck"/>.
    /// </summary>
    public const string ParkRecheckName = "ShmGen.Testing.ConditionParkRecheckMilliseconds";

    /// <summary>
    /// Spin checks before parking, one normalized <see cref="Thread.SpinWait"/> (about 40 ns) apart: about 20 us, which
    /// covers a live peer's round trip through the lock; longer would only steal the core a notifier on a busy machine
    /// needs.
    /// </summary>
    public const int DefaultSpinIterations = 512;

    /// <summary>How often a parked waiter looks again on its own: for a handle being disposed, and for a lock whose holder
    /// died (the notifier it waited for), so that it returns and takes that lock over with <c>WasAbandoned</c>.</summary>
    public static readonly TimeSpan DefaultParkRecheck = TimeSpan.FromMilliseconds(100);

    private const int FlagMask = Armed | Sleeping;
    private const int EpochStep = 4;

    // Failed CASes a notify accepts (each means the word changed under it: a waiter setting Sleeping, or a peer) before
    // it falls back to an unconditional add and a wake of everyone.
    private const int MaxNotifyAttempts = 64;

    // Checks of the deadline while spinning: one every this many spins (a clock read costs more than a spin).
    private const int DeadlineCheckMask = 63;

    // After being notified, spin this many checks for the notifier's release, so the re-acquisition takes the fast path.
    private const int ReleaseSpinIterations = 256;

    private static readonly int s_spinIterations = ReadSpinIterations();
    private static readonly TimeSpan s_parkRecheck = ReadParkRecheck();
    private static long s_wakeSystemCalls;

    /// <summary>How many FUTEX_WAKE calls notifiers of this process made (tests: a notify without sleepers makes none).</summary>
    public static long WakeSystemCalls => Interlocked.Read(ref s_wakeSystemCalls);

    /// <summary>Arms, releases the lock, waits; true when notified (or woken spuriously, or the lock's holder died),
    /// false when the deadline passed or the handle is being disposed. The caller re-acquires.</summary>
    public static bool Wait(HeaderLock header, long deadline, Func<bool> disposing)
    {
        var condition = header.Condition;

        // Interlocked: a waiter that does not hold the lock may be setting Sleeping at this moment.
        var epoch = Interlocked.Or(ref *condition, Armed) & ~FlagMask;
        header.Release();

        for (var i = 0; i < s_spinIterations; i++)
        {
            if (EpochOf(Volatile.Read(ref *condition)) != epoch)
            {
                return AfterNotify(header);
            }

            if ((i & DeadlineCheckMask) == DeadlineCheckMask && Deadline.HasPassed(deadline))
            {
                return false;
            }

            Thread.SpinWait(1);
        }

        while (true)
        {
            var current = Volatile.Read(ref *condition);
            if (EpochOf(current) != epoch)
            {
                return AfterNotify(header);
            }

            if (Deadline.HasPassed(deadline) || disposing())
            {
                return false;
            }

            if ((current & Sleeping) == 0)
            {
                // The CAS on the epoch armed with is what makes the notifier's advance and this flag ordered.
                var flagged = current | FlagMask;
                if (Interlocked.CompareExchange(ref *condition, flagged, current) != current)
                {
                    continue;
                }

                current = flagged;
            }

            if (!Futex.Wait(condition, current, ParkSlice(deadline)) && HolderIsGone(header))
            {
                // The notifier we wait for may be this dead holder: return, and the re-acquisition takes the lock over
                // (WasAbandoned). A spurious wake-up as far as the caller can tell.
                return true;
            }
        }
    }

    /// <summary>Wakes one waiter, or all; the caller holds the lock.</summary>
    public static void Notify(HeaderLock header, bool all)
    {
        var condition = header.Condition;
        var current = Volatile.Read(ref *condition);
        if ((current & Armed) == 0)
        {
            // Nobody waits: no write, no system call.
            return;
        }

        bool keepFlags;
        int next;
        for (var attempt = 0; ; attempt++)
        {
            if (attempt == MaxNotifyAttempts)
            {
                // A peer keeps rewriting the word under our CAS: advance the epoch with one add, which cannot fail and
                // orders with a waiter's Sleeping CAS just as the CAS would, and wake everyone. Extra wake-ups are
                // spurious ones, which callers re-check anyway; a notify must not loop on a word a peer controls.
                Interlocked.Add(ref *condition, EpochStep);
                Interlocked.Increment(ref s_wakeSystemCalls);
                Futex.Wake(condition, int.MaxValue);
                return;
            }

            // NotifyAll: every waiter leaves (the parked ones are woken), so the flags go. Notify with sleepers: only one
            // is woken, the others stay parked, so the flags stay. Notify without sleepers: every waiter is spinning and
            // sees the new epoch, so the flags go.
            keepFlags = !all && (current & Sleeping) != 0;
            next = unchecked((keepFlags ? current : current & ~FlagMask) + EpochStep);
            var seen = Interlocked.CompareExchange(ref *condition, next, current);
            if (seen == current)
            {
                break;
            }

            // A waiter set Sleeping meanwhile (or a peer wrote the word): judge again.
            current = seen;
        }

        if ((current & Sleeping) == 0)
        {
            return;
        }

        Interlocked.Increment(ref s_wakeSystemCalls);
        if (Futex.Wake(condition, all ? int.MaxValue : 1) == 0 && keepFlags)
        {
            // Nobody was parked: a waiter died parked, or its slice ran out. Nobody can park on an epoch older than
            // `next` and nobody can arm while we hold the lock, so every waiter is gone or leaving: clear the flags.
            Interlocked.CompareExchange(ref *condition, next & ~FlagMask, next);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EpochOf(int word) => word & ~FlagMask;

    /// <summary>The notifier holds the lock as it notifies: let it release before the caller re-acquires, so that takes
    /// the fast path rather than the contended one (bounded: the holder may be slow or dead).</summary>
    private static bool AfterNotify(HeaderLock header)
    {
        var block = header.Block;
        for (var i = 0; i < ReleaseSpinIterations && Volatile.Read(ref block->Word) != 0; i++)
        {
            Thread.SpinWait(1);
        }

        return true;
    }

    /// <summary>Whether the lock is held by a thread that no longer exists (or is marked not recoverable).</summary>
    private static bool HolderIsGone(HeaderLock header)
    {
        var owner = FutexLock.Owner(header.Block);
        return owner != 0 && (owner == LockOwner.NotRecoverable || LockOwner.IsGone(owner));
    }

    private static TimeSpan ParkSlice(long deadline) =>
        s_parkRecheck == Timeout.InfiniteTimeSpan ? Deadline.Remaining(deadline) : Deadline.Slice(deadline, s_parkRecheck);

    private static int ReadSpinIterations() =>
        AppContext.GetData(SpinIterationsName) is { } value &&
        int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out var iterations)
            ? iterations
            : DefaultSpinIterations;

    private static TimeSpan ReadParkRecheck() =>
        AppContext.GetData(ParkRecheckName) is { } value &&
        int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var milliseconds)
            ? (milliseconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(milliseconds))
            : DefaultParkRecheck;
}

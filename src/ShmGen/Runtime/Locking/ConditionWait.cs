using System;
using System.Threading;
using ShmGen.Native;

namespace ShmGen.Runtime.Locking;

/// <summary>
/// <c>Guard.Wait</c>/<c>Notify</c>/<c>NotifyAll</c>: a condition variable across processes on the header's
/// <see cref="LockBlock.Condition"/> word (bit 0: someone waits; bits 1..31: an epoch).
/// </summary>
/// <remarks>
/// A waiter sets bit 0 while it holds the lock, then releases and parks on that exact value. A notifier (which holds
/// the lock, so it cannot run between a waiter's arming and its release) does nothing if bit 0 is clear: no waiter, no
/// system call. Otherwise it advances the epoch before it wakes, so a waiter that released but has not parked yet finds
/// the value changed and returns at once: no wake-up is lost. Notify keeps bit 0 (others may still wait) unless the wake
/// found nobody asleep; NotifyAll clears it. A bit rather than a count, because a waiter killed while parked would leave a
/// count raised for ever; a stale bit costs one wake, which clears it. Every wake-up may be spurious (a peer can write the
/// word), which is why callers re-check their condition in a loop.
/// </remarks>
internal static unsafe class ConditionWait
{
    private const int SpinIterations = 50;

    // Parked waiters wake this often to see whether their handle is being disposed.
    private static readonly TimeSpan s_disposeCheck = TimeSpan.FromMilliseconds(250);

    /// <summary>Arms, releases the lock, waits; true when notified (or woken spuriously), false when the deadline passed.
    /// The caller re-acquires.</summary>
    public static bool Wait(HeaderLock header, long deadline, Func<bool> disposing)
    {
        var condition = header.Condition;
        var armed = Volatile.Read(ref *condition) | 1;
        Volatile.Write(ref *condition, armed);
        header.Release();

        for (var i = 0; i < SpinIterations; i++)
        {
            if (Volatile.Read(ref *condition) != armed)
            {
                return true;
            }

            Thread.SpinWait(20);
        }

        while (true)
        {
            if (Volatile.Read(ref *condition) != armed)
            {
                return true;
            }

            var remaining = Deadline.Remaining(deadline);
            if (remaining == TimeSpan.Zero || disposing())
            {
                return false;
            }

            Futex.Wait(condition, armed, remaining == Timeout.InfiniteTimeSpan || remaining > s_disposeCheck ? s_disposeCheck : remaining);
        }
    }

    /// <summary>Wakes one waiter, or all; the caller holds the lock.</summary>
    public static void Notify(HeaderLock header, bool all)
    {
        var condition = header.Condition;
        var current = Volatile.Read(ref *condition);
        if ((current & 1) == 0)
        {
            return;
        }

        if (all)
        {
            // current is odd, so current + 1 clears bit 0 and carries into the epoch.
            Volatile.Write(ref *condition, unchecked(current + 1));
            Futex.Wake(condition, int.MaxValue);
            return;
        }

        Volatile.Write(ref *condition, unchecked(current + 2));
        if (Futex.Wake(condition, 1) == 0)
        {
            // Nobody was asleep (one between release and park sees the new epoch): clear the bit, advancing again.
            Volatile.Write(ref *condition, unchecked(current + 3));
        }
    }
}

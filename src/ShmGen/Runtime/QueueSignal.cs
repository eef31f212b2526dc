using System;
using System.Threading;
using ShmGen.Native;

namespace ShmGen.Runtime;

/// <summary>
/// A futex word that lets a waiter park until the other side makes progress, with wakes only when someone waits and
/// no lost wake-ups. Bit 0 says "someone is parked or about to park"; bits 1..31 are an epoch that every wake advances.
/// </summary>
/// <remarks>
/// <para>
/// Waiter: <see cref="Arm"/> (sets bit 0 with a full-fence CAS, or sees it set), re-checks the queue, then sleeps on the
/// armed value. Notifier: changes the queue with a full-fence CAS, then <see cref="Notify"/> reads the word and, only if
/// bit 0 is set, clears it while advancing the epoch and wakes every sleeper. Either the waiter's re-check sees the
/// change, or the notifier sees bit 0 (both sides fence between their store and their load); and once the notifier has
/// moved the word off the armed value, a sleep on that value returns at once. So no wake-up is lost.
/// </para>
/// <para>
/// A bit instead of a waiter count, because a count cannot survive SIGKILL: a process killed while parked would leave
/// it raised for ever and every later operation would pay a FUTEX_WAKE. A stale bit costs one wake, which clears it;
/// woken waiters that still need to wait re-arm. Waking all rather than one keeps a waiter that leaves without taking
/// anything (timeout, cancellation, death) from swallowing the wake another waiter needed.
/// </para>
/// </remarks>
internal static class QueueSignal
{
    private const int WaitingBit = 1;

    // CAS failures before Arm gives up (see Arm); live notifiers and waiters lose a race a few times at most.
    private const int MaxArmRounds = 64;

    /// <summary>Announces a waiter; returns the value to sleep on. Call before the last re-check of the condition.</summary>
    /// <remarks>
    /// Bounded: a peer that rewrites the word on every iteration makes every CAS fail, so after
    /// <see cref="MaxArmRounds"/> failures the current value is returned unarmed. Sleeping on it returns at once or
    /// lasts one slice without a wake (every waiter sleeps in slices), never longer than the caller's deadline.
    /// </remarks>
    public static int Arm(ref int word)
    {
        var current = Volatile.Read(ref word);
        for (var round = 0; round < MaxArmRounds; round++)
        {
            if ((current & WaitingBit) != 0)
            {
                return current;
            }

            var armed = current | WaitingBit;
            var seen = Interlocked.CompareExchange(ref word, armed, current);
            if (seen == current)
            {
                return armed;
            }

            current = seen;
        }

        return current;
    }

    /// <summary>
    /// Wakes the waiters, if any. The caller's change to the queue must be ordered before this call by a full fence
    /// (an Interlocked operation).
    /// </summary>
    public static void Notify(ref int word)
    {
        var current = Volatile.Read(ref word);
        if ((current & WaitingBit) != 0)
        {
            NotifyWaiting(ref word, current);
        }
    }

    /// <summary>Wakes every sleeper regardless of the waiting bit (cancellation: they re-check their token).</summary>
    public static void Interrupt(ref int word)
    {
        // +2 advances the epoch and keeps bit 0 as it was.
        Interlocked.Add(ref word, 2);
        Futex.Wake(ref word, int.MaxValue);
    }

    /// <summary>Sleeps while the word still holds <paramref name="armed"/>, at most <paramref name="timeout"/>.</summary>
    public static void Sleep(ref int word, int armed, TimeSpan timeout) => Futex.Wait(ref word, armed, timeout);

    private static void NotifyWaiting(ref int word, int current)
    {
        // current is odd, so current + 1 clears bit 0 and carries into the epoch. A failed CAS means another notifier
        // moved the word first and wakes the same sleepers.
        if (Interlocked.CompareExchange(ref word, unchecked(current + 1), current) == current)
        {
            Futex.Wake(ref word, int.MaxValue);
        }
    }
}

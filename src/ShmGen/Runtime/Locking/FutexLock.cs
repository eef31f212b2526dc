using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using ShmGen.Native;

namespace ShmGen.Runtime.Locking;

/// <summary>How an acquisition ended.</summary>
internal enum LockAcquisition
{
    Acquired,

    /// <summary>Acquired by taking it over from a holder that died holding it: the data may be half-updated.</summary>
    AcquiredAbandoned,

    TimedOut,
}

/// <summary>
/// ShmGen's process-shared lock: one futex word whose value names its owner (<see cref="LockOwner"/>), packed with the
/// snapshot sequence in <see cref="LockBlock.State"/>. Nothing about it lives outside the segment and nothing in it is
/// an address, so no value a peer writes can make this code touch memory other than the block itself.
/// </summary>
/// <remarks>
/// <para><b>Uncontended:</b> one 64-bit CAS to acquire (owner in, sequence odd) and one to release (owner out, sequence
/// even and new). <b>Contended:</b> a short spin (the deadline checked every 64 spins), then the waiter sets <see cref="LockOwner.WaiterBit"/> and parks on the
/// word; a release that finds the bit wakes one waiter, which acquires with the bit set again (it cannot know whether
/// others still wait).</para>
/// <para><b>Owner death</b> is detected without the kernel's robust list: a parked waiter wakes every
/// <see cref="OwnerCheckInterval"/> and asks /proc whether the owner thread still exists with the start time its
/// identity records (a reused id counts as dead). One that finds it gone takes the lock over with a CAS on the value it
/// judged, so two waiters never both take over. The detection delay is therefore at most one interval plus a /proc read.</para>
/// <para><b>Hostile values:</b> every loop here re-reads the word, checks the caller's deadline on every iteration and
/// only ever CASes the block; an identity of thread 0, of a thread that does not exist, or of this very thread when this
/// process does not hold the lock, is a dead owner; <see cref="LockOwner.NotRecoverable"/> is reported as corruption.</para>
/// </remarks>
internal static unsafe class FutexLock
{
    /// <summary>How often a parked waiter checks that the owner still lives: the bound on abandoned-lock detection.</summary>
    public static readonly TimeSpan OwnerCheckInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Spin checks before parking, one normalized <see cref="Thread.SpinWait"/> (about 40 ns) apart: about 20 us,
    /// longer than a typical critical section and short enough not to starve a holder on a busy machine.</summary>
    private const int SpinIterations = 512;

    // While spinning the deadline is checked once every this many spins (a clock read costs more than a spin).
    private const int DeadlineCheckMask = 63;
    private static readonly long s_ownerCheckTicks = (long)(OwnerCheckInterval.TotalSeconds * Stopwatch.Frequency);

    /// <summary>The one CAS of an uncontended acquisition.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryAcquireFast(LockBlock* block, uint self)
    {
        var state = Volatile.Read(ref block->State);
        return (uint)state == 0 && Interlocked.CompareExchange(ref block->State, Held(state, self), state) == state;
    }

    /// <summary>Acquires after <see cref="TryAcquireFast"/> failed: spins, parks, takes over from a dead owner.</summary>
    /// <param name="block">The lock.</param>
    /// <param name="self">This thread's identity.</param>
    /// <param name="deadline">When to give up (<see cref="Deadline.Never"/> for never).</param>
    /// <param name="heldByThisThread">Whether this process's bookkeeping says this thread holds the lock: then an
    /// identity of ours in the word is recursion, not a forgery.</param>
    /// <param name="abandon">Checked on every iteration: a wait whose handle is being disposed ends.</param>
    /// <param name="segmentName">For messages.</param>
    public static LockAcquisition AcquireContended(LockBlock* block, uint self, long deadline, bool heldByThisThread, Func<bool>? abandon, string segmentName)
    {
        for (var i = 0; i < SpinIterations; i++)
        {
            if (TryAcquireFast(block, self))
            {
                return LockAcquisition.Acquired;
            }

            // Recursion, a forged identity of ours, or a deadline reached: the loop below judges those.
            if (((i & DeadlineCheckMask) == DeadlineCheckMask && Deadline.HasPassed(deadline)) ||
                (Volatile.Read(ref block->Word) & LockOwner.IdentityMask) == self)
            {
                break;
            }

            Thread.SpinWait(1);
        }

        var nextOwnerCheck = Stopwatch.GetTimestamp() + s_ownerCheckTicks;
        var parked = false;
        while (true)
        {
            if (abandon?.Invoke() == true)
            {
                throw new ObjectDisposedException(segmentName, $"Shared memory segment '/{segmentName}' was disposed while this thread waited for its lock.");
            }

            var state = Volatile.Read(ref block->State);
            var word = (uint)state;
            var identity = word & LockOwner.IdentityMask;
            if (word == 0)
            {
                // Free: take it with the waiter bit, since others may be parked behind us.
                if (Interlocked.CompareExchange(ref block->State, Held(state, self | LockOwner.WaiterBit), state) == state)
                {
                    return LockAcquisition.Acquired;
                }
            }
            else if (identity == LockOwner.NotRecoverable)
            {
                throw NotRecoverable(segmentName);
            }
            else if (identity == self && heldByThisThread)
            {
                throw SegmentErrors.LockRecursion(segmentName);
            }
            else
            {
                var now = Stopwatch.GetTimestamp();
                var timedOut = deadline != Deadline.Never && now >= deadline;
                if (now >= nextOwnerCheck || timedOut || identity == self)
                {
                    nextOwnerCheck = now + s_ownerCheckTicks;
                    if (identity == self || LockOwner.IsGone(identity))
                    {
                        if (Interlocked.CompareExchange(ref block->State, Held(state, self | LockOwner.WaiterBit), state) == state)
                        {
                            return LockAcquisition.AcquiredAbandoned;
                        }

                        if (timedOut)
                        {
                            return LockAcquisition.TimedOut;
                        }

                        continue;
                    }
                }

                if (timedOut)
                {
                    if (parked)
                    {
                        // A release may have woken us rather than another waiter: pass the wake on.
                        Futex.Wake((int*)&block->Word, 1);
                    }

                    return LockAcquisition.TimedOut;
                }

                if ((word & LockOwner.WaiterBit) == 0)
                {
                    var flagged = (state & ~(ulong)uint.MaxValue) | (word | LockOwner.WaiterBit);
                    if (Interlocked.CompareExchange(ref block->State, flagged, state) != state)
                    {
                        continue;
                    }

                    word |= LockOwner.WaiterBit;
                }

                Futex.Wait((int*)&block->Word, (int)word, Deadline.Slice(deadline, OwnerCheckInterval));
                parked = true;
                continue;
            }

            if (Deadline.HasPassed(deadline))
            {
                return LockAcquisition.TimedOut;
            }
        }
    }

    /// <summary>
    /// Releases, publishing a new even sequence. <see langword="false"/> when the word does not name this thread (a
    /// peer rewrote it while we held it): then nothing is written, since the lock is no longer ours to release.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Release(LockBlock* block, uint self)
    {
        var state = Volatile.Read(ref block->State);
        if ((uint)state == self && Interlocked.CompareExchange(ref block->State, Released(state), state) == state)
        {
            return true;
        }

        return ReleaseContended(block, self);
    }

    /// <summary>
    /// Releases after a repair hook threw: the word becomes <see cref="LockOwner.NotRecoverable"/> so no process ever
    /// treats the unrepaired data as consistent, and every waiter is woken to find out.
    /// </summary>
    public static void MarkNotRecoverable(LockBlock* block, uint self)
    {
        var state = Volatile.Read(ref block->State);
        if ((((uint)state) & LockOwner.IdentityMask) == self)
        {
            Interlocked.CompareExchange(ref block->State, (state & ~(ulong)uint.MaxValue) | LockOwner.NotRecoverable, state);
        }

        Futex.Wake((int*)&block->Word, int.MaxValue);
    }

    /// <summary>The lock is not recoverable: a holder died and its repair hook threw.</summary>
    public static SegmentCorruptedException NotRecoverable(string segmentName) => new(
        segmentName,
        $"The lock of shared memory segment '/{segmentName}' is not recoverable: a holder died and its repair did not " +
        "complete (OnLockAbandoned threw), or a peer wrote that state. Recreate the segment (Unlink, then Create).");

    /// <summary>Who holds the lock, for messages and tools: 0 when free, else the owner identity (no waiter bit).</summary>
    public static uint Owner(LockBlock* block) => Volatile.Read(ref block->Word) & LockOwner.IdentityMask;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool ReleaseContended(LockBlock* block, uint self)
    {
        // Only a waiter setting the waiter bit may change the word under its holder, and only once; anything else is a
        // peer rewriting it, which the bounded loop outlasts without writing.
        for (var attempt = 0; attempt < 16; attempt++)
        {
            var state = Volatile.Read(ref block->State);
            if ((((uint)state) & LockOwner.IdentityMask) != self)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref block->State, Released(state), state) == state)
            {
                if ((((uint)state) & LockOwner.WaiterBit) != 0)
                {
                    Futex.Wake((int*)&block->Word, 1);
                }

                return true;
            }
        }

        return false;
    }

    /// <summary>The state after acquiring: the owner in, the sequence odd (unchanged if a dead holder left it odd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Held(ulong state, uint word) => ((state | (1UL << 32)) & ~(ulong)uint.MaxValue) | word;

    /// <summary>The state after releasing: free, and a new even sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Released(ulong state) => (ulong)unchecked(((uint)(state >> 32) | 1u) + 1u) << 32;
}

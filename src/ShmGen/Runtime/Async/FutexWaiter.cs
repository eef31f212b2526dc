using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using ShmGen.Native;

namespace ShmGen.Runtime.Async;

/// <summary>
/// A pending asynchronous call parked on a futex word by the <see cref="FutexWaiter"/> thread instead of by a thread of
/// its own. Every member but <see cref="RequestCancel"/> runs on the waiter thread, the only thread that attempts or
/// completes a pending operation: so a cancellation can never race an attempt that already took an item.
/// </summary>
internal abstract unsafe class FutexWaitOperation
{
    /// <summary>The futex word this operation waits on (in a mapping the operation holds a reference on).</summary>
    public int* Word;

    /// <summary>The armed value it sleeps on: a word that no longer holds it means "look again".</summary>
    public int Expected;

    /// <summary>Stopwatch timestamp of the next look even without a wake (a dead notifier, a claimer to poll); <see cref="long.MaxValue"/> for none.</summary>
    public long NextCheck;

    private int _cancelRequested;

    /// <summary>
    /// Whether an operation on the same word that just found nothing to do means this one would find nothing too
    /// (true for a queue side: every call competes for the same items; false for topic subscribers, whose cursors differ).
    /// </summary>
    public virtual bool SharesOutcomeOfWord => true;

    /// <summary>Whether <see cref="RequestCancel"/> ran since the operation was started.</summary>
    public bool IsCancelRequested => Volatile.Read(ref _cancelRequested) != 0;

    /// <summary>From the token's callback: ask the waiter thread to complete the operation as cancelled.</summary>
    public void RequestCancel()
    {
        Volatile.Write(ref _cancelRequested, 1);
        FutexWaiter.Kick();
    }

    /// <summary>Clears the cancellation flag before the operation is used again.</summary>
    protected void ResetCancel() => Volatile.Write(ref _cancelRequested, 0);

    /// <summary>
    /// Completes the operation if it was cancelled or its queue disposed (returns true), without touching the queue.
    /// </summary>
    public abstract bool TryFinishEarly();

    /// <summary>
    /// Arms <see cref="Word"/> and attempts the operation once. True: completed. False: <see cref="Word"/>,
    /// <see cref="Expected"/> and <see cref="NextCheck"/> say what to wait for.
    /// </summary>
    public abstract bool TryAttempt();

    /// <summary>Completes the operation with an exception the waiter thread caught while attempting it.</summary>
    public abstract void Fail(Exception exception);
}

/// <summary>
/// The one thread per process that parks every pending async queue call, so a thousand pending <c>DequeueAsync</c>
/// calls cost one thread, not a thousand (and never a thread-pool thread): it sleeps in futex_waitv(2) on every distinct
/// futex word the pending calls wait on (all calls on one queue side share a word) plus a private kick word, and when a
/// word moves it attempts the calls waiting on it in arrival order, stopping at the first that finds the queue still
/// empty (or full). Completions run their continuations on the thread pool.
/// </summary>
/// <remarks>
/// <para><b>Fallback.</b> A kernel without futex_waitv (before 5.16, or a sandbox that filters it) gets the same thread
/// parked with FUTEX_WAIT on one word at a time: the only word for up to <see cref="FallbackSlice"/>, or several in turn
/// for <see cref="FallbackRotateSlice"/> each. A wake of the word it parks on is seen at once; the others within one
/// rotation, and a cancellation within one slice. The test switch <c>ShmGen.Testing.AsyncWaiterFallback</c> forces it.</para>
/// <para><b>Bounded.</b> A peer that rewrites a word on every pass makes the syscall return at once (EAGAIN); after
/// <see cref="MaxFruitlessPasses"/> passes that completed nothing the thread sleeps 1 ms, so no content of shared memory
/// makes it spin. More than <see cref="FutexWaitv.MaxWords"/> - 1 distinct words are parked on in turns of
/// <see cref="FallbackRotateSlice"/>.</para>
/// </remarks>
internal static unsafe class FutexWaiter
{
    /// <summary>The AppContext switch (bool or "true") that makes the waiter use the FUTEX_WAIT fallback.</summary>
    public const string FallbackSwitchName = "ShmGen.Testing.AsyncWaiterFallback";

    private const int MaxFruitlessPasses = 64;
    private static readonly TimeSpan FallbackSlice = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan FallbackRotateSlice = TimeSpan.FromMilliseconds(2);

    private static readonly object s_gate = new();
    private static readonly int* s_kick = (int*)NativeMemory.AllocZeroed(sizeof(int));
    private static readonly List<FutexWaitOperation> s_incoming = [];
    private static Thread? s_thread;
    private static nint s_parkedOn;

    /// <summary>Whether the waiter parks with futex_waitv (false: the FUTEX_WAIT fallback).</summary>
    public static readonly bool UsesWaitv = !FallbackForced() && FutexWaitv.IsSupported();

    /// <summary>Hands <paramref name="operation"/> to the waiter thread (starting it on first use).</summary>
    public static void Submit(FutexWaitOperation operation)
    {
        lock (s_gate)
        {
            s_incoming.Add(operation);
            if (s_thread is null)
            {
                s_thread = new Thread(Run) { IsBackground = true, Name = "ShmGen async waiter" };
                s_thread.Start();
            }
        }

        Kick();
    }

    /// <summary>Makes the waiter thread look at its operations again (new ones, cancellations).</summary>
    public static void Kick()
    {
        Interlocked.Increment(ref *s_kick);
        Futex.Wake(s_kick, 1);
        if (!UsesWaitv)
        {
            // The fallback parks on a queue's word, not on the kick word: wake that (a spurious wake for any other
            // waiter on it, which re-checks).
            var parked = (int*)Volatile.Read(ref s_parkedOn);
            if (parked != null)
            {
                Futex.Wake(parked, int.MaxValue);
            }
        }
    }

    private static bool FallbackForced() =>
        AppContext.GetData(FallbackSwitchName) is { } value && (value is true || string.Equals(value.ToString(), "true", StringComparison.OrdinalIgnoreCase));

    private static void Run()
    {
        var active = new List<FutexWaitOperation>();
        var attempted = new Dictionary<nint, FutexWaitOperation>();
        var entries = (FutexWaitv.Entry*)NativeMemory.AllocZeroed((nuint)(FutexWaitv.MaxWords * sizeof(FutexWaitv.Entry)));
        var distinct = new List<nint>();
        var rotation = 0;
        var fruitless = 0;
        while (true)
        {
            // Read the kick counter before looking: a kick after this read makes the park below return at once.
            var kick = Volatile.Read(ref *s_kick);
            lock (s_gate)
            {
                if (s_incoming.Count > 0)
                {
                    active.AddRange(s_incoming);
                    s_incoming.Clear();
                }
            }

            var completed = Pass(active, attempted);
            fruitless = completed ? 0 : fruitless + 1;
            if (fruitless > MaxFruitlessPasses)
            {
                // Words that move on every pass without anything completing: a peer rewriting them. Bound the CPU.
                Thread.Sleep(1);
                fruitless = 0;
                continue;
            }

            // What to park on: each distinct word once, with the value its operations armed. An operation whose value
            // differs from the one recorded for its word saw the word move during the pass: look again at once.
            distinct.Clear();
            var nextCheck = long.MaxValue;
            var again = false;
            attempted.Clear();
            foreach (var operation in active)
            {
                nextCheck = Math.Min(nextCheck, operation.NextCheck);
                if (attempted.TryGetValue((nint)operation.Word, out var first))
                {
                    again |= first.Expected != operation.Expected;
                }
                else
                {
                    attempted.Add((nint)operation.Word, operation);
                    distinct.Add((nint)operation.Word);
                }
            }

            if (again)
            {
                attempted.Clear();
                continue;
            }

            var timeout = nextCheck == long.MaxValue ? Timeout.InfiniteTimeSpan : Deadline.Remaining(nextCheck);
            if (distinct.Count == 0)
            {
                Futex.Wait(s_kick, kick, Timeout.InfiniteTimeSpan);
            }
            else if (UsesWaitv)
            {
                ParkWaitv(entries, kick, distinct, attempted, ref rotation, timeout);
            }
            else
            {
                ParkFallback(kick, distinct, attempted, ref rotation, timeout);
            }

            attempted.Clear();
        }
    }

    /// <summary>Looks at every operation once; true when at least one completed.</summary>
    private static bool Pass(List<FutexWaitOperation> active, Dictionary<nint, FutexWaitOperation> attempted)
    {
        attempted.Clear();
        var now = Stopwatch.GetTimestamp();
        var completed = false;
        var kept = 0;
        for (var i = 0; i < active.Count; i++)
        {
            var operation = active[i];
            bool done;
            try
            {
                if (operation.TryFinishEarly())
                {
                    done = true;
                }
                else if (Volatile.Read(ref *operation.Word) == operation.Expected && now < operation.NextCheck)
                {
                    done = false;
                }
                else if (operation.SharesOutcomeOfWord && attempted.TryGetValue((nint)operation.Word, out var failed) && failed.SharesOutcomeOfWord)
                {
                    // An earlier operation on this word just found nothing to do: so would this one.
                    operation.Expected = failed.Expected;
                    operation.NextCheck = failed.NextCheck;
                    done = false;
                }
                else
                {
                    done = operation.TryAttempt();
                    if (!done)
                    {
                        attempted[(nint)operation.Word] = operation;
                    }
                }
            }
            catch (Exception exception)
            {
                operation.Fail(exception);
                done = true;
            }

            if (done)
            {
                completed = true;
            }
            else
            {
                active[kept++] = operation;
            }
        }

        active.RemoveRange(kept, active.Count - kept);
        return completed;
    }

    private static void ParkWaitv(
        FutexWaitv.Entry* entries, int kick, List<nint> distinct, Dictionary<nint, FutexWaitOperation> expected, ref int rotation, TimeSpan timeout)
    {
        entries[0] = new FutexWaitv.Entry { Value = (uint)kick, Address = (ulong)s_kick, Flags = FutexWaitv.Size32 };
        var count = Math.Min(distinct.Count, FutexWaitv.MaxWords - 1);
        if (count < distinct.Count)
        {
            // More words than one call takes: park on a window of them in turns.
            rotation = (rotation + count) % distinct.Count;
            timeout = Shorter(timeout, FallbackRotateSlice);
        }

        for (var i = 0; i < count; i++)
        {
            var word = distinct[(rotation + i) % distinct.Count];
            entries[i + 1] = new FutexWaitv.Entry { Value = (uint)expected[word].Expected, Address = (ulong)word, Flags = FutexWaitv.Size32 };
        }

        if (timeout == Timeout.InfiniteTimeSpan)
        {
            FutexWaitv.Wait(entries, count + 1, null);
        }
        else
        {
            var deadline = LibC.MonotonicDeadline(timeout);
            FutexWaitv.Wait(entries, count + 1, &deadline);
        }
    }

    private static void ParkFallback(int kick, List<nint> distinct, Dictionary<nint, FutexWaitOperation> expected, ref int rotation, TimeSpan timeout)
    {
        rotation = (rotation + 1) % distinct.Count;
        var word = (int*)distinct[rotation];
        timeout = Shorter(timeout, distinct.Count == 1 ? FallbackSlice : FallbackRotateSlice);
        Interlocked.Exchange(ref s_parkedOn, (nint)word);
        if (Volatile.Read(ref *s_kick) == kick)
        {
            Futex.Wait(word, expected[(nint)word].Expected, timeout);
        }

        Interlocked.Exchange(ref s_parkedOn, 0);
    }

    private static TimeSpan Shorter(TimeSpan timeout, TimeSpan slice) =>
        timeout == Timeout.InfiniteTimeSpan || timeout > slice ? slice : timeout;
}

using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace ShmGen.Runtime;

/// <summary>
/// One subscriber's position in a <see cref="TopicRing{T}"/>, kept in this process only: it registers nothing in shared
/// memory. Not thread-safe: one receive at a time. Infrastructure for generated code.
/// </summary>
/// <typeparam name="T">The item.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TopicSubscriber<T> : IDisposable
    where T : unmanaged
{
    private readonly TopicRing<T> _ring;
    private long _cursor;
    private long _missed;
    private long _holeSince;
    private long _nextClaimCheck;
    private bool _disposed;
    private TopicRing<T>.ReceiveOperation? _pending;

    internal TopicSubscriber(TopicRing<T> ring, long cursor)
    {
        _ring = ring;
        _cursor = cursor;
    }

    /// <summary>Items overwritten (or never completed by a publisher that died) before this subscriber read them.</summary>
    public long Missed => Volatile.Read(ref _missed);

    /// <summary>The sequence number of the next item this subscriber reads.</summary>
    internal long Position => Volatile.Read(ref _cursor);

    /// <summary>Takes the next item, waiting until one is published.</summary>
    /// <returns>A copy of the item.</returns>
    public T Receive()
    {
        TryReceive(out var item, Timeout.InfiniteTimeSpan, default);
        return item;
    }

    /// <summary>Takes the next item if one is published within <paramref name="timeout"/>.</summary>
    /// <param name="item">A copy of the item, or <see langword="default"/>.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> does not wait.</param>
    /// <returns>Whether an item was taken.</returns>
    public bool TryReceive(out T item, TimeSpan timeout) => TryReceive(out item, timeout, default);

    /// <summary>Takes the next item if one is published within <paramref name="timeout"/>, unless cancelled.</summary>
    /// <param name="item">A copy of the item, or <see langword="default"/>.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether an item was taken.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool TryReceive(out T item, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Deadline.Validate(timeout);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var mapping = _ring.Mapping;
        var thread = mapping.EnterGuard();
        try
        {
            var result = ReadOnce(out item);
            return result == TopicRing<T>.ReadResult.Received || ReceiveWaiting(out item, result, timeout, cancellationToken);
        }
        finally
        {
            mapping.ExitGuard(thread);
        }
    }

    /// <summary>
    /// Takes the next item, waiting without holding a thread: every pending async call of this process, on any topic or
    /// queue, is parked by one waiting thread.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait; nothing is taken then.</param>
    /// <returns>A copy of the item.</returns>
    public ValueTask<T> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }

        if (Pending is not null)
        {
            throw new InvalidOperationException("A receive of this subscriber is already pending: a subscriber takes one receive at a time.");
        }

        var mapping = _ring.Mapping;
        mapping.AddReference();
        try
        {
            if (ReadOnce(out var item) == TopicRing<T>.ReadResult.Received)
            {
                mapping.ReleaseReference();
                return new ValueTask<T>(item);
            }
        }
        catch
        {
            mapping.ReleaseReference();
            throw;
        }

        // The call's reference now belongs to the pending operation, released when it completes.
        return _ring.WaitAsync(this, cancellationToken);
    }

    /// <summary>Ends the subscription (it holds nothing in shared memory); a pending async receive fails with
    /// <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        if (Pending is not null)
        {
            // Not RequestCancel on the operation: it may complete and be reused by another receive meanwhile. The waiter
            // looks at every operation after a kick, and this one sees its subscriber disposed.
            Async.FutexWaiter.Kick();
        }
    }

    /// <summary>The receive parked by the async waiter, while there is one (set and cleared by that operation).</summary>
    internal TopicRing<T>.ReceiveOperation? Pending
    {
        get => Volatile.Read(ref _pending);
        set => Volatile.Write(ref _pending, value);
    }

    /// <summary>Whether <see cref="Dispose"/> ran.</summary>
    internal bool IsDisposed => Volatile.Read(ref _disposed);

    /// <summary>One attempt; the caller holds a reference on the mapping (and, for async waits, the waiter's lock).</summary>
    internal TopicRing<T>.ReadResult ReadOnce(out T item) =>
        _ring.TryRead(ref _cursor, ref _missed, ref _holeSince, ref _nextClaimCheck, out item);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool ReceiveWaiting(out T item, TopicRing<T>.ReadResult result, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Deadline.After(timeout);
        var spinner = default(SpinWait);
        var polls = 0;
        CancellationTokenRegistration registration = default;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _ring.Mapping.ThrowIfDisposeRequested();
                var now = Stopwatch.GetTimestamp();
                if (now >= deadline)
                {
                    item = default;
                    return false;
                }

                var parking = spinner.Count >= QueueTestSwitches.SpinIterations;
                if (!parking)
                {
                    // The same short polls as the queue's waits, then SpinWait's rounds.
                    if (polls < 32)
                    {
                        polls++;
                        Thread.SpinWait(4);
                    }
                    else
                    {
                        spinner.SpinOnce(sleep1Threshold: -1);
                    }

                    // Spinning polls the sequence counter, which a publisher writes once per item, not the slot it is
                    // still writing (polling that line takes it away from the writer between its three stores).
                    if (!_ring.HasPublishedPast(_cursor))
                    {
                        continue;
                    }

                    result = ReadOnce(out item);
                    if (result == TopicRing<T>.ReadResult.Received)
                    {
                        return true;
                    }

                    continue;
                }

                if (cancellationToken.CanBeCanceled && registration == default)
                {
                    registration = cancellationToken.UnsafeRegister(static ring => ((TopicRing<T>)ring!).InterruptWaiters(), _ring);
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var armed = _ring.Arm();
                result = ReadOnce(out item);
                if (result == TopicRing<T>.ReadResult.Received)
                {
                    return true;
                }

                _ring.Sleep(armed, SleepSlice(result, now, deadline));
                result = ReadOnce(out item);
                if (result == TopicRing<T>.ReadResult.Received)
                {
                    return true;
                }
            }
        }
        finally
        {
            registration.Dispose();
        }
    }

    /// <summary>How long one park may last: until the deadline, and short while a hole or a busy slot needs re-checking.</summary>
    internal static TimeSpan SleepSlice(TopicRing<T>.ReadResult result, long now, long deadline)
    {
        var slice = result is TopicRing<T>.ReadResult.Hole or TopicRing<T>.ReadResult.Busy
            ? TimeSpan.FromMilliseconds(10)
            : QueueTestSwitches.ParkRecheck;
        if (deadline != long.MaxValue)
        {
            var remaining = TimeSpan.FromSeconds((double)(deadline - now) / Stopwatch.Frequency);
            if (slice == Timeout.InfiniteTimeSpan || remaining < slice)
            {
                slice = remaining;
            }
        }

        return slice;
    }
}

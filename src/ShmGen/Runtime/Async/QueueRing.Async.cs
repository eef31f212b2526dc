using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using ShmGen.Runtime.Async;

namespace ShmGen.Runtime;

/// <summary>The queue's async calls: an attempt on the caller's thread, then a pooled operation parked by the
/// process's one <see cref="FutexWaiter"/> thread (see docs/architecture.md, "Async queue calls").</summary>
public sealed unsafe partial class QueueRing<T>
{
    /// <summary>
    /// Adds <paramref name="item"/>, completing when there was room. Completes synchronously (no allocation) when there
    /// is room now; otherwise no thread waits for it, the process's async waiter parks it on the queue's futex word.
    /// </summary>
    /// <param name="item">Copied into the queue.</param>
    /// <param name="cancellationToken">Cancels the wait; the queue is then unchanged.</param>
    /// <returns>Completes when the item is in the queue; cancelled (<see cref="OperationCanceledException"/>) or faulted with
    /// <see cref="ObjectDisposedException"/> when the queue was disposed first.</returns>
    public ValueTask EnqueueAsync(T item, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            _mapping.AddReference();
        }
        catch (ObjectDisposedException disposed)
        {
            return ValueTask.FromException(disposed);
        }

        try
        {
            if (TryEnqueueOnce(in item, out _, out _))
            {
                _mapping.ReleaseReference();
                return default;
            }
        }
        catch
        {
            _mapping.ReleaseReference();
            throw;
        }

        // The call's reference now belongs to the operation, released when it completes.
        ShmGenMetrics.CountOne(ShmGenMetrics.QueueFullWaits, _mapping);
        var operation = AsyncOperation.Rent();
        operation.Start(this, enqueue: true, item, cancellationToken);
        return new ValueTask(operation, operation.Version);
    }

    /// <summary>
    /// Removes the oldest item. Completes synchronously (no allocation) when an item is there; otherwise no thread waits
    /// for it, the process's async waiter parks it on the queue's futex word.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait; the queue is then unchanged.</param>
    /// <returns>The item; cancelled (<see cref="OperationCanceledException"/>) or faulted with
    /// <see cref="ObjectDisposedException"/> when the queue was disposed first.</returns>
    public ValueTask<T> DequeueAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }

        try
        {
            _mapping.AddReference();
        }
        catch (ObjectDisposedException disposed)
        {
            return ValueTask.FromException<T>(disposed);
        }

        try
        {
            if (TryDequeueOnce(out var item, out _, out _))
            {
                _mapping.ReleaseReference();
                return new ValueTask<T>(item);
            }
        }
        catch
        {
            _mapping.ReleaseReference();
            throw;
        }

        ShmGenMetrics.CountOne(ShmGenMetrics.QueueEmptyWaits, _mapping);
        var operation = AsyncOperation.Rent();
        operation.Start(this, enqueue: false, default, cancellationToken);
        return new ValueTask<T>(operation, operation.Version);
    }

    /// <summary>Every item as it arrives, one <see cref="DequeueAsync"/> at a time; ends only by cancellation
    /// (<see cref="OperationCanceledException"/>) or disposal (<see cref="ObjectDisposedException"/>).</summary>
    /// <param name="cancellationToken">Ends the enumeration; an item not yet taken stays in the queue.</param>
    public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            yield return await DequeueAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One attempt of a parked async call, on the waiter thread: arm the word, try once, and if blocked by another
    /// process's claim, recover it when its claimer is gone (checked at most every 10 ms), as the sync waits do.
    /// </summary>
    private bool AsyncAttempt(bool enqueue, ref T item, ref long nextClaimCheck, out int* word, out int armed, out bool blockedByClaim)
    {
        word = enqueue ? &_control->NotFull : &_control->NotEmpty;
        for (var round = 0; ; round++)
        {
            armed = QueueSignal.Arm(ref *word);
            uint position;
            ulong state;
            if (enqueue ? TryEnqueueOnce(in item, out position, out state) : TryDequeueOnce(out item, out position, out state))
            {
                blockedByClaim = false;
                return true;
            }

            var index = position & _mask;
            var claimer = enqueue
                ? (Sequence(state, index) == position - _capacity + 1 ? Owner(state) : QueueClaim.Free)
                : (Sequence(state, index) == position ? Owner(state) : QueueClaim.Free);
            blockedByClaim = QueueClaim.IsForeignClaim(claimer);
            var now = Stopwatch.GetTimestamp();
            if (!blockedByClaim || round > 0 || now < nextClaimCheck)
            {
                return false;
            }

            nextClaimCheck = now + s_claimPollTicks;
            var replacement = enqueue ? Pack(position, index, QueueClaim.Free) : Pack(position + 1, index, QueueClaim.Tombstone);
            if (!QueueClaim.IsGone(claimer) ||
                Interlocked.CompareExchange(ref *(ulong*)(_slots + (index * _stride)), replacement, state) != state)
            {
                return false;
            }
        }
    }

    /// <summary>A pending EnqueueAsync or DequeueAsync: pooled, so a parked call allocates nothing once the pool is warm.</summary>
    private sealed class AsyncOperation : FutexWaitOperation, IValueTaskSource<T>, IValueTaskSource
    {
        private const int PoolLimit = 256;
        private static readonly ConcurrentQueue<AsyncOperation> s_pool = new();

        private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = true };
        private QueueRing<T>? _ring;
        private bool _enqueue;
        private T _item;
        private long _nextClaimCheck;
        private CancellationToken _cancellationToken;
        private CancellationTokenRegistration _registration;

        public short Version => _core.Version;

        public static AsyncOperation Rent() => s_pool.TryDequeue(out var operation) ? operation : new AsyncOperation();

        /// <summary>Starts waiting; the caller's reference on the ring's mapping passes to this operation.</summary>
        public void Start(QueueRing<T> ring, bool enqueue, T item, CancellationToken cancellationToken)
        {
            _ring = ring;
            _enqueue = enqueue;
            _item = item;
            _nextClaimCheck = 0;
            _cancellationToken = cancellationToken;
            ResetCancel();
            Word = enqueue ? &ring._control->NotFull : &ring._control->NotEmpty;

            // A value the word cannot hold right now is impossible to guarantee; NextCheck = 0 makes the first pass
            // attempt it whatever the word says.
            Expected = 0;
            NextCheck = 0;
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(static state => ((AsyncOperation)state!).RequestCancel(), this);
            }

            FutexWaiter.Submit(this);
        }

        public override bool TryFinishEarly()
        {
            var ring = _ring!;
            if (ring._mapping.IsDisposeRequested)
            {
                Complete(CreateDisposed(ring));
                return true;
            }

            if (IsCancelRequested)
            {
                Complete(new OperationCanceledException(_cancellationToken));
                return true;
            }

            return false;
        }

        public override bool TryAttempt()
        {
            var ring = _ring!;
            if (!ring.AsyncAttempt(_enqueue, ref _item, ref _nextClaimCheck, out var word, out var armed, out var blockedByClaim))
            {
                Word = word;
                Expected = armed;
                var recheck = blockedByClaim ? TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond * 10) : QueueTestSwitches.ParkRecheck;
                NextCheck = recheck == Timeout.InfiniteTimeSpan ? long.MaxValue : Deadline.After(recheck);
                return false;
            }

            Complete(null);
            return true;
        }

        public override void Fail(Exception exception) => Complete(exception);

        public T GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                Recycle();
            }
        }

        void IValueTaskSource.GetResult(short token)
        {
            try
            {
                _core.GetResult(token);
            }
            finally
            {
                Recycle();
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        private static ObjectDisposedException CreateDisposed(QueueRing<T> ring)
        {
            try
            {
                ring._mapping.ThrowDisposed();
                return null!;
            }
            catch (ObjectDisposedException disposed)
            {
                return disposed;
            }
        }

        private void Complete(Exception? exception)
        {
            // Waits for a cancellation callback in flight (it only sets a flag), so none can reach a recycled operation.
            _registration.Dispose();
            _registration = default;
            var ring = _ring!;
            _ring = null;
            var item = _item;
            _item = default;
            ring._mapping.ReleaseReference();
            if (exception is null)
            {
                _core.SetResult(item);
            }
            else
            {
                _core.SetException(exception);
            }
        }

        private void Recycle()
        {
            _core.Reset();
            _cancellationToken = default;
            if (s_pool.Count < PoolLimit)
            {
                s_pool.Enqueue(this);
            }
        }
    }
}

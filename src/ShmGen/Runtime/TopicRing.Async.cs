using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using ShmGen.Runtime.Async;

namespace ShmGen.Runtime;

/// <summary>
/// Async receives: a pending <c>ReceiveAsync</c> is a pooled operation parked by the process's one
/// <see cref="FutexWaiter"/> thread on the topic's <c>Published</c> word, beside the queues' pending calls, so a thousand
/// pending receives on any number of topics and queues cost that one thread (see docs/architecture.md, "Async queue
/// calls"). Completions run on the thread pool.
/// </summary>
public sealed unsafe partial class TopicRing<T>
{
    /// <summary>Parks a receive of <paramref name="subscriber"/>; the caller's reference on the mapping passes to it.</summary>
    internal ValueTask<T> WaitAsync(TopicSubscriber<T> subscriber, CancellationToken cancellationToken)
    {
        var operation = ReceiveOperation.Rent();
        var version = operation.Version;
        operation.Start(this, subscriber, cancellationToken);
        return new ValueTask<T>(operation, version);
    }

    /// <summary>
    /// A pending receive. Only the waiter thread reads through the subscriber while it is parked (a subscriber runs one
    /// receive at a time), and only it completes the operation: a cancellation or a dispose sets a flag and kicks it.
    /// </summary>
    internal sealed class ReceiveOperation : FutexWaitOperation, IValueTaskSource<T>
    {
        private const int PoolLimit = 256;
        private static readonly ConcurrentQueue<ReceiveOperation> s_pool = new();

        private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = true };
        private TopicRing<T>? _ring;
        private TopicSubscriber<T>? _subscriber;
        private CancellationToken _cancellationToken;
        private CancellationTokenRegistration _registration;

        public short Version => _core.Version;

        /// <summary>Subscribers have cursors of their own: one that found nothing says nothing about another on the same word.</summary>
        public override bool SharesOutcomeOfWord => false;

        public static ReceiveOperation Rent() => s_pool.TryDequeue(out var operation) ? operation : new ReceiveOperation();

        public void Start(TopicRing<T> ring, TopicSubscriber<T> subscriber, CancellationToken cancellationToken)
        {
            _ring = ring;
            _subscriber = subscriber;
            _cancellationToken = cancellationToken;
            ResetCancel();
            Word = &ring._control->Published;

            // NextCheck = 0: the first pass attempts whatever the word says.
            Expected = 0;
            NextCheck = 0;
            subscriber.Pending = this;
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(static state => ((ReceiveOperation)state!).RequestCancel(), this);
            }

            FutexWaiter.Submit(this);
        }

        public override bool TryFinishEarly()
        {
            var ring = _ring!;
            if (ring._mapping.IsDisposeRequested)
            {
                Complete(default, new ObjectDisposedException(ring.Name, $"Topic '/{ring.Name}' was disposed; its mapping is gone."));
                return true;
            }

            if (_subscriber!.IsDisposed)
            {
                Complete(default, new ObjectDisposedException(nameof(TopicSubscriber<T>)));
                return true;
            }

            if (IsCancelRequested)
            {
                Complete(default, new OperationCanceledException(_cancellationToken));
                return true;
            }

            return false;
        }

        public override bool TryAttempt()
        {
            var ring = _ring!;
            Expected = ring.Arm();
            var result = _subscriber!.ReadOnce(out var item);
            if (result == ReadResult.Received)
            {
                Complete(item, null);
                return true;
            }

            // A hole or a busy slot (a publisher mid-write, or dead) is looked at again soon without a wake.
            var slice = TopicSubscriber<T>.SleepSlice(result, 0, long.MaxValue);
            NextCheck = slice == Timeout.InfiniteTimeSpan ? long.MaxValue : Deadline.After(slice);
            return false;
        }

        public override void Fail(Exception exception) => Complete(default, exception);

        public T GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _core.Reset();
                _cancellationToken = default;
                if (s_pool.Count < PoolLimit)
                {
                    s_pool.Enqueue(this);
                }
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        private void Complete(T item, Exception? exception)
        {
            // Waits for a cancellation callback in flight (it only sets a flag), so none reaches a recycled operation.
            _registration.Dispose();
            _registration = default;
            var ring = _ring!;
            _subscriber!.Pending = null;
            _ring = null;
            _subscriber = null;
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
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace ShmGen.Runtime;

/// <summary>
/// Async receives: every pending <c>ReceiveAsync</c> of one topic handle waits in one list, served by one thread of
/// this process that parks on the topic's futex word while the list is non-empty and exits when it empties. So a
/// thousand pending receives cost one thread, not a thousand thread-pool threads. Completions run asynchronously
/// (never on that thread).
/// </summary>
public sealed unsafe partial class TopicRing<T>
{
    private readonly object _pendingGate = new();
    private readonly List<PendingReceive> _pending = [];
    private bool _waiterRunning;

    internal Task<T> WaitAsync(TopicSubscriber<T> subscriber, CancellationToken cancellationToken)
    {
        var pending = new PendingReceive(subscriber);
        lock (_pendingGate)
        {
            _mapping.ThrowIfDisposeRequested();
            _pending.Add(pending);
            if (!_waiterRunning)
            {
                _waiterRunning = true;
                new Thread(ServePending) { IsBackground = true, Name = "ShmGen topic " + Name }.Start();
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            pending.Registration = cancellationToken.UnsafeRegister(
                static (state, token) =>
                {
                    var (ring, entry) = ((TopicRing<T>, PendingReceive))state!;
                    ring.Complete(entry, static (e, t) => e.Completion.TrySetCanceled(t), token);
                },
                (this, pending));
        }

        return pending.Completion.Task;
    }

    /// <summary>Cancels the pending receives of a subscriber that is being disposed.</summary>
    internal void CancelPending(TopicSubscriber<T> subscriber)
    {
        lock (_pendingGate)
        {
            for (var i = _pending.Count - 1; i >= 0; i--)
            {
                if (_pending[i].Subscriber == subscriber)
                {
                    var entry = _pending[i];
                    _pending.RemoveAt(i);
                    entry.Completion.TrySetException(new ObjectDisposedException(nameof(TopicSubscriber<T>)));
                }
            }
        }
    }

    private void Complete(PendingReceive entry, Action<PendingReceive, CancellationToken> complete, CancellationToken token)
    {
        // Under the gate, so the waiter thread never reads an item for an entry that is being cancelled (it would be lost).
        lock (_pendingGate)
        {
            if (_pending.Remove(entry))
            {
                complete(entry, token);
            }
        }
    }

    private void ServePending()
    {
        var referenced = false;
        try
        {
            _mapping.AddReference();
            referenced = true;
            while (true)
            {
                int armed;
                var result = ReadResult.Empty;
                lock (_pendingGate)
                {
                    if (_pending.Count == 0 || _mapping.IsDisposeRequested)
                    {
                        break;
                    }

                    armed = Arm();
                    for (var i = _pending.Count - 1; i >= 0; i--)
                    {
                        var entry = _pending[i];
                        var read = entry.Subscriber.ReadOnce(out var item);
                        if (read == ReadResult.Received)
                        {
                            _pending.RemoveAt(i);
                            entry.Registration.Dispose();
                            entry.Completion.TrySetResult(item);
                        }
                        else if (read is ReadResult.Hole or ReadResult.Busy)
                        {
                            result = read;
                        }
                    }

                    if (_pending.Count == 0)
                    {
                        continue;
                    }
                }

                Sleep(armed, TopicSubscriber<T>.SleepSlice(result, Stopwatch.GetTimestamp(), long.MaxValue));
            }
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            lock (_pendingGate)
            {
                _waiterRunning = false;
                if (_mapping.IsDisposeRequested)
                {
                    foreach (var entry in _pending)
                    {
                        entry.Completion.TrySetException(new ObjectDisposedException(Name, $"Topic '/{Name}' was disposed; its mapping is gone."));
                    }

                    _pending.Clear();
                }
                else if (_pending.Count > 0)
                {
                    // Only reachable when AddReference failed as Dispose started; a later call restarts the thread.
                    _waiterRunning = true;
                    new Thread(ServePending) { IsBackground = true, Name = "ShmGen topic " + Name }.Start();
                }
            }

            if (referenced)
            {
                _mapping.ReleaseReference();
            }
        }
    }

    private sealed class PendingReceive(TopicSubscriber<T> subscriber)
    {
        public TopicSubscriber<T> Subscriber { get; } = subscriber;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }
    }
}

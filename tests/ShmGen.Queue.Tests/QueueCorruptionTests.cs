using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using ShmGen.QueuePeer;
using Xunit.Abstractions;

namespace ShmGen.Queue.Tests;

/// <summary>
/// A peer that writes random values into a queue's control words (tests/ShmGen.QueuePeer, <c>corrupt</c>: plain mmap, no
/// ShmGen) must never make a timed call wait past its timeout, crash, or fail with anything but its ordinary result, a
/// <see cref="TimeoutException"/>/<see cref="OperationCanceledException"/> when its time runs out, or a
/// <see cref="SegmentCorruptedException"/> when the state it meets cannot occur. Seeds are fixed, so a failure repeats.
/// </summary>
public sealed class QueueCorruptionTests(ITestOutputHelper output)
{
    // Timeout + this: the calls' own timeouts are 0 and 100 ms; the rest absorbs a loaded 2-core CI machine.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 24)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void AfterOneCorruption_EveryTimedCallReturnsInTime(int seed)
    {
        using var scope = new TestScope();
        var (name, kind, queue) = Prepared(scope, seed);
        using (queue)
        {
            var corruptor = scope.Start("corrupt", $"queue={name}", $"kind={kind}", $"seed={seed}");
            corruptor.Expect("corrupted", TimeSpan.FromSeconds(30));
            corruptor.ExpectSuccess(TimeSpan.FromSeconds(30));
            RunTimedCalls(queue, $"seed {seed}, {kind} queue, after one corruption");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void WhileCorruptedContinuously_EveryTimedCallReturnsInTime(int seed)
    {
        using var scope = new TestScope();
        var (name, kind, queue) = Prepared(scope, seed);
        using (queue)
        {
            // Longer than the calls take; killed when they are done.
            var corruptor = scope.Start("corrupt", $"queue={name}", $"kind={kind}", $"seed={seed}", "ms=20000");
            corruptor.Expect("corrupting", TimeSpan.FromSeconds(30));
            RunTimedCalls(queue, $"seed {seed}, {kind} queue, while corrupted continuously");
            Assert.False(corruptor.HasExited, $"the corruptor stopped early; {corruptor.Description}");
        }
    }

    /// <summary>A fresh queue (odd seeds: 4 slots, even: 1024) holding a seeded number of items, so the corruption meets
    /// empty, partly full and full rings.</summary>
    private static (string Name, string Kind, ITimedQueue Queue) Prepared(TestScope scope, int seed)
    {
        var name = scope.NewName();
        var random = new Random(seed);
        ITimedQueue queue = seed % 2 == 1 ? new Small(SmallItemQueue.Create(scope.Options(name))) : new Big(TestItemQueue.Create(scope.Options(name)));
        var items = random.Next(queue.Capacity + 1);
        for (var i = 0; i < items; i++)
        {
            Assert.True(queue.TryEnqueue(TestItems.Make(1, i), TimeSpan.Zero));
        }

        return (name, seed % 2 == 1 ? "small" : "big", queue);
    }

    private void RunTimedCalls(ITimedQueue queue, string context)
    {
        var calls = new List<(string Name, TimeSpan Timeout, Action Call)>
        {
            ("TryDequeue(0)", TimeSpan.Zero, () => queue.TryDequeue(TimeSpan.Zero)),
            ("TryEnqueue(0)", TimeSpan.Zero, () => queue.TryEnqueue(TestItems.Make(2, 0), TimeSpan.Zero)),
            ("TryDequeue(100 ms)", Short, () => queue.TryDequeue(Short)),
            ("TryEnqueue(100 ms)", Short, () => queue.TryEnqueue(TestItems.Make(2, 1), Short)),
            ("Dequeue(cancelled after 100 ms)", Short, () => Cancelled(token => queue.Dequeue(token))),
            ("Enqueue(cancelled after 100 ms)", Short, () => Cancelled(token => queue.Enqueue(TestItems.Make(2, 2), token))),
            ("TryDequeueRange(100 ms)", Short, () => queue.TryDequeueRange(8, Short)),
            ("DequeueAsync(cancelled after 100 ms)", Short, () => Cancelled(token => queue.DequeueAsync(token))),
            ("EnqueueAsync(cancelled after 100 ms)", Short, () => Cancelled(token => queue.EnqueueAsync(TestItems.Make(2, 3), token))),
            ("Count", TimeSpan.Zero, () => Assert.InRange(queue.Count, 0, queue.Capacity)),
        };

        foreach (var (callName, timeout, call) in calls)
        {
            // On a thread of its own, so a call that hangs fails this test instead of hanging the run.
            Exception? failure = null;
            var outcome = "returned";
            var started = Stopwatch.GetTimestamp();
            var thread = new Thread(() =>
            {
                try
                {
                    call();
                }
                catch (Exception exception) when (exception is TimeoutException or OperationCanceledException or SegmentCorruptedException)
                {
                    // The outcomes a timed call may have besides its result.
                    outcome = exception.GetType().Name;
                }
                catch (Exception exception)
                {
                    failure = exception;
                }
            })
            { IsBackground = true };
            thread.Start();
            var joined = thread.Join(timeout + Slack + Slack);
            var elapsed = Stopwatch.GetElapsedTime(started);
            Assert.True(joined, $"{callName} did not return within {timeout + Slack + Slack} ({context})");
            Assert.True(failure is null, $"{callName} threw {failure} ({context})");
            output.WriteLine($"{callName}: {outcome} after {elapsed.TotalMilliseconds:F1} ms");
            Assert.True(elapsed <= timeout + Slack, $"{callName} took {elapsed.TotalMilliseconds:F0} ms, its timeout is {timeout.TotalMilliseconds} ms ({context})");
        }
    }

    private static void Cancelled(Action<CancellationToken> call)
    {
        using var cancellation = CancelledSoon();
        call(cancellation.Token);
    }

    private static void Cancelled(Func<CancellationToken, System.Threading.Tasks.ValueTask> call)
    {
        using var cancellation = CancelledSoon();
        call(cancellation.Token).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// A token cancelled <see cref="Short"/> from now by a thread of its own: <c>new CancellationTokenSource(delay)</c>
    /// fires from a thread-pool timer, which on the loaded CI machine was measured firing 770 ms late, and the test would
    /// then time the pool instead of the queue.
    /// </summary>
    private static CancellationTokenSource CancelledSoon()
    {
        var cancellation = new CancellationTokenSource();
        new Thread(() =>
        {
            Thread.Sleep(Short);
            try
            {
                cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The call returned first.
            }
        })
        { IsBackground = true }.Start();
        return cancellation;
    }

    /// <summary>The calls under test, over the 4-slot and the 1024-slot queue.</summary>
    private interface ITimedQueue : IDisposable
    {
        int Capacity { get; }

        int Count { get; }

        bool TryEnqueue(TestItem item, TimeSpan timeout);

        bool TryDequeue(TimeSpan timeout);

        void Enqueue(TestItem item, CancellationToken token);

        void Dequeue(CancellationToken token);

        int TryDequeueRange(int count, TimeSpan timeout);

        System.Threading.Tasks.ValueTask EnqueueAsync(TestItem item, CancellationToken token);

        System.Threading.Tasks.ValueTask DequeueAsync(CancellationToken token);
    }

    private sealed class Big(TestItemQueue queue) : ITimedQueue
    {
        public int Capacity => queue.Capacity;

        public int Count => queue.Count;

        public bool TryEnqueue(TestItem item, TimeSpan timeout) => queue.TryEnqueue(in item, timeout);

        public bool TryDequeue(TimeSpan timeout) => queue.TryDequeue(out _, timeout);

        public void Enqueue(TestItem item, CancellationToken token) => queue.Enqueue(in item, token);

        public void Dequeue(CancellationToken token) => queue.Dequeue(token);

        public int TryDequeueRange(int count, TimeSpan timeout) => queue.TryDequeueRange(new TestItem[count], timeout);

        public System.Threading.Tasks.ValueTask EnqueueAsync(TestItem item, CancellationToken token) => queue.EnqueueAsync(item, token);

        public async System.Threading.Tasks.ValueTask DequeueAsync(CancellationToken token) => await queue.DequeueAsync(token);

        public void Dispose() => queue.Dispose();
    }

    private sealed class Small(SmallItemQueue queue) : ITimedQueue
    {
        public int Capacity => queue.Capacity;

        public int Count => queue.Count;

        public bool TryEnqueue(TestItem item, TimeSpan timeout) => queue.TryEnqueue(Narrow(item), timeout);

        public bool TryDequeue(TimeSpan timeout) => queue.TryDequeue(out _, timeout);

        public void Enqueue(TestItem item, CancellationToken token) => queue.Enqueue(Narrow(item), token);

        public void Dequeue(CancellationToken token) => queue.Dequeue(token);

        public int TryDequeueRange(int count, TimeSpan timeout) => queue.TryDequeueRange(new SmallItem[count], timeout);

        public System.Threading.Tasks.ValueTask EnqueueAsync(TestItem item, CancellationToken token) => queue.EnqueueAsync(Narrow(item), token);

        public async System.Threading.Tasks.ValueTask DequeueAsync(CancellationToken token) => await queue.DequeueAsync(token);

        public void Dispose() => queue.Dispose();

        private static SmallItem Narrow(TestItem item) =>
            new() { Producer = item.Producer, Sequence = item.Sequence, Checksum = item.Checksum, Filler = item.Filler };
    }
}

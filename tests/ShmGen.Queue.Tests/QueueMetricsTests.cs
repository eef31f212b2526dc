using System;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using ShmGen.QueuePeer;
using ShmGen.Testing;

namespace ShmGen.Queue.Tests;

/// <summary>The queue's instruments on the ShmGen meter (docs/architecture.md, "Metrics"), against real peer processes.</summary>
public sealed class QueueMetricsTests
{
    private const string Enqueued = "shmgen.queue.enqueued";
    private const string Dequeued = "shmgen.queue.dequeued";
    private const string FullWaits = "shmgen.queue.full_waits";
    private const string EmptyWaits = "shmgen.queue.empty_waits";
    private const string Depth = "shmgen.queue.depth";

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Counts_waits_and_depth_follow_what_this_process_and_a_peer_do()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));
        using var metrics = new MetricRecorder(name);
        Assert.Equal(0, Assert.Single(metrics.Observe(Depth)));

        for (var i = 0; i < 4; i++)
        {
            queue.Enqueue(TestItems.MakeSmall(1, i));
        }

        Assert.Equal(4, metrics.Sum(Enqueued));
        Assert.Equal(4, Assert.Single(metrics.Observe(Depth)));
        Assert.Equal(0, metrics.Sum(FullWaits));

        // Full: this Enqueue waits until a peer process takes an item.
        var blockedEnqueue = Task.Run(() => queue.Enqueue(TestItems.MakeSmall(1, 4)));
        Eventually.True(() => metrics.Sum(FullWaits) == 1, s_timeout, "the blocked Enqueue to count a full wait");
        var consumer = scope.Start("dequeue-one", $"queue={name}", "kind=small");
        consumer.Expect("ready", s_timeout);
        consumer.Expect("got 1 0 ok", s_timeout);
        await blockedEnqueue.WaitAsync(s_timeout);
        Assert.Equal(5, metrics.Sum(Enqueued));
        Assert.Equal(0, metrics.Sum(Dequeued));   // the peer's dequeue is counted in the peer
        Assert.Equal(4, Assert.Single(metrics.Observe(Depth)));

        for (var i = 0; i < 4; i++)
        {
            queue.Dequeue();
        }

        Assert.Equal(4, metrics.Sum(Dequeued));
        Assert.Equal(0, Assert.Single(metrics.Observe(Depth)));
        Assert.Equal(0, metrics.Sum(EmptyWaits));

        // Empty: this Dequeue waits until a peer process puts an item.
        var blockedDequeue = Task.Run(() => queue.Dequeue());
        Eventually.True(() => metrics.Sum(EmptyWaits) == 1, s_timeout, "the blocked Dequeue to count an empty wait");
        var producer = scope.Start("enqueue-one", $"queue={name}", "kind=small", "producer=2", "sequence=0");
        producer.Expect("ready", s_timeout);
        producer.Expect("done", s_timeout);
        var arrived = await blockedDequeue.WaitAsync(s_timeout);
        Assert.Equal((2, 0), (arrived.Producer, arrived.Sequence));
        Assert.Equal(5, metrics.Sum(Dequeued));

        // A zero timeout that finds the queue empty counts as a wait that gave up at once.
        Assert.False(queue.TryDequeue(out _, TimeSpan.Zero));
        Assert.Equal(2, metrics.Sum(EmptyWaits));
        Assert.Equal(1, metrics.Sum(FullWaits));
    }

    [Fact]
    public async Task Batches_loans_and_async_calls_are_counted_too()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));
        using var metrics = new MetricRecorder(name);

        queue.EnqueueRange([TestItems.MakeSmall(1, 0), TestItems.MakeSmall(1, 1)]);
        using (var slot = queue.BeginEnqueue())
        {
            slot.Item = TestItems.MakeSmall(1, 2);
            slot.Commit();
        }

        using (queue.BeginEnqueue())
        {
            // Disposed without Commit: skipped by consumers, never enqueued.
        }

        Assert.Equal(3, metrics.Sum(Enqueued));
        var taken = new SmallItem[2];
        Assert.Equal(2, queue.DequeueRange(taken));
        using (var loan = queue.BeginDequeue())
        {
            Assert.Equal(2, loan.Item.Sequence);
        }

        Assert.Equal(3, metrics.Sum(Dequeued));

        var pending = queue.DequeueAsync();
        Assert.False(pending.IsCompleted);
        Assert.Equal(1, metrics.Sum(EmptyWaits));
        queue.Enqueue(TestItems.MakeSmall(1, 3));
        var completed = await pending.AsTask().WaitAsync(s_timeout);
        Assert.Equal(3, completed.Sequence);
        Assert.Equal(4, metrics.Sum(Dequeued));
        Assert.Equal(4, metrics.Sum(Enqueued));
    }

    [Fact]
    public void The_depth_gauge_reports_each_open_queue_once_and_forgets_it_when_disposed_or_collected()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var metrics = new MetricRecorder(name);
        var queue = SmallItemQueue.Create(scope.Options(name));
        var second = SmallItemQueue.Open(scope.Options(name));
        queue.Enqueue(TestItems.MakeSmall(1, 0));

        Assert.Equal(1, Assert.Single(metrics.Observe(Depth)));   // two handles, one queue: one measurement

        queue.Dispose();
        Assert.Equal(1, Assert.Single(metrics.Observe(Depth)));
        second.Dispose();
        Assert.Empty(metrics.Observe(Depth));

        // A handle its owner forgot to dispose does not keep itself alive through the gauge.
        var forgotten = OpenAndForget(scope.Options(name));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(forgotten.TryGetTarget(out _));
        Assert.Empty(metrics.Observe(Depth));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<SmallItemQueue> OpenAndForget(SegmentOptions options)
    {
#pragma warning disable SHM102 // Deliberately never disposed: the test checks the gauge does not keep it alive.
        var queue = SmallItemQueue.Open(options);
#pragma warning restore SHM102
        return new WeakReference<SmallItemQueue>(queue);
    }
}

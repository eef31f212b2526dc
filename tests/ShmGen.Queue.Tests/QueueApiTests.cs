using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using ShmGen.QueuePeer;

namespace ShmGen.Queue.Tests;

/// <summary>A plain segment, to show that a queue refuses to open one.</summary>
[SharedSegment("shmgen-queue-tests-plain")]
public partial struct PlainCounter
{
    /// <summary>Anything.</summary>
    public long Value;
}

/// <summary>The generated queue API in one process: lifecycle, validation, ordering, timeouts, cancellation.</summary>
public sealed class QueueApiTests
{
    [Fact]
    public void Create_Open_OpenOrCreate_ShareOneQueue()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var created = SmallItemQueue.Create(scope.Options(name));
        using var opened = SmallItemQueue.Open(scope.Options(name));
        using var attached = SmallItemQueue.OpenOrCreate(scope.Options(name));

        Assert.True(created.IsCreator);
        Assert.False(opened.IsCreator);
        Assert.False(attached.IsCreator);
        Assert.Equal(name, opened.Name);
        Assert.Equal(4, opened.Capacity);
        Assert.Equal("shmgen-queue-small", SmallItemQueue.DefaultName);

        created.Enqueue(TestItems.MakeSmall(1, 1));
        Assert.Equal(1, attached.Count);
        Assert.Equal((1, 1), Pair(opened.Dequeue()));
        Assert.Equal(0, created.Count);
    }

    [Fact]
    public void OpenOrCreate_CreatesWhenMissing()
    {
        using var scope = new TestScope();
        using var queue = SmallItemQueue.OpenOrCreate(scope.Options(scope.NewName()));
        Assert.True(queue.IsCreator);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Create_OfAnExistingName_Throws_AndOpen_OfAMissingOne_Throws()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));
        queue.Enqueue(TestItems.MakeSmall(3, 3));

        Assert.Throws<SegmentAlreadyExistsException>(() => SmallItemQueue.Create(scope.Options(name)));
        Assert.Equal(1, queue.Count);
        Assert.Throws<SegmentNotFoundException>(() => SmallItemQueue.Open(scope.Options(scope.NewName())));
#pragma warning disable SHM006 // The invalid name is the point: the runtime must refuse it too.
        Assert.Throws<ArgumentException>(() => SmallItemQueue.Open(new SegmentOptions { Name = "no/slashes" }));
#pragma warning restore SHM006
    }

    [Fact]
    public void Open_WithAnotherCapacity_NamesBothCapacities_AndLeavesTheQueueAlone()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));
        queue.Enqueue(TestItems.MakeSmall(2, 2));

        var error = Assert.Throws<SegmentLayoutMismatchException>(() => SmallItem8Queue.Open(scope.Options(name)));
        Assert.Contains("capacity: 8 vs 4", error.Message, StringComparison.Ordinal);
        Assert.Equal(SmallItem8Queue.LayoutFingerprint, error.ExpectedFingerprint);
        Assert.Equal(SmallItemQueue.LayoutFingerprint, error.ActualFingerprint);
        Assert.Equal((2, 2), Pair(queue.Dequeue()));
    }

    [Fact]
    public void LayoutFingerprint_CoversCapacityAndItemLayout()
    {
        Assert.NotEqual(SmallItemQueue.LayoutFingerprint, SmallItem8Queue.LayoutFingerprint);
        Assert.StartsWith("queue=2;capacity=4;size=24;align=8;", SmallItemQueue.LayoutDescription, StringComparison.Ordinal);
        Assert.Contains("Checksum:UInt64@8", SmallItemQueue.LayoutDescription, StringComparison.Ordinal);
        Assert.StartsWith("queue=2;capacity=1024;", TestItemQueue.LayoutDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_OfAPlainSegment_AsAQueue_IsRefused()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var segment = PlainCounterSegment.Create(scope.Options(name));
        var error = Assert.Throws<SegmentLayoutMismatchException>(() => SmallItemQueue.Open(scope.Options(name)));
        Assert.Contains("queue", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Items_LeaveInOrder_OverManyLaps()
    {
        using var scope = new TestScope();
        using var queue = SmallItemQueue.Create(scope.Options(scope.NewName()));
        int sent = 0, received = 0;
        for (var round = 0; round < 500; round++)
        {
            // Batches of 1 to 4 move the head and tail round the ring at different speeds.
            var batch = (round % queue.Capacity) + 1;
            for (var i = 0; i < batch; i++)
            {
                queue.Enqueue(TestItems.MakeSmall(1, sent++));
            }

            Assert.Equal(batch, queue.Count);
            for (var i = 0; i < batch; i++)
            {
                var item = queue.Dequeue();
                Assert.True(TestItems.IsIntact(TestItems.Widen(item)));
                Assert.Equal(received++, item.Sequence);
            }
        }

        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void TryEnqueue_OnAFullQueue_TimesOut_AndLeavesItUnchanged()
    {
        using var scope = new TestScope();
        using var queue = FullSmallQueue(scope);

        var watch = Stopwatch.StartNew();
        Assert.False(queue.TryEnqueue(TestItems.MakeSmall(9, 9), TimeSpan.FromMilliseconds(200)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(180), $"returned after {watch.Elapsed}, before its timeout");
        Assert.False(queue.TryEnqueue(TestItems.MakeSmall(9, 9), TimeSpan.Zero));

        Assert.Equal(4, queue.Count);
        AssertDrains(queue, 4);
    }

    [Fact]
    public void TryDequeue_OnAnEmptyQueue_TimesOut_AndTheQueueStillWorks()
    {
        using var scope = new TestScope();
        using var queue = SmallItemQueue.Create(scope.Options(scope.NewName()));

        var watch = Stopwatch.StartNew();
        Assert.False(queue.TryDequeue(out var item, TimeSpan.FromMilliseconds(200)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(180), $"returned after {watch.Elapsed}, before its timeout");
        Assert.Equal(default, item);
        Assert.False(queue.TryDequeue(out _, TimeSpan.Zero));

        queue.Enqueue(TestItems.MakeSmall(4, 4));
        Assert.True(queue.TryDequeue(out item, TimeSpan.Zero));
        Assert.Equal((4, 4), Pair(item));
    }

    [Fact]
    public async Task Dequeue_CancelledWhileWaiting_Throws_AndTheQueueStillWorks()
    {
        using var scope = new TestScope();
        using var queue = SmallItemQueue.Create(scope.Options(scope.NewName()));
        using var cancellation = new CancellationTokenSource();

        var waiting = Task.Run(() => queue.Dequeue(cancellation.Token));
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        cancellation.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));

        // The cancelled wait took nothing and left nothing behind.
        Assert.Equal(0, queue.Count);
        queue.Enqueue(TestItems.MakeSmall(6, 6));
        Assert.Equal((6, 6), Pair(queue.Dequeue(CancellationToken.None)));
    }

    [Fact]
    public async Task Enqueue_CancelledWhileFull_Throws_WithoutAddingTheItem()
    {
        using var scope = new TestScope();
        using var queue = FullSmallQueue(scope);
        using var cancellation = new CancellationTokenSource();

        var waiting = Task.Run(() => queue.Enqueue(TestItems.MakeSmall(9, 9), cancellation.Token));
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        cancellation.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(4, queue.Count);
        AssertDrains(queue, 4);
        Assert.True(queue.TryEnqueue(TestItems.MakeSmall(1, 1), TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public void TryCalls_WithAnAlreadyCancelledToken_Throw_WithoutTouchingTheQueue()
    {
        using var scope = new TestScope();
        using var queue = SmallItemQueue.Create(scope.Options(scope.NewName()));
        queue.Enqueue(TestItems.MakeSmall(1, 0));
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => queue.TryDequeue(out _, TimeSpan.FromSeconds(1), cancellation.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => queue.TryEnqueue(TestItems.MakeSmall(1, 1), TimeSpan.FromSeconds(1), cancellation.Token));
        Assert.Equal(1, queue.Count);
        Assert.Equal((1, 0), Pair(queue.Dequeue()));
    }

    [Fact]
    public void NegativeTimeouts_AreRejected()
    {
        using var scope = new TestScope();
        using var queue = SmallItemQueue.Create(scope.Options(scope.NewName()));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.TryDequeue(out _, TimeSpan.FromMilliseconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.TryEnqueue(default, TimeSpan.FromMilliseconds(-2)));
        Assert.True(queue.TryEnqueue(default, Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void Unlink_RemovesTheName_ButTheQueueStaysUsable()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));
        queue.Unlink();

        Assert.Throws<SegmentNotFoundException>(() => SmallItemQueue.Open(scope.Options(name)));
        Assert.False(SmallItemQueue.TryUnlink(scope.Options(name)));
        queue.Enqueue(TestItems.MakeSmall(2, 0));
        Assert.Equal((2, 0), Pair(queue.Dequeue()));
    }

    [Fact]
    public void Dispose_IsIdempotent_AndLaterCallsThrow()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        var queue = SmallItemQueue.Create(scope.Options(name));
        queue.Dispose();
        queue.Dispose();

        Assert.Throws<ObjectDisposedException>(() => queue.Enqueue(default));
        Assert.Throws<ObjectDisposedException>(() => queue.TryDequeue(out _, TimeSpan.Zero));
        Assert.Throws<ObjectDisposedException>(() => queue.Count);

        // Dispose never unlinks.
        Assert.True(SmallItemQueue.TryUnlink(scope.Options(name)));
    }

    private static SmallItemQueue FullSmallQueue(TestScope scope)
    {
        var queue = SmallItemQueue.Create(scope.Options(scope.NewName()));
        for (var i = 0; i < queue.Capacity; i++)
        {
            queue.Enqueue(TestItems.MakeSmall(1, i));
        }

        return queue;
    }

    private static void AssertDrains(SmallItemQueue queue, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.True(queue.TryDequeue(out var item, TimeSpan.Zero));
            Assert.Equal((1, i), Pair(item));
        }

        Assert.False(queue.TryDequeue(out _, TimeSpan.Zero));
    }

    private static (int Producer, int Sequence) Pair(SmallItem item) => (item.Producer, item.Sequence);
}

using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ShmGen.TopicPeer;

namespace ShmGen.Topic.Tests;

/// <summary>The topic's API within one process: what a subscriber sees, timeouts, async receives, errors.</summary>
public sealed class TopicApiTests
{
    [Fact]
    public void ASubscriberSeesOnlyWhatWasPublishedAfterItSubscribed()
    {
        using var scope = new TestScope();
        using var topic = SmallTickTopic.Create(TestScope.Options(scope.NewName()));
        Assert.Equal(0, topic.Publish(Items.Small(0, 0)));
        using var subscriber = topic.Subscribe();
        Assert.False(subscriber.TryReceive(out _, TimeSpan.Zero));
        Assert.Equal(1, topic.Publish(Items.Small(0, 1)));
        Assert.Equal(1, subscriber.Receive().Sequence);
        Assert.Equal(16, topic.Capacity);
        Assert.Equal(0, subscriber.Missed);
    }

    [Fact]
    public void AnOverrunSubscriberSkipsToHalfARingBehindTheNewestAndCountsTheRest()
    {
        using var scope = new TestScope();
        using var topic = SmallTickTopic.Create(TestScope.Options(scope.NewName()));
        using var subscriber = topic.Subscribe();
        for (var i = 0; i < 100; i++)
        {
            topic.Publish(Items.Small(0, i));
        }

        // Capacity 16: items 84..99 are kept; the subscriber resumes at 92, leaving itself 8 items of headroom.
        Assert.Equal(100 - 8, subscriber.Receive().Sequence);
        Assert.Equal(100 - 8, subscriber.Missed);
        for (var i = 93; i < 100; i++)
        {
            Assert.Equal(i, subscriber.Receive().Sequence);
        }

        Assert.False(subscriber.TryReceive(out _, TimeSpan.Zero));
        Assert.Equal(92, subscriber.Missed);
    }

    [Fact]
    public void AnItemTwoToThe31SequencesLaterInTheSameSlotNeverPassesForTheOneTheSubscriberAwaits()
    {
        // 2^31 items later a slot's low state word repeats: only the upper half tells the two items apart.
        using var scope = new TestScope();
        var name = scope.NewName();
        using var topic = SmallTickTopic.Create(TestScope.Options(name));
        for (var i = 0; i < 16; i++)
        {
            topic.Publish(Items.Small(0, i));
        }

        using var subscriber = topic.Subscribe();
        const long Later = 16 + (1L << 31);
        MoveSequenceCounter(name, Later);
        Assert.Equal(Later, topic.Publish(Items.Small(0, Later)));

        // Not item 16, nor the items 0..15 still in the ring for 2^31 + 9..15: the subscriber finds itself lapped, skips
        // to half a ring behind, passes the holes nobody wrote (50 ms each) and takes the item under its own number.
        Assert.True(subscriber.TryReceive(out var item, TimeSpan.FromSeconds(10)));
        Assert.Equal(Later, item.Sequence);
        Assert.Equal(Later - 16, subscriber.Missed);
        Assert.Equal(Later + 1, topic.Publish(Items.Small(0, Later + 1)));
        Assert.Equal(Later + 1, subscriber.Receive().Sequence);
    }

    [Fact]
    public void SequencesPastTwoToThe31AreReceivedInOrder()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var topic = SmallTickTopic.Create(TestScope.Options(name));

        // The counter moves up in steps a ring could take (every slot rewritten well within 2^30 sequences).
        foreach (var step in new[] { 1L << 29, 1L << 30, (1L << 30) + (1L << 29), (1L << 31) - 32 })
        {
            MoveSequenceCounter(name, step);
            for (var i = 0; i < 16; i++)
            {
                topic.Publish(Items.Small(0, step + i));
            }
        }

        using var subscriber = topic.Subscribe();
        for (var i = (1L << 31) - 16; i < (1L << 31) + 100; i++)
        {
            Assert.Equal(i, topic.Publish(Items.Small(0, i)));
            Assert.True(subscriber.TryReceive(out var item, TimeSpan.FromSeconds(10)));
            Assert.Equal(i, item.Sequence);
        }

        Assert.Equal(0, subscriber.Missed);
    }

    [Fact]
    public void TryReceiveReturnsFalseWhenTheTimeoutRunsOut()
    {
        using var scope = new TestScope();
        using var topic = SmallTickTopic.Create(TestScope.Options(scope.NewName()));
        using var subscriber = topic.Subscribe();
        var started = Stopwatch.GetTimestamp();
        Assert.False(subscriber.TryReceive(out _, TimeSpan.FromMilliseconds(300)));
        Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.FromMilliseconds(290), TimeSpan.FromSeconds(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => subscriber.TryReceive(out _, TimeSpan.FromMilliseconds(-2)));
    }

    [Fact]
    public async Task AThousandPendingAsyncReceivesShareOneThreadAndAllGetTheItem()
    {
        using var scope = new TestScope();
        using var topic = SmallTickTopic.Create(TestScope.Options(scope.NewName()));
        var subscribers = Enumerable.Range(0, 1000).Select(_ => topic.Subscribe()).ToArray();
        var threadsBefore = Process.GetCurrentProcess().Threads.Count;
        var pending = subscribers.Select(s => s.ReceiveAsync().AsTask()).ToArray();
        await Task.Delay(200);
        Assert.All(pending, t => Assert.False(t.IsCompleted));
        var threadsDuring = Process.GetCurrentProcess().Threads.Count;
        Assert.True(threadsDuring - threadsBefore < 20, $"{threadsDuring - threadsBefore} more threads for 1000 pending receives");
        topic.Publish(Items.Small(7, 42));
        var items = await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(items, item => Assert.Equal(42, item.Sequence));
        foreach (var subscriber in subscribers)
        {
            subscriber.Dispose();
        }
    }

    [Fact]
    public async Task PendingReceivesOnSeveralTopicsShareTheProcesssOneAsyncWaiterThread()
    {
        using var scope = new TestScope();
        var topics = Enumerable.Range(0, 3).Select(_ => SmallTickTopic.Create(TestScope.Options(scope.NewName()))).ToArray();
        var subscribers = topics.SelectMany(t => Enumerable.Range(0, 10).Select(_ => t.Subscribe())).ToArray();
        var pending = subscribers.Select(s => s.ReceiveAsync().AsTask()).ToArray();
        await Task.Delay(100);

        // Thread names as the kernel shows them (15 characters): one async waiter, no thread per topic.
        var names = System.IO.Directory.GetDirectories("/proc/self/task")
            .Select(task => { try { return System.IO.File.ReadAllText(task + "/comm").Trim(); } catch (System.IO.IOException) { return ""; } })
            .Where(name => name.StartsWith("ShmGen", StringComparison.Ordinal))
            .ToArray();
        Assert.Equal(["ShmGen async wa"], names);

        for (var i = 0; i < topics.Length; i++)
        {
            topics[i].Publish(Items.Small(0, 100 + i));
        }

        var items = await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(subscribers.Select((_, i) => 100L + (i / 10)), items.Select(item => item.Sequence));
        foreach (var subscriber in subscribers)
        {
            subscriber.Dispose();
        }

        foreach (var topic in topics)
        {
            topic.Dispose();
        }
    }

    [Fact]
    public async Task DisposingASubscriberFailsItsPendingReceiveAndLeavesOthersWaiting()
    {
        using var scope = new TestScope();
        using var topic = SmallTickTopic.Create(TestScope.Options(scope.NewName()));
        var leaving = topic.Subscribe();
        using var staying = topic.Subscribe();
        var left = leaving.ReceiveAsync().AsTask();
        var stays = staying.ReceiveAsync().AsTask();
        await Task.Delay(50);
        leaving.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => left.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(stays.IsCompleted);
        topic.Publish(Items.Small(0, 9));
        Assert.Equal(9, (await stays.WaitAsync(TimeSpan.FromSeconds(10))).Sequence);
        Assert.Throws<InvalidOperationException>(() =>
        {
            var first = staying.ReceiveAsync();
            var second = staying.ReceiveAsync();
        });
    }

    [Fact]
    public async Task ACancelledAsyncReceiveTakesNothing()
    {
        using var scope = new TestScope();
        using var topic = SmallTickTopic.Create(TestScope.Options(scope.NewName()));
        using var subscriber = topic.Subscribe();
        using var cancel = new CancellationTokenSource();
        var pending = subscriber.ReceiveAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        topic.Publish(Items.Small(0, 5));
        Assert.Equal(5, (await subscriber.ReceiveAsync()).Sequence);
    }

    [Fact]
    public async Task DisposingTheTopicFailsPendingReceives()
    {
        using var scope = new TestScope();
        var topic = SmallTickTopic.Create(TestScope.Options(scope.NewName()));
        var subscriber = topic.Subscribe();
        var pending = subscriber.ReceiveAsync().AsTask();
        await Task.Delay(50);
        topic.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Throws<ObjectDisposedException>(() => topic.Publish(Items.Small(0, 0)));
    }

    [Fact]
    public void OpeningATopicAsAQueueOrWithAnotherCapacityIsRefused()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var topic = SmallTickTopic.Create(TestScope.Options(name));
        Assert.ThrowsAny<SharedSegmentException>(() => LoanItemQueue.Open(TestScope.Options(name)));
        Assert.Throws<SegmentLayoutMismatchException>(() => TickTopic.Open(TestScope.Options(name)));
        Assert.Throws<SegmentAlreadyExistsException>(() => SmallTickTopic.Create(TestScope.Options(name)));
        using var second = SmallTickTopic.OpenOrCreate(TestScope.Options(name));
        Assert.False(second.IsCreator);
        second.Publish(Items.Small(0, 0));
        Assert.Equal(1, topic.NextSequence);
        topic.Unlink();
        Assert.Throws<SegmentNotFoundException>(() => SmallTickTopic.Open(TestScope.Options(name)));
    }

    /// <summary>Rewrites the topic's publish counter in the file: the header page, then the control block's NextSequence at 128.</summary>
    private static void MoveSequenceCounter(string name, long next)
    {
        using var file = File.OpenHandle("/dev/shm/" + name, FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.Write(file, BitConverter.GetBytes(next), 4096 + 128);
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ShmGen.QueuePeer;

namespace ShmGen.Queue.Tests;

/// <summary>
/// EnqueueAsync, DequeueAsync and ReadAllAsync, with real peer processes on the other side: a thousand pending calls
/// cost a bounded number of threads, cancellation leaves the queue unchanged, Dispose completes pending calls.
/// </summary>
public sealed class QueueAsyncTests
{
    private static readonly TimeSpan s_peerTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_lineTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("waitv")]
    [InlineData("fallback")]
    public void ThousandPendingDequeueAsync_CompletedByAnotherProcess_CostABoundedNumberOfThreads(string waiter)
    {
        const int Count = 1000;
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = TestItemQueue.Create(scope.Options(name));
        var consumer = scope.Start("dequeue-async", $"queue={name}", $"count={Count}", $"waiter={waiter}");
        var pending = consumer.ReadLine(s_lineTimeout);
        Assert.True(pending?.StartsWith("pending ", StringComparison.Ordinal) == true, $"got '{pending}'; {consumer.Description}");
        var numbers = pending!.Split(' ');
        var before = int.Parse(numbers[1], CultureInfo.InvariantCulture);
        var few = int.Parse(numbers[2], CultureInfo.InvariantCulture);
        var parked = int.Parse(numbers[3], CultureInfo.InvariantCulture);

        // One waiter thread parks them all: the thread count does not grow with the calls (a thread per call would be
        // 990 more), and starting async work at all costs a handful (the waiter, the timer, a few pool workers).
        var counts = $"{before} threads before, {few} with 10 pending DequeueAsync calls, {parked} with {Count}";
        Assert.True(parked - few <= 2, counts);
        Assert.True(parked - before <= 8, counts);

        var producer = scope.Start("produce", $"queue={name}", "kind=big", "producer=0", $"count={Count}");
        producer.ExpectSuccess(s_peerTimeout);
        var got = consumer.ReadLine(s_peerTimeout);
        consumer.ExpectSuccess(s_peerTimeout);
        var expected = $"got {Count} distinct {Count} intact {Count} threads ";
        Assert.True(got?.StartsWith(expected, StringComparison.Ordinal) == true, $"got '{got}'; {consumer.Description}");
        var most = int.Parse(got!.AsSpan(expected.Length), CultureInfo.InvariantCulture);
        Assert.True(most - before <= 16, $"threads while the calls completed: {most} (from {before})");
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task CancelledDequeueAsync_LeavesTheQueueUnchanged_AndTheNextItemGoesToTheNextCaller()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = TestItemQueue.Create(scope.Options(name));
        using var cancel = new CancellationTokenSource();
        var pending = Enumerable.Range(0, 100).Select(_ => queue.DequeueAsync(cancel.Token).AsTask()).ToArray();
        await Task.Delay(100);
        Assert.All(pending, task => Assert.False(task.IsCompleted));
        await cancel.CancelAsync();
        foreach (var task in pending)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        scope.Start("produce", $"queue={name}", "kind=big", "producer=3", "count=1").ExpectSuccess(s_peerTimeout);
        Assert.Equal(1, queue.Count);
        var item = await queue.DequeueAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((3, 0), (item.Producer, item.Sequence));
        Assert.True(TestItems.IsIntact(item));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task DequeueAsync_CancelledWhileAnotherProcessProduces_LosesAndDuplicatesNothing()
    {
        const int Count = 20_000;
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = TestItemQueue.Create(scope.Options(name));
        var producer = scope.Start("produce", $"queue={name}", "kind=big", "producer=0", $"count={Count}");
        var received = new int[Count];
        var cancelled = 0;
        var random = new Random(12);
        var taken = 0;
        while (!producer.HasExited || queue.Count > 0)
        {
            // Short random cancellations race the producer's wakes: every item is either received or still queued.
            using var cancel = new CancellationTokenSource(TimeSpan.FromTicks(random.Next(1, 20_000)));
            try
            {
                var item = await queue.DequeueAsync(cancel.Token);
                Assert.True(TestItems.IsIntact(item));
                received[item.Sequence]++;
                taken++;
            }
            catch (OperationCanceledException)
            {
                cancelled++;
            }
        }

        producer.ExpectSuccess(s_peerTimeout);
        while (queue.TryDequeue(out var rest, TimeSpan.Zero))
        {
            received[rest.Sequence]++;
            taken++;
        }

        Assert.True(cancelled > 0, "no call was cancelled: the test did not race anything");
        var wrong = Enumerable.Range(0, Count).Where(s => received[s] != 1).Take(10).ToList();
        Assert.True(wrong.Count == 0, $"items not received exactly once: {string.Join(", ", wrong.Select(s => $"{s} x{received[s]}"))}; {cancelled} cancelled");
        Assert.Equal(Count, taken);
    }

    [Fact]
    public async Task CancelledEnqueueAsync_OnAFullQueue_LeavesItUnchanged()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));
        for (var i = 0; i < queue.Capacity; i++)
        {
            await queue.EnqueueAsync(TestItems.MakeSmall(1, i));
        }

        using var cancel = new CancellationTokenSource();
        var blocked = queue.EnqueueAsync(TestItems.MakeSmall(1, 99), cancel.Token).AsTask();
        await Task.Delay(100);
        Assert.False(blocked.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(queue.Capacity, queue.Count);
        for (var i = 0; i < queue.Capacity; i++)
        {
            Assert.True(queue.TryDequeue(out var item, TimeSpan.Zero));
            Assert.Equal(i, item.Sequence);
        }

        Assert.False(queue.TryDequeue(out _, TimeSpan.Zero));
    }

    [Fact]
    public async Task EnqueueAsync_StallsOnAFullQueue_AndAnotherProcessReceivesEveryItemOnceInOrder()
    {
        const int Count = 5_000;
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));
        using var ledger = scope.NewLedger(1, Count, out var ledgerPath);
        var consumer = scope.Start("consume", $"queue={name}", "kind=small", $"ledger={ledgerPath}", "producers=1", $"perProducer={Count}", "order=strict");
        for (var i = 0; i < Count; i++)
        {
            await queue.EnqueueAsync(TestItems.MakeSmall(0, i));
        }

        await queue.EnqueueAsync(new SmallItem { Producer = TestItems.StopProducer });
        consumer.ExpectSuccess(s_peerTimeout);
        Assert.Equal(Count, ledger.Received);
        Assert.Equal(0, ledger.OutOfOrder + ledger.Corrupt + ledger.Unknown);
        Assert.All(Enumerable.Range(0, Count), s => Assert.Equal(1, ledger.Count(0, s)));
    }

    [Fact]
    public async Task DequeueAsync_WithAnItemThere_CompletesSynchronously()
    {
        using var scope = new TestScope();
        using var queue = TestItemQueue.Create(scope.Options(scope.NewName()));
        queue.Enqueue(TestItems.Make(0, 7));
        var call = queue.DequeueAsync();
        Assert.True(call.IsCompletedSuccessfully);
        Assert.Equal(7, (await call).Sequence);
        Assert.True(queue.EnqueueAsync(TestItems.Make(0, 8)).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Dispose_CompletesPendingCallsWithObjectDisposedException()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        var queue = TestItemQueue.Create(scope.Options(name));
        var pending = Enumerable.Range(0, 10).Select(_ => queue.DequeueAsync().AsTask()).ToArray();
        await Task.Delay(100);
        queue.Dispose();
        foreach (var task in pending)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => task.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.DequeueAsync().AsTask());
    }

    [Fact]
    public async Task ReadAllAsync_YieldsWhatAnotherProcessProduces_AndEndsByCancellation()
    {
        const int Count = 300;
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = TestItemQueue.Create(scope.Options(name));
        var producer = scope.Start("produce", $"queue={name}", "kind=big", "producer=2", $"count={Count}");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var next = 0;
        var ended = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in queue.ReadAllAsync(cancel.Token))
            {
                Assert.Equal(next++, item.Sequence);
                if (next == Count)
                {
                    await cancel.CancelAsync();
                }
            }
        });
        producer.ExpectSuccess(s_peerTimeout);
        Assert.Equal(Count, next);
        Assert.Equal(cancel.Token, ended.CancellationToken);
    }
}

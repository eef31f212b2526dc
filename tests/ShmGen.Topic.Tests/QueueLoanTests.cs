using System;
using ShmGen.TopicPeer;

namespace ShmGen.Topic.Tests;

/// <summary>The queue's zero-copy loans and batches, within a process and across processes.</summary>
public sealed class QueueLoanTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(3);

    [Fact]
    public void AnUncommittedLoanIsSkippedAndACommittedOneDelivered()
    {
        using var scope = new TestScope();
        using var queue = LoanItemQueue.Create(TestScope.Options(scope.NewName()));
        using (var skipped = queue.BeginEnqueue())
        {
            skipped.Item = Items.Loan(0, 99);
        }

        using (var slot = queue.BeginEnqueue())
        {
            slot.Item = Items.Loan(0, 1);
            slot.Commit();
            var twice = false;
            try
            {
                slot.Commit();
            }
            catch (InvalidOperationException)
            {
                twice = true;
            }

            Assert.True(twice, "a second Commit must throw");
        }

        using (var taken = queue.BeginDequeue())
        {
            Assert.Equal(1, taken.Item.Sequence);
            Assert.True(Items.IsWhole(taken.Item));
        }

        Assert.False(queue.TryDequeue(out _, TimeSpan.Zero));
    }

    [Fact]
    public void BatchesKeepOrderAndTryDequeueRangeTimesOut()
    {
        using var scope = new TestScope();
        using var queue = LoanItemQueue.Create(TestScope.Options(scope.NewName()));
        var destination = new LoanItem[32];
        Assert.Equal(0, queue.TryDequeueRange(destination, TimeSpan.FromMilliseconds(50)));
        var items = new LoanItem[40];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = Items.Loan(0, i);
        }

        queue.EnqueueRange(items);
        Assert.Equal(32, queue.DequeueRange(destination));
        Assert.Equal(8, queue.DequeueRange(destination));
        Assert.Equal(39, destination[7].Sequence);
    }

    [Theory]
    [InlineData("loan-produce")]
    [InlineData("batch-produce")]
    public void ItemsFromTwoProducerProcessesArriveWholeOnceAndInEachProducersOrder(string mode)
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = LoanItemQueue.Create(TestScope.Options(name));
        const int count = 100_000;
        var producers = new[]
        {
            scope.Start(mode, $"queue={name}", "publisher=0", $"count={count}", "batch=32"),
            scope.Start(mode, $"queue={name}", "publisher=1", $"count={count}", "batch=32"),
        };
        var next = new long[2];
        var batch = new LoanItem[32];
        var received = 0;
        while (received < 2 * count)
        {
            if (received % 2 == 0)
            {
                using var slot = queue.BeginDequeue();
                Check(slot.Item);
            }
            else
            {
                var n = queue.TryDequeueRange(batch, TimeSpan.FromSeconds(60));
                Assert.True(n > 0, $"nothing for 60 s after {received}");
                for (var i = 0; i < n; i++)
                {
                    Check(batch[i]);
                }

                received += n - 1;
            }

            received++;
        }

        foreach (var producer in producers)
        {
            producer.ExpectSuccess(Long);
        }

        Assert.Equal(count, next[0]);
        Assert.Equal(count, next[1]);
        Assert.False(queue.TryDequeue(out _, TimeSpan.Zero));

        void Check(in LoanItem item)
        {
            Assert.True(Items.IsWhole(item), "torn item");
            Assert.Equal(next[item.Publisher], item.Sequence);
            next[item.Publisher]++;
        }
    }

    [Fact]
    public void AProducerKilledBetweenBeginEnqueueAndCommitWedgesNoOne()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = LoanItemQueue.Create(TestScope.Options(name));
        var hanging = scope.Start("loan-hang", $"queue={name}", "publisher=1", "sequence=0");
        hanging.Expect("claimed", TimeSpan.FromSeconds(30));

        // Behind the dead claim: a consumer must reach this item once the claimer is gone.
        queue.Enqueue(Items.Loan(0, 7));
        hanging.Kill();
        Assert.True(queue.TryDequeue(out var item, TimeSpan.FromSeconds(10)), "the dead producer's claim wedged the queue");
        Assert.Equal(0, item.Publisher);
        Assert.Equal(7, item.Sequence);
        Assert.False(queue.TryDequeue(out _, TimeSpan.FromMilliseconds(100)));

        // And the slot is usable again a lap later.
        for (var i = 0; i < 200; i++)
        {
            queue.Enqueue(Items.Loan(0, i));
            Assert.Equal(i, queue.Dequeue().Sequence);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using ShmGen.QueuePeer;

namespace ShmGen.Queue.Tests;

/// <summary>
/// The queue between real processes (ShmGen.QueuePeer children): delivery, ordering, stalls and waits, lost wake-ups,
/// and SIGKILL at the worst moments. Every test bounds its waits, so a hang fails instead of blocking the run.
/// </summary>
public sealed class QueueProcessTests
{
    private static readonly TimeSpan s_peerTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_lineTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void TwoProducersAndTwoConsumers_Move400000Items_EveryItemExactlyOnce()
    {
        const int PerProducer = 200_000;
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = TestItemQueue.Create(scope.Options(name));
        using var ledger = scope.NewLedger(2, PerProducer, out var ledgerPath);

        // recheck=-1: parked waiters rely on wake-ups alone, so a lost wake-up hangs and fails this test.
        var consumers = Enumerable.Range(0, 2)
            .Select(_ => scope.Start("consume", $"queue={name}", "kind=big", $"ledger={ledgerPath}", "producers=2", $"perProducer={PerProducer}", "recheck=-1"))
            .ToArray();
        var producers = Enumerable.Range(0, 2)
            .Select(p => scope.Start("produce", $"queue={name}", "kind=big", $"producer={p}", $"count={PerProducer}", "recheck=-1"))
            .ToArray();

        foreach (var producer in producers)
        {
            producer.ExpectSuccess(s_peerTimeout);
        }

        // One stop item per consumer, behind every real item.
        queue.Enqueue(Stop());
        queue.Enqueue(Stop());
        foreach (var consumer in consumers)
        {
            consumer.ExpectSuccess(s_peerTimeout);
        }

        AssertClean(ledger);
        Assert.Equal(2 * PerProducer, ledger.Received);
        AssertEach(ledger, 0, PerProducer, expected: 1);
        AssertEach(ledger, 1, PerProducer, expected: 1);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void OneConsumer_ReceivesEachProducersItemsInOrder()
    {
        const int PerProducer = 20_000;
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));
        using var ledger = scope.NewLedger(2, PerProducer, out var ledgerPath);

        // Four slots: producers stall and the consumer waits constantly, so every ordering path runs.
        var consumer = scope.Start("consume", $"queue={name}", "kind=small", $"ledger={ledgerPath}", "producers=2", $"perProducer={PerProducer}", "order=strict", "recheck=-1");
        var producers = Enumerable.Range(0, 2)
            .Select(p => scope.Start("produce", $"queue={name}", "kind=small", $"producer={p}", $"count={PerProducer}", "recheck=-1"))
            .ToArray();
        foreach (var producer in producers)
        {
            producer.ExpectSuccess(s_peerTimeout);
        }

        queue.Enqueue(SmallStop());
        consumer.ExpectSuccess(s_peerTimeout);

        // order=strict: the consumer counted every item that was not exactly its producer's previous one plus one.
        AssertClean(ledger);
        Assert.Equal(2 * PerProducer, ledger.Received);
        AssertEach(ledger, 0, PerProducer, expected: 1);
        AssertEach(ledger, 1, PerProducer, expected: 1);
    }

    [Fact]
    public void FullQueue_StallsTheProducer_UntilAConsumerTakesOne()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));
        for (var i = 0; i < queue.Capacity; i++)
        {
            Assert.True(queue.TryEnqueue(TestItems.MakeSmall(7, i), TimeSpan.Zero));
        }

        Assert.False(queue.TryEnqueue(TestItems.MakeSmall(7, 99), TimeSpan.Zero));

        var producer = scope.Start("enqueue-one", $"queue={name}", "kind=small", "producer=8", "sequence=0");
        producer.Expect("ready", s_lineTimeout);
        Assert.Null(producer.ReadLine(TimeSpan.FromMilliseconds(500)));
        Assert.False(producer.HasExited, producer.Description);
        Assert.Equal(4, queue.Count);

        Assert.True(queue.TryDequeue(out var first, TimeSpan.Zero));
        Assert.Equal((7, 0), (first.Producer, first.Sequence));
        producer.Expect("done", s_lineTimeout);
        producer.ExpectSuccess(s_peerTimeout);

        // The stalled item went in behind the others, intact.
        Assert.Equal([(7, 1), (7, 2), (7, 3), (8, 0)], DrainSmall(queue));
    }

    [Fact]
    public void EmptyQueue_BlocksTheConsumer_UntilAnItemArrives()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));

        var consumer = scope.Start("dequeue-one", $"queue={name}", "kind=small");
        consumer.Expect("ready", s_lineTimeout);
        Assert.Null(consumer.ReadLine(TimeSpan.FromMilliseconds(500)));
        Assert.False(consumer.HasExited, consumer.Description);

        queue.Enqueue(TestItems.MakeSmall(5, 42));
        consumer.Expect("got 5 42 ok", s_lineTimeout);
        consumer.ExpectSuccess(s_peerTimeout);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void PingPong_EveryHandOffWakesTheOtherSide_NoLostWakeUp()
    {
        const int Rounds = 20_000;
        using var scope = new TestScope();
        var requests = scope.NewName();
        var replies = scope.NewName();
        using var requestQueue = SmallItemQueue.Create(scope.Options(requests));
        using var replyQueue = SmallItemQueue.Create(scope.Options(replies));

        // Each side waits for the other on every round, parking at once (spin=0) so every hand-off runs the futex
        // protocol; with recheck=-1 a single lost wake-up leaves both parked for ever, and the bounded wait fails the test.
        var echo = scope.Start("echo", $"queue={requests}", $"reply={replies}", "kind=small", $"count={Rounds}", "recheck=-1", "spin=0");
        var ping = scope.Start("ping", $"queue={requests}", $"reply={replies}", "kind=small", $"count={Rounds}", "recheck=-1", "spin=0");
        ping.ExpectSuccess(s_peerTimeout);
        ping.Expect($"rounds {Rounds}", s_lineTimeout);
        echo.ExpectSuccess(s_peerTimeout);
    }

    [Fact]
    public void ManyWaitersOnBothSides_NoLostWakeUp()
    {
        const int PerProducer = 15_000;
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));
        using var ledger = scope.NewLedger(2, PerProducer, out var ledgerPath);

        // Three consumers park on "not empty" while two producers park on "not full", on four slots, without spinning
        // first; with recheck=-1 a lost wake-up hangs.
        var consumers = Enumerable.Range(0, 3)
            .Select(_ => scope.Start("consume", $"queue={name}", "kind=small", $"ledger={ledgerPath}", "producers=2", $"perProducer={PerProducer}", "recheck=-1", "spin=0"))
            .ToArray();
        var producers = Enumerable.Range(0, 2)
            .Select(p => scope.Start("produce", $"queue={name}", "kind=small", $"producer={p}", $"count={PerProducer}", "recheck=-1", "spin=0"))
            .ToArray();
        foreach (var producer in producers)
        {
            producer.ExpectSuccess(s_peerTimeout);
        }

        foreach (var _ in consumers)
        {
            queue.Enqueue(SmallStop());
        }

        foreach (var consumer in consumers)
        {
            consumer.ExpectSuccess(s_peerTimeout);
        }

        AssertClean(ledger);
        AssertEach(ledger, 0, PerProducer, expected: 1);
        AssertEach(ledger, 1, PerProducer, expected: 1);
    }

    [Theory]
    [InlineData("claimed")] // before it advanced the shared position: other producers must advance it
    [InlineData("copied")] // item written, never published
    public void ProducerKilledInsideItsClaim_LosesOnlyThatItem_AndConsumersSkipThePosition(string phase)
    {
        const int PerProducer = 5_000;
        const int KilledAt = 1_000;
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = TestItemQueue.Create(scope.Options(name));
        using var ledger = scope.NewLedger(2, PerProducer, out var ledgerPath);

        var consumer = scope.Start("consume", $"queue={name}", "kind=big", $"ledger={ledgerPath}", "producers=2", $"perProducer={PerProducer}");

        // Producer 0 SIGKILLs itself inside its 1000th enqueue, holding the slot's claim.
        var doomed = scope.Start("produce", $"queue={name}", "kind=big", "producer=0", $"count={PerProducer}", $"kill=enqueue:{phase}:{KilledAt}");
        doomed.ExpectKilled(s_peerTimeout);

        // Producer 1's items queue up behind the dead claim; the consumer must get past it to receive them.
        scope.Start("produce", $"queue={name}", "kind=big", "producer=1", $"count={PerProducer}").ExpectSuccess(s_peerTimeout);
        queue.Enqueue(Stop());
        consumer.ExpectSuccess(s_peerTimeout);

        AssertClean(ledger);
        AssertEach(ledger, 0, KilledAt, expected: 1);
        for (var sequence = KilledAt; sequence < PerProducer; sequence++)
        {
            Assert.Equal(0, ledger.Count(0, sequence));
        }

        AssertEach(ledger, 1, PerProducer, expected: 1);
        Assert.Equal(0, queue.Count);
    }

    [Theory]
    [InlineData("claimed")] // before it advanced the shared position: the next consumer must advance it
    [InlineData("copied")] // item copied out, slot never released
    public void ConsumerKilledInsideItsClaim_LosesOnlyThatItem_AndProducersReuseTheSlot(string phase)
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));
        for (var i = 0; i < queue.Capacity; i++)
        {
            queue.Enqueue(TestItems.MakeSmall(7, i));
        }

        // The consumer SIGKILLs itself inside its first dequeue, holding the slot's claim.
        var doomed = scope.Start("dequeue-one", $"queue={name}", "kind=small", $"kill=dequeue:{phase}:0");
        doomed.ExpectKilled(s_peerTimeout);

        // The dead claim holds the only slot a producer could use; without waiting, nothing can be added.
        Assert.False(queue.TryEnqueue(TestItems.MakeSmall(7, 4), TimeSpan.Zero));

        // A waiting producer finds the claimer gone and frees the slot.
        Assert.True(queue.TryEnqueue(TestItems.MakeSmall(7, 4), TimeSpan.FromSeconds(30)));
        Assert.Equal([(7, 1), (7, 2), (7, 3), (7, 4)], DrainSmall(queue));
    }

    [Fact]
    public void ProducerKilledAfterPublishing_BeforeWaking_TheParkedConsumerStillGetsTheItem()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));

        var consumer = scope.Start("dequeue-one", $"queue={name}", "kind=small", "spin=0");
        consumer.Expect("ready", s_lineTimeout);
        Assert.Null(consumer.ReadLine(TimeSpan.FromMilliseconds(300)));

        // The item is in the queue but no wake-up was sent: the parked consumer finds it on its own re-check.
        scope.Start("enqueue-one", $"queue={name}", "kind=small", "producer=8", "sequence=0", "kill=enqueue:done:0").ExpectKilled(s_peerTimeout);
        consumer.Expect("got 8 0 ok", s_lineTimeout);
        consumer.ExpectSuccess(s_peerTimeout);
    }

    [Fact]
    public void ConsumerKilledAfterReleasing_BeforeWaking_TheParkedProducerStillGetsTheSlot()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = SmallItemQueue.Create(scope.Options(name));
        for (var i = 0; i < queue.Capacity; i++)
        {
            queue.Enqueue(TestItems.MakeSmall(7, i));
        }

        var producer = scope.Start("enqueue-one", $"queue={name}", "kind=small", "producer=8", "sequence=0", "spin=0");
        producer.Expect("ready", s_lineTimeout);
        Assert.Null(producer.ReadLine(TimeSpan.FromMilliseconds(300)));

        // The dead consumer took item 0 and freed its slot, but woke no one.
        scope.Start("dequeue-one", $"queue={name}", "kind=small", "kill=dequeue:done:0").ExpectKilled(s_peerTimeout);
        producer.Expect("done", s_lineTimeout);
        producer.ExpectSuccess(s_peerTimeout);
        Assert.Equal([(7, 1), (7, 2), (7, 3), (8, 0)], DrainSmall(queue));
    }

    [Fact]
    public void SigkillOfAProducerAndAConsumerMidStream_OthersKeepGoing_AtMostTheInFlightItemsLost()
    {
        // Far more than moves before the kill, even at tens of millions of items a second while the test thread waits
        // for its turn on a loaded machine (the ledger file is sparse: only received items touch its pages).
        const int DoomedCount = 20_000_000;
        const int SurvivorCount = 100_000;
        using var scope = new TestScope();
        var name = scope.NewName();
        using var queue = TestItemQueue.Create(scope.Options(name));
        using var ledger = scope.NewLedger(2, DoomedCount, out var ledgerPath);

        var consumerArguments = new[] { "consume", $"queue={name}", "kind=big", $"ledger={ledgerPath}", "producers=2", $"perProducer={DoomedCount}" };
        var doomedConsumer = scope.Start(consumerArguments);
        var survivingConsumer = scope.Start(consumerArguments);
        var doomedProducer = scope.Start("produce", $"queue={name}", "kind=big", "producer=0", $"count={DoomedCount}");
        var survivingProducer = scope.Start("produce", $"queue={name}", "kind=big", "producer=1", $"count={SurvivorCount}");

        // SIGKILL from outside, wherever they are: claiming, copying, publishing, spinning or parked.
        Eventually.True(() => ledger.Received >= 20_000, s_peerTimeout, "20,000 items received");
        Assert.False(doomedConsumer.HasExited, doomedConsumer.Description);
        doomedConsumer.Kill();
        // The doomed producer must be mid-stream too: on a loaded machine it can start after the survivor has sent
        // 60,000 items, so wait for its first item as well.
        Eventually.True(() => ledger.Received >= 60_000 && ledger.Count(0, 0) > 0, s_peerTimeout, "60,000 items received, the doomed producer's among them");
        Assert.False(doomedProducer.HasExited, doomedProducer.Description);
        doomedProducer.Kill();

        survivingProducer.ExpectSuccess(s_peerTimeout);
        queue.Enqueue(Stop());
        survivingConsumer.ExpectSuccess(s_peerTimeout);

        AssertClean(ledger);
        var duplicates = new List<(int, int)>();
        var missing = new List<(int, int)>();
        var lastFromDoomed = -1;
        for (var sequence = 0; sequence < DoomedCount; sequence++)
        {
            if (ledger.Count(0, sequence) > 0)
            {
                lastFromDoomed = sequence;
            }
        }

        foreach (var (producer, made) in new[] { (0, lastFromDoomed + 1), (1, SurvivorCount) })
        {
            for (var sequence = 0; sequence < DoomedCount; sequence++)
            {
                var count = ledger.Count(producer, sequence);
                if (count > 1)
                {
                    duplicates.Add((producer, sequence));
                }
                else if (count == 0 && sequence < made)
                {
                    missing.Add((producer, sequence));
                }
                else if (count == 1 && sequence >= made)
                {
                    duplicates.Add((producer, sequence));
                }
            }
        }

        Assert.True(duplicates.Count == 0, $"delivered twice or never made: {string.Join(", ", duplicates.Take(10))}");

        // The killed producer's in-flight item is past the last one it published, so it is not counted here; what
        // can be missing before that is the one item the killed consumer was moving.
        Assert.True(missing.Count <= 1, $"{missing.Count} items lost: {string.Join(", ", missing.Take(10))}");
        Assert.True(lastFromDoomed > 0, "the killed producer published nothing");
        Assert.Equal(0, queue.Count);
    }

    private static TestItem Stop() => new() { Producer = TestItems.StopProducer };

    private static SmallItem SmallStop() => new() { Producer = TestItems.StopProducer };

    private static List<(int, int)> DrainSmall(SmallItemQueue queue)
    {
        var items = new List<(int, int)>();
        while (queue.TryDequeue(out var item, TimeSpan.Zero))
        {
            Assert.True(TestItems.IsIntact(TestItems.Widen(item)), $"torn item {item.Producer}/{item.Sequence}");
            items.Add((item.Producer, item.Sequence));
        }

        return items;
    }

    private static void AssertClean(Ledger ledger)
    {
        Assert.True(ledger.Corrupt == 0, $"{ledger.Corrupt} torn or corrupted items");
        Assert.True(ledger.Unknown == 0, $"{ledger.Unknown} items no producer made");
        Assert.True(ledger.OutOfOrder == 0, $"{ledger.OutOfOrder} items out of their producer's order");
    }

    private static void AssertEach(Ledger ledger, int producer, int count, int expected)
    {
        var wrong = Enumerable.Range(0, count).Where(s => ledger.Count(producer, s) != expected).Take(10).ToList();
        Assert.True(wrong.Count == 0, $"producer {producer}: items {string.Join(", ", wrong.Select(s => $"{s} x{ledger.Count(producer, s)}"))} not received exactly {expected} time(s)");
    }
}

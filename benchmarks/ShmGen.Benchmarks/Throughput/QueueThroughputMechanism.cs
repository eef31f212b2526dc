using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ShmGen.Benchmarks.Ipc;
using ShmGen.Benchmarks.Queues;

namespace ShmGen.Benchmarks.Throughput;

/// <summary>One generated [SharedQueue] shared by every producer and consumer of the row (many-to-many, as users run it).</summary>
internal sealed class QueueThroughputMechanism : ManagedThroughputMechanism
{
    public override string Name => "shmgen-queue";

    public override IThroughputSetup Prepare(int itemSize, int producers, int consumers, string shmPrefix) =>
        BenchQueues.With<IThroughputSetup, Creator>(itemSize, new Creator(shmPrefix + "throughput"));

    public override long Produce(ThroughputChild child, Action ready) =>
        BenchQueues.With<long, Producer>(child.ItemSize, new Producer(child, ready));

    public override void Consume(ThroughputChild child, ItemTally tally, Action ready) =>
        BenchQueues.With<int, Consumer>(child.ItemSize, new Consumer(child, tally, ready));

    private readonly struct Creator(string name) : IBenchQueueAction<IThroughputSetup>
    {
        public IThroughputSetup Invoke<TQueue, TItem>()
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged => new Setup<TQueue, TItem>(TQueue.Create(name));
    }

    private sealed class Setup<TQueue, TItem>(TQueue queue) : IThroughputSetup
        where TQueue : struct, IBenchQueue<TQueue, TItem>
        where TItem : unmanaged
    {
        public string ProducerArgument(int producer) => queue.Name;

        public string ConsumerArgument(int consumer) => queue.Name;

        public void ChildrenStarted()
        {
        }

        public void Dispose()
        {
            queue.Unlink();
            queue.Dispose();
        }
    }

    private readonly struct Producer(ThroughputChild child, Action ready) : IBenchQueueAction<long>
    {
        public long Invoke<TQueue, TItem>()
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged
        {
            using var queue = TQueue.Open(child.Argument);
            var item = MemoryMarshal.Read<TItem>(Message.Create(child.ItemSize));
            ready();
            Send<TQueue, TItem>(queue, ref item, child.Id, 0, child.Warmup);
            var start = Stopwatch.GetTimestamp();
            Send<TQueue, TItem>(queue, ref item, child.Id, child.Warmup, child.Warmup + child.Items);
            BenchQueues.Stamp(ref item, ThroughputChild.Stop);
            queue.Enqueue(in item);
            return start;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Send<TQueue, TItem>(TQueue queue, ref TItem item, int producer, long from, long to)
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged
        {
            for (var sequence = from; sequence < to; sequence++)
            {
                BenchQueues.Stamp(ref item, ThroughputChild.StampOf(producer, sequence));
                queue.Enqueue(in item);
            }
        }
    }

    private readonly struct Consumer(ThroughputChild child, ItemTally tally, Action ready) : IBenchQueueAction<int>
    {
        public int Invoke<TQueue, TItem>()
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged
        {
            using var queue = TQueue.Open(child.Argument);
            ready();
            Receive<TQueue, TItem>(queue, tally);
            tally.MarkEnd();
            return 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Receive<TQueue, TItem>(TQueue queue, ItemTally tally)
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged
        {
            while (tally.Add(BenchQueues.ReadStamp(queue.Dequeue())))
            {
            }
        }
    }
}

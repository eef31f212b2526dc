using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ShmGen.Benchmarks.Ipc;
using ShmGen.Benchmarks.Queues;

namespace ShmGen.Benchmarks.Throughput;

/// <summary>How a queue row moves its items.</summary>
internal enum QueueTransfer
{
    /// <summary>Enqueue/Dequeue, one copied item per call.</summary>
    Single,

    /// <summary>EnqueueRange/DequeueRange of up to <see cref="QueueThroughputMechanism.BatchSize"/> items.</summary>
    Batch,

    /// <summary>BeginEnqueue/Commit and BeginDequeue: the stamps are written and read in the slot, nothing is copied.</summary>
    Loans,
}

/// <summary>
/// One generated [SharedQueue] shared by every producer and consumer of the row (many-to-many, as users run it), moved
/// one item at a time, in batches, or through zero-copy loans.
/// </summary>
internal sealed class QueueThroughputMechanism(QueueTransfer transfer = QueueTransfer.Single) : ManagedThroughputMechanism
{
    /// <summary>Items per batch of the batch rows.</summary>
    public const int BatchSize = 32;

    public override string Name => transfer switch
    {
        QueueTransfer.Batch => "shmgen-queue-batch32",
        QueueTransfer.Loans => "shmgen-queue-loans",
        _ => "shmgen-queue",
    };

    public override IThroughputSetup Prepare(int itemSize, int producers, int consumers, string shmPrefix) =>
        BenchQueues.With<IThroughputSetup, Creator>(itemSize, new Creator(shmPrefix + "throughput"));

    public override long Produce(ThroughputChild child, Action ready) =>
        BenchQueues.With<long, Producer>(child.ItemSize, new Producer(child, transfer, ready));

    public override void Consume(ThroughputChild child, ItemTally tally, Action ready) =>
        BenchQueues.With<int, Consumer>(child.ItemSize, new Consumer(child, transfer, tally, ready));

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

    private readonly struct Producer(ThroughputChild child, QueueTransfer transfer, Action ready) : IBenchQueueAction<long>
    {
        public long Invoke<TQueue, TItem>()
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged
        {
            using var queue = TQueue.Open(child.Argument);
            var item = MemoryMarshal.Read<TItem>(Message.Create(child.ItemSize));
            var batch = transfer == QueueTransfer.Batch ? new TItem[BatchSize] : [];
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = item;
            }

            ready();
            Send(queue, ref item, batch, child.Id, 0, child.Warmup);
            var start = Stopwatch.GetTimestamp();
            Send(queue, ref item, batch, child.Id, child.Warmup, child.Warmup + child.Items);
            BenchQueues.Stamp(ref item, ThroughputChild.Stop);
            queue.Enqueue(in item);
            return start;
        }

        private void Send<TQueue, TItem>(TQueue queue, ref TItem item, TItem[] batch, int producer, long from, long to)
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged
        {
            switch (transfer)
            {
                case QueueTransfer.Batch:
                    SendBatches(queue, batch, producer, from, to);
                    break;
                case QueueTransfer.Loans:
                    SendLoans<TQueue, TItem>(queue, producer, from, to);
                    break;
                default:
                    Send(queue, ref item, producer, from, to);
                    break;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SendBatches<TQueue, TItem>(TQueue queue, TItem[] batch, int producer, long from, long to)
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged
        {
            for (var sequence = from; sequence < to; sequence += batch.Length)
            {
                var count = (int)Math.Min(batch.Length, to - sequence);
                for (var i = 0; i < count; i++)
                {
                    BenchQueues.Stamp(ref batch[i], ThroughputChild.StampOf(producer, sequence + i));
                }

                queue.EnqueueRange(batch.AsSpan(0, count));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SendLoans<TQueue, TItem>(TQueue queue, int producer, long from, long to)
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged
        {
            for (var sequence = from; sequence < to; sequence++)
            {
                queue.EnqueueInPlace(ThroughputChild.StampOf(producer, sequence));
            }
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

    private readonly struct Consumer(ThroughputChild child, QueueTransfer transfer, ItemTally tally, Action ready) : IBenchQueueAction<int>
    {
        public int Invoke<TQueue, TItem>()
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged
        {
            using var queue = TQueue.Open(child.Argument);
            ready();
            switch (transfer)
            {
                case QueueTransfer.Batch:
                    ReceiveBatches(queue, new TItem[BatchSize], tally);
                    break;
                case QueueTransfer.Loans:
                    ReceiveLoans<TQueue, TItem>(queue, tally);
                    break;
                default:
                    Receive<TQueue, TItem>(queue, tally);
                    break;
            }

            tally.MarkEnd();
            return 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ReceiveBatches<TQueue, TItem>(TQueue queue, TItem[] batch, ItemTally tally)
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged
        {
            while (true)
            {
                var count = queue.DequeueRange(batch);
                for (var i = 0; i < count; i++)
                {
                    if (!tally.Add(BenchQueues.ReadStamp(in batch[i])))
                    {
                        // The stop item is its producer's last; with several producers, more can follow it in the batch,
                        // another producer's stop item among them: that one belongs to another consumer, so pass it on.
                        for (var j = i + 1; j < count; j++)
                        {
                            if (!tally.Add(BenchQueues.ReadStamp(in batch[j])))
                            {
                                queue.Enqueue(in batch[j]);
                            }
                        }

                        return;
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ReceiveLoans<TQueue, TItem>(TQueue queue, ItemTally tally)
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged
        {
            while (tally.Add(queue.DequeueInPlace()))
            {
            }
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

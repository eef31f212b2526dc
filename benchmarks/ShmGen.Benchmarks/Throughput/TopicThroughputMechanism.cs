using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ShmGen.Benchmarks.Ipc;
using ShmGen.Benchmarks.Queues;

namespace ShmGen.Benchmarks.Throughput;

/// <summary>
/// One generated [SharedTopic]: one publisher process, one or three subscriber processes that each receive every item.
/// The publisher never waits for them (a topic overwrites its oldest item), so a subscriber that falls behind by more
/// than the capacity misses items; each reports its <c>Missed</c> and the row is the slowest subscriber's receive rate.
/// </summary>
internal sealed class TopicThroughputMechanism : ManagedThroughputMechanism, IThroughputMechanism
{
    public override string Name => "shmgen-topic";

    public IReadOnlyList<(int Producers, int Consumers)> Topologies { get; } = [(1, 1), (1, 3)];

    public bool Broadcast => true;

    public override IThroughputSetup Prepare(int itemSize, int producers, int consumers, string shmPrefix) =>
        BenchTopics.With<IThroughputSetup, Creator>(itemSize, new Creator(shmPrefix + "topic"));

    public override long Produce(ThroughputChild child, Action ready) =>
        BenchTopics.With<long, Publisher>(child.ItemSize, new Publisher(child, ready));

    public override void Consume(ThroughputChild child, ItemTally tally, Action ready) =>
        BenchTopics.With<int, SubscriberSide>(child.ItemSize, new SubscriberSide(child, tally, ready));

    private readonly struct Creator(string name) : IBenchTopicAction<IThroughputSetup>
    {
        public IThroughputSetup Invoke<TTopic, TItem>()
            where TTopic : struct, IBenchTopic<TTopic, TItem>
            where TItem : unmanaged => new Setup<TTopic, TItem>(TTopic.Create(name));
    }

    private sealed class Setup<TTopic, TItem>(TTopic topic) : IThroughputSetup
        where TTopic : struct, IBenchTopic<TTopic, TItem>
        where TItem : unmanaged
    {
        public string ProducerArgument(int producer) => topic.Name;

        public string ConsumerArgument(int consumer) => topic.Name;

        public void ChildrenStarted()
        {
        }

        public void Dispose()
        {
            topic.Unlink();
            topic.Dispose();
        }
    }

    private readonly struct Publisher(ThroughputChild child, Action ready) : IBenchTopicAction<long>
    {
        public long Invoke<TTopic, TItem>()
            where TTopic : struct, IBenchTopic<TTopic, TItem>
            where TItem : unmanaged
        {
            using var topic = TTopic.Open(child.Argument);
            var item = MemoryMarshal.Read<TItem>(Message.Create(child.ItemSize));

            // The runner starts subscribers first and sends "go" once all said ready, i.e. subscribed.
            ready();
            Send(topic, ref item, child.Id, 0, child.Warmup);
            var start = Stopwatch.GetTimestamp();
            Send(topic, ref item, child.Id, child.Warmup, child.Warmup + child.Items);
            BenchQueues.Stamp(ref item, ThroughputChild.Stop);
            topic.Publish(in item);
            return start;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Send<TTopic, TItem>(TTopic topic, ref TItem item, int producer, long from, long to)
            where TTopic : struct, IBenchTopic<TTopic, TItem>
            where TItem : unmanaged
        {
            for (var sequence = from; sequence < to; sequence++)
            {
                BenchQueues.Stamp(ref item, ThroughputChild.StampOf(producer, sequence));
                topic.Publish(in item);
            }
        }
    }

    private readonly struct SubscriberSide(ThroughputChild child, ItemTally tally, Action ready) : IBenchTopicAction<int>
    {
        public int Invoke<TTopic, TItem>()
            where TTopic : struct, IBenchTopic<TTopic, TItem>
            where TItem : unmanaged
        {
            using var topic = TTopic.Open(child.Argument).WithSubscriber();
            ready();
            Receive<TTopic, TItem>(topic, tally);
            tally.MarkEnd();
            tally.Missed = topic.Missed;
            return 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Receive<TTopic, TItem>(TTopic topic, ItemTally tally)
            where TTopic : struct, IBenchTopic<TTopic, TItem>
            where TItem : unmanaged
        {
            while (tally.Add(BenchQueues.ReadStamp(topic.Receive())))
            {
            }
        }
    }
}

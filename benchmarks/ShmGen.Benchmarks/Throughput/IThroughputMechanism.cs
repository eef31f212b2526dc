using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;

namespace ShmGen.Benchmarks.Throughput;

/// <summary>One row family of the queue table: a way to stream fixed-size items from producer to consumer processes.</summary>
internal interface IThroughputMechanism
{
    /// <summary>The name in the table and the JSON (<c>shmgen-queue</c>, <c>pipe</c>, <c>boost-message-queue</c>, ...).</summary>
    string Name { get; }

    /// <summary>Creates what the children share (a queue, pipes, socket pairs, a daemon) before they start.</summary>
    IThroughputSetup Prepare(int itemSize, int producers, int consumers, string shmPrefix);

    /// <summary>The producer x consumer rows it runs.</summary>
    IReadOnlyList<(int Producers, int Consumers)> Topologies => ThroughputRunner.DefaultTopologies;

    /// <summary>
    /// Whether every consumer gets every item (a topic's subscribers) rather than each item going to one consumer. Such
    /// consumers may miss items (a topic never blocks its publisher): each reports its misses, and the row is the rate
    /// the slowest one received at.
    /// </summary>
    bool Broadcast => false;

    /// <summary>How to start one producer or consumer. It pins itself to <paramref name="cpu"/> (unless -1), then speaks
    /// the runner's protocol on stdin/stdout: "ready", wait for "go", then one "result ..." line.</summary>
    ProcessStartInfo StartChild(string role, ThroughputChild child, int cpu);
}

/// <summary>A mechanism whose producers and consumers are this program again (the hidden <c>queue-child</c> command).</summary>
internal abstract class ManagedThroughputMechanism : IThroughputMechanism
{
    public abstract string Name { get; }

    public abstract IThroughputSetup Prepare(int itemSize, int producers, int consumers, string shmPrefix);

    /// <summary>The producer's side in its child process: <see cref="ThroughputChild.Warmup"/> + <see cref="ThroughputChild.Items"/>
    /// items, then one stop item. Returns the timestamp taken after the warm-up items.</summary>
    public abstract long Produce(ThroughputChild child, Action ready);

    /// <summary>The consumer's side in its child process: items until a stop item.</summary>
    public abstract void Consume(ThroughputChild child, ItemTally tally, Action ready);

    public ProcessStartInfo StartChild(string role, ThroughputChild child, int cpu) => ChildProcess.StartInfo(
        "queue-child",
        Name,
        role,
        child.ItemSize.ToString(CultureInfo.InvariantCulture),
        child.Id.ToString(CultureInfo.InvariantCulture),
        child.Producers.ToString(CultureInfo.InvariantCulture),
        child.Warmup.ToString(CultureInfo.InvariantCulture),
        child.Items.ToString(CultureInfo.InvariantCulture),
        cpu.ToString(CultureInfo.InvariantCulture),
        child.Argument);
}

/// <summary>The parent's part of one measurement: what each child needs to find its channel.</summary>
internal interface IThroughputSetup : IDisposable
{
    string ProducerArgument(int producer);

    string ConsumerArgument(int consumer);

    /// <summary>Every child runs: drop the parent's copies of inherited descriptors.</summary>
    void ChildrenStarted();
}

/// <summary>What one child process runs.</summary>
/// <param name="ItemSize">Bytes per item.</param>
/// <param name="Id">The producer's or consumer's number, from 0.</param>
/// <param name="Producers">How many producers the row has (a consumer tallies per producer).</param>
/// <param name="Warmup">Items each producer sends before its measured ones.</param>
/// <param name="Items">Measured items each producer sends.</param>
/// <param name="Argument">From <see cref="IThroughputSetup"/>: a queue name or file descriptors.</param>
internal sealed record ThroughputChild(int ItemSize, int Id, int Producers, long Warmup, long Items, string Argument)
{
    /// <summary>The stamp that tells a consumer to stop.</summary>
    public const long Stop = -1;

    private const int SequenceBits = 40;

    /// <summary>The stamp of a producer's item: its id in the high bits, its sequence number in the low 40.</summary>
    public static long StampOf(int producer, long sequence) => ((long)producer << SequenceBits) | sequence;

    public static int ProducerOf(long stamp) => (int)(stamp >> SequenceBits);

    public static long SequenceOf(long stamp) => stamp & ((1L << SequenceBits) - 1);
}

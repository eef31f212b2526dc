using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using ShmGen.Benchmarks.NativePrograms;

namespace ShmGen.Benchmarks.Throughput;

/// <summary>How a native peer's producers and consumers find each other.</summary>
internal enum NativeChannels
{
    /// <summary>One channel every producer and consumer of the row shares (a many-to-many queue).</summary>
    Shared,

    /// <summary>One channel per producer/consumer pair (publish/subscribe, where every subscriber gets every item).</summary>
    PerPair,
}

/// <summary>
/// A peer whose producers and consumers are a program under benchmarks/native (its "queue" mode in harness.h): the same
/// stamps, checks and protocol as the managed children, so the runner measures and verifies it the same way. The
/// children's timestamps are CLOCK_MONOTONIC nanoseconds, which is what Stopwatch counts on Linux.
/// </summary>
/// <param name="name">The row's name.</param>
/// <param name="program">The program; its daemon, if any, runs from <see cref="Prepare"/> until the setup is disposed.</param>
/// <param name="channels">Whether the row shares one channel or has one per pair.</param>
/// <param name="extraArguments">What the program takes after the common arguments, by item size.</param>
internal sealed class NativeThroughputMechanism(string name, NativeProgram program, NativeChannels channels, Func<int, IEnumerable<string>> extraArguments) : IThroughputMechanism
{
    public string Name => name;

    public IThroughputSetup Prepare(int itemSize, int producers, int consumers, string shmPrefix)
    {
        if (Stopwatch.Frequency != 1_000_000_000)
        {
            throw new InvalidOperationException($"{name}: the native children count nanoseconds, Stopwatch counts {Stopwatch.Frequency}/s");
        }

        if (channels == NativeChannels.PerPair && producers != consumers)
        {
            throw new InvalidOperationException($"{name}: one channel per producer/consumer pair needs as many producers as consumers");
        }

        _ = program.Executable;
        return new Setup(program.StartDaemon(), channels, shmPrefix + "native");
    }

    public ProcessStartInfo StartChild(string role, ThroughputChild child, int cpu) => program.StartInfo(
    [
        "queue",
        role,
        .. new long[] { child.ItemSize, child.Id, child.Producers, child.Warmup, child.Items, cpu }.Select(n => n.ToString(CultureInfo.InvariantCulture)),
        child.Argument,
        .. extraArguments(child.ItemSize),
    ]);

    private sealed class Setup(IDisposable? daemon, NativeChannels channels, string channel) : IThroughputSetup
    {
        public string ProducerArgument(int producer) => Channel(producer);

        public string ConsumerArgument(int consumer) => Channel(consumer);

        public void ChildrenStarted()
        {
        }

        public void Dispose()
        {
            daemon?.Dispose();

            // A shared channel is a named object in /dev/shm (Boost's message_queue), created by whichever child came first.
            foreach (var leftover in Directory.EnumerateFiles("/dev/shm", channel + "*"))
            {
                File.Delete(leftover);
            }
        }

        private string Channel(int id) => channels == NativeChannels.Shared ? channel : channel + "-pair-" + id.ToString(CultureInfo.InvariantCulture);
    }
}

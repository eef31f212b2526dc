using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using ShmGen.Benchmarks.Ipc;
using ShmGen.Benchmarks.Native;
using ShmGen.Benchmarks.NativePrograms;
using ShmGen.Benchmarks.Queues;

namespace ShmGen.Benchmarks.Throughput;

/// <summary>
/// The <c>queue</c> mode: items per second from producer processes to consumer processes, for every mechanism, item size
/// and topology, all in one run. Producers run on one CPU and consumers on another where there are two (2x2 puts two
/// processes on each). The clock starts when the first producer has sent its warm-up items and stops when the last
/// consumer received its stop item; the consumers' tallies must account for every item exactly once.
/// </summary>
internal static class ThroughputRunner
{
    public static readonly int[] DefaultSizes = [8, 64, 1024];

    /// <summary>The rows of a mechanism that does not choose its own.</summary>
    public static readonly IReadOnlyList<(int Producers, int Consumers)> DefaultTopologies = [(1, 1), (2, 2)];

    public static IReadOnlyList<IThroughputMechanism> All { get; } =
    [
        new QueueThroughputMechanism(),
        new QueueThroughputMechanism(QueueTransfer.Batch),
        new QueueThroughputMechanism(QueueTransfer.Loans),
        new TopicThroughputMechanism(),
        new NativeThroughputMechanism(
            "boost-message-queue",
            NativeProgram.BoostMessageQueue,
            NativeChannels.Shared,
            size => [BenchQueues.CapacityOf(size).ToString(CultureInfo.InvariantCulture)]),
        new NativeThroughputMechanism("iceoryx-busy", NativeProgram.Iceoryx, NativeChannels.PerPair, _ => ["busy"]),
        new NativeThroughputMechanism("iceoryx-waitset", NativeProgram.Iceoryx, NativeChannels.PerPair, _ => ["waitset"]),
        new PipeThroughputMechanism(),
        new UnixSocketThroughputMechanism(),
    ];

    public static int Run(bool quick, string? jsonPath, IReadOnlyList<string> mechanismNames, IReadOnlyList<int> sizes, long? items)
    {
        var mechanisms = mechanismNames.Count == 0 ? All : mechanismNames.Select(Find).ToList();
        if (sizes.Any(s => s < Message.MinimumSize))
        {
            Console.Error.WriteLine($"item sizes must be at least {Message.MinimumSize} bytes");
            return 2;
        }

        var cpus = CpuAffinity.TwoAllowedCpus() is var (first, second) ? new CpuPair(first, second) : null;
        var runId = $"shmgen-bench-{Environment.ProcessId}-{Guid.NewGuid():N}"[..36];
        void Cleanup(object? sender, EventArgs e) => RemoveLeftovers(runId);
        AppDomain.CurrentDomain.ProcessExit += Cleanup;
        Console.Error.WriteLine(
            $"queue: items per row {string.Join(", ", sizes.Select(s => $"{s} B: {ItemsFor(s, quick, items):N0}"))} (+25% warm-up), " +
            (cpus is null ? "not pinned (fewer than two CPUs)" : $"producers on CPU {cpus.Parent}, consumers on CPU {cpus.Child}"));

        var results = new List<ThroughputResult>();
        var unavailable = new List<(string Mechanism, string Note)>();
        var total = Stopwatch.StartNew();
        try
        {
            var topologies = mechanisms.SelectMany(m => m.Topologies).Distinct().OrderBy(t => t.Producers).ThenBy(t => t.Consumers).ToList();
            foreach (var size in sizes)
            {
                foreach (var (producers, consumers) in topologies)
                {
                    foreach (var mechanism in mechanisms)
                    {
                        if (unavailable.Any(u => u.Mechanism == mechanism.Name) || !mechanism.Topologies.Contains((producers, consumers)))
                        {
                            continue;
                        }

                        var count = ItemsFor(size, quick, items);
                        var watch = Stopwatch.StartNew();
                        try
                        {
                            var (perSecond, missed) = Measure(mechanism, size, producers, consumers, count / producers, cpus, $"{runId}-{size}-{producers}x{consumers}-", quick);
                            results.Add(new ThroughputResult(mechanism.Name, size, producers, consumers, count, perSecond, null, missed));
                            Console.Error.WriteLine(
                                $"  {mechanism.Name,-20} {size,5} B {producers}x{consumers}  {perSecond,14:N0} items/s  ({watch.Elapsed.TotalSeconds:F1} s)");
                        }
                        catch (MechanismUnavailableException e)
                        {
                            // Missing for every size and topology: say it once and leave the mechanism out.
                            unavailable.Add((mechanism.Name, e.Message));
                            Console.Error.WriteLine($"  {mechanism.Name,-20} skipped: {e.Message}");
                        }
                        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or SharedSegmentException or UnauthorizedAccessException)
                        {
                            results.Add(new ThroughputResult(mechanism.Name, size, producers, consumers, count, 0, e.Message, 0));
                            Console.Error.WriteLine($"  {mechanism.Name,-20} {size,5} B {producers}x{consumers}  FAILED: {e.Message}");
                        }
                    }
                }
            }
        }
        finally
        {
            AppDomain.CurrentDomain.ProcessExit -= Cleanup;
            RemoveLeftovers(runId);
        }

        Console.Error.WriteLine($"queue: done in {total.Elapsed.TotalSeconds:F0} s");
        Console.WriteLine(ThroughputReport.Markdown(results, unavailable));
        if (jsonPath is not null)
        {
            File.WriteAllText(jsonPath, ThroughputReport.Json(results));
            Console.Error.WriteLine($"queue: wrote {jsonPath}");
        }

        return results.Any(r => r.Error is not null) ? 1 : 0;
    }

    /// <summary>The hidden <c>queue-child</c> command: one producer or consumer.</summary>
    public static int RunChild(string mechanism, string role, ThroughputChild child, int cpu)
    {
        if (cpu >= 0)
        {
            CpuAffinity.PinCurrentThread(cpu);
        }

        var chosen = Find(mechanism) as ManagedThroughputMechanism
            ?? throw new ArgumentException($"{mechanism} does not run as this program's child");

        // Everyone says ready once its channel is open, then waits for the parent's go, so start-up is not measured.
        void Ready()
        {
            Console.Out.WriteLine("ready");
            Console.Out.Flush();
            if (Console.In.ReadLine() != "go")
            {
                throw new InvalidOperationException("the parent went away before the start");
            }
        }

        string result;
        if (role == "producer")
        {
            var start = chosen.Produce(child, Ready);
            result = string.Create(CultureInfo.InvariantCulture, $"start={start}");
        }
        else
        {
            var tally = new ItemTally(child.Producers, child.Warmup);
            chosen.Consume(child, tally, Ready);
            result = tally.Describe();
        }

        Console.Out.WriteLine("result " + result);
        Console.Out.Flush();
        return 0;
    }

    private static long ItemsFor(int size, bool quick, long? items) =>
        items ?? (size <= 64 ? (quick ? 2_000_000 : 10_000_000) : (quick ? 500_000 : 2_000_000));

    private static IThroughputMechanism Find(string name) =>
        All.FirstOrDefault(m => m.Name == name)
        ?? throw new ArgumentException($"unknown mechanism '{name}'; known: {string.Join(", ", All.Select(m => m.Name))}");

    private static (double PerSecond, long Missed) Measure(IThroughputMechanism mechanism, int size, int producers, int consumers, long perProducer, CpuPair? cpus, string shmPrefix, bool quick)
    {
        var warmup = perProducer / 4;
        using var setup = mechanism.Prepare(size, producers, consumers, shmPrefix);
        var children = new List<(Process Process, bool Producer)>();
        using var watchdog = new Timer(
            _ =>
            {
                Console.Error.WriteLine($"{mechanism.Name}: no result after the time limit; killing the children");
                children.ForEach(c => Kill(c.Process));
            },
            null,
            quick ? TimeSpan.FromMinutes(1) : TimeSpan.FromMinutes(5),
            Timeout.InfiniteTimeSpan);
        try
        {
            // Consumers first: a producer that starts first would fill a queue or a pipe before anyone reads.
            for (var i = 0; i < consumers; i++)
            {
                children.Add((Start(mechanism, "consumer", size, i, producers, warmup, perProducer, cpus?.Child ?? -1, setup.ConsumerArgument(i)), false));
            }

            for (var i = 0; i < producers; i++)
            {
                children.Add((Start(mechanism, "producer", size, i, producers, warmup, perProducer, cpus?.Parent ?? -1, setup.ProducerArgument(i)), true));
            }

            setup.ChildrenStarted();
            foreach (var (process, _) in children)
            {
                var line = process.StandardOutput.ReadLine();
                if (line != "ready")
                {
                    throw new InvalidOperationException($"{mechanism.Name}: a child did not get ready (said '{line}', {ExitCode(process)})");
                }
            }

            foreach (var (process, _) in children)
            {
                process.StandardInput.WriteLine("go");
                process.StandardInput.Flush();
            }

            var start = long.MaxValue;
            var end = long.MinValue;
            var counts = new long[producers];
            var sums = new long[producers];
            var sent = warmup + perProducer;
            var slowest = long.MaxValue;
            var missed = 0L;
            foreach (var (process, producer) in children)
            {
                var line = process.StandardOutput.ReadLine();
                if (line is null || !line.StartsWith("result ", StringComparison.Ordinal) || !process.WaitForExit(TimeSpan.FromSeconds(30)) || process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"{mechanism.Name}: a {(producer ? "producer" : "consumer")} failed (said '{line}', {ExitCode(process)})");
                }

                var fields = line["result ".Length..].Split(' ').Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]);
                if (producer)
                {
                    start = Math.Min(start, long.Parse(fields["start"], CultureInfo.InvariantCulture));
                    continue;
                }

                var childEnd = long.Parse(fields["end"], CultureInfo.InvariantCulture);
                end = Math.Max(end, childEnd);
                var childCounts = fields["counts"].Split(',').Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                var childSums = fields["sums"].Split(',').Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                var childMissed = fields.TryGetValue("missed", out var reported) ? long.Parse(reported, CultureInfo.InvariantCulture) : 0;
                if (mechanism.Broadcast)
                {
                    // Each subscriber saw every item in order or was told it missed it (its tally checked the order).
                    if (childCounts.Sum() + childMissed != producers * sent)
                    {
                        throw new InvalidOperationException($"{mechanism.Name}: {producers * sent} items published, a subscriber received {childCounts.Sum()} and missed {childMissed}");
                    }

                    slowest = Math.Min(slowest, long.Parse(fields["measured"], CultureInfo.InvariantCulture));
                    missed += childMissed;
                    continue;
                }

                for (var p = 0; p < producers; p++)
                {
                    counts[p] += childCounts[p];
                    sums[p] += childSums[p];
                }
            }

            var seconds = (double)(end - start) / Stopwatch.Frequency;
            if (mechanism.Broadcast)
            {
                // The slowest subscriber's measured items (those stamped after the warm-up) over the measured run.
                return (slowest / seconds, missed);
            }

            // Every producer's items 0..n-1 arrived once each: the count is n and the sequence numbers add up to n(n-1)/2.
            for (var p = 0; p < producers; p++)
            {
                if (counts[p] != sent || sums[p] != sent * (sent - 1) / 2)
                {
                    throw new InvalidOperationException($"{mechanism.Name}: producer {p} sent {sent} items, consumers received {counts[p]} (sequence sum {sums[p]}, expected {sent * (sent - 1) / 2})");
                }
            }

            return (producers * perProducer / seconds, 0);
        }
        finally
        {
            foreach (var (process, _) in children)
            {
                Kill(process);
                process.Dispose();
            }
        }
    }

    private static Process Start(IThroughputMechanism mechanism, string role, int size, int id, int producers, long warmup, long items, int cpu, string argument)
    {
        var start = mechanism.StartChild(role, new ThroughputChild(size, id, producers, warmup, items, argument), cpu);
        start.RedirectStandardOutput = true;
        start.RedirectStandardInput = true;
        return Process.Start(start) ?? throw new InvalidOperationException("could not start a child process");
    }

    private static string ExitCode(Process child) =>
        child.HasExited ? "exit code " + child.ExitCode.ToString(CultureInfo.InvariantCulture) : "still running";

    private static void Kill(Process child)
    {
        try
        {
            if (!child.HasExited)
            {
                child.Kill();
                child.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static void RemoveLeftovers(string runId)
    {
        foreach (var leftover in Directory.EnumerateFiles("/dev/shm", runId + "*"))
        {
            File.Delete(leftover);
        }
    }
}

/// <summary>One row: a mechanism at an item size and topology, measured or failed.</summary>
/// <param name="Missed">For a broadcast row, the items its subscribers were told they missed, summed over them.</param>
internal sealed record ThroughputResult(string Mechanism, int Size, int Producers, int Consumers, long Items, double ItemsPerSecond, string? Error, long Missed);

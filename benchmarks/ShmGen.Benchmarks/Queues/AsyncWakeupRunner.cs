using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace ShmGen.Benchmarks.Queues;

/// <summary>
/// The <c>async</c> mode: how long a parked consumer takes to wake, from the producer's Enqueue (stamped with
/// Stopwatch, CLOCK_MONOTONIC, the same clock in both processes) to the consumer holding the item, for sync
/// <c>Dequeue</c> and for <c>DequeueAsync</c> (its continuation running on the thread pool); and the consumer process's
/// thread count with 1,000 pending <c>DequeueAsync</c> calls. The producer leaves a gap between items so the consumer is
/// parked (past its spin) every time: this measures wake-ups, not streaming.
/// </summary>
internal static class AsyncWakeupRunner
{
    private const int Pending = 1000;

    public static int Run(int samples, TimeSpan gap)
    {
        Console.WriteLine($"kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {Environment.ProcessorCount} CPUs, {samples} wake-ups per row, {gap.TotalMilliseconds} ms apart");
        Console.WriteLine();
        Console.WriteLine("| consumer | waiter | p50 µs | p99 µs | max µs |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: |");
        foreach (var (mode, waiter) in new[] { ("sync", "-"), ("async", "waitv"), ("async", "fallback") })
        {
            var line = RunChild(mode, waiter, samples, gap);
            var parts = line.Split(' ');
            Console.WriteLine($"| {(mode == "sync" ? "Dequeue" : "DequeueAsync")} | {waiter} | {parts[0]} | {parts[1]} | {parts[2]} |");
        }

        Console.WriteLine();
        Console.WriteLine("| waiter | threads before | threads with 1,000 pending DequeueAsync | most threads while they complete | all 1,000 done in ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var waiter in new[] { "waitv", "fallback" })
        {
            var parts = RunChild("pending", waiter, Pending, gap).Split(' ');
            Console.WriteLine($"| {waiter} | {parts[0]} | {parts[1]} | {parts[2]} | {parts[3]} |");
        }

        return 0;
    }

    /// <summary>Runs one row: this process produces, a child consumes and prints its result line.</summary>
    private static string RunChild(string mode, string waiter, int samples, TimeSpan gap)
    {
        var name = $"shmgen-bench-async-{Environment.ProcessId}-{mode}-{waiter}";
        using var queue = BenchItem8Queue.Create(new SegmentOptions { Name = name, UnlinkOnExit = true });
        try
        {
            var info = ChildProcess.StartInfo("async-child", mode, waiter, name, samples.ToString(CultureInfo.InvariantCulture));
            info.RedirectStandardOutput = true;
            using var child = Process.Start(info) ?? throw new InvalidOperationException("could not start the consumer");
            var ready = child.StandardOutput.ReadLine();
            if (ready != "ready")
            {
                throw new InvalidOperationException($"consumer said '{ready}'");
            }

            for (var i = 0; i < samples; i++)
            {
                if (mode != "pending")
                {
                    Thread.Sleep(gap);
                }

                queue.Enqueue(new BenchItem8 { Head = Stopwatch.GetTimestamp() });
            }

            var result = child.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the consumer printed nothing");
            child.WaitForExit();
            return result;
        }
        finally
        {
            queue.Unlink();
        }
    }

    /// <summary>The consumer: prints "ready", then "p50 p99 max" in microseconds (or the pending row's numbers).</summary>
    public static async Task<int> RunConsumer(string mode, string waiter, string name, int samples)
    {
        if (waiter == "fallback")
        {
            AppContext.SetData("ShmGen.Testing.AsyncWaiterFallback", "true");
        }

        using var queue = BenchItem8Queue.Open(new SegmentOptions { Name = name });
        if (mode == "pending")
        {
            var before = Threads();
            var calls = Enumerable.Range(0, samples).Select(_ => queue.DequeueAsync().AsTask()).ToArray();
            await Task.Delay(300).ConfigureAwait(false);
            var parked = Threads();
            Console.WriteLine("ready");
            var most = parked;
            var started = Stopwatch.GetTimestamp();
            var all = Task.WhenAll(calls);
            while (await Task.WhenAny(all, Task.Delay(10)).ConfigureAwait(false) != all)
            {
                most = Math.Max(most, Threads());
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            Console.WriteLine($"{before} {parked} {most} {elapsed.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture)}");
            return 0;
        }

        Console.WriteLine("ready");
        var latencies = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var item = mode == "sync" ? queue.Dequeue() : await queue.DequeueAsync().ConfigureAwait(false);
            latencies[i] = (Stopwatch.GetTimestamp() - item.Head) * 1_000_000.0 / Stopwatch.Frequency;
        }

        Array.Sort(latencies);
        string At(double quantile) => latencies[Math.Min(samples - 1, (int)(quantile * samples))].ToString("F1", CultureInfo.InvariantCulture);
        Console.WriteLine($"{At(0.5)} {At(0.99)} {latencies[^1].ToString("F1", CultureInfo.InvariantCulture)}");
        return 0;
    }

    private static int Threads()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                return int.Parse(line.AsSpan(8).Trim(), CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }
}

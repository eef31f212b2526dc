using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using ShmGen.Benchmarks.Native;

namespace ShmGen.Benchmarks.Snapshot;

/// <summary>The payload a collector keeps current and a monitor reads: 256 bytes, four cache lines.</summary>
[SharedSegment("shmgen-bench-snapshot")]
public unsafe partial struct MonitoredStatus
{
    /// <summary>How many updates the collector made: a snapshot whose value differs from the previous one is fresh.</summary>
    public long Updates;

    /// <summary>The readings.</summary>
    public fixed long Readings[31];
}

/// <summary>What the parent tells the monitor process to do (the monitor polls it with Snapshot).</summary>
[SharedSegment("shmgen-bench-snapshot-control")]
public partial struct SnapshotControl
{
    /// <summary>One of the <see cref="SnapshotRunner"/> phases.</summary>
    public int Phase;
}

/// <summary>
/// The <c>snapshot</c> mode: a collector (this process) doing Lock, two stores, Dispose as fast as it can, alone and while
/// a monitor process takes <c>Snapshot()</c> of the 256-byte payload flat out or paced at 100,000 a second; the two
/// processes pinned to different CPUs. Reports the collector's rate, its slowdown against alone, the monitor's reads per
/// second and how many were fresh (the collector had updated since the previous one); then the same monitor beside a
/// collector paced at 1,000,000 updates a second, a fast but not back-to-back writer. Rounds interleave the rows so
/// a change in machine load hits them alike; the table shows each row's median round.
/// </summary>
internal static class SnapshotRunner
{
    private const int Idle = 0;
    private const int FlatOut = 1;
    private const int Paced = 2;
    private const int Exit = 3;
    private const int SpinOnly = 4;
    private const int PacedPerSecond = 100_000;
    private const int PacedCollectorPerSecond = 1_000_000;

    public static int Run(TimeSpan window, int rounds)
    {
        var cpus = CpuAffinity.TwoAllowedCpus();
        var id = $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..20];
        using var status = MonitoredStatusSegment.Create(new SegmentOptions { Name = $"shmgen-bench-snapshot-{id}", UnlinkOnExit = true });
        using var control = SnapshotControlSegment.Create(new SegmentOptions { Name = $"shmgen-bench-snapctl-{id}", UnlinkOnExit = true });
        if (cpus is var (first, _))
        {
            CpuAffinity.PinCurrentThread(first);
        }

        var info = ChildProcess.StartInfo("snapshot-child", status.Name, control.Name, (cpus?.Second ?? -1).ToString(CultureInfo.InvariantCulture));
        info.RedirectStandardOutput = true;
        using var monitor = Process.Start(info) ?? throw new InvalidOperationException("could not start the monitor");
        try
        {
            Expect(monitor, "ready");
            Console.WriteLine(
                $"load average {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} CPUs, " +
                (cpus is var (a, b) ? $"collector on CPU {a}, monitor on CPU {b}" : "not pinned") +
                $"; {rounds} rounds of {window.TotalMilliseconds:F0} ms per row, median round shown");
            Console.WriteLine();

            var alone = new List<double>();
            var withFlatOut = new List<(double Writer, double Reads, double Fresh)>();
            var withPaced = new List<(double Writer, double Reads, double Fresh)>();
            var pacedCollector = new List<(double Writer, double Reads, double Fresh)>();
            var spinning = new List<(double Writer, double Reads, double Fresh)>();
            Collect(status, TimeSpan.FromMilliseconds(200));
            for (var round = 0; round < rounds; round++)
            {
                alone.Add(Collect(status, window));
                spinning.Add(WithMonitor(status, control, monitor, SpinOnly, window));
                withFlatOut.Add(WithMonitor(status, control, monitor, FlatOut, window));
                withPaced.Add(WithMonitor(status, control, monitor, Paced, window));
                pacedCollector.Add(WithMonitor(status, control, monitor, FlatOut, window, PacedCollectorPerSecond));
            }

            var baseline = Median(alone);
            Console.WriteLine("| collector | Lock+Dispose/s | vs alone | monitor Snapshot()/s | fresh snapshots |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
            Console.WriteLine($"| alone | {baseline:N0} | 1.00 | - | - |");
            Row("with the monitor process spinning, reading nothing (control)", spinning, baseline);
            Row("with a monitor taking Snapshot() flat out", withFlatOut, baseline);
            Row($"with a monitor taking {PacedPerSecond:N0} Snapshot()/s", withPaced, baseline);
            Console.WriteLine();
            Console.WriteLine($"A collector paced at {PacedCollectorPerSecond:N0} updates/s (one every {1e6 / PacedCollectorPerSecond:F0} us), the monitor flat out:");
            Console.WriteLine();
            Console.WriteLine("| collector | updates/s | monitor Snapshot()/s | fresh snapshots |");
            Console.WriteLine("| --- | ---: | ---: | ---: |");
            var paced = (
                Writer: Median(pacedCollector.Select(r => r.Writer).ToList()),
                Reads: Median(pacedCollector.Select(r => r.Reads).ToList()),
                Fresh: Median(pacedCollector.Select(r => r.Fresh).ToList()));
            Console.WriteLine($"| paced | {paced.Writer:N0} | {paced.Reads:N0} | {paced.Fresh:P1} |");
        }
        finally
        {
            SetPhase(control, Exit);
            monitor.WaitForExit(10_000);
            status.Unlink();
            control.Unlink();
        }

        return 0;
    }

    /// <summary>The monitor process: pins itself, then follows the phase, printing "reads fresh seconds" after each window.</summary>
    public static int RunChild(string statusName, string controlName, int cpu)
    {
        if (cpu >= 0)
        {
            CpuAffinity.PinCurrentThread(cpu);
        }

        using var status = MonitoredStatusSegment.Open(new SegmentOptions { Name = statusName });
        using var control = SnapshotControlSegment.Open(new SegmentOptions { Name = controlName });
        Console.WriteLine("ready");
        while (true)
        {
            var phase = control.Snapshot().Phase;
            if (phase == Exit)
            {
                return 0;
            }

            if (phase == Idle)
            {
                Thread.Sleep(1);
                continue;
            }

            Console.WriteLine("on");
            long reads = 0, fresh = 0, last = -1;
            var interval = Stopwatch.Frequency / PacedPerSecond;
            var started = Stopwatch.GetTimestamp();
            var next = started;
            while (control.Snapshot().Phase == phase)
            {
                for (var i = 0; i < 64; i++)
                {
                    if (phase == SpinOnly)
                    {
                        // The control: the other CPU busy without touching the segment, to tell what sharing the
                        // cache lines costs the collector from what a busy sibling CPU costs it.
                        Thread.SpinWait(10);
                        continue;
                    }

                    if (phase == Paced)
                    {
                        next += interval;
                        while (Stopwatch.GetTimestamp() < next)
                        {
                            Thread.SpinWait(1);
                        }
                    }

                    var copy = status.Snapshot();
                    reads++;
                    if (copy.Updates != last)
                    {
                        fresh++;
                        last = copy.Updates;
                    }
                }
            }

            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{reads} {fresh} {seconds:R}"));
        }
    }

    private static (double Writer, double Reads, double Fresh) WithMonitor(
        MonitoredStatusSegment status, SnapshotControlSegment control, Process monitor, int phase, TimeSpan window, int collectorPerSecond = 0)
    {
        SetPhase(control, phase);
        Expect(monitor, "on");
        var writer = Collect(status, window, collectorPerSecond);
        SetPhase(control, Idle);
        var parts = (monitor.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the monitor printed nothing")).Split(' ');
        var reads = double.Parse(parts[0], CultureInfo.InvariantCulture);
        var fresh = double.Parse(parts[1], CultureInfo.InvariantCulture);
        var seconds = double.Parse(parts[2], CultureInfo.InvariantCulture);
        return (writer, reads / seconds, reads == 0 ? 0 : fresh / reads);
    }

    /// <summary>Lock, two stores, Dispose, for <paramref name="window"/>, flat out or <paramref name="perSecond"/> times a
    /// second (0: flat out): updates per second.</summary>
    private static unsafe double Collect(MonitoredStatusSegment status, TimeSpan window, int perSecond = 0)
    {
        var end = Stopwatch.GetTimestamp() + (long)(window.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var interval = perSecond == 0 ? 0 : Stopwatch.Frequency / perSecond;
        var next = started;
        long updates = 0;
        while (true)
        {
            for (var i = 0; i < 1024; i++)
            {
                if (interval != 0)
                {
                    next += interval;
                    while (Stopwatch.GetTimestamp() < next)
                    {
                        Thread.SpinWait(1);
                    }
                }

                using var guard = status.Lock();
                var n = ++guard.Updates;
                guard.Readings[(int)(n % 31)] = n;
            }

            updates += 1024;
            var now = Stopwatch.GetTimestamp();
            if (now >= end)
            {
                return updates * (double)Stopwatch.Frequency / (now - started);
            }
        }
    }

    private static void SetPhase(SnapshotControlSegment control, int phase)
    {
        using var guard = control.Lock();
        guard.Phase = phase;
    }

    private static void Expect(Process monitor, string line)
    {
        var got = monitor.StandardOutput.ReadLine();
        if (got != line)
        {
            throw new InvalidOperationException($"the monitor said '{got}', expected '{line}'");
        }
    }

    private static void Row(string what, List<(double Writer, double Reads, double Fresh)> rounds, double baseline)
    {
        var writer = Median(rounds.Select(r => r.Writer).ToList());
        var reads = Median(rounds.Select(r => r.Reads).ToList());
        var fresh = Median(rounds.Select(r => r.Fresh).ToList());
        Console.WriteLine($"| {what} | {writer:N0} | {writer / baseline:F2} | {reads:N0} | {fresh:P1} |");
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}

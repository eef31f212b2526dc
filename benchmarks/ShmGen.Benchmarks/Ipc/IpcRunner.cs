using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using ShmGen.Benchmarks.Native;
using ShmGen.Benchmarks.NativePrograms;

namespace ShmGen.Benchmarks.Ipc;

/// <summary>The <c>ipc</c> mode: every mechanism at every size, then the markdown table and optionally the JSON.</summary>
internal static class IpcRunner
{
    public static readonly int[] DefaultSizes = [8, 64, 4096];

    public static int Run(bool quick, string? jsonPath, IReadOnlyList<string> mechanismNames, IReadOnlyList<int> sizes, int? roundTrips)
    {
        var measured = roundTrips ?? (quick ? 20_000 : 200_000);
        var warmup = Math.Max(2_000, measured / 10);
        var mechanisms = mechanismNames.Count == 0 ? IpcMechanisms.All : mechanismNames.Select(IpcMechanisms.Find).ToList();
        if (sizes.Any(s => s < Message.MinimumSize || s > Mechanisms.WaitNotifyChannel.MaxMessage))
        {
            Console.Error.WriteLine($"sizes must be in [{Message.MinimumSize}, {Mechanisms.WaitNotifyChannel.MaxMessage}]");
            return 2;
        }

        var cpus = CpuAffinity.TwoAllowedCpus() is var (first, second) ? new CpuPair(first, second) : null;
        var runId = $"shmgen-bench-{Environment.ProcessId}-{Guid.NewGuid():N}"[..36];
        var scratch = Directory.CreateTempSubdirectory("shmgen-bench-").FullName;
        void Cleanup(object? sender, EventArgs e) => RemoveScratch(scratch, runId);
        AppDomain.CurrentDomain.ProcessExit += Cleanup;
        Console.Error.WriteLine(
            $"ipc: {measured} round trips after {warmup} warm-up, sizes {string.Join("/", sizes)} bytes, " +
            (cpus is null ? "not pinned (fewer than two CPUs)" : $"parent on CPU {cpus.Parent}, child on CPU {cpus.Child}"));

        var results = new List<IpcResult>();
        var unavailable = new List<(string Mechanism, string Note)>();
        var total = Stopwatch.StartNew();
        try
        {
            foreach (var mechanism in mechanisms)
            {
                foreach (var size in sizes)
                {
                    // A fresh directory per row: a mechanism's files, FIFOs and sockets never meet the previous row's.
                    var rowScratch = Directory.CreateDirectory(Path.Combine(scratch, $"{mechanism.Name}-{size}")).FullName;
                    var settings = new IpcRunSettings(size, warmup, measured, rowScratch, $"{runId}-{size}-", cpus);
                    var watch = Stopwatch.StartNew();
                    try
                    {
                        var samples = mechanism.Measure(settings);
                        results.Add(new IpcResult(mechanism.Name, mechanism.Label, size, samples, null));
                        Console.Error.WriteLine(
                            $"  {mechanism.Name,-20} {size,5} B  p50 {samples.P50,9:N0} ns  p99 {samples.P99,9:N0} ns  ({watch.Elapsed.TotalSeconds:F1} s)");
                    }
                    catch (MechanismUnavailableException e)
                    {
                        // Nothing to gain from the other sizes: what is missing is missing for all of them.
                        unavailable.Add((mechanism.Name, e.Message));
                        Console.Error.WriteLine($"  {mechanism.Name,-20} skipped: {e.Message}");
                        break;
                    }
                    catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or System.Net.Sockets.SocketException or SharedSegmentException or UnauthorizedAccessException)
                    {
                        results.Add(new IpcResult(mechanism.Name, mechanism.Label, size, null, e.Message));
                        Console.Error.WriteLine($"  {mechanism.Name,-20} {size,5} B  FAILED: {e.Message}");
                    }
                }
            }
        }
        finally
        {
            AppDomain.CurrentDomain.ProcessExit -= Cleanup;
            RemoveScratch(scratch, runId);
        }

        Console.Error.WriteLine($"ipc: done in {total.Elapsed.TotalSeconds:F0} s");
        Console.WriteLine(IpcReport.Markdown(results, measured, unavailable));
        if (jsonPath is not null)
        {
            File.WriteAllText(jsonPath, IpcReport.Json(results));
            Console.Error.WriteLine($"ipc: wrote {jsonPath}");
        }

        return results.Any(r => r.Error is not null) ? 1 : 0;
    }

    /// <summary>The hidden <c>ipc-child</c> command: the child's end of one measurement.</summary>
    public static int RunChild(string mechanism, int size, long roundTrips, int cpu, string argument) =>
        IpcMechanisms.Find(mechanism) is ChildProcessMechanism childMechanism
            ? childMechanism.RunChild(size, roundTrips, cpu, argument)
            : throw new ArgumentException($"{mechanism} does not run a child");

    private static void RemoveScratch(string scratch, string runId)
    {
        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }

        foreach (var leftover in Directory.EnumerateFiles("/dev/shm", runId + "*"))
        {
            File.Delete(leftover);
        }
    }
}

/// <summary>One cell group of the table: a mechanism at a size, measured or failed.</summary>
internal sealed record IpcResult(string Mechanism, string Label, int Size, RoundTripSamples? Samples, string? Error);

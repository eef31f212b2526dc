using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>
/// The physical floor: benchmarks/native/c_spin.c, compiled with gcc -O2 at run time into the scratch directory (no
/// binary is ever committed), forks and spin ping-pongs through a shared mapping with acquire/release atomics. It writes
/// its raw round-trip times, and this class computes the same statistics as for every other row.
/// </summary>
internal sealed class CSpinMechanism : IIpcMechanism
{
    private string? _executable;

    public string Name => "c-spin";

    public RoundTripSamples Measure(IpcRunSettings settings)
    {
        _executable ??= Compile(settings.ScratchDirectory);
        var samplesPath = Path.Combine(settings.ScratchDirectory, "c-spin-samples.bin");
        var start = new ProcessStartInfo(_executable) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            settings.MessageSize, settings.WarmupRoundTrips, settings.RoundTrips, settings.Cpus?.Parent ?? -1, settings.Cpus?.Child ?? -1,
        })
        {
            start.ArgumentList.Add(argument.ToString(CultureInfo.InvariantCulture));
        }

        start.ArgumentList.Add(samplesPath);
        Run(start, "c_spin");

        var bytes = File.ReadAllBytes(samplesPath);
        File.Delete(samplesPath);
        var samples = new long[bytes.Length / sizeof(long)];
        Buffer.BlockCopy(bytes, 0, samples, 0, samples.Length * sizeof(long));
        if (samples.Length != settings.RoundTrips)
        {
            throw new InvalidOperationException($"c_spin wrote {samples.Length} samples, expected {settings.RoundTrips}");
        }

        return new RoundTripSamples(samples);
    }

    private static string Compile(string scratchDirectory)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "native", "c_spin.c");
        var output = Path.Combine(scratchDirectory, "c_spin");
        var gcc = new ProcessStartInfo("gcc") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in new[] { "-O2", "-std=gnu11", "-Wall", "-Werror", "-o", output, source })
        {
            gcc.ArgumentList.Add(argument);
        }

        Run(gcc, "gcc");
        return output;
    }

    private static void Run(ProcessStartInfo start, string what)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {what}");
        var errors = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill();
            throw new InvalidOperationException($"{what} did not finish");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed (exit code {process.ExitCode}): {errors.Trim()}");
        }
    }
}

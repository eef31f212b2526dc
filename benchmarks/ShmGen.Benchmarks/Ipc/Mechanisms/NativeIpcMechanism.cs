using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ShmGen.Benchmarks.NativePrograms;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>
/// A row measured by a program under benchmarks/native (the C floor and the C/C++ peers): the program forks, pins both
/// processes to the same CPUs as every other row and runs the same ping-pong (benchmarks/native/harness.h), writing its
/// raw round-trip times; this class computes the same statistics from them as for every other row.
/// </summary>
/// <param name="name">The row's name.</param>
/// <param name="program">The program; its daemon, if any, runs for the measurement only.</param>
/// <param name="extraArguments">What the program takes after the common arguments, per measurement.</param>
internal sealed class NativeIpcMechanism(string name, NativeProgram program, Func<IpcRunSettings, IEnumerable<string>>? extraArguments = null) : IIpcMechanism
{
    public string Name => name;

    public RoundTripSamples Measure(IpcRunSettings settings)
    {
        _ = program.Executable;
        var samplesPath = Path.Combine(settings.ScratchDirectory, $"{name}-samples.bin");
        using (program.StartDaemon())
        {
            program.Run(
                [
                    "ipc",
                    .. new long[] { settings.MessageSize, settings.WarmupRoundTrips, settings.RoundTrips, settings.Cpus?.Parent ?? -1, settings.Cpus?.Child ?? -1 }
                        .Select(n => n.ToString(CultureInfo.InvariantCulture)),
                    samplesPath,
                    .. extraArguments?.Invoke(settings) ?? [],
                ],
                TimeSpan.FromMinutes(10));
        }

        var bytes = File.ReadAllBytes(samplesPath);
        File.Delete(samplesPath);
        var samples = new long[bytes.Length / sizeof(long)];
        Buffer.BlockCopy(bytes, 0, samples, 0, samples.Length * sizeof(long));
        if (samples.Length != settings.RoundTrips)
        {
            throw new InvalidOperationException($"{program.Name} wrote {samples.Length} samples, expected {settings.RoundTrips}");
        }

        return new RoundTripSamples(samples);
    }
}

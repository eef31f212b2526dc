using System;
using System.Linq;

namespace ShmGen.Benchmarks.Ipc;

/// <summary>Measured round-trip times of one mechanism at one message size, and the statistics the table shows.</summary>
internal sealed class RoundTripSamples
{
    private readonly long[] _sortedNanoseconds;

    public RoundTripSamples(long[] nanoseconds)
    {
        if (nanoseconds.Length == 0)
        {
            throw new ArgumentException("no round trips were measured", nameof(nanoseconds));
        }

        _sortedNanoseconds = (long[])nanoseconds.Clone();
        Array.Sort(_sortedNanoseconds);
    }

    public int Count => _sortedNanoseconds.Length;

    public long P50 => Percentile(0.50);

    public long P99 => Percentile(0.99);

    public long P999 => Percentile(0.999);

    /// <summary>One-way messages per second: two per round trip, over the summed round-trip time.</summary>
    public double MessagesPerSecond => 2.0 * Count * 1e9 / _sortedNanoseconds.Sum(x => (double)x);

    /// <summary>Nearest-rank percentile.</summary>
    public long Percentile(double quantile)
    {
        var rank = (int)Math.Ceiling(quantile * Count);
        return _sortedNanoseconds[Math.Clamp(rank, 1, Count) - 1];
    }
}

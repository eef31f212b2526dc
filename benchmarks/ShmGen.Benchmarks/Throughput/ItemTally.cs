using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;

namespace ShmGen.Benchmarks.Throughput;

/// <summary>
/// A consumer's record of what it received: per producer, how many items and the sum of their sequence numbers, and a
/// check that each producer's items arrive in increasing order. The parent adds the consumers' tallies and requires
/// every producer's count and sum to be exact: nothing lost, nothing twice.
/// </summary>
/// <param name="producers">How many producers stamp items.</param>
/// <param name="measuredFrom">The first measured sequence number (the producers' warm-up count): a topic subscriber
/// that was lapped during the warm-up may have received fewer warm-up items than were sent, so its measured items are
/// counted, not derived.</param>
internal sealed class ItemTally(int producers, long measuredFrom)
{
    private readonly long[] _counts = new long[producers];
    private readonly long[] _sums = new long[producers];
    private readonly long[] _last = Enumerable.Repeat(-1L, producers).ToArray();

    /// <summary>When the stop item arrived: right behind its producer's last item, so no clock read per item.</summary>
    public long End { get; private set; }

    /// <summary>Records one stamp; <see langword="false"/> for the stop item.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Add(long stamp)
    {
        if (stamp == ThroughputChild.Stop)
        {
            return false;
        }

        var producer = ThroughputChild.ProducerOf(stamp);
        var sequence = ThroughputChild.SequenceOf(stamp);
        if ((uint)producer >= (uint)_counts.Length || sequence <= _last[producer])
        {
            Throw(stamp, producer);
        }

        _last[producer] = sequence;
        _counts[producer]++;
        _sums[producer] += sequence;
        if (sequence >= measuredFrom)
        {
            Measured++;
        }

        return true;
    }

    /// <summary>Items the consumer was told it missed (a topic subscriber's <c>Missed</c>); 0 for queues and streams.</summary>
    public long Missed { get; set; }

    /// <summary>Items received with a sequence number at or past <c>measuredFrom</c>, over all producers.</summary>
    public long Measured { get; private set; }

    public void MarkEnd() => End = Stopwatch.GetTimestamp();

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"end={End} counts={string.Join(',', _counts)} sums={string.Join(',', _sums)} missed={Missed} measured={Measured}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Throw(long stamp, int producer) => throw new InvalidOperationException(
        (uint)producer >= (uint)_counts.Length
            ? $"item {stamp}: no producer {producer}"
            : $"producer {producer}'s item {ThroughputChild.SequenceOf(stamp)} arrived after its item {_last[producer]}");
}

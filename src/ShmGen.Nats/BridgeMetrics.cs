using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace ShmGen.Nats;

/// <summary>
/// The bridges' instruments on the <c>ShmGen</c> Meter (the runtime's meter name, so one listener sees both). Every
/// measurement is tagged <c>shmgen.bridge</c> (queue or topic), <c>shmgen.direction</c> (to-nats or from-nats) and
/// <c>shmgen.name</c> (stream or subject).
/// <list type="bullet">
/// <item><c>shmgen.bridge.forwarded</c>: items moved (published and acknowledged by NATS, or put into the local queue).</item>
/// <item><c>shmgen.bridge.rejected</c>: messages refused, tagged <c>shmgen.reason</c>: <c>layout</c> (another fingerprint) or
/// <c>malformed</c> (not a bridge message).</item>
/// <item><c>shmgen.bridge.duplicates</c>: redelivered JetStream messages the destination ledger recognized and dropped.</item>
/// <item><c>shmgen.bridge.possible_duplicates</c>: redeliveries too old for the ledger to judge, delivered again.</item>
/// <item><c>shmgen.bridge.missed</c>: topic items that never arrived (gaps in the sender's sequence).</item>
/// <item><c>shmgen.bridge.lag</c>: seconds from the sending bridge taking the item to the receiving bridge putting it
/// (across hosts this includes their clock difference).</item>
/// </list>
/// </summary>
internal sealed class BridgeMetrics
{
    public const string MeterName = "ShmGen";

    private static readonly Meter s_meter = new(MeterName);
    private static readonly Counter<long> s_forwarded = s_meter.CreateCounter<long>("shmgen.bridge.forwarded", "{item}", "Items a bridge moved.");
    private static readonly Counter<long> s_rejected = s_meter.CreateCounter<long>("shmgen.bridge.rejected", "{message}", "Messages a bridge refused.");
    private static readonly Counter<long> s_duplicates = s_meter.CreateCounter<long>("shmgen.bridge.duplicates", "{message}", "Redelivered messages dropped as already delivered.");
    private static readonly Counter<long> s_possibleDuplicates = s_meter.CreateCounter<long>("shmgen.bridge.possible_duplicates", "{message}", "Redeliveries too old for the ledger to judge, delivered again.");
    private static readonly Counter<long> s_missed = s_meter.CreateCounter<long>("shmgen.bridge.missed", "{item}", "Topic items that never arrived.");
    private static readonly Histogram<double> s_lag = s_meter.CreateHistogram<double>("shmgen.bridge.lag", "s", "From the sending bridge taking an item to the receiving bridge putting it.");

    private readonly KeyValuePair<string, object?>[] _tags;
    private readonly KeyValuePair<string, object?>[] _layoutTags;
    private readonly KeyValuePair<string, object?>[] _malformedTags;

    public BridgeMetrics(string bridge, string direction, string name)
    {
        _tags = [new("shmgen.bridge", bridge), new("shmgen.direction", direction), new("shmgen.name", name)];
        _layoutTags = [.. _tags, new("shmgen.reason", "layout")];
        _malformedTags = [.. _tags, new("shmgen.reason", "malformed")];
    }

    public void Forwarded(long count = 1)
    {
        if (s_forwarded.Enabled)
        {
            s_forwarded.Add(count, _tags);
        }
    }

    public void Rejected(SharedSegmentException reason) =>
        s_rejected.Add(1, reason is SegmentLayoutMismatchException ? _layoutTags : _malformedTags);

    public void Duplicate() => s_duplicates.Add(1, _tags);

    public void PossibleDuplicate() => s_possibleDuplicates.Add(1, _tags);

    public void Missed(long count) => s_missed.Add(count, _tags);

    public void Lag(long sentAtTicks)
    {
        if (s_lag.Enabled && sentAtTicks > 0)
        {
            s_lag.Record(TimeSpan.FromTicks(DateTime.UtcNow.Ticks - sentAtTicks).TotalSeconds, _tags);
        }
    }
}

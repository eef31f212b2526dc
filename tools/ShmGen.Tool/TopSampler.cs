using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using ShmGen.Inspection;

namespace ShmGen.Tool;

/// <summary>One refresh of <c>shmgen top</c>: every ShmGen segment and queue, with rates since the previous refresh.</summary>
/// <param name="Time">When the sample was taken (UTC, ISO 8601).</param>
/// <param name="IntervalSeconds">Seconds since the previous sample; <see langword="null"/> on the first, which has no rates.</param>
/// <param name="Segments">One row per segment or queue, by name.</param>
internal sealed record TopFrame(string Time, double? IntervalSeconds, IReadOnlyList<TopRow> Segments);

/// <summary>One segment or queue in a <see cref="TopFrame"/>.</summary>
/// <param name="Name">The POSIX name without '/'.</param>
/// <param name="Kind">"segment" or "queue" (null when the header could not be read).</param>
/// <param name="TypeName">The C# type it was created for.</param>
/// <param name="FileSize">Bytes in /dev/shm.</param>
/// <param name="State">"alive" (its creator runs or a process maps it), "stale" (gc would remove it), "initializing" or "corrupted".</param>
/// <param name="Lock">Who holds the lock.</param>
/// <param name="Queue">A queue's capacity and depth.</param>
/// <param name="Topic">A topic's capacity and publish count.</param>
/// <param name="EnqueuedPerSecond">A queue's items enqueued per second since the previous refresh.</param>
/// <param name="DequeuedPerSecond">A queue's items dequeued per second since the previous refresh.</param>
/// <param name="PublishedPerSecond">A topic's items published per second since the previous refresh.</param>
/// <param name="FieldChangesPerSecond">A segment's fields that changed value, per second since the previous refresh.</param>
/// <param name="MappedBy">The pids that map it (those this user may see).</param>
internal sealed record TopRow(
    string Name,
    string? Kind,
    string? TypeName,
    long FileSize,
    string State,
    LockReport? Lock,
    QueueReport? Queue,
    TopicReport? Topic,
    double? EnqueuedPerSecond,
    double? DequeuedPerSecond,
    double? PublishedPerSecond,
    double? FieldChangesPerSecond,
    IReadOnlyList<int> MappedBy);

/// <summary>
/// Takes the samples of <c>shmgen top</c> and turns the difference between two into rates: a queue's enqueue and dequeue
/// positions count items, a segment's decoded field values show what changed. Everything is read with pread, never
/// mapped, so watching changes nothing.
/// </summary>
internal sealed class TopSampler(Func<string, bool>? filter)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Dictionary<string, SegmentInfo> _previous = new(StringComparer.Ordinal);
    private TimeSpan _previousTime;
    private bool _first = true;

    public TopFrame Sample()
    {
        var segments = SegmentInspector.List(filter, includeValues: true).Where(s => s.IsShmGenSegment).ToList();
        var now = _clock.Elapsed;
        double? seconds = _first ? null : Math.Max((now - _previousTime).TotalSeconds, 1e-3);
        var rows = segments.Select(s => Row(s, _previous.GetValueOrDefault(s.Name), seconds)).ToList();
        _previous = segments.ToDictionary(s => s.Name, StringComparer.Ordinal);
        _previousTime = now;
        _first = false;
        return new TopFrame(DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture), seconds, rows);
    }

    private static TopRow Row(SegmentInfo s, SegmentInfo? before, double? seconds)
    {
        double? enqueued = null, dequeued = null, published = null, changes = null;
        if (seconds is { } dt && before is not null && before.CreatorProcessId == s.CreatorProcessId)
        {
            if (s.Queue is { } q && before.Queue is { } p)
            {
                // Signed differences, as the ring compares positions; a negative one means the name was recreated.
                var inDelta = (int)(q.EnqueuePosition - p.EnqueuePosition);
                var outDelta = (int)(q.DequeuePosition - p.DequeuePosition);
                if (inDelta >= 0 && outDelta >= 0)
                {
                    (enqueued, dequeued) = (inDelta / dt, outDelta / dt);
                }
            }
            else if (s.Topic is { } t && before.Topic is { } b && t.NextSequence >= b.NextSequence)
            {
                published = (t.NextSequence - b.NextSequence) / dt;
            }
            else if (s.Values is { } values && before.Values is { } old && values.Count == old.Count)
            {
                changes = values.Zip(old).Count(pair => pair.First.Value != pair.Second.Value) / dt;
            }
        }

        var state = s.IsStale ? "stale" : s.Status switch
        {
            SegmentStatus.Initializing => "initializing",
            SegmentStatus.Corrupted => "corrupted",
            _ when s.CreatorAlive || s.InUse == true => "alive",
            _ => "unused",
        };
        return new TopRow(
            s.Name,
            s.Kind?.ToString().ToLowerInvariant(),
            s.TypeName,
            s.FileSize,
            state,
            JsonOutput.Lock(s.Lock),
            s.Queue is { } queue ? new QueueReport(queue.Capacity, queue.Count) : null,
            s.Topic is { } topic ? new TopicReport(topic.Capacity, topic.NextSequence, topic.NextSequence - 1) : null,
            enqueued,
            dequeued,
            published,
            changes,
            s.MappedBy ?? []);
    }
}

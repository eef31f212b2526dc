using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using ShmGen.Runtime.Locking;

namespace ShmGen.Runtime;

/// <summary>A queue whose depth the <c>shmgen.queue.depth</c> gauge reports while it is open.</summary>
internal interface IObservedQueue
{
    /// <summary>The queue's POSIX name, the tag of its measurements.</summary>
    string Name { get; }

    /// <summary>The current depth; <see langword="false"/> once the queue is disposed.</summary>
    bool TryReadDepth(out int depth);
}

/// <summary>
/// The runtime's instruments on the <c>ShmGen</c> <see cref="Meter"/> (docs/architecture.md, "Metrics"), named by
/// OpenTelemetry's conventions; every measurement carries the segment's, queue's or topic's name as
/// <see cref="NameTag"/>. With no listener each call site costs one load and one branch on <c>Enabled</c>: nothing reads a
/// clock or builds a tag, and the uncontended lock path has no call site at all (only a contended wait records).
/// </summary>
internal static class ShmGenMetrics
{
    /// <summary>The meter's name, shared with the NATS bridges' instruments (<c>dotnet-counters monitor --counters ShmGen</c>).</summary>
    public const string MeterName = "ShmGen";

    /// <summary>The tag naming the segment, queue or topic a measurement is about (its POSIX name without '/').</summary>
    public const string NameTag = "shmgen.segment.name";

    private static readonly Meter s_meter = new(MeterName, typeof(ShmGenMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Seconds a contended Lock waited until it acquired (only waits whose first attempt found the lock taken).</summary>
    public static readonly Histogram<double> LockWaitDuration = s_meter.CreateHistogram<double>(
        "shmgen.lock.wait.duration", "s", "How long a Lock that found the lock taken waited until it acquired it.");

    /// <summary>Acquisitions whose first attempt found the lock taken.</summary>
    public static readonly Counter<long> LockContended = s_meter.CreateCounter<long>(
        "shmgen.lock.contended", "{acquisition}", "Lock acquisitions that found the lock taken and waited.");

    /// <summary>Acquisitions that took the lock over from a holder that died holding it (<c>WasAbandoned</c>).</summary>
    public static readonly Counter<long> LockAbandoned = s_meter.CreateCounter<long>(
        "shmgen.lock.abandoned", "{acquisition}", "Locks taken over from a holder that died holding them.");

    /// <summary>Lock waits that ran out of time (TimeoutException, or TryLock returning false).</summary>
    public static readonly Counter<long> LockTimeouts = s_meter.CreateCounter<long>(
        "shmgen.lock.timeouts", "{wait}", "Lock waits that ran out of time.");

    /// <summary>Items put into a queue by this process.</summary>
    public static readonly Counter<long> QueueEnqueued = s_meter.CreateCounter<long>(
        "shmgen.queue.enqueued", "{item}", "Items this process put into a queue.");

    /// <summary>Items taken from a queue by this process.</summary>
    public static readonly Counter<long> QueueDequeued = s_meter.CreateCounter<long>(
        "shmgen.queue.dequeued", "{item}", "Items this process took from a queue.");

    /// <summary>Enqueue calls that found the queue full and had to wait (or gave up, with a zero timeout).</summary>
    public static readonly Counter<long> QueueFullWaits = s_meter.CreateCounter<long>(
        "shmgen.queue.full_waits", "{wait}", "Enqueue calls that found the queue full and waited.");

    /// <summary>Dequeue calls that found the queue empty and had to wait (or gave up, with a zero timeout).</summary>
    public static readonly Counter<long> QueueEmptyWaits = s_meter.CreateCounter<long>(
        "shmgen.queue.empty_waits", "{wait}", "Dequeue calls that found the queue empty and waited.");

    /// <summary>Items published to a topic by this process.</summary>
    public static readonly Counter<long> TopicPublished = s_meter.CreateCounter<long>(
        "shmgen.topic.published", "{item}", "Items this process published to a topic.");

    /// <summary>Items this process's subscribers lost: overwritten before they read them, or never completed.</summary>
    public static readonly Counter<long> TopicMissed = s_meter.CreateCounter<long>(
        "shmgen.topic.missed", "{item}", "Items a subscriber of this process lost (overwritten before it read them).");

    private static readonly object s_queuesGate = new();

    // Weak, so a queue its owner forgot to dispose is still collected; Dispose removes its entry at once.
    private static readonly List<WeakReference<IObservedQueue>> s_queues = [];

    /// <summary>The depth of every queue this process has open (one measurement per name).</summary>
    public static readonly ObservableGauge<int> QueueDepth = s_meter.CreateObservableGauge(
        "shmgen.queue.depth", ObserveQueueDepths, "{item}", "Items in a queue this process has open.");

    /// <summary>Before a contended lock wait: the start time when the wait histogram is listened to, else 0 (no clock read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long LockWaitStarting() => LockWaitDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>After a contended lock wait that <see cref="LockWaitStarting"/> began.</summary>
    public static void LockWaitEnded(string segmentName, long started, LockAcquisition result)
    {
        var tag = Tag(segmentName);
        if (result == LockAcquisition.TimedOut)
        {
            if (LockTimeouts.Enabled)
            {
                LockTimeouts.Add(1, tag);
            }

            return;
        }

        if (LockContended.Enabled)
        {
            LockContended.Add(1, tag);
        }

        if (result == LockAcquisition.AcquiredAbandoned && LockAbandoned.Enabled)
        {
            LockAbandoned.Add(1, tag);
        }

        if (started != 0 && LockWaitDuration.Enabled)
        {
            LockWaitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);
        }
    }

    /// <summary>Adds one to <paramref name="counter"/> for <paramref name="mapping"/>'s name, when anyone listens: the
    /// queue and topic hot paths call this, so without a listener it is a load and a branch (the name is read only
    /// behind it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CountOne(Counter<long> counter, SegmentMapping mapping)
    {
        if (counter.Enabled)
        {
            Add(counter, 1, mapping.Name);
        }
    }

    /// <summary>Adds <paramref name="count"/> to <paramref name="counter"/> for <paramref name="name"/>, when anyone listens.</summary>
    public static void Count(Counter<long> counter, long count, string name)
    {
        if (counter.Enabled && count > 0)
        {
            Add(counter, count, name);
        }
    }

    /// <summary>Includes an open queue in the depth gauge until <see cref="ForgetQueue"/>.</summary>
    public static void TrackQueue(IObservedQueue queue)
    {
        lock (s_queuesGate)
        {
            s_queues.RemoveAll(static entry => !entry.TryGetTarget(out _));
            s_queues.Add(new WeakReference<IObservedQueue>(queue));
        }
    }

    /// <summary>Removes a disposed queue from the depth gauge.</summary>
    public static void ForgetQueue(IObservedQueue queue)
    {
        lock (s_queuesGate)
        {
            s_queues.RemoveAll(entry => !entry.TryGetTarget(out var target) || ReferenceEquals(target, queue));
        }
    }

    /// <summary>How many queues the depth gauge would look at (tests: a disposed queue must not stay registered).</summary>
    internal static int TrackedQueueCount(string name)
    {
        var count = 0;
        lock (s_queuesGate)
        {
            foreach (var entry in s_queues)
            {
                if (entry.TryGetTarget(out var queue) && queue.Name == name)
                {
                    count++;
                }
            }
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Add(Counter<long> counter, long count, string name) => counter.Add(count, Tag(name));

    private static KeyValuePair<string, object?> Tag(string name) => new(NameTag, name);

    private static List<Measurement<int>> ObserveQueueDepths()
    {
        List<IObservedQueue> open = [];
        lock (s_queuesGate)
        {
            foreach (var entry in s_queues)
            {
                if (entry.TryGetTarget(out var queue))
                {
                    open.Add(queue);
                }
            }
        }

        // Outside the gate: reading a depth takes the mapping's reference, and a Dispose on another thread must not wait
        // for a listener. Two handles of one queue report it once.
        var seen = new HashSet<string>();
        var measurements = new List<Measurement<int>>(open.Count);
        foreach (var queue in open)
        {
            if (!seen.Contains(queue.Name) && queue.TryReadDepth(out var depth))
            {
                seen.Add(queue.Name);
                measurements.Add(new Measurement<int>(depth, Tag(queue.Name)));
            }
        }

        return measurements;
    }
}

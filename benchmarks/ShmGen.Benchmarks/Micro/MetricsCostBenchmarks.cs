using System;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using ShmGen.Benchmarks.Queues;

namespace ShmGen.Benchmarks.Micro;

/// <summary>
/// What the ShmGen meter's instruments cost on the hot paths: an uncontended <c>Lock()</c> + <c>Guard.Dispose()</c> and an
/// <c>Enqueue</c> + <c>Dequeue</c> of an 8-byte item on one thread, with nobody listening (<see cref="Listener"/> false)
/// and with a <see cref="MeterListener"/> that receives every measurement (true). The uncontended lock records nothing
/// either way; the queue counts one enqueue and one dequeue per call pair. Only the public API is used, so the same file
/// measures a build from before the metrics (README, "Micro benchmarks").
/// </summary>
[MemoryDiagnoser]
public class MetricsCostBenchmarks
{
    private MicroCountersSegment _segment = null!;
    private BenchItem8Queue _queue = null!;
    private MeterListener? _listener;
    private long _measurements;

    /// <summary>Whether a MeterListener subscribes to the ShmGen meter.</summary>
    [Params(false, true)]
    public bool Listener { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _segment = MicroCountersSegment.Create(new SegmentOptions { Name = MicroNames.Unique("mlock") });
        _queue = BenchItem8Queue.Create(new SegmentOptions { Name = MicroNames.Unique("mqueue") });
        if (Listener)
        {
            _listener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == "ShmGen")
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => _measurements += value);
            _listener.SetMeasurementEventCallback<double>((_, _, _, _) => _measurements++);
            _listener.Start();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener?.Dispose();
        _segment.Unlink();
        _segment.Dispose();
        _queue.Unlink();
        _queue.Dispose();
        GC.KeepAlive(_measurements);
    }

    [Benchmark]
    public long LockDispose()
    {
        using var guard = _segment.Lock();
        return guard.A;
    }

    [Benchmark]
    public long EnqueueDequeue()
    {
        _queue.Enqueue(new BenchItem8 { Head = 1 });
        return _queue.Dequeue().Head;
    }
}

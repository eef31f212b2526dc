using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;

namespace ShmGen.Testing;

/// <summary>
/// Listens to the <c>ShmGen</c> meter with a <see cref="MeterListener"/> and keeps the measurements tagged with one
/// segment, queue or topic name (<c>shmgen.segment.name</c>): tests run in parallel, and every other test's traffic on
/// the same instruments is ignored.
/// </summary>
internal sealed class MetricRecorder : IDisposable
{
    public const string MeterName = "ShmGen";
    public const string NameTag = "shmgen.segment.name";

    private readonly string _name;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value)> _measurements = new();
    private readonly ConcurrentDictionary<string, Instrument> _instruments = new();

    public MetricRecorder(string name)
    {
        _name = name;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName)
            {
                _instruments[instrument.Name] = instrument;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Every value recorded so far on <paramref name="instrument"/> for this name, in order.</summary>
    public IReadOnlyList<double> Values(string instrument) =>
        _measurements.Where(m => m.Instrument == instrument).Select(m => m.Value).ToList();

    /// <summary>The sum of a counter's measurements for this name.</summary>
    public long Sum(string instrument) => (long)Values(instrument).Sum();

    /// <summary>Polls the observable instruments (the queue depth gauge) and returns what <paramref name="instrument"/>
    /// reported for this name in that poll.</summary>
    public IReadOnlyList<double> Observe(string instrument)
    {
        var before = Values(instrument).Count;
        _listener.RecordObservableInstruments();
        return Values(instrument).Skip(before).ToList();
    }

    /// <summary>The instrument's unit, as published (null when it never was).</summary>
    public string? Unit(string instrument) => _instruments.TryGetValue(instrument, out var found) ? found.Unit : null;

    /// <summary>Every measurement seen for this name, for failure messages.</summary>
    public string Describe() => string.Join(", ", _measurements.Select(m => $"{m.Instrument}={m.Value}"));

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == NameTag && tag.Value as string == _name)
            {
                _measurements.Enqueue((instrument.Name, value));
                return;
            }
        }
    }
}

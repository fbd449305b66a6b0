using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace TradingBot.TestLedger;

/// <summary>One measurement: the instrument's name and unit, its value and its tags.</summary>
public sealed record Measurement(string Instrument, string? Unit, long Value, IReadOnlyDictionary<string, object?> Tags);

/// <summary>
/// Reads the instruments of one <see cref="Meter"/> instance with a <see cref="MeterListener"/>, as a collector would:
/// another test's meter of the same name is not heard.
/// </summary>
public sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public MeterRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Every measurement of <paramref name="instrument"/> so far.</summary>
    public IReadOnlyList<Measurement> Of(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument)];

    /// <summary>The sum of a counter's measurements.</summary>
    public long Sum(string instrument) => Of(instrument).Sum(m => m.Value);

    /// <summary>An observable instrument's value now.</summary>
    public long Observe(string instrument)
    {
        var before = Of(instrument).Count;
        _listener.RecordObservableInstruments();
        var after = Of(instrument);
        return after.Count > before ? after[^1].Value : throw new InvalidOperationException($"{instrument} was not observed");
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue(new Measurement(instrument.Name, instrument.Unit, value, copy));
    }
}

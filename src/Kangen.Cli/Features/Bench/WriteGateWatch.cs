using System.Diagnostics.Metrics;
using Kangen.Platform.Observability;
using Kangen.Platform.Storage;

namespace Kangen.Cli.Features.Bench;

/// <summary>
/// What the write gate did between two readings (entries, seconds held and waited in total), and the group commits
/// (groups, and the requests they handled, every writer together).
/// </summary>
internal readonly record struct WriteGateTally(long Entries, double HeldSeconds, double WaitSeconds, long Groups, long Grouped)
{
    public static WriteGateTally operator -(WriteGateTally after, WriteGateTally before) =>
        new(after.Entries - before.Entries, after.HeldSeconds - before.HeldSeconds, after.WaitSeconds - before.WaitSeconds,
            after.Groups - before.Groups, after.Grouped - before.Grouped);
}

/// <summary>
/// Listens to the SQLite write gate of one hosted platform (<see cref="WriteGate.HeldInstrument"/>): every write is
/// serial inside it, so the time it is held per request is the bound of the write rate, and the share of a phase it was
/// held says how saturated the writer was. Reads the platform's own instruments, as an operator's OpenTelemetry
/// collector would, and only that platform's: other hosts in the process (tests) record on meters of the same name.
/// </summary>
internal sealed class WriteGateWatch : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private WriteGateTally _tally;

    /// <param name="meters">The platform's meter factory (its meters' scope).</param>
    public WriteGateWatch(IMeterFactory meters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Meter.Name == PlatformMetrics.MeterName
                && instrument.Name is WriteGate.HeldInstrument or WriteGate.WaitInstrument or PlatformMetrics.GroupSizeInstrument)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((instrument, seconds, _, _) =>
        {
            lock (_gate)
            {
                _tally = instrument.Name == WriteGate.HeldInstrument
                    ? _tally with { Entries = _tally.Entries + 1, HeldSeconds = _tally.HeldSeconds + seconds }
                    : _tally with { WaitSeconds = _tally.WaitSeconds + seconds };
            }
        });
        _listener.SetMeasurementEventCallback<int>((_, requests, _, _) =>
        {
            lock (_gate)
                _tally = _tally with { Groups = _tally.Groups + 1, Grouped = _tally.Grouped + requests };
        });
        _listener.Start();
    }

    /// <summary>Everything recorded so far.</summary>
    public WriteGateTally Read()
    {
        lock (_gate)
            return _tally;
    }

    public void Dispose() => _listener.Dispose();
}

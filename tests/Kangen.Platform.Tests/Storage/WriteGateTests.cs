using System.Diagnostics.Metrics;
using Kangen.Platform.Observability;
using Kangen.Platform.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Storage;

/// <summary>The SQLite write gate: one writer at a time, and how long each waited and held it on the platform's meter.</summary>
public class WriteGateTests
{
    [Fact]
    public async Task The_gate_records_how_long_a_writer_held_it_and_how_long_the_next_one_waited()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var time = new FakeTimeProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var gate = new WriteGate(StorageProvider.Sqlite, time, meters);
        var recorded = new List<(string Instrument, double Seconds)>();
        using var listener = Listen(meters, recorded);

        var first = await gate.EnterAsync(default);
        var second = gate.EnterAsync(default).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.False(second.IsCompleted);
        first.Dispose();
        (await second).Dispose();

        // The gate is released before its hold is recorded, so the waiter's record may come first: compared in order.
        Assert.Equal([(WriteGate.HeldInstrument, 0), (WriteGate.HeldInstrument, 0.04), (WriteGate.WaitInstrument, 0), (WriteGate.WaitInstrument, 0.04)],
            recorded.Select(r => (r.Instrument, Math.Round(r.Seconds, 6))).Order().ToArray());
    }

    [Fact]
    public async Task On_postgres_there_is_no_gate_and_nothing_is_recorded()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var gate = new WriteGate(StorageProvider.Postgres, new FakeTimeProvider(), meters);
        var recorded = new List<(string Instrument, double Seconds)>();
        using var listener = Listen(meters, recorded);

        using (await gate.EnterAsync(default))
        using (await gate.EnterAsync(default))
        {
        }

        Assert.Empty(recorded);
    }

    /// <summary>Listens to this test's meters only: platforms of other tests record on meters of the same name at the same time.</summary>
    private static MeterListener Listen(IMeterFactory meters, List<(string, double)> recorded)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Meter.Name == PlatformMetrics.MeterName && instrument.Name.StartsWith("kangen.storage.write_gate.", StringComparison.Ordinal))
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            lock (recorded)
                recorded.Add((instrument.Name, value));
        });
        listener.Start();
        return listener;
    }
}

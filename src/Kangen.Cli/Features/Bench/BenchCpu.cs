using System.Globalization;

namespace Kangen.Cli.Features.Bench;

/// <summary>
/// Processor time at one instant: the bench process's own (platform and load generator, every thread) and, on Linux,
/// the whole machine's busy and total time from <c>/proc/stat</c> (every process: a PostgreSQL server on the same
/// cores included); and the bytes the process has allocated on the managed heap so far.
/// </summary>
internal readonly record struct CpuReading(TimeSpan Process, long? MachineBusy, long? MachineTotal, long Allocated)
{
    /// <summary>Reads them now.</summary>
    public static CpuReading Now()
    {
        var (busy, total) = Machine();
        return new CpuReading(Environment.CpuUsage.TotalTime, busy, total, GC.GetTotalAllocatedBytes());
    }

    // The first line of /proc/stat: "cpu user nice system idle iowait irq softirq steal guest guest_nice", in clock
    // ticks since boot. Idle and iowait are the time no process ran; guest time is already counted in user.
    private static (long? Busy, long? Total) Machine()
    {
        try
        {
            using var stat = new StreamReader("/proc/stat");
            var fields = stat.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is not { Length: >= 8 } || fields[0] != "cpu")
                return (null, null);
            var ticks = fields.Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var total = ticks.Sum();
            return (total - ticks[3] - ticks[4], total);
        }
        // Not Linux, or no procfs: the machine's figure is left out.
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return (null, null);
        }
    }
}

/// <summary>
/// The processor figures of a measured phase (<see cref="BenchPhase.Start"/> to <see cref="BenchPhase.End"/>): whether
/// the phase was bound by the machine's cores rather than by a writer, a lock or the disk. Near 100 % of the machine
/// busy, making one part of the work shorter only helps if it also takes less processor time. And the managed
/// allocations per request, which the garbage collector's share of that time follows.
/// </summary>
internal static class BenchCpu
{
    /// <summary>The figures of <paramref name="phase"/>; none for a phase that recorded no request or took no time.</summary>
    public static IReadOnlyList<BenchFigure> Figures(BenchPhase phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        var (before, after) = (phase.CpuAtStart, phase.CpuAtEnd);
        var requests = phase.Requests;
        var wall = phase.Duration.TotalSeconds;
        if (requests == 0 || wall <= 0)
            return [];
        var process = (after.Process - before.Process).TotalSeconds;
        var figures = new List<BenchFigure>
        {
            new($"processor time per request ({phase.Name})", Math.Round(process / requests * 1000, 3), "ms",
                "The bench process's processor time (platform and load generator, every thread) over the phase, per request it recorded"),
            new($"process processor use ({phase.Name})", Math.Round(100 * process / (wall * Environment.ProcessorCount), 1), "%",
                $"The bench process's processor time over the phase, as a share of the machine's {Environment.ProcessorCount} cores for its wall time"),
            new($"allocated per request ({phase.Name})", Math.Round((after.Allocated - before.Allocated) / 1024.0 / requests, 1), "KiB",
                "Bytes the bench process allocated on the managed heap over the phase (platform and load generator), per request it recorded"),
        };
        if (after.MachineTotal - before.MachineTotal is > 0 and var total && after.MachineBusy - before.MachineBusy is { } busy)
        {
            figures.Add(new BenchFigure($"machine processor busy ({phase.Name})", Math.Round(100.0 * busy / total, 1), "%",
                "Share of the machine's processor time over the phase that some process used (/proc/stat: every process, a database server on the same cores included)"));
        }
        return figures;
    }
}

using System.Globalization;
using System.Runtime;

namespace Kangen.Cli.Features.Bench;

/// <summary>
/// Processor time at one instant: the bench process's own (platform and load generator, every thread) and, on Linux,
/// the whole machine's busy and total time from <c>/proc/stat</c> (every process: a PostgreSQL server on the same
/// cores included); the bytes the process has allocated on the managed heap so far; how long the garbage collector
/// has paused the process so far, in how many collections; and how long the JIT has spent compiling methods so far,
/// and how many.
/// </summary>
internal readonly record struct CpuReading(
    TimeSpan Process, long? MachineBusy, long? MachineTotal, long Allocated, TimeSpan GcPaused, int Collections, TimeSpan Compiling, long MethodsCompiled)
{
    /// <summary>Reads them now.</summary>
    public static CpuReading Now()
    {
        var (busy, total) = Machine();
        return new CpuReading(Environment.CpuUsage.TotalTime, busy, total, GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration(), GC.CollectionCount(0),
            JitInfo.GetCompilationTime(), JitInfo.GetCompiledMethodCount());
    }

    private static (long? Busy, long? Total) Machine()
    {
        try
        {
            using var stat = new StreamReader("/proc/stat");
            return ParseStat(stat.ReadLine());
        }
        // Not Linux, or no procfs: the machine's figure is left out.
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, null);
        }
    }

    /// <summary>
    /// The busy and total clock ticks of the first line of <c>/proc/stat</c> ("cpu user nice system idle iowait irq
    /// softirq steal guest guest_nice"): busy is everything but idle and iowait (steal included: the machine could not run
    /// on it either); guest time is already inside user and nice, so it is not added again. Nulls for a line of another shape.
    /// </summary>
    internal static (long? Busy, long? Total) ParseStat(string? line)
    {
        var fields = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields is not { Length: >= 9 } || fields[0] != "cpu")
            return (null, null);
        var ticks = new long[8];
        for (var i = 0; i < ticks.Length; i++)
        {
            if (!long.TryParse(fields[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out ticks[i]))
                return (null, null);
        }
        var total = ticks.Sum();
        return (total - ticks[3] - ticks[4], total);
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
        return Figures(phase.Name, phase.Requests, phase.Duration, phase.CpuAtStart, phase.CpuAtEnd);
    }

    /// <summary>The figures of a phase named <paramref name="name"/> that recorded <paramref name="requests"/> in <paramref name="duration"/>.</summary>
    internal static IReadOnlyList<BenchFigure> Figures(string name, long requests, TimeSpan duration, CpuReading before, CpuReading after)
    {
        var wall = duration.TotalSeconds;
        if (requests == 0 || wall <= 0)
            return [];
        var process = (after.Process - before.Process).TotalSeconds;
        var figures = new List<BenchFigure>
        {
            new($"processor time per request ({name})", Math.Round(process / requests * 1000, 3), "ms",
                "The bench process's processor time (platform and load generator, every thread) over the phase, per request it recorded"),
            new($"process processor use ({name})", Math.Round(100 * process / (wall * Environment.ProcessorCount), 1), "%",
                $"The bench process's processor time over the phase, as a share of the {Environment.ProcessorCount} cores .NET runs on (Environment.ProcessorCount) for its wall time"),
            new($"allocated per request ({name})", Math.Round((after.Allocated - before.Allocated) / 1024.0 / requests, 1), "KiB",
                "Bytes the bench process allocated on the managed heap over the phase (platform and load generator), per request it recorded"),
            // A pause stops every thread running managed code, the single writer included, so the share of the wall time
            // paused is the share of the phase in which no request's managed work went on.
            new($"paused for garbage collection ({name})", Math.Round(100 * (after.GcPaused - before.GcPaused).TotalSeconds / wall, 1), "%",
                "Share of the phase's wall time in which the garbage collector had the bench process paused (GC.GetTotalPauseDuration)"),
            new($"collections per 1,000 requests ({name})", Math.Round(1000.0 * (after.Collections - before.Collections) / requests, 2), "collections",
                "Garbage collections over the phase (of any generation: GC.CollectionCount(0)), per 1,000 requests it recorded"),
        };
        // The runtime compiles a method first quickly, then again optimised once it has been called often enough, on a
        // background thread, for seconds after a path is first used: a phase that starts a path cold measures some of
        // that too (a bench warm-up exists to leave it out). This is the elapsed time of the JIT's compilations added up
        // over threads, so under load it includes waits for a core: it says whether a phase compiled, not what share of
        // its processor time that took. The runtime's other start-up work (types, call counters) is not in it.
        figures.Add(new BenchFigure($"compiling methods per request ({name})", Math.Round((after.Compiling - before.Compiling).TotalSeconds / requests * 1000, 3), "ms",
            "Elapsed time of the JIT's compilations over the phase, added up over threads (JitInfo.GetCompilationTime), per request it recorded: near 0 once the paths the phase runs are warm"));
        figures.Add(new BenchFigure($"methods compiled ({name})", after.MethodsCompiled - before.MethodsCompiled, "methods",
            "Methods the JIT compiled over the phase, first compilations and optimised recompilations alike (JitInfo.GetCompiledMethodCount)"));
        if (after.MachineTotal - before.MachineTotal is > 0 and var total && after.MachineBusy - before.MachineBusy is { } busy)
        {
            figures.Add(new BenchFigure($"machine processor busy ({name})", Math.Round(100.0 * busy / total, 1), "%",
                "Share of every core's time over the phase that was neither idle nor waiting on the disk (/proc/stat: every process, a database server on the same cores included; steal counts as busy)"));
        }
        return figures;
    }
}

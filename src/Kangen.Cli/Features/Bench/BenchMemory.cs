using System.Diagnostics;

namespace Kangen.Cli.Features.Bench;

/// <summary>
/// The memory figures every scenario that hosts the platform reports (<see cref="BenchScenario.HostsPlatform"/>), read once its measured phases are judged and its platform is still
/// running. The platform is hosted in the bench process beside the load generator, so both figures bound the
/// server's own memory from above; compared across generated databases of 1 and 10 million people they show whether
/// the server's memory stays flat as the data grows (DESIGN.md).
/// </summary>
internal static class BenchMemory
{
    private const double MiB = 1024 * 1024;

    /// <summary>The process's peak resident memory so far and its live managed heap after a full collection.</summary>
    public static IReadOnlyList<BenchFigure> Figures()
    {
        // A full, blocking collection first: what is left is what the process holds, not garbage awaiting a collection.
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        return
        [
            new("peak working set", Math.Round(process.PeakWorkingSet64 / MiB, 1), "MiB",
                "Most resident memory of the bench process (platform and load generator) since it started (VmHWM)"),
            new("managed heap after", Math.Round(heap / MiB, 1), "MiB",
                "Live managed objects of the bench process after a full collection, once the measured phases were judged"),
        ];
    }
}

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kangen.Cli.Features.Bench.Limits;
using Spectre.Console;

namespace Kangen.Cli.Features.Bench;

/// <summary>One operation of a phase: request count, throughput over the phase, latency percentiles in milliseconds, errors.</summary>
internal sealed record OperationResult(string Operation, long Requests, double ThroughputPerSecond, double P50Ms, double P99Ms, double MaxMs, long Errors);

/// <summary>One measured phase and its operations; a few error samples when there were errors.</summary>
internal sealed record PhaseResult(string Phase, double DurationSeconds, IReadOnlyList<OperationResult> Operations, IReadOnlyList<string> ErrorSamples);

/// <summary>A figure a scenario reports besides latencies (a wait time, a rate, a count).</summary>
/// <param name="Limit">
/// The name of the <see cref="MachineLimit"/> the figure is compared to (a rate of requests against the trivial
/// endpoint's, say), or null.
/// </param>
/// <param name="Ratio">The figure divided by that limit as measured in the same run; set by the runner, null without limits.</param>
internal sealed record BenchFigure(string Name, double Value, string Unit, string Description, string? Limit = null, double? Ratio = null)
{
    /// <summary>This figure with its ratio to its limit among <paramref name="limits"/> (unchanged when it names none or it was not measured).</summary>
    public BenchFigure ComparedTo(IReadOnlyList<MachineLimit> limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return Limit is not null && limits.FirstOrDefault(l => l.Name == Limit) is { Value: > 0 } limit
            ? this with { Ratio = Math.Round(Value / limit.Value, 3) }
            : this;
    }
}

/// <summary>A pass/fail condition of a scenario: the measured value against the expected one.</summary>
internal sealed record BenchCheck(string Name, long Actual, long Expected, bool Passed, string Description);

/// <summary>Where it ran: the figures mean something only beside the machine they were measured on.</summary>
internal sealed record BenchMachine(int ProcessorCount, string Os, string Runtime, string Architecture)
{
    public static BenchMachine Current() => new(Environment.ProcessorCount, RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription, RuntimeInformation.ProcessArchitecture.ToString());
}

/// <summary>The JSON results of a <c>kangen bench</c> run (<c>--out</c>).</summary>
internal sealed record BenchResult(
    string Scenario, DateTimeOffset StartedAt, BenchMachine Machine, IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyList<PhaseResult> Phases, IReadOnlyList<BenchFigure> Figures, IReadOnlyList<BenchCheck> Checks,
    IReadOnlyList<MachineLimit> Limits)
{
    /// <summary>True when every check passed.</summary>
    public bool Passed => Checks.All(c => c.Passed);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Writes the results to <paramref name="path"/>, creating its folder.</summary>
    public void Write(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
            Directory.CreateDirectory(folder);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }

    /// <summary>
    /// The summary tables: one per phase (its operations), then the scenario's figures and checks. What each means is in
    /// the JSON and in docs/performance.md; the console keeps to what fits a terminal.
    /// </summary>
    public void Render(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        foreach (var phase in Phases)
        {
            var table = new Table().Title($"{Markup.Escape(phase.Phase)}: {N(phase.DurationSeconds, "0.00")} s").Border(TableBorder.Rounded)
                .AddColumn("Operation")
                .AddColumn(new TableColumn("Requests").RightAligned()).AddColumn(new TableColumn("Rate/s").RightAligned())
                .AddColumn(new TableColumn("p50 ms").RightAligned()).AddColumn(new TableColumn("p99 ms").RightAligned())
                .AddColumn(new TableColumn("max ms").RightAligned()).AddColumn(new TableColumn("Errors").RightAligned());
            foreach (var o in phase.Operations)
            {
                table.AddRow(Markup.Escape(o.Operation), N(o.Requests), N(o.ThroughputPerSecond, "0.0"),
                    N(o.P50Ms, "0.00"), N(o.P99Ms, "0.00"), N(o.MaxMs, "0.00"), o.Errors == 0 ? "0" : $"[red]{N(o.Errors)}[/]");
            }
            console.Write(table);
            if (phase.ErrorSamples.Count > 0)
            {
                console.MarkupLineInterpolated($"[red]{phase.Phase}[/]: first errors:");
                foreach (var sample in phase.ErrorSamples)
                    console.MarkupLineInterpolated($"  {sample}");
            }
        }

        if (Figures.Count > 0)
        {
            var figures = new Table().Title("Figures / 指標 / 指标").Border(TableBorder.Rounded)
                .AddColumn("Figure").AddColumn(new TableColumn("Value").RightAligned()).AddColumn("Unit")
                .AddColumn("Machine limit").AddColumn(new TableColumn("Ratio").RightAligned());
            foreach (var f in Figures)
                figures.AddRow(Markup.Escape(f.Name), N(f.Value, "0.##"), Markup.Escape(f.Unit), Markup.Escape(f.Limit ?? ""), f.Ratio is { } r ? N(r, "0.000") : "");
            console.Write(figures);
        }
        if (Limits.Count > 0)
        {
            var limits = new Table().Title("Machine limits, measured in this run / この実行で計測したマシンの限界 / 本次运行测得的机器极限").Border(TableBorder.Rounded)
                .AddColumn("Limit").AddColumn(new TableColumn("Value").RightAligned()).AddColumn("Unit")
                .AddColumn(new TableColumn("Operations").RightAligned()).AddColumn(new TableColumn("Seconds").RightAligned())
                .AddColumn(new TableColumn("Errors").RightAligned());
            foreach (var l in Limits)
                limits.AddRow(Markup.Escape(l.Name), N(l.Value, "0.#"), Markup.Escape(l.Unit), N(l.Operations), N(l.Seconds, "0.00"),
                    l.Errors == 0 ? "0" : $"[red]{N(l.Errors)}[/]");
            console.Write(limits);
        }
        var checks = new Table().Title("Checks / 検証 / 检查").Border(TableBorder.Rounded)
            .AddColumn("Check").AddColumn(new TableColumn("Actual").RightAligned()).AddColumn(new TableColumn("Expected").RightAligned())
            .AddColumn("Result");
        foreach (var c in Checks)
            checks.AddRow(Markup.Escape(c.Name), N(c.Actual), N(c.Expected), c.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
        console.Write(checks);
    }

    private static string N(long value) => BenchPlatform.N(value);

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}

using System.Globalization;
using Kangen.Cli.Features.Bench.Limits;
using Spectre.Console;

namespace Kangen.Cli.Features.Bench;

/// <summary>
/// A load scenario of <c>kangen bench</c>: a prepare phase that is not measured (host the platform, issue cards, seed
/// data), then measured phases whose requests are recorded in <see cref="BenchPhase"/>s, then its verdict: figures and
/// checks. Disposing it stops whatever it hosts.
/// </summary>
internal abstract class BenchScenario : IAsyncDisposable
{
    /// <summary>The scenario's name: the subcommand and the start of the results file name.</summary>
    public abstract string Name { get; }

    /// <summary>The settings the run used, as written to the results.</summary>
    public abstract IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>Everything before the measurement; its time counts nowhere.</summary>
    public abstract Task PrepareAsync(BenchProgress progress, CancellationToken cancellationToken);

    /// <summary>The measured phases, each recorded in its own <see cref="BenchPhase"/>, in order.</summary>
    public abstract Task<IReadOnlyList<BenchPhase>> MeasureAsync(BenchProgress progress, CancellationToken cancellationToken);

    /// <summary>Figures and checks from what was measured (may ask the hosted platform, after the measurement).</summary>
    public abstract Task<(IReadOnlyList<BenchFigure> Figures, IReadOnlyList<BenchCheck> Checks)> JudgeAsync(
        IReadOnlyList<BenchPhase> phases, CancellationToken cancellationToken);

    /// <summary>
    /// True when the platform runs in this process during the measured phases, so this process's memory figures
    /// (<see cref="BenchMemory"/>) bound the server's; false for a scenario whose servers are child processes or that
    /// has none.
    /// </summary>
    public virtual bool HostsPlatform => true;

    public abstract ValueTask DisposeAsync();
}

/// <summary>
/// A scenario cannot go on for a reason the person running it can act on (the message says what, in ja / zh / en):
/// the run ends with that message and exit code 1 instead of a stack trace.
/// </summary>
internal sealed class BenchAbortedException(string message) : Exception(message);

/// <summary>
/// Runs a <see cref="BenchScenario"/>: prepare and measure under progress bars, then the summary tables, the JSON
/// results and the exit code (1 when any check failed).
/// </summary>
internal static class BenchRunner
{
    /// <summary>Where results go by default: <c>artifacts/bench/&lt;scenario&gt;-&lt;UTC time&gt;.json</c>.</summary>
    public static string DefaultOut(string scenario, DateTimeOffset startedAt) =>
        Path.Combine("artifacts", "bench", $"{scenario}-{startedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.json");

    /// <summary>
    /// Prepares and measures <paramref name="scenario"/>, judges it, then (unless <paramref name="limits"/> is null) measures
    /// the machine's limits in the same process, after the scenario's host has stopped, so its figures can be read against
    /// what this machine did at that moment.
    /// </summary>
    public static async Task<int> RunAsync(CliContext context, BenchScenario scenario, string? outPath, LimitsSettings? limits,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return await RunScenarioAsync(context, scenario, outPath, limits, cancellationToken);
        }
        catch (BenchAbortedException e)
        {
            context.Error(e.Message);
            return ExitCodes.Failure;
        }
    }

    private static async Task<int> RunScenarioAsync(CliContext context, BenchScenario scenario, string? outPath, LimitsSettings? limits,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var console = context.Console;
        var startedAt = context.Time.GetUtcNow();
        var path = outPath ?? DefaultOut(scenario.Name, startedAt);
        BenchResult result;
        await using (scenario)
        {
            console.Write(new Rule($"[bold]kangen bench {scenario.Name}[/]: prepare (not measured) / 準備 / 准备").LeftJustified());
            await WithProgressAsync(context, progress => scenario.PrepareAsync(progress, cancellationToken));

            console.Write(new Rule($"[bold]kangen bench {scenario.Name}[/]: measured / 計測 / 测量").LeftJustified());
            var phases = await WithProgressAsync(context, progress => scenario.MeasureAsync(progress, cancellationToken));
            var (figures, checks) = await scenario.JudgeAsync(phases, cancellationToken);
            result = new BenchResult(scenario.Name, startedAt, BenchMachine.Current(), scenario.Parameters,
                [.. phases.Select(p => p.Summarise())],
                // The process's processor time and memory are the platform's and the load generator's only when it hosts the
                // platform (soak's servers are processes of their own, and its phases overlap).
                scenario.HostsPlatform ? [.. figures, .. phases.SelectMany(BenchCpu.Figures), .. BenchMemory.Figures()] : figures, checks, []);
        }
        if (limits is not null)
        {
            console.Write(new Rule($"[bold]kangen bench {scenario.Name}[/]: machine limits / マシンの限界 / 机器极限").LeftJustified());
            var measured = await WithProgressAsync(context, progress => MachineLimits.MeasureAsync(limits, context.Time, progress, cancellationToken));
            var sound = measured.Count(l => l.Value > 0 && l.Errors == 0);
            result = result with
            {
                Limits = measured,
                Figures = [.. result.Figures.Select(f => f.ComparedTo(measured))],
                Checks = [.. result.Checks, new BenchCheck("machine limits", sound, measured.Count, sound == measured.Count,
                    "Machine-limit probes that measured a positive rate without an error (the ratios are meaningless otherwise)")],
            };
        }
        result.Render(console);
        result.Write(path);
        console.MarkupLineInterpolated($"Results / 結果 / 结果: {Path.GetFullPath(path)}");
        if (result.Passed)
        {
            console.MarkupLine("[green]Every check passed. / すべての検証に合格しました。/ 所有检查均已通过。[/]");
            return ExitCodes.Ok;
        }
        context.Error("検証に失敗しました / 检查未通过 / A check failed: " + string.Join(", ", result.Checks.Where(c => !c.Passed).Select(c => c.Name)));
        return ExitCodes.Failure;
    }

    /// <summary>
    /// Runs <paramref name="work"/> while a refresh loop mirrors its <see cref="BenchProgress"/> counters into progress
    /// bars: the work bumps counters from many tasks, only this loop touches the console.
    /// </summary>
    private static async Task<T> WithProgressAsync<T>(CliContext context, Func<BenchProgress, Task<T>> work)
    {
        var progress = new BenchProgress();
        if (!context.Console.Profile.Capabilities.Interactive)
        {
            // Redirected to a file or a CI log: live bars would print a line per refresh, so only the end state is shown.
            var result = await work(progress);
            foreach (var counter in progress.Counters)
                context.Console.MarkupLineInterpolated($"{counter.Description}: {counter.Done:N0} / {counter.Total:N0}");
            return result;
        }
        var shown = new Dictionary<BenchCounter, ProgressTask>();
        return await context.Console.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var running = work(progress);
                while (true)
                {
                    foreach (var counter in progress.Counters)
                    {
                        if (!shown.TryGetValue(counter, out var task))
                            shown[counter] = task = ctx.AddTask(Markup.Escape(counter.Description), maxValue: Math.Max(1, counter.Total));
                        task.Value = counter.Total == 0 ? 1 : counter.Done;
                    }
                    if (running.IsCompleted)
                        return await running;
                    await Task.WhenAny(running, Task.Delay(TimeSpan.FromMilliseconds(250), context.Time));
                }
            });
    }

    private static Task WithProgressAsync(CliContext context, Func<BenchProgress, Task> work) =>
        WithProgressAsync(context, async progress =>
        {
            await work(progress);
            return true;
        });
}

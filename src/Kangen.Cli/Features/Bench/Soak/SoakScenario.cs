using System.Globalization;
using Npgsql;
using Spectre.Console;

namespace Kangen.Cli.Features.Bench.Soak;

/// <summary>
/// <c>kangen bench soak</c> (issue 9): the fault suite in a loop. Each round runs every fault that the settings allow
/// (<see cref="Fault.All"/>), each on a fresh database with its own <c>kangen serve</c> processes; rounds go on until
/// <c>--minutes</c> have passed (one round when 0). Reported per fault: runs, requests, retries, answers by code, its own
/// figures (restart times), and its invariant checks (a check passes when it held in every run). The same engine is what
/// the CI fault tests run, with one round and a few citizens.
/// </summary>
internal sealed class SoakScenario(CliContext context, SoakSettings settings, double minutes, IReadOnlyCollection<string>? only) : BenchScenario
{
    /// <summary>Its servers are child processes (kangen serve): this process's memory is not theirs.</summary>
    public override bool HostsPlatform => false;

    private readonly Dictionary<string, FaultTally> _tallies = [];
    private readonly Dictionary<string, int> _runs = [];
    private readonly Dictionary<string, string> _skipped = [];
    private readonly Dictionary<string, BenchCheck> _checks = [];
    private readonly Dictionary<string, int> _passedRuns = [];
    private readonly Dictionary<string, BenchFigure> _figures = [];
    private readonly List<string> _failures = [];
    private IReadOnlyList<BenchCard> _cards = [];

    public override string Name => "soak";

    private string CardCache => Path.Combine(settings.Folder, "cards");

    /// <summary>The faults this run is about (all, or those named with <c>--only</c>).</summary>
    public IReadOnlyList<Fault> Faults => [.. Fault.All.Where(f => only is null || only.Count == 0 || only.Contains(f.Name))];

    public override IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>
    {
        ["minutes"] = minutes.ToString(CultureInfo.InvariantCulture),
        ["citizens"] = I(settings.Citizens),
        ["replicas"] = I(settings.Replicas),
        ["workers"] = I(settings.Workers),
        ["postgres"] = settings.Postgres is null ? "" : new NpgsqlConnectionStringBuilder(settings.Postgres) { Password = null }.ToString(),
        ["postgresRestart"] = settings.PostgresRestart ?? "",
        ["faults"] = string.Join(",", Faults.Select(f => f.Name)),
        ["cardCache"] = CardCache,
    };

    public override async Task PrepareAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        var issuing = progress.Add($"Cards: {settings.Cards} (cached; a new one is two RSA-2048 key pairs)", settings.Cards);
        _cards = await Task.Run(() => BenchCards.Ensure(CardCache, settings.Cards, context.Time, issuing), cancellationToken);
    }

    public override async Task<IReadOnlyList<BenchPhase>> MeasureAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        var faults = Faults;
        foreach (var fault in faults)
        {
            if (fault.SkipReason(settings) is { } reason)
                _skipped[fault.Name] = reason;
        }
        var running = faults.Where(f => !_skipped.ContainsKey(f.Name)).ToList();
        var deadline = context.Time.GetUtcNow().AddMinutes(minutes);
        var elapsed = progress.Add(minutes > 0 ? $"Soak: {minutes:0.#} min of rounds" : "Soak: one round", running.Count == 0 ? 1 : minutes > 0 ? (long)(minutes * 60) : running.Count);
        using var ticking = new CancellationTokenSource();
        var ticker = minutes > 0 ? TickAsync(elapsed, ticking.Token) : Task.CompletedTask;
        foreach (var fault in running)
        {
            _tallies[fault.Name] = new FaultTally(new BenchPhase(fault.Name, context.Time));
            _tallies[fault.Name].Phase.Start();
        }
        var round = 0;
        do
        {
            round++;
            foreach (var fault in running)
            {
                var counter = progress.Add($"Round {round}: {fault.Name}", 1);
                await RunOnceAsync(fault, round, cancellationToken);
                counter.Complete();
                if (minutes <= 0)
                    elapsed.Increment();
            }
        }
        while (running.Count > 0 && context.Time.GetUtcNow() < deadline);
        await ticking.CancelAsync();
        await ticker;
        elapsed.Complete();
        foreach (var tally in _tallies.Values)
            tally.Phase.End();
        return [.. running.Select(f => _tallies[f.Name].Phase)];
    }

    private async Task TickAsync(BenchCounter counter, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && counter.Done < counter.Total)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), context.Time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            counter.Increment();
        }
    }

    private async Task RunOnceAsync(Fault fault, int round, CancellationToken cancellationToken)
    {
        var report = new FaultReport(fault.Name, _tallies[fault.Name]);
        _runs[fault.Name] = _runs.GetValueOrDefault(fault.Name) + 1;
        try
        {
            await fault.RunAsync(new FaultContext(context.Time, _cards, BenchCards.IssuerDirectory(CardCache), settings, round), report, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or IOException or NpgsqlException)
        {
            // The environment could not be set up or checked (a replica that never answered, a database gone): a failed
            // run, reported with its reason, and the soak goes on with the next fault.
            _failures.Add($"{fault.Name} round {round}: {e.GetType().Name}: {e.Message}");
            report.True("run completed", false, $"{e.GetType().Name}: {e.Message}");
        }
        foreach (var check in report.Checks)
        {
            var name = $"{fault.Name}: {check.Name}";
            if (check.Passed)
                _passedRuns[name] = _passedRuns.GetValueOrDefault(name) + 1;
            // The first failing run's values are the ones worth reading; while all pass, the latest run's.
            if (!_checks.TryGetValue(name, out var kept) || kept.Passed)
                _checks[name] = check with { Name = name };
        }
        foreach (var figure in report.Figures)
        {
            // Over several runs a time or count is reported at its largest.
            if (!_figures.TryGetValue(figure.Name, out var kept) || figure.Value > kept.Value)
                _figures[figure.Name] = figure;
        }
    }

    public override Task<(IReadOnlyList<BenchFigure> Figures, IReadOnlyList<BenchCheck> Checks)> JudgeAsync(IReadOnlyList<BenchPhase> phases, CancellationToken cancellationToken)
    {
        var figures = new List<BenchFigure>();
        foreach (var (fault, reason) in _skipped)
            figures.Add(new BenchFigure($"{fault}: skipped", 0, "", "Not run: " + reason));
        foreach (var (fault, tally) in _tallies)
        {
            figures.Add(new BenchFigure($"{fault}: runs", _runs.GetValueOrDefault(fault), "runs", "Times the fault was injected and checked"));
            figures.Add(new BenchFigure($"{fault}: requests", tally.Requests, "requests", "Requests the clients sent, retries included"));
            figures.Add(new BenchFigure($"{fault}: retries", tally.Retries, "retries", "Requests sent again after no answer or a 503"));
            figures.Add(new BenchFigure($"{fault}: grant replays", tally.Replays, "lines", "Grant lines answered as replays of a key already recorded (a retry whose first answer was lost)"));
            foreach (var (code, count) in tally.Codes)
                figures.Add(new BenchFigure($"{fault}: answers {code}", count, "answers", $"Answers with the problem code {code} (or no answer at all)"));
            foreach (var sample in tally.UnexpectedSamples)
                _failures.Add($"{fault}: unexpected {sample}");
        }
        figures.AddRange(_figures.Values);
        var checks = new List<BenchCheck>();
        foreach (var (name, check) in _checks)
        {
            var fault = name[..name.IndexOf(':', StringComparison.Ordinal)];
            var runs = _runs.GetValueOrDefault(fault);
            var passed = _passedRuns.GetValueOrDefault(name) == runs;
            checks.Add(check with
            {
                Passed = passed,
                Description = runs > 1 ? $"{check.Description} (held in {_passedRuns.GetValueOrDefault(name)} of {runs} runs)" : check.Description,
            });
        }
        foreach (var failure in _failures.Take(20))
            context.Console.MarkupLineInterpolated($"[red]{failure}[/]");
        return Task.FromResult<(IReadOnlyList<BenchFigure>, IReadOnlyList<BenchCheck>)>((figures, checks));
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}

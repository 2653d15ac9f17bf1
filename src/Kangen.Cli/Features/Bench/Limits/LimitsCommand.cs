using System.CommandLine;
using Kangen.Cli.Features.Card;

namespace Kangen.Cli.Features.Bench.Limits;

/// <summary>
/// The machine-limit options every scenario has (<c>--no-limits</c>, <c>--limit-seconds</c>), and <c>kangen bench
/// limits</c>, which measures the limits alone.
/// </summary>
internal sealed class LimitsOptions
{
    private readonly Option<bool> _skip = new("--no-limits")
    {
        Description = "Do not measure the machine's limits after the scenario (SQLite commits, RSA verifications, a trivial and a bare endpoint; a few seconds each).",
    };

    private readonly Option<double> _seconds = new("--limit-seconds")
    {
        Description = "How long each machine-limit probe runs, in seconds (default 3).",
        DefaultValueFactory = _ => LimitsSettings.DefaultEach.TotalSeconds,
    };

    /// <summary>Adds both options to a scenario's command.</summary>
    public void AddTo(Command command, bool skippable = true)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (skippable)
            command.Options.Add(_skip);
        command.Options.Add(_seconds);
    }

    /// <summary>True when the options are usable; else the usage error is reported.</summary>
    public bool Valid(CliContext context, ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parse);
        if (parse.GetValue(_seconds) is > 0 and <= 600)
            return true;
        context.Error("--limit-seconds は 0 より大きく 600 以下 / --limit-seconds 必须大于 0 且不超过 600 / --limit-seconds must be above 0 and at most 600.");
        return false;
    }

    /// <summary>The probes' settings for a run whose bench folder is <paramref name="benchFolder"/>, or null with <c>--no-limits</c>.</summary>
    public LimitsSettings? Read(ParseResult parse, string benchFolder)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(_skip) ? null : new LimitsSettings(Path.Combine(benchFolder, "limits"), TimeSpan.FromSeconds(parse.GetValue(_seconds)));
    }
}

/// <summary><c>kangen bench limits</c>: the machine's limits alone, as every scenario measures them after its phases.</summary>
internal static class LimitsCommand
{
    public static Command Create(CliContext context, Option<string?> output)
    {
        var data = CardCli.DataOption();
        var limits = new LimitsOptions();
        var command = new Command("limits",
            "This machine's limits now, measured by the same probes every scenario runs after its phases: SQLite single-row commits (WAL, the platform's synchronous setting), " +
            "RSA-2048 verifications with a loaded key on one thread per processor, requests per second of a trivial endpoint on loopback, and of a bare endpoint doing one verification and one insert per request.")
        {
            data, output,
        };
        limits.AddTo(command, skippable: false);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!limits.Valid(context, parse))
                return ExitCodes.Usage;
            var folder = BenchCommand.Folder(CardCli.DataDirectory(parse, data));
            return await BenchRunner.RunAsync(context, new LimitsScenario(), parse.GetValue(output), limits.Read(parse, folder), cancellationToken);
        });
        return command;
    }

    /// <summary>Nothing to prepare or measure: the runner's limits are the whole run.</summary>
    private sealed class LimitsScenario : BenchScenario
    {
        /// <summary>No platform: only the machine's limits.</summary>
        public override bool HostsPlatform => false;

        public override string Name => "limits";

        public override IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>
        {
            ["sqliteSynchronous"] = MachineLimits.PlatformSynchronous,
            ["endpointWorkers"] = MachineLimits.Workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        public override Task PrepareAsync(BenchProgress progress, CancellationToken cancellationToken) => Task.CompletedTask;

        public override Task<IReadOnlyList<BenchPhase>> MeasureAsync(BenchProgress progress, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<BenchPhase>>([]);

        public override Task<(IReadOnlyList<BenchFigure> Figures, IReadOnlyList<BenchCheck> Checks)> JudgeAsync(
            IReadOnlyList<BenchPhase> phases, CancellationToken cancellationToken) =>
            Task.FromResult<(IReadOnlyList<BenchFigure>, IReadOnlyList<BenchCheck>)>(([], []));

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

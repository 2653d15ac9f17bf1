using Kangen.Cli.Features.Bench.Limits;
using System.CommandLine;
using Kangen.Cli.Features.Card;

namespace Kangen.Cli.Features.Bench.Grants;

/// <summary><c>kangen bench grants</c>: see <see cref="GrantsScenario"/>.</summary>
internal static class GrantsCommand
{
    public static Command Create(CliContext context)
    {
        var data = CardCli.DataOption();
        var output = BenchCommand.OutOption();
        var people = new Option<long>("--people")
        {
            Description = "People to generate first (default 100,000; ignored when --name names a database that exists).",
            DefaultValueFactory = _ => 100_000,
        };
        var lines = new Option<int>("--lines")
        {
            Description = "Grant lines to send (default 1,000,000).",
            DefaultValueFactory = _ => 1_000_000,
        };
        var batchSize = new Option<int>("--batch-size")
        {
            Description = "Lines per bulk file (default 10,000; the platform commits them 2,000 at a time).",
            DefaultValueFactory = _ => 10_000,
        };
        var workers = new Option<int>("--workers")
        {
            Description = "Bulk files in flight at once (default 2).",
            DefaultValueFactory = _ => 2,
        };
        var skip = new Option<int>("--skip-people")
        {
            Description = "People of kangen-demo's enrolment feed to pass over before those the lines name (default 0; a run names the next " +
                "--lines / 4): measure a kept database again on people no earlier run granted to. Refused when fewer than that many are left.",
            DefaultValueFactory = _ => 0,
        };
        var (name, postgres) = BenchCommand.DatabaseOptions();
        var command = new Command("grants",
            "Grant ingestion in bulk: kangen-demo reports --lines card-acquisition grants (4 x 1,500 points per person against the 5,000 cap) as signed NDJSON files " +
            "over loopback to the platform on a generated database, then resends its first file. Figures: lines/min, file latency; checks: ledger equals the accepted points, " +
            "nobody over a cap, totals equal the ledger, the resent file granted nothing twice.")
        {
            people, lines, batchSize, workers, skip, name, postgres, data, output,
        };
        var limits = new LimitsOptions();
        limits.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!limits.Valid(context, parse))
                return ExitCodes.Usage;
            if (parse.GetValue(people) < 1 || parse.GetValue(lines) < 1 || parse.GetValue(batchSize) < 1 || parse.GetValue(workers) < 1)
            {
                context.Error("--people、--lines、--batch-size、--workers は 1 以上 / --people、--lines、--batch-size、--workers 至少为 1 / " +
                    "--people, --lines, --batch-size and --workers must be at least 1.");
                return ExitCodes.Usage;
            }
            if (parse.GetValue(skip) < 0)
            {
                context.Error("--skip-people は 0 以上 / --skip-people 至少为 0 / --skip-people must be at least 0.");
                return ExitCodes.Usage;
            }
            var located = await BenchCommand.LocateAsync(context, parse, data, name, postgres, cancellationToken);
            if (located.Database is null)
                return located.ExitCode;
            var settings = new GrantsSettings(parse.GetValue(people), parse.GetValue(lines), parse.GetValue(batchSize), parse.GetValue(workers), located.Database, located.Exists, parse.GetValue(skip));
            return await BenchRunner.RunAsync(context, new GrantsScenario(context, settings), parse.GetValue(output),
                limits.Read(parse, BenchCommand.Folder(CardCli.DataDirectory(parse, data))), cancellationToken);
        });
        return command;
    }
}

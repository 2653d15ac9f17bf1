using System.CommandLine;
using Kangen.Cli.Features.Bench.Limits;
using Kangen.Cli.Features.Card;

namespace Kangen.Cli.Features.Bench.Spots;

/// <summary><c>kangen bench spots</c>: nearest-spot search in process and over loopback HTTP.</summary>
internal static class SpotsCommand
{
    public static Command Create(CliContext context, Option<string?> output)
    {
        var data = CardCli.DataOption();
        var requests = new Option<int>("--requests")
        {
            Description = "Searches sent over HTTP in the measured phase (default 20000).",
            DefaultValueFactory = _ => 20_000,
        };
        var workers = new Option<int>("--workers")
        {
            Description = $"Closed-loop clients sending them (default {MachineLimits.Workers}, as the trivial-endpoint limit).",
            DefaultValueFactory = _ => MachineLimits.Workers,
        };
        var searches = new Option<int>("--searches")
        {
            Description = "Searches timed one by one in process, after a fifth as many untimed (default 100000).",
            DefaultValueFactory = _ => 100_000,
        };
        var warmUp = new Option<int>("--warm-up")
        {
            Description = $"Searches over HTTP before the measured ones, not measured, so that these find the path warm (default {SpotsSettings.DefaultWarmUpRequests:N0}; 0 for none).",
            DefaultValueFactory = _ => SpotsSettings.DefaultWarmUpRequests,
        };
        var command = new Command("spots",
            "Nearest-spot search over the generated ~90,000 spots: the search alone in process, one query at a time (p50 / p99 / p99.9 / max in µs; DESIGN.md's target is p99 under 1 ms), " +
            "then GET /api/v1/spots over loopback HTTP from closed-loop clients (throughput, p50 / p99 / max). Every HTTP answer is compared with the same query in process. " +
            "Checks: no errors, no answer differing from the in-process search, none empty where spots exist.")
        {
            requests, workers, searches, warmUp, data, output,
        };
        var limits = new LimitsOptions();
        limits.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!limits.Valid(context, parse))
                return ExitCodes.Usage;
            var settings = new SpotsSettings(BenchCommand.Folder(CardCli.DataDirectory(parse, data)), parse.GetValue(requests), parse.GetValue(workers), parse.GetValue(searches),
                parse.GetValue(warmUp));
            if (settings.Requests < 1 || settings.Workers < 1 || settings.Searches < 1 || settings.WarmUpRequests < 0)
            {
                context.Error("--requests、--workers、--searches は 1 以上、--warm-up は 0 以上 / --requests、--workers、--searches 至少为 1，--warm-up 至少为 0 / " +
                    "--requests, --workers and --searches must be at least 1, --warm-up at least 0.");
                return ExitCodes.Usage;
            }
            return await BenchRunner.RunAsync(context, new SpotsScenario(context, settings), parse.GetValue(output), limits.Read(parse, settings.Folder), cancellationToken);
        });
        return command;
    }
}

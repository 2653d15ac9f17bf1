using System.CommandLine;
using Kangen.Cli.Features.Bench.Limits;
using Kangen.Cli.Features.Card;

namespace Kangen.Cli.Features.Bench.Status;

/// <summary><c>kangen bench status</c>: status lookups by citizens who applied.</summary>
internal static class StatusCommand
{
    public static Command Create(CliContext context, Option<string?> output)
    {
        var data = CardCli.DataOption();
        var citizens = new Option<int>("--citizens")
        {
            Description = "Citizens who apply (prepare, not measured) and then look up their status (default 100; cards are cached in <data>/bench/cards).",
            DefaultValueFactory = _ => 100,
        };
        var requests = new Option<int>("--requests")
        {
            Description = "Status lookups in the measured phase, by the citizens in turn (default 20000).",
            DefaultValueFactory = _ => 20_000,
        };
        var workers = new Option<int>("--workers")
        {
            Description = $"Closed-loop clients sending them (default {MachineLimits.Workers}, as the trivial-endpoint limit).",
            DefaultValueFactory = _ => MachineLimits.Workers,
        };
        var warmUp = new Option<int>("--warm-up")
        {
            Description = $"Status lookups before the measured ones, not measured, so that these find the path warm (default {StatusSettings.DefaultWarmUpRequests:N0}; 0 for none).",
            DefaultValueFactory = _ => StatusSettings.DefaultWarmUpRequests,
        };
        var command = new Command("status",
            "GET /api/v1/me/status by citizens who applied: prepared (not measured) by each citizen applying through the whole flow with its card and signing in again; " +
            "measured: status lookups with those sessions from closed-loop clients (throughput, p50 / p99 / max). Checks: no errors, every answer shows the citizen's application.")
        {
            citizens, requests, workers, warmUp, data, output,
        };
        var limits = new LimitsOptions();
        limits.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!limits.Valid(context, parse))
                return ExitCodes.Usage;
            var settings = new StatusSettings(BenchCommand.Folder(CardCli.DataDirectory(parse, data)), parse.GetValue(citizens), parse.GetValue(requests), parse.GetValue(workers),
                parse.GetValue(warmUp));
            if (settings.Citizens < 1 || settings.Requests < 1 || settings.Workers < 1 || settings.WarmUpRequests < 0)
            {
                context.Error("--citizens、--requests、--workers は 1 以上、--warm-up は 0 以上 / --citizens、--requests、--workers 至少为 1，--warm-up 至少为 0 / " +
                    "--citizens, --requests and --workers must be at least 1, --warm-up at least 0.");
                return ExitCodes.Usage;
            }
            return await BenchRunner.RunAsync(context, new StatusScenario(context, settings), parse.GetValue(output), limits.Read(parse, settings.Folder), cancellationToken);
        });
        return command;
    }
}

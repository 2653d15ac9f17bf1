using System.CommandLine;
using Kangen.Cli.Features.Card;

namespace Kangen.Cli.Features.Bench;

/// <summary>
/// <c>kangen bench</c>: load scenarios over HTTP on loopback against the platform hosted in this process. Each scenario
/// prepares without being measured, then measures its phases (per operation: requests, throughput, p50 / p99 / max
/// latency, errors), prints a summary and writes JSON results (<c>--out</c>); the exit code is 1 when a check fails.
/// </summary>
public static class BenchCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("bench", "Load scenarios against the platform hosted in this process over loopback HTTP: progress, a summary table and JSON results.");
        command.Subcommands.Add(Rush(context));
        return command;
    }

    /// <summary>The bench folder of a data folder: the card cache and the platform data of a run.</summary>
    internal static string Folder(string data) => Path.Combine(Path.GetFullPath(data), "bench");

    private static Option<string?> OutOption() => new("--out")
    {
        Description = "Where the JSON results go (default artifacts/bench/<scenario>-<UTC time>.json).",
    };

    private static Command Rush(CliContext context)
    {
        var data = CardCli.DataOption();
        var output = OutOption();
        var capacity = new Option<int>("--capacity")
        {
            Description = "People in the apply flow at once (Kangen:Admission:Capacity; default 50).",
            DefaultValueFactory = _ => 50,
        };
        var factor = new Option<int>("--factor")
        {
            Description = "The rush brings factor x capacity citizens at once (default 3).",
            DefaultValueFactory = _ => 3,
        };
        var tick = new Option<int>("--tick-ms")
        {
            Description = "How often the platform advances the queue, in milliseconds (Kangen:Admission:TickMilliseconds; default 250, the platform's).",
            DefaultValueFactory = _ => new Kangen.Platform.Features.Admission.AdmissionOptions().TickMilliseconds,
        };
        var noAdmission = new Option<bool>("--no-admission")
        {
            Description = "Run the same citizens with admission control off (no waiting room), for comparison.",
        };
        var replicas = new Option<int>("--replicas")
        {
            Description = "Platform instances in this process on their own loopback ports, sharing the database and the data folder; each citizen's requests go to them in turn (default 1; 2 or more need --postgres).",
            DefaultValueFactory = _ => 1,
        };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "A PostgreSQL connection string: the run creates a database of its own on that server and drops it at the end (default: SQLite in the data folder).",
        };
        var command = new Command("rush", "Admission control at a capacity: a baseline of capacity citizens (a full flow), then factor x capacity citizens at once, each drawing a ticket, waiting, then applying. Checks: no errors, everyone served, in ticket order. With --replicas N --postgres, N platform instances share one database and each citizen's requests go to them in turn.")
        {
            capacity, factor, tick, noAdmission, replicas, postgres, data, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new RushSettings(parse.GetValue(capacity), parse.GetValue(factor), parse.GetValue(tick),
                Folder(CardCli.DataDirectory(parse, data)), !parse.GetValue(noAdmission), parse.GetValue(replicas),
                parse.GetValue(postgres) is { Length: > 0 } server ? server : null);
            if (settings.Capacity < 1 || settings.Factor < 1 || settings.TickMilliseconds < 1)
            {
                context.Error("--capacity, --factor and --tick-ms must be at least 1.");
                return ExitCodes.Usage;
            }
            if (settings.Replicas < 1 || (settings.Replicas > 1 && settings.Postgres is null))
            {
                context.Error("--replicas は 1 以上、2 以上なら --postgres が必要です / --replicas 至少为 1，2 个及以上需要 --postgres / " +
                    "--replicas must be at least 1, and 2 or more need --postgres (an SQLite file is served by one process only).");
                return ExitCodes.Usage;
            }
            return await BenchRunner.RunAsync(context, new RushScenario(context, settings), parse.GetValue(output), cancellationToken);
        });
        return command;
    }
}

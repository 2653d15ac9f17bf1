using System.CommandLine;
using Kangen.Cli.Features.Bench.Limits;
using Kangen.Cli.Features.Bench.Soak;
using Kangen.Cli.Features.Bench.Spots;
using Kangen.Cli.Features.Bench.Status;
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
        command.Subcommands.Add(Apply(context));
        command.Subcommands.Add(Rush(context));
        command.Subcommands.Add(Soak(context));
        command.Subcommands.Add(LimitsCommand.Create(context, OutOption()));
        command.Subcommands.Add(SpotsCommand.Create(context, OutOption()));
        command.Subcommands.Add(StatusCommand.Create(context, OutOption()));
        command.Subcommands.Add(Generate.GenerateCommand.Create(context));
        command.Subcommands.Add(Grants.GrantsCommand.Create(context));
        command.Subcommands.Add(Feed.FeedCommand.Create(context));
        return command;
    }

    /// <summary>The bench folder of a data folder: the card cache and the platform data of a run.</summary>
    internal static string Folder(string data) => Path.Combine(Path.GetFullPath(data), "bench");

    internal static Option<string?> OutOption() => new("--out")
    {
        Description = "Where the JSON results go (default artifacts/bench/<scenario>-<UTC time>.json).",
    };

    private static Option<string?> PostgresOption() => new("--postgres")
    {
        Description = "A PostgreSQL connection string: the run creates a database of its own on that server and drops it at the end (default: SQLite in the data folder).",
    };

    private static Command Apply(CliContext context)
    {
        var data = CardCli.DataOption();
        var output = OutOption();
        var postgres = PostgresOption();
        var citizens = new Option<int>("--citizens")
        {
            Description = "Distinct citizens, each with its own card, opening a session and applying once (default 20,000).",
            DefaultValueFactory = _ => 20_000,
        };
        var workers = new Option<int>("--workers")
        {
            Description = "Requests in flight at once in the measured phases (default 32).",
            DefaultValueFactory = _ => 32,
        };
        var warmUp = new Option<int>("--warm-up")
        {
            Description = $"Further citizens whose sessions and applications are sent before the measured phases, not measured, so that these find the paths warm (default {ApplyScenario.DefaultWarmUp:N0}; 0 for none).",
            DefaultValueFactory = _ => ApplyScenario.DefaultWarmUp,
        };
        postgres.Description += " With --name, the server of the generated database instead.";
        var name = new Option<string?>("--name")
        {
            Description = "Apply on a generated database (kangen bench generate --name; with --postgres, kangen_gen_<name> on that server) to measure at its size. " +
                "It is kept with the run's citizens in it; the next run takes new ones (one run at a time on a database). Default: a fresh database of the run's own.",
        };
        var command = new Command("apply",
            "Complete authenticated applications from distinct citizens. Prepare (not measured): cards, a first session, the account verified, " +
            "the application statement and a new session challenge signed by each card. Measured: every citizen's session, then every citizen's application " +
            "(certificate checked cold, signature verified, recorded durably), after --warm-up further citizens did the same unmeasured. " +
            "Checks: no errors, one application recorded per citizen, the audit chain verifies.")
        {
            citizens, workers, warmUp, postgres, name, data, output,
        };
        var limits = new LimitsOptions();
        limits.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!limits.Valid(context, parse))
                return ExitCodes.Usage;
            if (parse.GetValue(citizens) < 1 || parse.GetValue(workers) < 1 || parse.GetValue(warmUp) < 0
                || (long)parse.GetValue(citizens) + parse.GetValue(warmUp) > int.MaxValue)
            {
                context.Error("--citizens と --workers は 1 以上、--warm-up は 0 以上、--citizens と --warm-up の合計は 2,147,483,647 以下 / " +
                    "--citizens 和 --workers 至少为 1，--warm-up 至少为 0，--citizens 与 --warm-up 之和不超过 2,147,483,647 / " +
                    "--citizens and --workers must be at least 1, --warm-up at least 0, and --citizens plus --warm-up at most 2,147,483,647.");
                return ExitCodes.Usage;
            }
            Generate.GeneratedDatabase? generated = null;
            if (parse.GetValue(name) is not null)
            {
                var located = await LocateAsync(context, parse, data, name, postgres, cancellationToken);
                if (located.Database is null)
                    return located.ExitCode;
                if (!located.Exists)
                {
                    var made = $"kangen bench generate --name {located.Database.Name} --people N" + (located.Database.Provider == Kangen.Platform.Storage.StorageProvider.Postgres ? " --postgres ..." : "");
                    context.Error($"生成データベース {located.Database.Name} がありません。先に作成してください: {made} / 没有生成的数据库 {located.Database.Name}，请先创建：{made} / " +
                        $"There is no generated database {located.Database.Name}; make it first: {made}");
                    return ExitCodes.Failure;
                }
                generated = located.Database;
            }
            var settings = new ApplySettings(parse.GetValue(citizens), parse.GetValue(warmUp), parse.GetValue(workers), Folder(CardCli.DataDirectory(parse, data)),
                parse.GetValue(postgres) is { Length: > 0 } server ? server : null, generated);
            return await BenchRunner.RunAsync(context, new ApplyScenario(context, settings), parse.GetValue(output), limits.Read(parse, settings.Folder), cancellationToken);
        });
        return command;
    }

    /// <summary>The generated database options of the operator-side scenarios: <c>--name</c> and <c>--postgres</c>.</summary>
    internal static (Option<string?> Name, Option<string?> Postgres) DatabaseOptions() => (
        new Option<string?>("--name")
        {
            Description = "A generated database to reuse (kangen bench generate --name), or to generate now and keep under that name; default: one of the run's own, removed at the end.",
        },
        new Option<string?>("--postgres")
        {
            Description = "A PostgreSQL connection string: the generated database is kangen_gen_<name> on that server (default: SQLite in the bench folder).",
        });

    /// <summary>
    /// Finds the generated database a scenario runs on; a bad name or an unreachable server is a readable error and its
    /// exit code (2 or 1), with nothing created.
    /// </summary>
    internal static async Task<(Generate.GeneratedDatabase? Database, bool Exists, int ExitCode)> LocateAsync(CliContext context, ParseResult parse,
        Option<string?> data, Option<string?> name, Option<string?> postgres, CancellationToken cancellationToken)
    {
        var server = parse.GetValue(postgres) is { Length: > 0 } given ? given : null;
        var (database, exists, error) = await Generate.GeneratedDatabase.LocateAsync(Folder(CardCli.DataDirectory(parse, data)), parse.GetValue(name), server, cancellationToken);
        if (database is not null)
            return (database, exists, ExitCodes.Ok);
        context.Error("データベースを用意できません / 无法准备数据库 / Cannot prepare the database: " + error);
        return (null, false, error!.StartsWith("--name", StringComparison.Ordinal) ? ExitCodes.Usage : ExitCodes.Failure);
    }

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
        var postgres = PostgresOption();
        var command = new Command("rush", "Admission control at a capacity: a baseline of capacity citizens (a full flow), then factor x capacity citizens at once, each drawing a ticket, waiting, then applying. Checks: no errors, everyone served, in ticket order. With --replicas N --postgres, N platform instances share one database and each citizen's requests go to them in turn.")
        {
            capacity, factor, tick, noAdmission, replicas, postgres, data, output,
        };
        var limits = new LimitsOptions();
        limits.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!limits.Valid(context, parse))
                return ExitCodes.Usage;
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
            return await BenchRunner.RunAsync(context, new RushScenario(context, settings), parse.GetValue(output), limits.Read(parse, settings.Folder), cancellationToken);
        });
        return command;
    }

    private static Command Soak(CliContext context)
    {
        var data = CardCli.DataOption();
        var output = OutOption();
        var minutes = new Option<double>("--minutes")
        {
            Description = "Keep running rounds of the faults until this many minutes have passed (default 0: one round).",
        };
        var citizens = new Option<int>("--citizens")
        {
            Description = "Citizens per fault (default 12; the races use a third each, the flowing faults half before and the rest during the fault).",
            DefaultValueFactory = _ => 12,
        };
        var replicas = new Option<int>("--replicas")
        {
            Description = "kangen serve processes on the PostgreSQL database (default 3).",
            DefaultValueFactory = _ => 3,
        };
        var workers = new Option<int>("--workers")
        {
            Description = "Clients working at once (default 6).",
            DefaultValueFactory = _ => 6,
        };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "A PostgreSQL connection string: each replica fault creates a database of its own there and drops it after. Without it only the SQLite fault runs.",
        };
        var restart = new Option<string?>("--postgres-restart")
        {
            Description = "A shell command that crashes and restarts that PostgreSQL server, e.g. \"KANGEN_PG_DIR=/tmp/kangen-pg-faults KANGEN_PG_PORT=55499 scripts/postgres.sh restart\". " +
                "Never the server other work uses. It runs with KANGEN_PG_HOLD=<file> in its environment and must keep the server down while that file exists " +
                "(scripts/postgres.sh restart does), so that a login sent to each replica meets the outage. Without it the PostgreSQL restart fault is skipped (the summary says so).",
        };
        var only = new Option<string[]>("--only")
        {
            Description = "Run only these faults: " + string.Join(", ", Fault.All.Select(f => f.Name)) + ".",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("soak",
            "Faults injected on purpose while citizens apply and an operator reports grants, then the invariants checked from the database: " +
            "(1) replica-races: a citizen applying from 3 devices at once, each to another kangen serve replica, and two citizens with one account at once (exactly one wins, the others get application.already-exists / application.account-taken); " +
            "(2) replica-killed-during-grants: a replica SIGKILLed mid-stream and restarted while grant batches go round-robin, failed batches resent with the same keys (every grant once, caps kept); " +
            "(3) postgres-restarted-under-load: the server crashed and restarted (--postgres-restart) while applications and grants flow (503 storage.unavailable, retried; nothing half-written); " +
            "(4) sqlite-killed-mid-write: kangen serve on SQLite SIGKILLed mid-write and restarted (integrity_check ok, nothing acknowledged lost). " +
            "Every kangen serve is a child process (dotnet exec kangen.dll serve). The audit chain is verified after each fault. " +
            "Per fault: runs, requests, retries, answers by code, invariant checks; JSON results with --out. Exit code 1 when an invariant failed in any run.")
        {
            minutes, citizens, replicas, workers, postgres, restart, only, data, output,
        };
        var limits = new LimitsOptions();
        limits.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!limits.Valid(context, parse))
                return ExitCodes.Usage;
            var names = parse.GetValue(only) ?? [];
            var unknown = names.Where(n => Fault.All.All(f => f.Name != n)).ToList();
            if (parse.GetValue(minutes) < 0 || parse.GetValue(citizens) < 2 || parse.GetValue(replicas) < 1 || parse.GetValue(workers) < 1 || unknown.Count > 0)
            {
                context.Error("--minutes は 0 以上、--citizens は 2 以上、--replicas と --workers は 1 以上 / --minutes 至少为 0，--citizens 至少为 2，--replicas 和 --workers 至少为 1 / " +
                    "--minutes must be at least 0, --citizens at least 2, --replicas and --workers at least 1" +
                    (unknown.Count > 0 ? "; unknown faults: " + string.Join(", ", unknown) : "."));
                return ExitCodes.Usage;
            }
            var settings = new SoakSettings(Folder(CardCli.DataDirectory(parse, data)),
                parse.GetValue(postgres) is { Length: > 0 } server ? server : null,
                parse.GetValue(restart) is { Length: > 0 } shell ? shell : null,
                parse.GetValue(citizens), parse.GetValue(replicas), parse.GetValue(workers));
            return await BenchRunner.RunAsync(context, new SoakScenario(context, settings, parse.GetValue(minutes), names), parse.GetValue(output),
                limits.Read(parse, settings.Folder), cancellationToken);
        });
        return command;
    }
}

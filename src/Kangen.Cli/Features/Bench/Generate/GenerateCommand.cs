using System.CommandLine;
using System.Globalization;
using Kangen.Cli.Features.Card;
using Spectre.Console;

namespace Kangen.Cli.Features.Bench.Generate;

/// <summary>
/// <c>kangen bench generate</c>: a platform database of N generated people (<see cref="DataGenerator"/>), kept under a
/// name in the bench folder (and, with <c>--postgres</c>, as database <c>kangen_gen_&lt;name&gt;</c> on that server) for
/// the scenarios to reuse with <c>--name</c>. Shows progress with people/s and rows/s, then the rows per table, the
/// size reached and the time taken.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create(CliContext context)
    {
        var data = CardCli.DataOption();
        var people = new Option<long>("--people")
        {
            Description = "How many people to generate (1 and up; 10,000,000 takes a while: see docs/performance.md).",
            Required = true,
        };
        var name = new Option<string?>("--name")
        {
            Description = "The name to keep the database under (a-z, 0-9, _; default people_<N>): <data>/bench/generated/<name>, and kangen_gen_<name> with --postgres.",
        };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "A PostgreSQL connection string: the database kangen_gen_<name> is created on that server and kept (default: SQLite in the bench folder).",
        };
        var replace = new Option<bool>("--replace") { Description = "Drop a database of that name first (default: refuse to touch it)." };
        var seed = new Option<int>("--seed") { Description = "The random seed (default 2022): the same seed, the same people.", DefaultValueFactory = _ => 2022 };
        var batch = new Option<int>("--batch")
        {
            Description = "People per transaction (default 5000).",
            DefaultValueFactory = _ => 5000,
        };
        var command = new Command("generate",
            "Fill a platform database with N people who applied as the real flows record it (person, certificate link with a BENCH- serial no card has, " +
            "submission with the service ID sealed, programs, choice, account, pseudonym, enrolment feed), grants within the caps for 40 % of them, " +
            "and the audit entries of all of it on a valid hash chain. Streamed in batches: memory stays flat whatever N.")
        {
            people, name, postgres, replace, seed, batch, data,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var count = parse.GetValue(people);
            var size = parse.GetValue(batch);
            if (count < 1 || size < 1)
            {
                context.Error("--people と --batch は 1 以上 / --people 和 --batch 至少为 1 / --people and --batch must be at least 1.");
                return ExitCodes.Usage;
            }
            var wanted = parse.GetValue(name) ?? "people_" + count.ToString(CultureInfo.InvariantCulture);
            var server = parse.GetValue(postgres) is { Length: > 0 } given ? given : null;
            var (database, exists, error) = await GeneratedDatabase.LocateAsync(BenchCommand.Folder(CardCli.DataDirectory(parse, data)), wanted, server, cancellationToken);
            if (database is null)
            {
                context.Error("データベースを用意できません / 无法准备数据库 / Cannot prepare the database: " + error);
                return error!.StartsWith("--name", StringComparison.Ordinal) ? ExitCodes.Usage : ExitCodes.Failure;
            }
            if (exists && !parse.GetValue(replace))
            {
                context.Error($"{database.Name} は既にあります / {database.Name} 已存在 / {database.Name} already exists" +
                    $" ({database.PostgresName ?? database.Folder}): reuse it with --name {database.Name}, or give --replace.");
                return ExitCodes.Failure;
            }
            if (exists)
                await database.DropAsync();
            await database.CreateAsync(cancellationToken);
            return await RunAsync(context, database, new GenerateSettings(count, parse.GetValue(seed), size), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, GeneratedDatabase database, GenerateSettings settings, CancellationToken cancellationToken)
    {
        var console = context.Console;
        var where = database.PostgresName is { } pg ? $"PostgreSQL database {pg}" : Path.Combine(database.Folder, "kangen.db");
        console.MarkupLineInterpolated($"Generating / 生成中 / 生成 [bold]{settings.People:N0}[/] people into {where}");
        var counter = new BenchCounter("People", settings.People);
        var generating = DataGenerator.GenerateAsync(database, settings, context.Time, counter, cancellationToken);
        if (console.Profile.Capabilities.Interactive)
        {
            await console.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("People", maxValue: settings.People);
                    var started = context.Time.GetTimestamp();
                    while (!generating.IsCompleted)
                    {
                        var seconds = context.Time.GetElapsedTime(started).TotalSeconds;
                        task.Value = counter.Done;
                        task.Description = $"People {counter.Done:N0} ({(seconds > 0 ? counter.Done / seconds : 0):N0}/s)";
                        await Task.WhenAny(generating, Task.Delay(250, cancellationToken));
                    }
                    task.Value = counter.Done;
                });
        }
        var (summary, error) = await generating;
        if (summary is null)
        {
            context.Error("生成できません / 无法生成 / Cannot generate: " + error);
            return ExitCodes.Failure;
        }
        var table = new Table().Title($"Generated / 生成済み / 已生成: {database.Name}").Border(TableBorder.Rounded)
            .AddColumn("Table").AddColumn(new TableColumn("Rows").RightAligned());
        foreach (var (name, rows) in summary.RowsPerTable)
            table.AddRow(Markup.Escape(name), rows.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("[bold]all[/]", summary.Rows.ToString("N0", CultureInfo.InvariantCulture));
        console.Write(table);
        console.MarkupLineInterpolated(
            $"{summary.People:N0} people, {summary.Rows:N0} rows in {summary.Elapsed.TotalSeconds:N1} s: {summary.PeoplePerSecond:N0} people/s, {summary.RowsPerSecond:N0} rows/s; size {summary.SizeBytes / 1048576.0:N1} MiB");
        console.MarkupLineInterpolated(
            $"Use it / 使う / 使用: kangen bench grants --name {database.Name}{(database.PostgresName is null ? "" : " --postgres <server>")} (key file {database.KeyFile})");
        return ExitCodes.Ok;
    }
}

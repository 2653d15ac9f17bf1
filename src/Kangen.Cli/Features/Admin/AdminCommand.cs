using System.CommandLine;
using Kangen.Cli.Features.Card;
using Kangen.Cli.Features.Serve;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Storage;
using Spectre.Console;

namespace Kangen.Cli.Features.Admin;

/// <summary><c>kangen admin ...</c>: database migrations, the audit log check, staff credentials.</summary>
public static class AdminCommand
{
    /// <summary>The <c>admin</c> command group.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("admin", "Administer the platform: apply migrations, verify the audit log, create staff credentials, rotate the data keys.");
        command.Subcommands.Add(Migrate(context));
        var audit = new Command("audit", "The hash-chained audit log.");
        audit.Subcommands.Add(Verify(context));
        command.Subcommands.Add(audit);
        command.Subcommands.Add(StaffCommands.Token(context));
        command.Subcommands.Add(OperatorCommands.Operator(context));
        command.Subcommands.Add(OperatorCommands.Link(context));
        command.Subcommands.Add(SettlementCommands.Create(context));
        command.Subcommands.Add(AdmissionCommands.Create(context));
        command.Subcommands.Add(SecretsCommands.Create(context));
        return command;
    }

    private static Command Migrate(CliContext context)
    {
        var (data, provider, connection) = (CardCli.DataOption(), PlatformCli.ProviderOption(), PlatformCli.ConnectionOption());
        var command = new Command("migrate", "Apply pending migrations (kangen serve also does this at start).") { data, provider, connection };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (folder, chosen, cs) = PlatformCli.Resolve(parse, data, provider, connection);
            await using var db = PlatformCli.Open(context, folder, chosen, cs);
            if (db is null)
                return ExitCodes.Usage;
            return await Guard(context, async () =>
            {
                var applied = await KangenStorage.MigrateAsync(db, cancellationToken);
                var where = PlatformCli.Describe(chosen, folder, cs);
                if (applied.Count == 0)
                    context.Console.MarkupLineInterpolated($"Up to date: {where}");
                else
                {
                    context.Console.MarkupLineInterpolated($"Applied {applied.Count} migration(s) to {where}:");
                    foreach (var name in applied)
                        context.Console.MarkupLineInterpolated($"  {name}");
                }
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command Verify(CliContext context)
    {
        var (data, provider, connection) = (CardCli.DataOption(), PlatformCli.ProviderOption(), PlatformCli.ConnectionOption());
        var command = new Command("verify",
            "Walk the audit log in order and check every entry's hash and link; exit 1 at the first edited, removed or reordered entry.")
        {
            data, provider, connection,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (folder, chosen, cs) = PlatformCli.Resolve(parse, data, provider, connection);
            // Opening a missing SQLite file creates an empty one: a check must not leave that behind.
            var defaultFile = Path.Combine(folder, "kangen.db");
            if (chosen == StorageProvider.Sqlite && cs is null && !File.Exists(defaultFile))
            {
                context.Error($"データベースがありません / 没有数据库 / No platform database at {defaultFile} (kangen serve or kangen admin migrate creates it).");
                return ExitCodes.Failure;
            }
            await using var db = PlatformCli.Open(context, folder, chosen, cs);
            if (db is null)
                return ExitCodes.Usage;
            return await Guard(context, async () =>
            {
                var result = await AuditVerifier.VerifyAsync(db, cancellationToken);
                if (result.IsIntact)
                {
                    context.Console.MarkupLineInterpolated($"[green]Audit log intact[/]: {result.Count} entries; head {result.HeadHash}");
                    return ExitCodes.Ok;
                }
                context.Error($"監査ログが改ざんされています / 审计日志已被篡改 / The audit log has been tampered with: {result.ProblemCode} at entry {result.ProblemSequence}");
                context.Console.MarkupLineInterpolated($"  {result.Detail}");
                context.Console.MarkupLineInterpolated($"  {result.Count} entries verified before it; last good hash {result.HeadHash}");
                return ExitCodes.Failure;
            });
        });
        return command;
    }

    /// <summary>Database failures (unreachable server, missing tables) become a readable error and exit 1.</summary>
    internal static async Task<int> Guard(CliContext context, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (System.Data.Common.DbException e)
        {
            context.Error($"データベースエラー / 数据库错误 / Database error: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            context.Error($"データベースエラー / 数据库错误 / Database error: {e.Message}");
        }
        return ExitCodes.Failure;
    }
}

using System.CommandLine;
using System.Globalization;
using Kangen.Cli.Features.Card;
using Kangen.Cli.Features.Serve;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;

namespace Kangen.Cli.Features.Admin;

/// <summary>
/// <c>kangen admin secrets show|rotate|reseal|retire</c>: the platform's data keys (the key file every replica reads,
/// <c>Kangen:Secrets:KeyFile</c>) and the rows they seal. These work on the key file and the database directly, not
/// over the platform's HTTP API: the file lives beside the replicas, resealing needs the key bytes, and no key may
/// travel over the network or depend on which replica (old file or new) answers. Nothing prints a key's bytes.
/// </summary>
public static class SecretsCommands
{
    /// <summary>The environment variable naming the key file, as <c>kangen serve</c> reads <c>Kangen:Secrets:KeyFile</c>.</summary>
    public const string KeyFileVariable = "Kangen__Secrets__KeyFile";

    private const string Order =
        "Rotation, in order: (1) kangen admin secrets rotate; (2) copy the key file to every replica (all of them, before restarting any); " +
        "(3) restart the replicas one by one (a replica still running opens values sealed with the new key by re-reading its copy of the file); " +
        "(4) kangen admin secrets reseal; (5) after at least 20 minutes (account verifications in flight are sealed too) and once " +
        "kangen admin secrets show counts 0 rows under the old key, kangen admin secrets retire <old-id>, and copy the file again.";

    /// <summary>The <c>secrets</c> group.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("secrets",
            "The data keys that seal payment service IDs and registrations at rest (AES-256-GCM) and hash phone digits: show them, rotate, reseal, retire. " + Order);
        command.Subcommands.Add(Show(context));
        command.Subcommands.Add(Rotate(context));
        command.Subcommands.Add(Reseal(context));
        command.Subcommands.Add(Retire(context));
        return command;
    }

    private static Option<string?> KeyFileOption() => new("--key-file")
    {
        Description = $"The key file (default: ${KeyFileVariable}, else <data>/platform/secrets.json, where kangen serve keeps it without Kangen:Secrets:KeyFile).",
    };

    private static string KeyFile(ParseResult parse, Option<string?> keyFile, string data) =>
        Path.GetFullPath(parse.GetValue(keyFile) is { Length: > 0 } given ? given
            : Environment.GetEnvironmentVariable(KeyFileVariable) is { Length: > 0 } variable ? variable
            : SecretKeys.DefaultPath(data));

    private static Command Show(CliContext context)
    {
        var (data, provider, connection, keyFile) = (CardCli.DataOption(), PlatformCli.ProviderOption(), PlatformCli.ConnectionOption(), KeyFileOption());
        var command = new Command("show", "The key ids of the key file (which one seals new values) and how many rows each seals; never the keys themselves.")
        {
            data, provider, connection, keyFile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (folder, chosen, cs) = PlatformCli.Resolve(parse, data, provider, connection);
            if (ReadKeys(context, KeyFile(parse, keyFile, folder)) is not { } keys)
                return ExitCodes.Failure;
            if (MissingDatabase(context, folder, chosen, cs))
                return ExitCodes.Failure;
            await using var db = PlatformCli.Open(context, folder, chosen, cs);
            if (db is null)
                return ExitCodes.Usage;
            return await AdminCommand.Guard(context, async () =>
            {
                var counts = await Rows(context, db, keys).CountAsync(cancellationToken);
                var table = new Table().Border(TableBorder.Rounded).AddColumn("Key").AddColumn("Use");
                foreach (var column in SealedRows.Columns)
                    table.AddColumn(new TableColumn(column).RightAligned());
                var ids = keys.SealingKeyIds.Concat(counts.Select(c => c.KeyId).Where(id => !keys.SealingKeyIds.Contains(id)).Distinct()).ToArray();
                foreach (var id in ids)
                {
                    var use = id == keys.CurrentSealingKeyId ? "[green]current: seals new values[/]"
                        : keys.SealingKeyIds.Contains(id) ? "opens what it sealed"
                        : "[red]not in the key file: these rows do not open[/]";
                    var cells = new List<string> { Markup.Escape(id), use };
                    cells.AddRange(SealedRows.Columns.Select(column =>
                        (counts.SingleOrDefault(c => c.Column == column && c.KeyId == id)?.Rows ?? 0).ToString("N0", CultureInfo.InvariantCulture)));
                    table.AddRow(cells.ToArray());
                }
                table.AddRow(Markup.Escape(keys.HashKeyId), "hashing key (phone last 4 digits, fingerprints; does not rotate)", "-", "-");
                context.Console.MarkupLineInterpolated($"Key file {KeyFile(parse, keyFile, folder)}; {PlatformCli.Describe(chosen, folder, cs)}");
                context.Console.Write(table);
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command Rotate(CliContext context)
    {
        var (data, keyFile) = (CardCli.DataOption(), KeyFileOption());
        var command = new Command("rotate",
            "Add a new sealing key to the key file and make it the one that seals new values (older keys keep opening what they sealed). " +
            "The file is replaced atomically with mode 0600. " + Order)
        {
            data, keyFile,
        };
        command.SetAction(parse =>
        {
            var path = KeyFile(parse, keyFile, Path.GetFullPath(CardCli.DataDirectory(parse, data)));
            if (!File.Exists(path))
            {
                ReadKeys(context, path); // says there is no key file, and creates no lock file beside nothing
                return ExitCodes.Failure;
            }
            using var held = LockKeys(context, path);
            if (held is null || ReadKeys(context, path) is not { } keys)
                return ExitCodes.Failure;
            var rotated = keys.Rotate();
            if (!Save(context, rotated, path))
                return ExitCodes.Failure;
            context.Console.MarkupLineInterpolated($"[green]New sealing key[/] {rotated.CurrentSealingKeyId} in {path}; it seals new values from now on.");
            context.Console.MarkupLineInterpolated($"  sealing keys: {string.Join(", ", rotated.SealingKeyIds)} (current {rotated.CurrentSealingKeyId}); hashing key {rotated.HashKeyId} unchanged");
            context.Console.MarkupLine("次に: 全レプリカへ鍵ファイルを配布し再起動してから reseal / 接下来：先把密钥文件分发到所有副本并重启，再执行 reseal / " +
                "Next: copy this file to every replica, restart them, then run [bold]kangen admin secrets reseal[/].");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Reseal(CliContext context)
    {
        var (data, provider, connection, keyFile) = (CardCli.DataOption(), PlatformCli.ProviderOption(), PlatformCli.ConnectionOption(), KeyFileOption());
        var batch = new Option<int>("--batch-size") { Description = "Rows per transaction.", DefaultValueFactory = _ => 500 };
        var command = new Command("reseal",
            "Seal again with the current key every value sealed with an older one, in batches. Safe while replicas serve (a row is " +
            "rewritten only if it still holds what was read) and resumable (run it again to finish). Run it after every replica has the new file. " + Order)
        {
            data, provider, connection, keyFile, batch,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(batch) < 1)
            {
                context.Error("--batch-size must be at least 1.");
                return ExitCodes.Usage;
            }
            var (folder, chosen, cs) = PlatformCli.Resolve(parse, data, provider, connection);
            if (ReadKeys(context, KeyFile(parse, keyFile, folder)) is not { } keys)
                return ExitCodes.Failure;
            if (MissingDatabase(context, folder, chosen, cs))
                return ExitCodes.Failure;
            await using var db = PlatformCli.Open(context, folder, chosen, cs);
            if (db is null)
                return ExitCodes.Usage;
            return await AdminCommand.Guard(context, async () =>
            {
                var rows = Rows(context, db, keys);
                var before = await rows.CountAsync(cancellationToken);
                var total = await rows.CountOldAsync(cancellationToken);
                ResealSummary? summary = null;
                await context.Console.Progress().AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask($"Resealing with {keys.CurrentSealingKeyId}", maxValue: Math.Max(1, total));
                        summary = await rows.ResealAsync(parse.GetValue(batch), new Inline(n => task.Increment(n)), cancellationToken);
                        task.Value = task.MaxValue;
                    });
                context.Console.MarkupLineInterpolated($"Resealed with {keys.CurrentSealingKeyId}; {PlatformCli.Describe(chosen, folder, cs)}");
                var table = new Table().Border(TableBorder.Rounded).AddColumn("Former key").AddColumn(new TableColumn("Rows before").RightAligned())
                    .AddColumn(new TableColumn("Resealed").RightAligned()).AddColumn(new TableColumn("Did not open").RightAligned());
                foreach (var id in before.Select(c => c.KeyId).Where(id => id != keys.CurrentSealingKeyId).Distinct().Order(StringComparer.Ordinal))
                {
                    table.AddRow(Markup.Escape(id), N(before.Where(c => c.KeyId == id).Sum(c => c.Rows)),
                        N(summary!.Resealed.GetValueOrDefault(id)), N(summary.Unopenable.GetValueOrDefault(id)));
                }
                context.Console.Write(table);
                if (summary!.Changed > 0)
                    context.Console.MarkupLineInterpolated($"{summary.Changed} row(s) changed by the platform meanwhile (sealed anew by it); run reseal again to check.");
                var unopenable = summary.Unopenable.Values.Sum();
                if (unopenable > 0)
                {
                    context.Error($"開けない値があります / 有无法打开的值 / {unopenable} sealed value(s) did not open with this key file (a key missing from it, or altered rows); they are left as they are.");
                    return ExitCodes.Failure;
                }
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command Retire(CliContext context)
    {
        var (data, provider, connection, keyFile) = (CardCli.DataOption(), PlatformCli.ProviderOption(), PlatformCli.ConnectionOption(), KeyFileOption());
        var id = new Argument<string>("key-id") { Description = "The old sealing key to remove (s1, s2, ...); never the current one." };
        var command = new Command("retire",
            "Remove an old sealing key from the key file. Refused (exit 1) while any row is still sealed with it, and for the current key. " +
            "The rows are counted again after the file is saved: if a replica still sealing with the key added some meanwhile, the key is put back " +
            "and retire exits 1. Retire only after every replica has run with the new file for 20 minutes and reseal has finished. " + Order)
        {
            id, data, provider, connection, keyFile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (folder, chosen, cs) = PlatformCli.Resolve(parse, data, provider, connection);
            var path = KeyFile(parse, keyFile, folder);
            if (ReadKeys(context, path) is null)
                return ExitCodes.Failure;
            using var held = LockKeys(context, path);
            if (held is null || ReadKeys(context, path) is not { } keys)
                return ExitCodes.Failure;
            var keyId = parse.GetValue(id)!;
            if (keyId == keys.CurrentSealingKeyId)
            {
                context.Error($"{keyId} は現在の鍵です / {keyId} 是当前密钥 / {keyId} is the current sealing key: it seals every new value and cannot be retired (rotate first).");
                return ExitCodes.Failure;
            }
            if (!keys.SealingKeyIds.Contains(keyId))
            {
                context.Error($"{keyId} は鍵ファイルにありません / 密钥文件中没有 {keyId} / {path} has no sealing key {keyId} (it has {string.Join(", ", keys.SealingKeyIds)}).");
                return ExitCodes.Failure;
            }
            if (MissingDatabase(context, folder, chosen, cs))
                return ExitCodes.Failure;
            await using var db = PlatformCli.Open(context, folder, chosen, cs);
            if (db is null)
                return ExitCodes.Usage;
            return await AdminCommand.Guard(context, async () =>
            {
                var rows = Rows(context, db, keys);
                var remaining = await rows.CountWithAsync(keyId, cancellationToken);
                if (remaining > 0)
                {
                    context.Error($"{keyId} でまだ {remaining} 行が封印されています / 仍有 {remaining} 行由 {keyId} 加密 / {remaining} row(s) are still sealed with {keyId}: " +
                        "run kangen admin secrets reseal first (after every replica has the new key file).");
                    return ExitCodes.Failure;
                }
                var retired = keys.Retire(keyId);
                if (!Save(context, retired, path))
                    return ExitCodes.Failure;
                if (AfterRetireSave.Value is { } hook)
                    await hook();
                // A replica that has not yet looked at its file again may have sealed with the key since the count: those
                // rows would never open again, so the key goes back into the file.
                var late = await rows.CountWithAsync(keyId, cancellationToken);
                if (late > 0)
                {
                    var restored = Save(context, keys, path);
                    context.Error($"{keyId} で新たに {late} 行が封印されました / 刚有 {late} 行由 {keyId} 加密 / {late} row(s) were sealed with {keyId} while it was being retired " +
                        "(a replica still seals with it: copy the key file to every replica and wait until each has sealed with the current key). " +
                        (restored ? $"{path} is restored with {keyId}; nothing was retired. Run kangen admin secrets reseal, then retire again."
                            : $"{path} could NOT be restored: it lacks {keyId}, and those rows do not open until the key is put back from a copy of the previous file."));
                    return ExitCodes.Failure;
                }
                // The file is saved before the audit entry: the entry cannot then record a retirement that did not happen, and
                // if the entry cannot be written the key goes back into the file, so that neither is left without the other.
                try
                {
                    await rows.AuditRetiredAsync(keyId, cancellationToken);
                }
                catch (Exception e) when (e is System.Data.Common.DbException or DbUpdateException or InvalidOperationException)
                {
                    var restored = Save(context, keys, path);
                    context.Error($"監査ログに記録できません / 无法写入审计日志 / The audit entry for retiring {keyId} could not be written ({e.Message}); " +
                        (restored ? $"{path} is restored with {keyId}: nothing was retired."
                            : $"{path} could NOT be restored: it no longer has {keyId} and the audit log does not say so."));
                    return ExitCodes.Failure;
                }
                context.Console.MarkupLineInterpolated($"[green]Retired[/] {keyId} from {path}; sealing keys now {string.Join(", ", retired.SealingKeyIds)} (current {retired.CurrentSealingKeyId}).");
                context.Console.MarkupLine("Copy this file to every replica (they keep the retired key in memory until restarted; nothing needs it any more).");
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static SealedRows Rows(CliContext context, KangenDbContext db, SecretKeys keys) => new(db, new SecretBox(keys, context.Time), context.Time);

    private static SecretKeys? ReadKeys(CliContext context, string path)
    {
        try
        {
            return SecretKeys.Read(path);
        }
        catch (InvalidOperationException e)
        {
            context.Error($"鍵ファイルを読めません / 无法读取密钥文件 / Cannot read the key file: {e.Message} (--key-file, ${KeyFileVariable}).");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Error($"鍵ファイルを読めません / 无法读取密钥文件 / Cannot read the key file {path}: {e.Message}");
        }
        return null;
    }

    private static bool Save(CliContext context, SecretKeys keys, string path)
    {
        try
        {
            keys.Save(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Error($"鍵ファイルを書けません / 无法写入密钥文件 / Cannot write the key file {path}: {e.Message}");
        }
        return false;
    }

    /// <summary>The key file's lock for a read-modify-write, or null (said why) when another command holds it.</summary>
    private static IDisposable? LockKeys(CliContext context, string path)
    {
        try
        {
            return SecretKeys.Lock(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Error($"鍵ファイルは他のコマンドが使用中です / 密钥文件正被另一个命令使用 / Cannot lock the key file {path}.lock " +
                $"(another kangen admin secrets rotate or retire is running?): {e.Message}");
            return null;
        }
    }

    /// <summary>Tests run this between retire's save and its second count, as a replica sealing meanwhile would.</summary>
    internal static readonly AsyncLocal<Func<Task>?> AfterRetireSave = new();

    /// <summary>Opening a missing SQLite file creates an empty one: a key command must not leave that behind.</summary>
    private static bool MissingDatabase(CliContext context, string folder, StorageProvider provider, string? connection)
    {
        var file = Path.Combine(folder, "kangen.db");
        if (provider != StorageProvider.Sqlite || connection is not null || File.Exists(file))
            return false;
        context.Error($"データベースがありません / 没有数据库 / No platform database at {file} (--data, --provider, --connection).");
        return true;
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> would post to the thread pool, out of order).</summary>
    private sealed class Inline(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}

using System.Data.Common;
using System.Text.RegularExpressions;
using Kangen.Cli.Features.Admin;
using Kangen.Platform.Features.Applications;
using Kangen.Platform.Features.Registrations;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kangen.Cli.Tests.Features.Admin;

/// <summary>
/// <c>kangen admin secrets show|rotate|reseal|retire</c> on the demo's SQLite database and on a PostgreSQL one: the
/// rotation order the help gives, the refusals, and no key bytes, account IDs or phone digits printed or stored.
/// </summary>
public sealed class SecretsCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kangen-secrets-cli-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task After_the_demo_rotate_reseal_and_retire_move_every_sealed_row_to_the_new_key()
    {
        var (demo, tour) = await CliRun.RunAsync(TimeProvider.System, "demo", "--exit", "--data", _root);
        Assert.True(demo == ExitCodes.Ok, tour);
        var data = Path.Combine(_root, "demo");
        var keyFile = SecretKeys.DefaultPath(data);
        var accountIds = DemoAccountIds(tour);
        Assert.Equal(3, accountIds.Count); // taro, yui and hanako (the account hanako was refused is taro's)
        await AssertNoPlainSecretsAsync(data, accountIds);

        var (shown, show) = await CliRun.RunAsync("admin", "secrets", "show", "--data", data);
        Assert.True(shown == 0, show);
        Assert.Matches(@"s1\s*│\s*current: seals new values\s*│\s*3\s*│\s*2", show); // 3 applications, 2 registrations
        Assert.Contains("h1", show);

        // The current key is never retired.
        var (current, refusal) = await CliRun.RunAsync("admin", "secrets", "retire", "s1", "--data", data);
        Assert.Equal(ExitCodes.Failure, current);
        Assert.Contains("s1 is the current sealing key", refusal);

        var before = await File.ReadAllTextAsync(keyFile);
        var (rotated, rotate) = await CliRun.RunAsync("admin", "secrets", "rotate", "--data", data);
        Assert.True(rotated == 0, rotate);
        Assert.Contains("New sealing key s2", rotate);
        Assert.Contains("s1, s2 (current s2)", rotate);
        Assert.Contains("reseal", rotate);
        var keys = SecretKeys.Read(keyFile);
        Assert.Equal("s2", keys.CurrentSealingKeyId);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        AssertNoKeyBytes(before, show + rotate);
        AssertNoKeyBytes(await File.ReadAllTextAsync(keyFile), rotate);

        // Rows are still sealed with s1: retiring it is refused and the file is untouched.
        var (early, earlyOutput) = await CliRun.RunAsync("admin", "secrets", "retire", "s1", "--data", data);
        Assert.Equal(ExitCodes.Failure, early);
        Assert.Contains("5 row(s) are still sealed with s1", earlyOutput);
        Assert.Equal(["s1", "s2"], SecretKeys.Read(keyFile).SealingKeyIds);

        var (resealed, reseal) = await CliRun.RunAsync("admin", "secrets", "reseal", "--data", data, "--batch-size", "2");
        Assert.True(resealed == 0, reseal);
        Assert.Matches(@"s1\s*│\s*5\s*│\s*5\s*│\s*0", reseal);
        var (again, second) = await CliRun.RunAsync("admin", "secrets", "reseal", "--data", data);
        Assert.True(again == 0, second);
        Assert.DoesNotContain("s1", second);
        var (after, afterShow) = await CliRun.RunAsync("admin", "secrets", "show", "--data", data);
        Assert.Equal(0, after);
        Assert.Matches(@"s1\s*│\s*opens what it sealed\s*│\s*0\s*│\s*0", afterShow);
        Assert.Matches(@"s2\s*│\s*current: seals new values\s*│\s*3\s*│\s*2", afterShow);

        var (retired, retire) = await CliRun.RunAsync("admin", "secrets", "retire", "s1", "--data", data);
        Assert.True(retired == 0, retire);
        Assert.Contains("Retired s1", retire);
        var final = SecretKeys.Read(keyFile);
        Assert.Equal(["s2"], final.SealingKeyIds);
        AssertNoKeyBytes(await File.ReadAllTextAsync(keyFile), reseal + afterShow + retire);

        // Every sealed value opens with s2 alone; the audit chain took the reseal and the retirement and is intact.
        var box = new SecretBox(final);
        await using (var db = KangenStorage.CreateContext(StorageProvider.Sqlite, $"Data Source={Path.Combine(data, "kangen.db")}"))
        {
            foreach (var sealedId in await db.ApplicationSubmissions.Select(a => a.SealedServiceId).ToListAsync())
            {
                Assert.True(box.TryOpen(ApplicationRecorder.ServiceIdPurpose, sealedId, out var id));
                Assert.Contains(id, accountIds.Select(Normalised));
            }
            foreach (var row in await db.Registrations.ToListAsync())
                Assert.True(box.TryOpen(BuiltInRegistry.Purpose(row.Kind), row.Sealed, out _));
            Assert.Equal(["secrets.key-retired", "secrets.resealed"],
                (await db.AuditLog.Where(e => e.Action.StartsWith("secrets.")).Select(e => e.Action).ToListAsync()).Order(StringComparer.Ordinal));
        }
        var (verified, verify) = await CliRun.RunAsync("admin", "audit", "verify", "--data", data);
        Assert.True(verified == 0, verify);
        await AssertNoPlainSecretsAsync(data, accountIds);
    }

    [Fact]
    public async Task Secrets_commands_work_on_postgresql_with_the_key_file_given()
    {
        var admin = Environment.GetEnvironmentVariable("KANGEN_TEST_POSTGRES") is { Length: > 0 } value
            ? value : throw new InvalidOperationException("KANGEN_TEST_POSTGRES is not set (scripts/postgres.sh url).");
        var name = "kangen_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        try
        {
            var keyFile = Path.Combine(_root, "keys", "secrets.json");
            Directory.CreateDirectory(Path.GetDirectoryName(keyFile)!);
            SecretKeys.CreateNew().Save(keyFile);
            string[] db = ["--provider", "postgres", "--connection", cs, "--key-file", keyFile, "--data", Path.Combine(_root, "unused")];
            Assert.Equal(0, (await CliRun.RunAsync(["admin", "migrate", .. db[..4]])).ExitCode);
            await SeedAsync(StorageProvider.Postgres, cs, new SecretBox(SecretKeys.Read(keyFile)), people: 7);

            Assert.Equal(0, (await CliRun.RunAsync(["admin", "secrets", "rotate", .. db[4..6]])).ExitCode);
            var (refused, refusal) = await CliRun.RunAsync(["admin", "secrets", "retire", "s1", .. db]);
            Assert.Equal(ExitCodes.Failure, refused);
            Assert.Contains("14 row(s) are still sealed with s1", refusal);
            var (resealed, reseal) = await CliRun.RunAsync(["admin", "secrets", "reseal", "--batch-size", "3", .. db]);
            Assert.True(resealed == 0, reseal);
            Assert.Matches(@"s1\s*│\s*14\s*│\s*14\s*│\s*0", reseal);
            var (retired, retire) = await CliRun.RunAsync(["admin", "secrets", "retire", "s1", .. db]);
            Assert.True(retired == 0, retire);
            var (shown, show) = await CliRun.RunAsync(["admin", "secrets", "show", .. db]);
            Assert.True(shown == 0, show);
            Assert.Matches(@"s2\s*│\s*current: seals new values\s*│\s*7\s*│\s*7", show);
            Assert.DoesNotMatch(@"\bs1\b", show);
            var box = new SecretBox(SecretKeys.Read(keyFile));
            await using var context = KangenStorage.CreateContext(StorageProvider.Postgres, cs);
            Assert.All(await context.ApplicationSubmissions.Select(a => a.SealedServiceId).ToListAsync(),
                s => Assert.True(box.TryOpen(ApplicationRecorder.ServiceIdPurpose, s, out var id) && id.StartsWith("9900", StringComparison.Ordinal)));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Secrets_commands_need_an_existing_key_file_and_database_and_create_neither()
    {
        var data = Path.Combine(_root, "empty");

        var (rotate, rotateOutput) = await CliRun.RunAsync("admin", "secrets", "rotate", "--data", data);
        var (show, showOutput) = await CliRun.RunAsync("admin", "secrets", "show", "--data", data);

        Assert.Equal(ExitCodes.Failure, rotate);
        Assert.Contains("no key file", rotateOutput);
        Assert.Equal(ExitCodes.Failure, show);
        Assert.False(Directory.Exists(data));

        SecretKeys.Load(null, data);
        var (noDb, noDbOutput) = await CliRun.RunAsync("admin", "secrets", "reseal", "--data", data);
        Assert.Equal(ExitCodes.Failure, noDb);
        Assert.Contains("No platform database", noDbOutput);
        Assert.False(File.Exists(Path.Combine(data, "kangen.db")));
        var (unknown, unknownOutput) = await CliRun.RunAsync("admin", "secrets", "retire", "s7", "--data", data);
        Assert.Equal(ExitCodes.Failure, unknown);
        Assert.Contains("has no sealing key s7", unknownOutput);
    }

    [Fact]
    public async Task Retire_puts_the_key_back_when_a_replica_seals_with_it_after_the_count()
    {
        var (data, cs) = await SeededSqliteAsync();
        var stillOld = new SecretBox(SecretKeys.Read(SecretKeys.DefaultPath(data))); // a replica not yet on the new file
        await RotateAndResealAsync(data);

        SecretsCommands.AfterRetireSave.Value = () => SeedAsync(StorageProvider.Sqlite, cs, stillOld, people: 1, first: 100);
        var (retired, output) = await CliRun.RunAsync("admin", "secrets", "retire", "s1", "--data", data);
        SecretsCommands.AfterRetireSave.Value = null;

        Assert.Equal(ExitCodes.Failure, retired);
        Assert.Contains("2 row(s) were sealed with s1 while it was being retired", Flat(output));
        Assert.Contains("restored with s1; nothing was retired", Flat(output));
        Assert.Equal(["s1", "s2"], SecretKeys.Read(SecretKeys.DefaultPath(data)).SealingKeyIds);
    }

    [Fact]
    public async Task Retire_puts_the_key_back_when_its_audit_entry_cannot_be_written()
    {
        var (data, cs) = await SeededSqliteAsync();
        await RotateAndResealAsync(data);
        await using (var connection = new SqliteConnection(cs))
        {
            await connection.OpenAsync();
            await using var trigger = connection.CreateCommand();
            trigger.CommandText = "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused by the test'); END";
            await trigger.ExecuteNonQueryAsync();
        }

        var (retired, output) = await CliRun.RunAsync("admin", "secrets", "retire", "s1", "--data", data);

        Assert.Equal(ExitCodes.Failure, retired);
        Assert.Contains("The audit entry for retiring s1 could not be written", Flat(output));
        Assert.Contains("restored with s1: nothing was retired", Flat(output));
        Assert.Equal(["s1", "s2"], SecretKeys.Read(SecretKeys.DefaultPath(data)).SealingKeyIds);
    }

    [Fact]
    public async Task Rotate_is_refused_while_another_command_holds_the_key_file()
    {
        var data = Path.Combine(_root, "locked");
        var keyFile = SecretKeys.DefaultPath(data);
        SecretKeys.Load(null, data);
        var before = await File.ReadAllTextAsync(keyFile);

        int rotated;
        string output;
        using (SecretKeys.Lock(keyFile))
            (rotated, output) = await CliRun.RunAsync("admin", "secrets", "rotate", "--data", data);

        Assert.Equal(ExitCodes.Failure, rotated);
        Assert.Contains("Cannot lock the key file", Flat(output));
        Assert.Equal(before, await File.ReadAllTextAsync(keyFile));
        Assert.Equal(0, (await CliRun.RunAsync("admin", "secrets", "rotate", "--data", data)).ExitCode);
    }

    /// <summary>A migrated SQLite database with a key file and two people sealed with s1.</summary>
    private async Task<(string Data, string ConnectionString)> SeededSqliteAsync()
    {
        var data = Path.Combine(_root, "seeded");
        Assert.Equal(0, (await CliRun.RunAsync("admin", "migrate", "--data", data)).ExitCode);
        var cs = $"Data Source={Path.Combine(data, "kangen.db")}";
        await SeedAsync(StorageProvider.Sqlite, cs, new SecretBox(SecretKeys.Load(null, data)), people: 2);
        return (data, cs);
    }

    /// <summary>The output without the console's line wrapping.</summary>
    private static string Flat(string output) => Regex.Replace(output, @"\s+", " ");

    private static async Task RotateAndResealAsync(string data)
    {
        Assert.Equal(0, (await CliRun.RunAsync("admin", "secrets", "rotate", "--data", data)).ExitCode);
        var (resealed, reseal) = await CliRun.RunAsync("admin", "secrets", "reseal", "--data", data);
        Assert.True(resealed == 0, reseal);
    }

    /// <summary>People, each with an application and a registration sealed with <paramref name="box"/>.</summary>
    private static async Task SeedAsync(StorageProvider provider, string connectionString, SecretBox box, int people, int first = 0)
    {
        await using var db = KangenStorage.CreateContext(provider, connectionString);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        for (var i = first; i < first + people; i++)
        {
            var person = new Person { Id = Guid.NewGuid(), MyKeyId = $"SEED{i:D4}", CreatedAt = now, CardHeldSince = now };
            db.Persons.Add(person);
            db.ApplicationSubmissions.Add(new ApplicationSubmission
            {
                Id = Guid.CreateVersion7(), RequesterId = person.Id, IdempotencyKeyHash = $"k{i}", RequestHash = $"r{i}", PersonId = person.Id,
                Campaign = "mynapoint-phase2", CampaignVersion = 1, Service = "demo-pay", TermsVersion = "1", AccountReference = $"ref-{i}",
                SealedServiceId = box.Seal(ApplicationRecorder.ServiceIdPurpose, $"9900{i:D12}"), Actor = "self", Channel = "cli",
                StatementHash = "s", Serial = $"serial-{i}", Signature = "sig", RecordedAt = now,
            });
            db.Registrations.Add(new Registration
            {
                PersonId = person.Id, Kind = RegistrationKinds.HealthInsurance, RegisteredAt = now, UpdatedAt = now, Channel = "cli", Summary = "-",
                Fingerprint = box.Hash(BuiltInRegistry.Purpose(RegistrationKinds.HealthInsurance), $"{i}"),
                Sealed = box.Seal(BuiltInRegistry.Purpose(RegistrationKinds.HealthInsurance), $"{{\"number\":\"{i}\"}}"),
            });
        }
        await db.SaveChangesAsync();
    }

    /// <summary>The account field values the demo's operators opened, as the tour printed them (typed form).</summary>
    internal static IReadOnlyList<string> DemoAccountIds(string tour) =>
        Regex.Matches(tour, @"opens a \S+ account for \w+ in its own store \(reference [^,]+, holder [^)]+\): ([^\n]+)")
            .Select(m => m.Groups[1].Value.Split(", ").Select(f => f[(f.IndexOf('=', StringComparison.Ordinal) + 1)..]).OrderByDescending(v => v.Length).First())
            .Distinct().ToArray();

    private static string Normalised(string typed) => new(typed.Where(char.IsLetterOrDigit).ToArray());

    private static void AssertNoKeyBytes(string keyFileJson, string output)
    {
        foreach (Match key in Regex.Matches(keyFileJson, "\"([A-Za-z0-9+/]{40,}={0,2})\""))
        {
            Assert.DoesNotContain(key.Groups[1].Value, output, StringComparison.Ordinal);
            Assert.DoesNotContain(key.Groups[1].Value[..16], output, StringComparison.Ordinal);
        }
    }

    /// <summary>No text column of any table holds an account ID (typed or normalised) or the demo's phone digits.</summary>
    private static async Task AssertNoPlainSecretsAsync(string data, IReadOnlyList<string> accountIds)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "kangen.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        }
        var scanned = 0;
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            await using DbDataReader reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    if (reader.IsDBNull(i) || reader.GetValue(i) is not string text)
                        continue;
                    scanned++;
                    foreach (var id in accountIds.Concat(accountIds.Select(Normalised)))
                        Assert.False(text.Contains(id, StringComparison.Ordinal), $"an account ID found in {table}.{reader.GetName(i)}");
                    // The demo's phone digits (taro 1234, hanako 9876) as values of their own, not inside hashes or ids.
                    foreach (var phone in new[] { "1234", "9876" })
                        Assert.False(Regex.IsMatch(text, $"(?<![0-9A-Za-z+/:.-]){phone}(?![0-9A-Za-z+/=:.-])"), $"phone digits {phone} found in {table}.{reader.GetName(i)}: {text}");
                }
            }
        }
        Assert.True(scanned > 100, $"only {scanned} text values scanned");
    }
}

using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kangen.Cli.Tests.Features.Admin;

public class AdminCommandTests
{
    private static async Task<string> MigratedDataFolderAsync()
    {
        var root = Directory.CreateTempSubdirectory("kangen-admin-tests-").FullName;
        var data = Path.Combine(root, "data");
        Assert.Equal(0, (await CliRun.RunAsync("admin", "migrate", "--data", data)).ExitCode);
        return data;
    }

    private static async Task AppendAuditEntriesAsync(string connectionString, int count, bool postgres)
    {
        await using var db = postgres
            ? Kangen.Platform.Storage.KangenStorage.CreateContext(Kangen.Platform.Storage.StorageProvider.Postgres, connectionString)
            : Kangen.Platform.Storage.KangenStorage.CreateContext(Kangen.Platform.Storage.StorageProvider.Sqlite, connectionString);
        for (var i = 0; i < count; i++)
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await Kangen.Platform.Features.Audit.AuditIntent.AppendAllAsync(db, DateTimeOffset.UnixEpoch.AddDays(20000 + i),
                [new("admin", "test.entry", $"test:{i}", new { i })], default);
            await transaction.CommitAsync();
        }
    }

    [Fact]
    public async Task Migrate_applies_the_migrations_once_and_then_reports_up_to_date()
    {
        var root = Directory.CreateTempSubdirectory("kangen-admin-tests-").FullName;
        var data = Path.Combine(root, "data");

        var (code, output) = await CliRun.RunAsync("admin", "migrate", "--data", data);
        Assert.True(code == 0, output);
        Assert.Contains("Applied", output);
        Assert.Contains("_Initial", output);
        Assert.True(File.Exists(Path.Combine(data, "kangen.db")));

        var (again, second) = await CliRun.RunAsync("admin", "migrate", "--data", data);
        Assert.Equal(0, again);
        Assert.Contains("Up to date", second);
    }

    [Fact]
    public async Task Audit_verify_of_a_folder_without_a_database_fails_and_creates_nothing()
    {
        var data = Directory.CreateTempSubdirectory("kangen-admin-tests-").FullName;

        var (code, output) = await CliRun.RunAsync("admin", "audit", "verify", "--data", data);

        Assert.Equal(1, code);
        Assert.Contains("kangen.db", output);
        Assert.Empty(Directory.GetFileSystemEntries(data));
    }

    [Fact]
    public async Task Audit_verify_passes_an_intact_log_and_fails_an_edited_one()
    {
        var data = await MigratedDataFolderAsync();
        var connection = $"Data Source={Path.Combine(data, "kangen.db")}";
        await AppendAuditEntriesAsync(connection, 4, postgres: false);

        var (ok, output) = await CliRun.RunAsync("admin", "audit", "verify", "--data", data);
        Assert.True(ok == 0, output);
        Assert.Contains("4 entries", output);

        await using (var sqlite = new SqliteConnection(connection))
        {
            await sqlite.OpenAsync();
            await using var edit = sqlite.CreateCommand();
            edit.CommandText = "UPDATE audit_log SET actor = 'someone-else' WHERE sequence = 2";
            Assert.Equal(1, await edit.ExecuteNonQueryAsync());
        }
        SqliteConnection.ClearAllPools();

        var (failed, report) = await CliRun.RunAsync("admin", "audit", "verify", "--data", data);
        Assert.Equal(1, failed);
        Assert.Contains("audit.entry-edited", report);
        Assert.Contains("entry 2", report);
    }

    [Fact]
    public async Task Audit_verify_fails_a_log_with_a_deleted_entry()
    {
        var data = await MigratedDataFolderAsync();
        var connection = $"Data Source={Path.Combine(data, "kangen.db")}";
        await AppendAuditEntriesAsync(connection, 3, postgres: false);
        await using (var sqlite = new SqliteConnection(connection))
        {
            await sqlite.OpenAsync();
            await using var delete = sqlite.CreateCommand();
            delete.CommandText = "DELETE FROM audit_log WHERE sequence = 1";
            await delete.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();

        var (failed, report) = await CliRun.RunAsync("admin", "audit", "verify", "--data", data);

        Assert.Equal(1, failed);
        Assert.Contains("audit.entry-removed", report);
    }

    [Fact]
    public async Task Audit_verify_on_a_database_never_migrated_is_a_readable_failure()
    {
        var root = Directory.CreateTempSubdirectory("kangen-admin-tests-").FullName;
        var (code, output) = await CliRun.RunAsync("admin", "audit", "verify", "--data", Path.Combine(root, "data"));
        Assert.Equal(1, code);
        Assert.Contains("No platform database", output);
    }

    [Fact]
    public async Task Migrate_and_verify_work_on_postgres()
    {
        var admin = Environment.GetEnvironmentVariable("KANGEN_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("KANGEN_TEST_POSTGRES is not set: run scripts/postgres.sh start and export KANGEN_TEST_POSTGRES=\"$(scripts/postgres.sh url)\" (scripts/test.sh does this).");
        var name = "kangen_cli_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        try
        {
            var (migrated, output) = await CliRun.RunAsync("admin", "migrate", "--provider", "postgres", "--connection", cs);
            Assert.True(migrated == 0, output);
            Assert.Contains("PostgreSQL", output);
            await AppendAuditEntriesAsync(cs, 3, postgres: true);

            var (ok, verified) = await CliRun.RunAsync("admin", "audit", "verify", "--provider", "postgres", "--connection", cs);
            Assert.True(ok == 0, verified);
            Assert.Contains("3 entries", verified);
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
}

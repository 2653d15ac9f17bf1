using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Tests.Storage;

/// <summary>Each provider's migration set applies to an empty database, once.</summary>
public class MigrationTests
{
    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task Migrations_apply_to_an_empty_database_and_only_once(StorageProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.NewContext();

        var applied = await KangenStorage.MigrateAsync(db);

        Assert.NotEmpty(applied);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(0, await db.Persons.CountAsync());
        Assert.Equal(0, await db.AuditLog.CountAsync());
        var head = await db.AuditHead.SingleAsync();
        Assert.Equal(0, head.Sequence);
        Assert.Empty(await KangenStorage.MigrateAsync(db));
    }

    [Fact]
    public async Task The_sqlite_file_runs_in_wal_mode()
    {
        await using var database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var db = database.NewContext();
        await KangenStorage.MigrateAsync(db);

        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData(null, 2L)]
    [InlineData("normal", 1L)]
    public async Task Sqlite_commits_are_fsynced_unless_configured_otherwise(string? synchronous, long expected)
    {
        await using var database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var options = new DbContextOptionsBuilder<SqliteKangenDbContext>();
        KangenStorage.Configure(options, StorageProvider.Sqlite, database.ConnectionString, synchronous);
        await using var db = new SqliteKangenDbContext(options.Options);

        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA synchronous;";
        Assert.Equal(expected, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public void The_model_has_no_column_for_personal_data()
    {
        // Invariant 5 is structural: there is nowhere to put a name, My Number, address, birth date, PIN or purchase.
        using var db = KangenStorage.CreateContext(StorageProvider.Sqlite, "Data Source=:memory:");
        var columns = db.Model.GetEntityTypes().SelectMany(t => t.GetProperties()).Select(p => p.GetColumnName().ToLowerInvariant()).ToArray();
        foreach (var forbidden in new[] { "name", "my_number", "address", "birth", "pin", "purchase", "sex" })
            Assert.DoesNotContain(columns, c => c.Contains(forbidden));
    }
}

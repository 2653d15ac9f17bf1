using System.Globalization;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kangen.Platform.Tests.Storage;

/// <summary>
/// <see cref="RowInserter"/> saves a group commit's added rows with statements of its own. Every table it may meet must
/// end up holding exactly what the change tracker's own save would have stored (the rest of the platform reads and
/// filters the rows through EF), and whatever it cannot write the same way it must leave, untouched, to that save.
/// </summary>
public class RowInserterTests
{
    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task Rows_of_every_table_are_stored_exactly_as_the_change_tracker_stores_them(StorageProvider provider)
    {
        await using var migrated = await Migrated.CreateAsync(provider);
        var database = migrated.Database;

        var ours = await StoreAsync(database, async db => Assert.True(await RowInserter.TryInsertTrackedAsync(db, CancellationToken.None)));
        var trackers = await StoreAsync(database, db => db.SaveChangesAsync());

        await using var probe = database.NewContext();
        foreach (var entity in probe.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            // Two rows of every table were added (one with its optional values null), next to whatever migrations seed.
            Assert.True(ours[table].Count >= 2, $"{table}: {ours[table].Count} rows");
            Assert.Equal(trackers[table], ours[table]);
        }
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task A_modified_row_or_a_key_left_to_the_database_leaves_everything_to_the_change_tracker(StorageProvider provider)
    {
        await using var migrated = await Migrated.CreateAsync(provider);
        var db = migrated.Db;
        await using var transaction = await db.Database.BeginTransactionAsync();

        // An added row next to a modified one: nothing is written, and both still wait for the save.
        db.ConsumedChallenges.Add(Challenge("n-1"));
        (await db.AuditHead.SingleAsync()).Sequence = 7;
        Assert.False(await RowInserter.TryInsertTrackedAsync(db, CancellationToken.None));
        Assert.Equal(0, await db.ConsumedChallenges.CountAsync());
        Assert.Equal(EntityState.Added, db.Entry(db.ConsumedChallenges.Local.Single()).State);

        // A row whose id the database is to generate: the change tracker reads it back; we do not.
        db.ChangeTracker.Clear();
        db.ConsumedChallenges.Add(Challenge("n-2"));
        var tick = (AdmissionTick)ModelRows.Build(db.Model.FindEntityType(typeof(AdmissionTick))!, 0, new Dictionary<IEntityType, object[]>());
        tick.Id = 0;
        db.AdmissionTicks.Add(tick);
        Assert.False(await RowInserter.TryInsertTrackedAsync(db, CancellationToken.None));
        Assert.Equal(0, await db.ConsumedChallenges.CountAsync());
        Assert.Equal(0, await db.AdmissionTicks.CountAsync());

        await db.SaveChangesAsync();
        Assert.True(tick.Id > 0);
        Assert.Equal(1, await db.ConsumedChallenges.CountAsync());

        // A session without its channel: the change tracker leaves the column to its default ('web'); so do we, by
        // leaving the save to it.
        db.ChangeTracker.Clear();
        var session = (Session)ModelRows.Build(db.Model.FindEntityType(typeof(Session))!, 0, new Dictionary<IEntityType, object[]>());
        session.Channel = null!;
        db.Sessions.Add(session);
        Assert.False(await RowInserter.TryInsertTrackedAsync(db, CancellationToken.None));
        Assert.Equal(EntityState.Added, db.Entry(session).State);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task A_row_the_database_skips_fails_the_insert_as_it_fails_the_change_trackers_save(StorageProvider provider)
    {
        await using var migrated = await Migrated.CreateAsync(provider);
        var db = migrated.Db;
        // A trigger that silently drops one nonce's row.
        await db.Database.ExecuteSqlRawAsync(provider == StorageProvider.Sqlite
            ? "CREATE TRIGGER skip_one BEFORE INSERT ON consumed_challenges WHEN NEW.nonce = 'n-skip' BEGIN SELECT RAISE(IGNORE); END"
            : """
              CREATE FUNCTION skip_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
              CREATE TRIGGER skip_one BEFORE INSERT ON consumed_challenges FOR EACH ROW WHEN (NEW.nonce = 'n-skip') EXECUTE FUNCTION skip_one();
              """);
        await using var transaction = await db.Database.BeginTransactionAsync();
        db.ConsumedChallenges.Add(Challenge("n-1"));
        db.ConsumedChallenges.Add(Challenge("n-skip"));

        await Assert.ThrowsAsync<DbUpdateException>(() => RowInserter.TryInsertTrackedAsync(db, CancellationToken.None));
        Assert.All(db.ChangeTracker.Entries(), e => Assert.Equal(EntityState.Added, e.State));
        // The change tracker's own save fails the same way.
        await Assert.ThrowsAnyAsync<DbUpdateException>(() => db.SaveChangesAsync());
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task A_value_too_long_for_its_column_is_refused_or_kept_as_the_change_tracker_does(StorageProvider provider)
    {
        await using var migrated = await Migrated.CreateAsync(provider);
        // purpose is character varying(32): PostgreSQL refuses 40 characters, SQLite keeps them (it checks no length).
        var tooLong = new string('x', 40);

        var ours = await OutcomeAsync(migrated.Database, db => RowInserter.InsertAsync(db, [Challenge("n-1"), Challenge("n-2", tooLong)], CancellationToken.None));
        var trackers = await OutcomeAsync(migrated.Database, db =>
        {
            db.ConsumedChallenges.AddRange(Challenge("n-1"), Challenge("n-2", tooLong));
            return db.SaveChangesAsync();
        });

        Assert.Equal(provider == StorageProvider.Postgres ? "refused: 22001" : "stored: 2", ours);
        Assert.Equal(trackers, ours);
    }

    /// <summary>What <paramref name="write"/> did in a transaction (rolled back): the rows stored, or the server's refusal.</summary>
    private static async Task<string> OutcomeAsync(TestDatabase database, Func<KangenDbContext, Task> write)
    {
        await using var db = database.NewContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        try
        {
            await write(db);
        }
        catch (Exception e) when ((e as Npgsql.PostgresException ?? e.InnerException as Npgsql.PostgresException) is { } refused)
        {
            return "refused: " + refused.SqlState;
        }
        var stored = await ReadTableAsync(db, transaction.GetDbTransaction(), "consumed_challenges");
        await transaction.RollbackAsync();
        return "stored: " + stored.Count;
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task Untracked_rows_of_a_table_with_a_default_are_refused_rather_than_stored_without_their_values(StorageProvider provider)
    {
        await using var migrated = await Migrated.CreateAsync(provider);
        var db = migrated.Db;
        await using var transaction = await db.Database.BeginTransactionAsync();
        var session = (Session)ModelRows.Build(db.Model.FindEntityType(typeof(Session))!, 0, new Dictionary<IEntityType, object[]>());

        var refused = await Assert.ThrowsAsync<NotSupportedException>(() => RowInserter.InsertAsync(db, [session], CancellationToken.None));

        Assert.Contains("default", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await db.Sessions.CountAsync());
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task While_writes_are_refused_a_context_reads_but_cannot_update_delete_or_run_sql_that_writes(StorageProvider provider)
    {
        await using var migrated = await Migrated.CreateAsync(provider);
        var db = migrated.Db;
        db.ConsumedChallenges.Add(Challenge("n-1"));
        await db.SaveChangesAsync();

        db.WritesRefused = true;
        Assert.Equal(1, await db.ConsumedChallenges.CountAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.ConsumedChallenges.ExecuteDeleteAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.AuditHead.ExecuteUpdateAsync(u => u.SetProperty(h => h.Sequence, 7)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM consumed_challenges"));
        Assert.Equal(1, await db.ConsumedChallenges.CountAsync());
        Assert.Equal(0, (await db.AuditHead.AsNoTracking().SingleAsync()).Sequence);

        db.WritesRefused = false;
        Assert.Equal(1, await db.ConsumedChallenges.ExecuteDeleteAsync());
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite, 2)]
    [InlineData(StorageProvider.Postgres, 2)]
    // More rows than a multi-row statement could take on PostgreSQL (65,535 parameters), in one statement of arrays.
    [InlineData(StorageProvider.Postgres, 16_500)]
    public async Task Upserted_rows_are_stored_as_the_change_tracker_stores_a_new_row_or_its_update_of_an_existing_one(StorageProvider provider, int count)
    {
        await using var migrated = await Migrated.CreateAsync(provider);
        var later = DateTimeOffset.UnixEpoch.AddDays(3).AddMilliseconds(7);
        // Every other row exists already.
        var nonces = Enumerable.Range(0, count).Select(i => "n-" + i.ToString("D4", CultureInfo.InvariantCulture)).ToArray();
        var existing = nonces.Where((_, i) => i % 2 == 0).ToArray();

        var ours = await ChallengesAfterAsync(migrated.Database, existing, db => RowInserter.UpsertAsync(db,
            [.. nonces.Select(n => Challenge(n, "application", later))], CancellationToken.None));
        var trackers = await ChallengesAfterAsync(migrated.Database, existing, async db =>
        {
            foreach (var stored in await db.ConsumedChallenges.ToListAsync())
            {
                stored.Purpose = "application";
                stored.ExpiresAt = later;
            }
            db.ConsumedChallenges.AddRange(nonces.Where((_, i) => i % 2 == 1).Select(n => Challenge(n, "application", later)));
            await db.SaveChangesAsync();
        });

        Assert.Equal(count, ours.Count);
        Assert.All(ours, r => Assert.Contains("application", r, StringComparison.Ordinal));
        Assert.Equal(trackers, ours);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task Rows_to_upsert_with_the_same_key_are_refused_before_anything_is_written(StorageProvider provider)
    {
        await using var migrated = await Migrated.CreateAsync(provider);
        var db = migrated.Db;
        await using var transaction = await db.Database.BeginTransactionAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => RowInserter.UpsertAsync(db,
            [Challenge("n-1"), Challenge("n-2"), Challenge("n-1", "application")], CancellationToken.None));

        Assert.Equal(0, await db.ConsumedChallenges.CountAsync());
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task Rows_whose_key_is_generated_when_added_are_refused_an_upsert(StorageProvider provider)
    {
        await using var migrated = await Migrated.CreateAsync(provider);
        var db = migrated.Db;
        await using var transaction = await db.Database.BeginTransactionAsync();
        var tick = (AdmissionTick)ModelRows.Build(db.Model.FindEntityType(typeof(AdmissionTick))!, 0, new Dictionary<IEntityType, object[]>());

        var refused = await Assert.ThrowsAsync<NotSupportedException>(() => RowInserter.UpsertAsync(db, [tick], CancellationToken.None));

        Assert.EndsWith("part of its key is generated when a row is added.", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rows_are_inserted_only_inside_the_callers_transaction()
    {
        await using var migrated = await Migrated.CreateAsync(StorageProvider.Sqlite);
        var db = migrated.Db;
        db.ConsumedChallenges.Add(Challenge("n-1"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => RowInserter.TryInsertTrackedAsync(db, CancellationToken.None));
        Assert.Equal(0, await db.ConsumedChallenges.CountAsync());
    }

    /// <summary>A consumed challenge: the smallest row of a table without a default or a foreign key.</summary>
    private static ConsumedChallenge Challenge(string nonce, string purpose = "session", DateTimeOffset? expiresAt = null) =>
        new() { Nonce = nonce, Purpose = purpose, ConsumedAt = DateTimeOffset.UnixEpoch, ExpiresAt = expiresAt ?? DateTimeOffset.UnixEpoch };

    /// <summary>
    /// With the <paramref name="stored"/> challenges stored, has <paramref name="write"/> write in a transaction, reads the
    /// table back as stored, and rolls back.
    /// </summary>
    private static async Task<List<string>> ChallengesAfterAsync(TestDatabase database, string[] stored, Func<KangenDbContext, Task> write)
    {
        await using var db = database.NewContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        db.ConsumedChallenges.AddRange(stored.Select(n => Challenge(n)));
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        await write(db);
        var rows = await ReadTableAsync(db, transaction.GetDbTransaction(), "consumed_challenges");
        await transaction.RollbackAsync();
        return rows;
    }

    /// <summary>A fresh database of the provider with the migrations applied, and a context on it.</summary>
    private sealed class Migrated : IAsyncDisposable
    {
        private Migrated(TestDatabase database, KangenDbContext db)
        {
            Database = database;
            Db = db;
        }

        public TestDatabase Database { get; }

        public KangenDbContext Db { get; }

        public static async Task<Migrated> CreateAsync(StorageProvider provider)
        {
            var database = await TestDatabase.CreateAsync(provider);
            var db = database.NewContext();
            await KangenStorage.MigrateAsync(db);
            return new Migrated(database, db);
        }

        public async ValueTask DisposeAsync()
        {
            await Db.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    /// <summary>
    /// Adds two rows to every table (parents first, so that foreign keys name real rows), has <paramref name="save"/>
    /// store them in a transaction, reads every table back as stored, and rolls back: each way of saving sees the same
    /// empty database and the same rows.
    /// </summary>
    private static async Task<Dictionary<string, List<string>>> StoreAsync(TestDatabase database, Func<KangenDbContext, Task> save)
    {
        await using var db = database.NewContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var built = new Dictionary<IEntityType, object[]>();
        foreach (var entity in ModelRows.ParentsFirst(db.Model.GetEntityTypes()))
            built[entity] = [ModelRows.Build(entity, 0, built), ModelRows.Build(entity, 1, built)];
        // Added children first: the parents must go first all the same.
        foreach (var rows in built.Values.Reverse())
        {
            foreach (var row in rows)
                db.Add(row);
        }
        await save(db);

        var stored = new Dictionary<string, List<string>>();
        foreach (var entity in db.Model.GetEntityTypes())
            stored[entity.GetTableName()!] = await ReadTableAsync(db, transaction.GetDbTransaction(), entity.GetTableName()!);
        await transaction.RollbackAsync();
        return stored;
    }

    /// <summary>Every row of the table as stored, one line each, sorted.</summary>
    private static async Task<List<string>> ReadTableAsync(KangenDbContext db, System.Data.Common.DbTransaction transaction, string table)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT * FROM \"{table}\"";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            // Each value as stored, with its type: a number stored as text would differ from the tracker's number.
            rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetName(i) + "=" + Stored(reader.GetValue(i)))));
        }
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    private static string Stored(object value) => value switch
    {
        DBNull => "null",
        byte[] bytes => "bytes:" + Convert.ToHexString(bytes),
        DateTime t => "DateTime:" + t.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset t => "DateTimeOffset:" + t.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => value.GetType().Name + ":" + f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.GetType().Name + ":" + value,
    };
}

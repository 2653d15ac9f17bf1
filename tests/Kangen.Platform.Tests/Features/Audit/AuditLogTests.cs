using Kangen.Platform.Features.Audit;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Audit;

/// <summary>The hash-chained audit log: appends from real requests verify; every kind of tampering is found.</summary>
public abstract class AuditLogTests<TFixture>(TFixture fixture) where TFixture : PlatformFixture
{
    protected TFixture Fixture { get; } = fixture;

    /// <summary>A private database with a chain of <paramref name="entries"/> entries, each appended in its own transaction.</summary>
    private async Task<TestDatabase> ChainAsync(int entries)
    {
        var database = await TestDatabase.CreateAsync(Fixture.Provider);
        await using var db = database.NewContext();
        await KangenStorage.MigrateAsync(db);
        var at = PlatformFixture.Start;
        for (var i = 1; i <= entries; i++)
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await AuditIntent.AppendAllAsync(db, at.AddSeconds(i), [new AuditIntent("system", "test.step", $"step:{i}", new { i, note = "ステップ" })], default);
            await transaction.CommitAsync();
        }
        return database;
    }

    private static async Task<AuditVerification> VerifyAsync(TestDatabase database)
    {
        await using var db = database.NewContext();
        return await AuditVerifier.VerifyAsync(db);
    }

    private static async Task ExecuteAsync(TestDatabase database, params string[] statements)
    {
        await using var db = database.NewContext();
        foreach (var sql in statements)
            await db.Database.ExecuteSqlRawAsync(sql);
    }

    [Fact]
    public async Task Entries_written_by_requests_form_an_intact_chain()
    {
        using var client = Fixture.CreateClient();
        var (token, _) = await LoginOkAsync(client, Fixture.IssueCard());
        await SendAsync(client, HttpMethod.Post, "/api/v1/me/my-key-id/regenerate", token: token);

        await using var db = Fixture.NewContext();
        var result = await AuditVerifier.VerifyAsync(db);

        Assert.True(result.IsIntact, result.Detail);
        Assert.Equal(await db.AuditLog.CountAsync(), result.Count);
        var last = await db.AuditLog.OrderByDescending(a => a.Sequence).FirstAsync();
        Assert.Equal(last.Hash, result.HeadHash);
        Assert.Equal("my-key-id.regenerated", last.Action);
        Assert.StartsWith("person:", last.Actor);
        Assert.Equal(AuditChain.ComputeHash(last), last.Hash);
    }

    [Fact]
    public async Task An_untouched_chain_verifies_and_reports_its_head()
    {
        await using var database = await ChainAsync(5);
        var result = await VerifyAsync(database);
        Assert.True(result.IsIntact, result.Detail);
        Assert.Equal(5, result.Count);
        await using var db = database.NewContext();
        Assert.Equal((await db.AuditHead.SingleAsync()).Hash, result.HeadHash);
    }

    [Fact]
    public async Task An_edited_entry_is_found()
    {
        await using var database = await ChainAsync(5);
        await ExecuteAsync(database, "UPDATE audit_log SET data = '[99]' WHERE sequence = 3");

        var result = await VerifyAsync(database);

        Assert.Equal("audit.entry-edited", result.ProblemCode);
        Assert.Equal(3, result.ProblemSequence);
        Assert.Equal(2, result.Count);
    }

    [Fact]
    public async Task An_edited_entry_with_a_recomputed_hash_is_found_at_the_next_entry()
    {
        await using var database = await ChainAsync(5);
        await using (var db = database.NewContext())
        {
            var entry = await db.AuditLog.SingleAsync(a => a.Sequence == 3);
            entry.Actor = "admin";
            entry.Hash = AuditChain.ComputeHash(entry);
            await db.SaveChangesAsync();
        }

        var result = await VerifyAsync(database);

        Assert.Equal("audit.entry-reordered", result.ProblemCode);
        Assert.Equal(4, result.ProblemSequence);
    }

    [Fact]
    public async Task A_removed_entry_is_found()
    {
        await using var database = await ChainAsync(5);
        await ExecuteAsync(database, "DELETE FROM audit_log WHERE sequence = 2");

        var result = await VerifyAsync(database);

        Assert.Equal("audit.entry-removed", result.ProblemCode);
        Assert.Equal(2, result.ProblemSequence);
    }

    [Fact]
    public async Task A_removed_last_entry_is_found_through_the_chain_head()
    {
        await using var database = await ChainAsync(5);
        await ExecuteAsync(database, "DELETE FROM audit_log WHERE sequence = 5");

        var result = await VerifyAsync(database);

        Assert.Equal("audit.entry-removed", result.ProblemCode);
        Assert.Equal(5, result.ProblemSequence);
    }

    [Fact]
    public async Task The_entries_after_a_position_verify_from_its_hash_and_reach_the_head()
    {
        await using var database = await ChainAsync(5);
        await using var db = database.NewContext();
        var third = await db.AuditLog.AsNoTracking().SingleAsync(a => a.Sequence == 3);
        // An entry before the position is not read: the run that took the position verifies only what came after it.
        await ExecuteAsync(database, "UPDATE audit_log SET data = '[99]' WHERE sequence = 2");

        var result = await AuditVerifier.VerifyAsync(db, (3, third.Hash));
        // Nothing appended after the head itself: intact, no entry read.
        var head = await db.AuditHead.AsNoTracking().SingleAsync();
        var atHead = await AuditVerifier.VerifyAsync(db, (head.Sequence, head.Hash));

        Assert.True(result.IsIntact, result.Detail);
        Assert.Equal(2, result.Count);
        Assert.Equal(head.Hash, result.HeadHash);
        Assert.True(atHead.IsIntact, atHead.Detail);
        Assert.Equal(0, atHead.Count);
    }

    [Fact]
    public async Task Entries_after_a_position_that_do_not_link_to_its_hash_or_lost_their_last_are_found()
    {
        await using var database = await ChainAsync(5);
        await using var db = database.NewContext();
        var third = await db.AuditLog.AsNoTracking().SingleAsync(a => a.Sequence == 3);

        // A position whose hash the next entry does not follow: the chain was rewritten at or before it.
        var rewritten = await AuditVerifier.VerifyAsync(db, (3, AuditChain.GenesisHash));
        // An edit after the position.
        await ExecuteAsync(database, "UPDATE audit_log SET actor = 'admin' WHERE sequence = 4");
        var edited = await AuditVerifier.VerifyAsync(db, (3, third.Hash));
        // The last entry removed: found through the head, with the sequence counted from the position.
        await ExecuteAsync(database, "UPDATE audit_log SET actor = 'system' WHERE sequence = 4", "DELETE FROM audit_log WHERE sequence = 5");
        var removed = await AuditVerifier.VerifyAsync(db, (3, third.Hash));

        // The entry right after the position removed.
        await ExecuteAsync(database, "DELETE FROM audit_log WHERE sequence = 4");
        var gap = await AuditVerifier.VerifyAsync(db, (3, third.Hash));

        Assert.Equal(("audit.entry-reordered", 4L), (rewritten.ProblemCode, rewritten.ProblemSequence));
        Assert.Equal(("audit.entry-edited", 4L), (edited.ProblemCode, edited.ProblemSequence));
        Assert.Equal(("audit.entry-removed", 5L), (removed.ProblemCode, removed.ProblemSequence));
        Assert.Equal(("audit.entry-removed", 4L), (gap.ProblemCode, gap.ProblemSequence));
    }

    [Fact]
    public async Task Swapped_entries_are_found()
    {
        await using var database = await ChainAsync(5);
        await ExecuteAsync(database,
            "UPDATE audit_log SET sequence = -2 WHERE sequence = 2",
            "UPDATE audit_log SET sequence = 2 WHERE sequence = 3",
            "UPDATE audit_log SET sequence = 3 WHERE sequence = -2");

        var result = await VerifyAsync(database);

        Assert.Equal("audit.entry-reordered", result.ProblemCode);
        Assert.Equal(2, result.ProblemSequence);
    }

    [Fact]
    public async Task Appends_from_concurrent_writers_keep_one_chain()
    {
        await using var database = await ChainAsync(0);
        var gate = new WriteGate(Fixture.Provider);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async w =>
        {
            await using var db = database.NewContext();
            for (var i = 0; i < 5; i++)
            {
                using var _ = await gate.EnterAsync(default);
                await using var transaction = await db.Database.BeginTransactionAsync();
                await AuditIntent.AppendAllAsync(db, PlatformFixture.Start, [new AuditIntent("system", "test.concurrent", $"writer:{w}", new { i })], default);
                await transaction.CommitAsync();
            }
        }));

        var result = await VerifyAsync(database);

        Assert.True(result.IsIntact, result.Detail);
        Assert.Equal(40, result.Count);
    }
}

public sealed class SqliteAuditLogTests(SqlitePlatformFixture fixture)
    : AuditLogTests<SqlitePlatformFixture>(fixture), IClassFixture<SqlitePlatformFixture>;

public sealed class PostgresAuditLogTests(PostgresPlatformFixture fixture)
    : AuditLogTests<PostgresPlatformFixture>(fixture), IClassFixture<PostgresPlatformFixture>;

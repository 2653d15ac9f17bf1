using Kangen.Platform.Features.Grants;
using Kangen.Platform.Storage;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Tests.Features.Grants;

/// <summary>
/// The ledger changes running totals in memory under their lock and writes them back with one upsert statement set
/// (<see cref="LockedTotals.SaveAsync"/>), not through the change tracker. What it writes must be what EF reads and
/// filters on, and a total that did not change must not be written at all (on PostgreSQL that would be a new row version
/// per person of every chunk).
/// </summary>
public abstract class LockedTotalsTests<TFixture>(TFixture fixture) where TFixture : GrantsFixture
{
    private const string Campaign = "mynapoint-2";

    [Fact]
    public async Task Totals_made_or_changed_under_the_lock_are_written_back_and_the_others_are_left_untouched()
    {
        var changed = await fixture.CardApplicantAsync();
        var unchanged = await fixture.CardApplicantAsync();
        var made = await fixture.CardApplicantAsync();

        // Two persons with totals already.
        await using (var db = fixture.NewContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var first = await GrantRules.LockTotalsAsync(db, Campaign, [changed, unchanged], CancellationToken.None);
            first.Rows[changed].CardAcquisition = 1_000;
            first.Rows[unchanged].HealthInsurance = 7_500;
            await first.SaveAsync(db, CancellationToken.None);
            await transaction.CommitAsync();
        }
        var version = await RowVersionAsync(unchanged);

        await using (var db = fixture.NewContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var locked = await GrantRules.LockTotalsAsync(db, Campaign, [changed, unchanged, made], CancellationToken.None);
            Assert.Equal(1_000, locked.Rows[changed].CardAcquisition);
            Assert.Equal(7_500, locked.Rows[unchanged].HealthInsurance);
            Assert.Equal(0, locked.Rows[made].CardAcquisition);
            Assert.Empty(db.ChangeTracker.Entries());
            GrantRules.Add(locked.Rows[changed], ProgramKind.CardAcquisition, 500);
            GrantRules.Add(locked.Rows[changed], ProgramKind.PublicFundAccount, 7_500);
            var sqlite = db.Provider == StorageProvider.Sqlite;
            var changes = sqlite ? await ChangesAsync(db) : 0;
            await locked.SaveAsync(db, CancellationToken.None);
            // SQLite counts the rows each connection wrote: the changed total and the one made, not the third.
            if (sqlite)
                Assert.Equal(2, await ChangesAsync(db) - changes);
            await transaction.CommitAsync();
        }

        await using var read = fixture.NewContext();
        // Filtered in SQL by person: the written keys compare equal to EF's parameters, as the tracker's rows would.
        var one = await read.GrantTotals.AsNoTracking().SingleAsync(t => t.Campaign == Campaign && t.PersonId == changed);
        Assert.Equal((1_500L, 0L, 7_500L), (one.CardAcquisition, one.HealthInsurance, one.PublicFundAccount));
        var zero = await read.GrantTotals.AsNoTracking().SingleAsync(t => t.Campaign == Campaign && t.PersonId == made);
        Assert.Equal((0L, 0L, 0L), (zero.CardAcquisition, zero.HealthInsurance, zero.PublicFundAccount));
        var same = await read.GrantTotals.AsNoTracking().SingleAsync(t => t.Campaign == Campaign && t.PersonId == unchanged);
        Assert.Equal((0L, 7_500L, 0L), (same.CardAcquisition, same.HealthInsurance, same.PublicFundAccount));
        // PostgreSQL: a row written again, even with the same values, would be a new version by another transaction.
        Assert.Equal(version, await RowVersionAsync(unchanged));
    }

    [Fact]
    public async Task Totals_are_locked_only_inside_a_transaction_and_written_back_only_inside_the_one_that_locked_them()
    {
        var person = await fixture.CardApplicantAsync();
        await using var db = fixture.NewContext();

        await Assert.ThrowsAsync<InvalidOperationException>(() => GrantRules.LockTotalsAsync(db, Campaign, [person], CancellationToken.None));

        LockedTotals locked;
        await using (var first = await db.Database.BeginTransactionAsync())
        {
            locked = await GrantRules.LockTotalsAsync(db, Campaign, [person], CancellationToken.None);
            await first.CommitAsync();
        }
        GrantRules.Add(locked.Rows[person], ProgramKind.CardAcquisition, 500);
        await using (var other = fixture.NewContext())
        {
            await using var theirs = await other.Database.BeginTransactionAsync();
            await Assert.ThrowsAsync<InvalidOperationException>(() => locked.SaveAsync(other, CancellationToken.None));
        }
        await using (var later = await db.Database.BeginTransactionAsync())
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => locked.SaveAsync(db, CancellationToken.None));
            await later.CommitAsync();
        }
        Assert.Equal(0, (await fixture.TotalsAsync(person)).CardAcquisition);
    }

    /// <summary>The rows written so far through the context's connection (SQLite's <c>total_changes()</c>).</summary>
    private static Task<long> ChangesAsync(KangenDbContext db) =>
        db.Database.SqlQuery<long>($"SELECT total_changes() AS \"Value\"").SingleAsync();

    /// <summary>On PostgreSQL the transaction that wrote the person's totals row's current version (<c>xmin</c>); else empty.</summary>
    private async Task<string> RowVersionAsync(Guid person)
    {
        await using var db = fixture.NewContext();
        return db.Provider == StorageProvider.Postgres
            ? await db.Database.SqlQuery<string>($"SELECT xmin::text AS \"Value\" FROM grant_totals WHERE person_id = {person}").SingleAsync()
            : "";
    }
}

public sealed class SqliteLockedTotalsTests(SqliteGrantsFixture fixture) : LockedTotalsTests<SqliteGrantsFixture>(fixture), IClassFixture<SqliteGrantsFixture>;

public sealed class PostgresLockedTotalsTests(PostgresGrantsFixture fixture) : LockedTotalsTests<PostgresGrantsFixture>(fixture), IClassFixture<PostgresGrantsFixture>;

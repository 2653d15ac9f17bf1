using Kangen.Platform.Features.Grants;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Tests.Features.Grants;

/// <summary>
/// <see cref="RowInserter"/> writes a chunk's ledger rows with its own INSERT statements (one row each on SQLite, up to 300 on
/// PostgreSQL, a shorter last one): whatever the count, every row must be stored exactly as the change tracker would
/// store it, since the rest of the platform reads and filters them through EF.
/// </summary>
public abstract class LedgerInsertTests<TFixture>(TFixture fixture) where TFixture : GrantsFixture
{
    [Theory]
    [InlineData(1)]
    [InlineData(300)]
    [InlineData(301)]
    [InlineData(600)]
    public async Task Rows_written_in_statements_of_any_length_are_stored_as_the_change_tracker_stores_them(int count)
    {
        var code = "lw-" + Guid.NewGuid().ToString("N")[..12];
        // A real person for the rows that name one (the ledger's person is a foreign key).
        var person = await fixture.CardApplicantAsync();
        // Whole milliseconds: both providers keep them (SQLite's binary form keeps 0.1 ms, PostgreSQL 1 µs).
        var at = new DateTimeOffset(2026, 3, 10, 3, 4, 5, 123, TimeSpan.Zero);
        var rows = Enumerable.Range(0, count).Select(i => Row(code, "w" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), i, person, at)).ToArray();
        var twins = rows.Select(r => Copy(r, r.Key.Replace('w', 't'))).ToArray();

        await using (var db = fixture.NewContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await RowInserter.InsertAsync(db, rows, CancellationToken.None);
            db.Grants.AddRange(twins);
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        }

        await using var read = fixture.NewContext();
        var stored = await read.Grants.AsNoTracking().Where(g => g.OperatorCode == code).ToDictionaryAsync(g => g.Key);
        Assert.Equal(2 * count, stored.Count);
        foreach (var row in rows)
        {
            var written = stored[row.Key];
            Assert.Equal(Comparable(row), Comparable(written));
            Assert.Equal(Comparable(stored[row.Key.Replace('w', 't')]), Comparable(written));
        }
        // Filters in SQL compare stored values: the writer's rows must match them as the tracker's twins do.
        Assert.Equal(2 * ((count + 1) / 2), await read.Grants.CountAsync(g => g.OperatorCode == code && g.PersonId == person && g.OccurredAt == at));
        Assert.Equal(2 * (count / 2), await read.Grants.CountAsync(g => g.OperatorCode == code && g.PersonId == null && g.Reason == "grant.exceeds-cap"));
    }

    private static GrantEntry Row(string code, string key, int i, Guid person, DateTimeOffset at) => new()
    {
        OperatorCode = code,
        Key = key,
        LineHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i))),
        Kind = LedgerValues.Grant,
        // Every other row has the nullable columns null, so both kinds of value go through the same statement.
        PersonId = i % 2 == 0 ? person : null,
        Campaign = "mynapoint-2",
        Service = "svc-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Program = "card-acquisition",
        Proposed = 1000 + i,
        Points = i % 2 == 0 ? 1000 + i : 0,
        Status = i % 2 == 0 ? "accepted" : "refused",
        Reason = i % 2 == 0 ? null : "grant.exceeds-cap",
        RelatedId = i % 2 == 0 ? null : long.MaxValue - i,
        OccurredAt = i % 2 == 0 ? at : at.AddDays(-i),
        Month = 202603,
        RemainingProgram = 5000 - i,
        RemainingTotal = -i,
        RecordedAt = at.AddSeconds(i),
        SettlementId = i % 3 == 0 ? Guid.NewGuid() : null,
    };

    private static GrantEntry Copy(GrantEntry r, string key) => new()
    {
        OperatorCode = r.OperatorCode, Key = key, LineHash = r.LineHash, Kind = r.Kind, PersonId = r.PersonId, Campaign = r.Campaign,
        Service = r.Service, Program = r.Program, Proposed = r.Proposed, Points = r.Points, Status = r.Status, Reason = r.Reason,
        RelatedId = r.RelatedId, OccurredAt = r.OccurredAt, Month = r.Month, RemainingProgram = r.RemainingProgram,
        RemainingTotal = r.RemainingTotal, RecordedAt = r.RecordedAt, SettlementId = r.SettlementId,
    };

    private static object Comparable(GrantEntry g) => (
        (g.OperatorCode, g.LineHash, g.Kind, g.PersonId, g.Campaign, g.Service, g.Program),
        (g.Proposed, g.Points, g.Status, g.Reason, g.RelatedId, g.OccurredAt.UtcTicks, g.OccurredAt.Offset),
        (g.Month, g.RemainingProgram, g.RemainingTotal, g.RecordedAt.UtcTicks, g.SettlementId));
}

public sealed class SqliteLedgerInsertTests(SqliteGrantsFixture fixture) : LedgerInsertTests<SqliteGrantsFixture>(fixture), IClassFixture<SqliteGrantsFixture>;

public sealed class PostgresLedgerInsertTests(PostgresGrantsFixture fixture) : LedgerInsertTests<PostgresGrantsFixture>(fixture), IClassFixture<PostgresGrantsFixture>;

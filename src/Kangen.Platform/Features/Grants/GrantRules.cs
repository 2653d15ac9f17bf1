using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kangen.Platform.Features.Grants;

/// <summary>Ledger vocabulary: kinds and statuses of <see cref="GrantEntry"/> rows.</summary>
public static class LedgerValues
{
    /// <summary>A grant line.</summary>
    public const string Grant = "grant";
    /// <summary>A cancellation line (negative points).</summary>
    public const string Cancellation = "cancellation";
    /// <summary>A cancellation of a grant not yet settled.</summary>
    public const string Cancelled = "cancelled";
    /// <summary>A cancellation of a grant already claimed by a final settlement.</summary>
    public const string Refund = "refund";
}

/// <summary>The checks and arithmetic shared by grants, cancellations and settlement.</summary>
public static class GrantRules
{
    /// <summary>How far in the future (by the platform's clock) a grant or cancellation time may be.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>True for 1-64 characters of <c>A-Za-z0-9._:-</c>.</summary>
    public static bool IsValidKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > GrantLimits.KeyLength)
            return false;
        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-'))
                return false;
        }
        return true;
    }

    /// <summary>Longest person pseudonym, service or program code a line may name (each is far shorter).</summary>
    public const int MaxReferenceLength = 128;

    /// <summary>
    /// True for a person, service or program reference that could name something: 1-128 characters, none a control
    /// character. A NUL reached PostgreSQL as a query parameter and failed the request with a 500 (text cannot hold it),
    /// and a huge value was recorded with its refusal.
    /// </summary>
    public static bool IsValidReference(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= MaxReferenceLength && !value.Any(char.IsControl);

    /// <summary>SHA-256 (hex) of a grant line's canonical content: a retry has the same hash, a reuse of the key another.</summary>
    public static string LineHash(GrantLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return Hash(string.Join('\n', "grant", line.Key, line.Person, line.Service, line.Program,
            line.Points.ToString(CultureInfo.InvariantCulture), line.GrantedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>SHA-256 (hex) of a cancellation's canonical content.</summary>
    public static string LineHash(CancellationLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return Hash(string.Join('\n', "cancellation", line.Key, line.GrantKey,
            line.CancelledAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>SHA-256 (hex) over keys, one per line: what an audit entry of a chunk records instead of the keys themselves.</summary>
    public static string KeysHash(IEnumerable<string> keys) => Hash(string.Join('\n', keys));

    /// <summary>The settlement month (<c>yyyyMM</c>) of an instant in the campaign's time zone.</summary>
    public static int MonthOf(CampaignTimeZone zone, DateTimeOffset instant)
    {
        ArgumentNullException.ThrowIfNull(zone);
        // Times far outside any campaign (a default value sent by mistake) are refused anyway; keep them convertible.
        if (instant < DateTimeOffset.UnixEpoch || instant.Year > 9000)
            return 0;
        var local = zone.ToLocal(instant);
        return local.Year * 100 + local.Month;
    }

    /// <summary>The wire form <c>yyyy-MM</c> of a stored month.</summary>
    public static string MonthText(int month) =>
        (month / 100).ToString("D4", CultureInfo.InvariantCulture) + "-" + (month % 100).ToString("D2", CultureInfo.InvariantCulture);

    /// <summary>Parses a wire month <c>yyyy-MM</c> (years 2000 to 9000).</summary>
    public static bool TryParseMonth(string? text, out int month)
    {
        month = 0;
        if (text is not { Length: 7 } || text[4] != '-'
            || !int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || !int.TryParse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            // Up to the year MonthOf still converts: 9999-12 would have no "end of month" to close at.
            || year < 2000 || year > 9000 || m is < 1 or > 12)
            return false;
        month = year * 100 + m;
        return true;
    }

    /// <summary>The first instant after a month (<c>yyyyMM</c>) in the campaign's time zone.</summary>
    public static DateTimeOffset EndOfMonth(CampaignTimeZone zone, int month)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return zone.StartOf(new DateOnly(month / 100, month % 100, 1).AddMonths(1));
    }

    /// <summary>
    /// The window in which a program's points may be granted: from the first day of the program's window to the end
    /// of the calendar month after its last day (the point-application deadline or the program's own end). Points are
    /// earned or applied for up to the last day; operators that grant monthly report the last month's grants in the
    /// month after, so the window stays open one more calendar month, and no longer.
    /// </summary>
    public static (DateTimeOffset From, DateTimeOffset Until) GrantWindow(Campaign campaign, ProgramRules program)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(program);
        var last = campaign.LastDay(program);
        var until = campaign.TimeZone.StartOf(new DateOnly(last.Year, last.Month, 1).AddMonths(2));
        return (campaign.OpensAt(program), until);
    }

    /// <summary>The running totals of a person as the rules' type.</summary>
    public static GrantTotals ToRules(GrantTotal total)
    {
        ArgumentNullException.ThrowIfNull(total);
        return GrantTotals.Of(Yen.Of(total.CardAcquisition), Yen.Of(total.HealthInsurance), Yen.Of(total.PublicFundAccount));
    }

    /// <summary>Adds <paramref name="points"/> (negative for a cancellation) to a program's running total.</summary>
    public static void Add(GrantTotal total, ProgramKind program, long points)
    {
        ArgumentNullException.ThrowIfNull(total);
        switch (program)
        {
            case ProgramKind.CardAcquisition: total.CardAcquisition += points; break;
            case ProgramKind.HealthInsurance: total.HealthInsurance += points; break;
            case ProgramKind.PublicFundAccount: total.PublicFundAccount += points; break;
            default: throw new ArgumentOutOfRangeException(nameof(program), program, "Unknown program.");
        }
    }

    /// <summary>
    /// The persons' running totals in <paramref name="campaign"/>, locked until the transaction ends, rows made for
    /// persons without one; the caller changes them in memory and writes them back with <see cref="LockedTotals.SaveAsync"/>.
    /// PostgreSQL: missing rows are inserted (<c>ON CONFLICT DO NOTHING</c>) and all are read <c>FOR UPDATE</c> in person
    /// order, so two transactions never wait on each other in opposite orders. SQLite: the caller holds the
    /// <see cref="WriteGate"/>, so this transaction is the only writer. The rows are not tracked: the change tracker
    /// would write them back with one UPDATE per person, which took a third of a grant chunk's serial time.
    /// </summary>
    public static async Task<LockedTotals> LockTotalsAsync(
        KangenDbContext db, string campaign, IReadOnlyCollection<Guid> persons, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(persons);
        // Outside a transaction FOR UPDATE would lock nothing past its own statement.
        var transaction = db.Database.CurrentTransaction ?? throw new InvalidOperationException("Running totals are locked inside a transaction.");
        if (persons.Count == 0)
            return new LockedTotals(campaign, transaction, [], []);
        var ids = persons.Distinct().Order().ToArray();
        List<GrantTotal> rows;
        if (db.Provider == StorageProvider.Postgres)
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO grant_totals (campaign, person_id, card_acquisition, health_insurance, public_fund_account)
                SELECT {campaign}, p, 0, 0, 0 FROM unnest({ids}) AS p ORDER BY p
                ON CONFLICT DO NOTHING
                """, cancellationToken);
            rows = await db.GrantTotals
                .FromSqlInterpolated($"SELECT * FROM grant_totals WHERE campaign = {campaign} AND person_id = ANY({ids}) ORDER BY person_id FOR UPDATE")
                .AsNoTracking().ToListAsync(cancellationToken);
        }
        else
        {
            // One array parameter, not one per person: SQLite binds named parameters in quadratic time (docs/performance.md).
            rows = await db.GrantTotals.AsNoTracking().Where(t => t.Campaign == campaign && EF.Parameter(ids).Contains(t.PersonId)).ToListAsync(cancellationToken);
        }
        return new LockedTotals(campaign, transaction, rows, ids);
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>
/// Running totals locked by <see cref="GrantRules.LockTotalsAsync"/>, by person, as they were read; changed in memory by
/// the caller and written back in one statement set by <see cref="SaveAsync"/>, inside the transaction that locked them.
/// </summary>
public sealed class LockedTotals
{
    private readonly string _campaign;
    private readonly Dictionary<Guid, GrantTotal> _rows;
    // The values each row had when locked or last saved: only rows made here or changed since are written back.
    private readonly Dictionary<Guid, (long, long, long)> _stored;
    // Written back anywhere else, the totals would land where no lock holds them (PostgreSQL: a lost update past a cap).
    private readonly IDbContextTransaction _transaction;

    // The rows read, and a row at zero (not stored yet) for each of the persons without one.
    internal LockedTotals(string campaign, IDbContextTransaction transaction, List<GrantTotal> rows, IEnumerable<Guid> persons)
    {
        _campaign = campaign;
        _transaction = transaction;
        _rows = rows.ToDictionary(t => t.PersonId);
        _stored = rows.ToDictionary(t => t.PersonId, Values);
        foreach (var person in persons)
            _rows.TryAdd(person, new GrantTotal { Campaign = campaign, PersonId = person });
    }

    /// <summary>The totals by person; their amounts are the caller's to change.</summary>
    public IReadOnlyDictionary<Guid, GrantTotal> Rows => _rows;

    /// <summary>
    /// Writes the rows made or changed since they were locked or last saved (<see cref="RowInserter.UpsertAsync"/>:
    /// inserted, or set on the existing row), inside the transaction that locked them, on the same context. On SQLite a
    /// row made for a person without totals is written even at zero, as the change tracker did (PostgreSQL made it when
    /// locking). Throws <see cref="InvalidOperationException"/> outside that transaction or when a row's key was changed.
    /// </summary>
    public async Task SaveAsync(KangenDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Database.CurrentTransaction != _transaction)
            throw new InvalidOperationException("Running totals are written back inside the transaction that locked them.");
        var changed = new List<GrantTotal>();
        foreach (var (person, row) in _rows)
        {
            if (row.PersonId != person || row.Campaign != _campaign)
                throw new InvalidOperationException("A locked running total's campaign or person was changed.");
            if (!_stored.TryGetValue(person, out var stored) || stored != Values(row))
                changed.Add(row);
        }
        await RowInserter.UpsertAsync(db, changed, cancellationToken);
        foreach (var row in changed)
            _stored[row.PersonId] = Values(row);
    }

    private static (long, long, long) Values(GrantTotal t) => (t.CardAcquisition, t.HealthInsurance, t.PublicFundAccount);
}

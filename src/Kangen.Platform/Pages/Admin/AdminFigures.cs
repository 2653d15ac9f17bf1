using Kangen.Platform.Features.Grants;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Kangen.Platform.Pages.Admin;

/// <summary>A count per hour (UTC start of the hour).</summary>
public sealed record HourCount(DateTimeOffset Hour, long Count);

/// <summary>A count per category.</summary>
public sealed record CategoryCount(string Category, long Count);

/// <summary>Grant lines and net points of a program on a day of the campaign's calendar.</summary>
public sealed record DayProgramGrants(DateOnly Day, string Program, long Lines, long Points);

/// <summary>An operator's month in settlement: <c>estimate</c> (unclaimed lines), <c>final</c> or <c>confirmed</c>.</summary>
public sealed record SettlementMonth(string Operator, int Month, string State, long Count, long Points);

/// <summary>The waiting room in one minute: the longest queue seen and the people let in.</summary>
public sealed record AdmissionMinute(DateTimeOffset Minute, long QueueLength, long Admitted);

/// <summary>A registered operator, its status, whether it has an endpoint, and its active keys.</summary>
public sealed record OperatorRow(string Code, string Status, bool HasEndpoint, long ActiveKeys);

/// <summary>
/// The administrator's live figures, each one query grouped in the database (never a table read whole). Instants are
/// bucketed in SQL: PostgreSQL on its timestamptz, SQLite on its binary instants (EF's DateTimeOffsetToBinaryConverter:
/// ticks/1000 shifted left 11 bits, the offset in the low bits; the platform writes UTC, offset 0).
/// </summary>
public static class AdminFigures
{
    private const long TicksPer1000 = 1000;
    private static readonly DateTimeOffsetToBinaryConverter Binary = new();

    /// <summary>Program applications per hour since <paramref name="since"/> (whole hours, UTC), zero hours included, oldest first.</summary>
    public static async Task<IReadOnlyList<HourCount>> ApplicationsPerHourAsync(KangenDbContext db, DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var from = new DateTimeOffset(since.UtcTicks - since.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero);
        Dictionary<DateTimeOffset, long> counts;
        if (db.Provider == StorageProvider.Postgres)
        {
            var rows = await db.Database.SqlQuery<Bucket>($"""
                SELECT floor(extract(epoch FROM recorded_at) / 3600)::bigint AS "Key", count(*) AS "Count", 0::bigint AS "Sum"
                FROM applications WHERE recorded_at >= {from} GROUP BY 1
                """).ToListAsync(cancellationToken);
            counts = rows.ToDictionary(r => DateTimeOffset.UnixEpoch.AddHours(r.Key), r => r.Count);
        }
        else
        {
            var fromRaw = (long)Binary.ConvertToProvider(from)!;
            var rows = await db.Database.SqlQuery<Bucket>($"""
                SELECT (recorded_at >> 11) / {TimeSpan.TicksPerHour / TicksPer1000} AS "Key", count(*) AS "Count", 0 AS "Sum"
                FROM applications WHERE recorded_at >= {fromRaw} GROUP BY 1
                """).ToListAsync(cancellationToken);
            counts = rows.ToDictionary(r => new DateTimeOffset(r.Key * TimeSpan.TicksPerHour, TimeSpan.Zero), r => r.Count);
        }
        var hours = new List<HourCount>();
        for (var h = from; h <= now; h = h.AddHours(1))
            hours.Add(new HourCount(h, counts.GetValueOrDefault(h)));
        return hours;
    }

    /// <summary>Program applications per channel (web, app, cli, spot...), most first.</summary>
    public static async Task<IReadOnlyList<CategoryCount>> ApplicationsPerChannelAsync(KangenDbContext db, CancellationToken cancellationToken) =>
        Ordered(await db.Applications.AsNoTracking().GroupBy(a => a.Channel).Select(g => new { g.Key, Count = g.LongCount() })
            .ToListAsync(cancellationToken), g => new CategoryCount(g.Key, g.Count), byCount: true);

    /// <summary>Program applications per payment service, most first.</summary>
    public static async Task<IReadOnlyList<CategoryCount>> ApplicationsPerServiceAsync(KangenDbContext db, CancellationToken cancellationToken) =>
        Ordered(await db.Applications.AsNoTracking().GroupBy(a => a.Service).Select(g => new { g.Key, Count = g.LongCount() })
            .ToListAsync(cancellationToken), g => new CategoryCount(g.Key, g.Count), byCount: true);

    /// <summary>Applications per program.</summary>
    public static async Task<IReadOnlyList<CategoryCount>> ApplicationsPerProgramAsync(KangenDbContext db, CancellationToken cancellationToken) =>
        Ordered(await db.Applications.AsNoTracking().GroupBy(a => a.Program).Select(g => new { g.Key, Count = g.LongCount() })
            .ToListAsync(cancellationToken), g => new CategoryCount(g.Key, g.Count), byCount: false);

    /// <summary>
    /// Grant lines and net points per program and day (the day at <paramref name="utcOffset"/>, the campaign's time zone)
    /// of lines that occurred since <paramref name="since"/>.
    /// </summary>
    public static async Task<IReadOnlyList<DayProgramGrants>> GrantsPerDayAsync(KangenDbContext db, DateTimeOffset since, TimeSpan utcOffset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        List<ProgramBucket> rows;
        DateOnly Day(long key, bool unix) => unix
            ? DateOnly.FromDateTime(DateTime.UnixEpoch.AddDays(key))
            : DateOnly.FromDateTime(new DateTime(key * TimeSpan.TicksPerDay));
        var offsetSeconds = (long)utcOffset.TotalSeconds;
        // Npgsql writes timestamptz parameters only in UTC (the dashboard asks from midnight in Japan time, +09:00).
        var sinceUtc = since.ToUniversalTime();
        if (db.Provider == StorageProvider.Postgres)
        {
            rows = await db.Database.SqlQuery<ProgramBucket>($"""
                SELECT floor((extract(epoch FROM occurred_at) + {offsetSeconds}) / 86400)::bigint AS "Key", program AS "Program",
                       count(*) AS "Count", coalesce(sum(points), 0)::bigint AS "Sum"
                FROM grants WHERE occurred_at >= {sinceUtc} GROUP BY 1, 2
                """).ToListAsync(cancellationToken);
            return rows.Select(r => new DayProgramGrants(Day(r.Key, unix: true), r.Program, r.Count, r.Sum)).OrderBy(r => r.Day).ThenBy(r => r.Program, StringComparer.Ordinal).ToArray();
        }
        var sinceRaw = (long)Binary.ConvertToProvider(since.ToUniversalTime())!;
        var offsetUnits = utcOffset.Ticks / TicksPer1000;
        rows = await db.Database.SqlQuery<ProgramBucket>($"""
            SELECT ((occurred_at >> 11) + {offsetUnits}) / {TimeSpan.TicksPerDay / TicksPer1000} AS "Key", program AS "Program",
                   count(*) AS "Count", coalesce(sum(points), 0) AS "Sum"
            FROM grants WHERE occurred_at >= {sinceRaw} GROUP BY 1, 2
            """).ToListAsync(cancellationToken);
        return rows.Select(r => new DayProgramGrants(Day(r.Key, unix: false), r.Program, r.Count, r.Sum)).OrderBy(r => r.Day).ThenBy(r => r.Program, StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// Every operator's months: the closed ones (final, confirmed) from the settlement envelopes, the others as
    /// estimates of their unclaimed lines (refused lines are never claimed); by operator, newest month first.
    /// </summary>
    public static async Task<IReadOnlyList<SettlementMonth>> SettlementMonthsAsync(KangenDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var closed = await db.Settlements.AsNoTracking()
            .Select(s => new SettlementMonth(s.OperatorCode, s.Month, s.State, s.Count, s.Points)).ToListAsync(cancellationToken);
        var open = await db.Grants.AsNoTracking().Where(g => g.SettlementId == null && g.Status != GrantResult.RefusedStatus)
            .GroupBy(g => new { g.OperatorCode, g.Month })
            .Select(g => new SettlementMonth(g.Key.OperatorCode, g.Key.Month, SettlementEnvelope.Estimate, g.LongCount(), g.Sum(x => x.Points)))
            .ToListAsync(cancellationToken);
        var closedKeys = closed.Select(c => (c.Operator, c.Month)).ToHashSet();
        return closed.Concat(open.Where(o => !closedKeys.Contains((o.Operator, o.Month))))
            .OrderBy(m => m.Operator, StringComparer.Ordinal).ThenByDescending(m => m.Month).ToArray();
    }

    /// <summary>Registered operators with their active key counts.</summary>
    public static async Task<IReadOnlyList<OperatorRow>> OperatorsAsync(KangenDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var keys = await db.OperatorKeys.AsNoTracking().Where(k => k.RevokedAt == null).GroupBy(k => k.OperatorCode)
            .Select(g => new { Code = g.Key, Count = g.LongCount() }).ToDictionaryAsync(k => k.Code, k => k.Count, cancellationToken);
        var operators = await db.Operators.AsNoTracking().OrderBy(o => o.Code)
            .Select(o => new { o.Code, o.Status, HasEndpoint = o.VerificationUrl != null }).ToListAsync(cancellationToken);
        return operators.Select(o => new OperatorRow(o.Code, o.Status, o.HasEndpoint, keys.GetValueOrDefault(o.Code))).ToArray();
    }

    /// <summary>
    /// The admission ticks of the last <paramref name="minutes"/> minutes up to <paramref name="now"/> in one-minute
    /// buckets (UTC minutes, oldest first, empty minutes as zero): an hour of one-second ticks is 3,600 marks, too many
    /// to read or to draw, while the longest queue and the people let in per minute keep what the chart is for.
    /// </summary>
    public static IReadOnlyList<AdmissionMinute> AdmissionPerMinute(IReadOnlyList<Features.Admission.AdmissionTickView> ticks, DateTimeOffset now, int minutes)
    {
        ArgumentNullException.ThrowIfNull(ticks);
        ArgumentOutOfRangeException.ThrowIfLessThan(minutes, 1);
        var last = now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute;
        var first = last - (minutes - 1) * TimeSpan.TicksPerMinute;
        var queue = new long[minutes];
        var admitted = new long[minutes];
        foreach (var tick in ticks)
        {
            var i = (tick.At.UtcTicks - first) / TimeSpan.TicksPerMinute;
            if (tick.At.UtcTicks < first || i >= minutes)
                continue;
            queue[i] = Math.Max(queue[i], tick.QueueLength);
            admitted[i] += tick.Admitted;
        }
        return Enumerable.Range(0, minutes)
            .Select(i => new AdmissionMinute(new DateTimeOffset(first + i * TimeSpan.TicksPerMinute, TimeSpan.Zero), queue[i], admitted[i]))
            .ToArray();
    }

    // The groups are few (channels, services, programs): ordered here, as EF cannot order by a record it constructs.
    private static IReadOnlyList<CategoryCount> Ordered<T>(IEnumerable<T> groups, Func<T, CategoryCount> map, bool byCount)
    {
        var counts = groups.Select(map);
        return (byCount ? counts.OrderByDescending(c => c.Count).ThenBy(c => c.Category, StringComparer.Ordinal) : counts.OrderBy(c => c.Category, StringComparer.Ordinal)).ToArray();
    }

    /// <summary>A grouped row of raw SQL.</summary>
    internal sealed class Bucket
    {
        public long Key { get; set; }

        public long Count { get; set; }

        public long Sum { get; set; }
    }

    /// <summary>A grouped row of raw SQL per program.</summary>
    internal sealed class ProgramBucket
    {
        public long Key { get; set; }

        public string Program { get; set; } = "";

        public long Count { get; set; }

        public long Sum { get; set; }
    }
}

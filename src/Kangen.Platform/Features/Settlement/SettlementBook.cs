using System.Globalization;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Grants;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;
using SettlementRow = Kangen.Platform.Storage.Settlement;

namespace Kangen.Platform.Features.Settlement;

/// <summary>One ledger line of an envelope, as exported and reconciled.</summary>
/// <param name="Key">The operator's key.</param>
/// <param name="Kind"><c>grant</c> or <c>cancellation</c>.</param>
/// <param name="Person">The person's pseudonym for the operator.</param>
/// <param name="Service">The service.</param>
/// <param name="Program">The program.</param>
/// <param name="Points">Net points (a cancellation negative).</param>
/// <param name="OccurredAt">When granted or cancelled.</param>
/// <param name="Month">The line's month, <c>yyyyMM</c>.</param>
/// <param name="Status">The line's status.</param>
public sealed record EnvelopeLine(string Key, string Kind, string Person, string Service, string Program, long Points, DateTimeOffset OccurredAt, int Month, string Status);

/// <summary>A key with its net points.</summary>
/// <param name="Key">The key.</param>
/// <param name="Points">Net points.</param>
public sealed record KeyPoints(string Key, long Points);

/// <summary>
/// Flow 6, settlement. The ledger lines of an operator that are not refused and not yet claimed, with a month up to
/// M, make M's envelope: an estimate while M is open (live figures), the final envelope once an administrator closes
/// M, which claims exactly those lines in one statement of one transaction and stores their control totals. A line
/// recorded later with a month up to M (a late grant, a cancellation after settlement) is claimed by the next
/// envelope closed. The envelope's totals are sums of its claimed lines, so they equal the ledger (invariant 8).
/// </summary>
public sealed class SettlementBook(KangenDbContext db, WriteGate gate, TimeProvider time, CampaignProvider campaigns)
{
    private IQueryable<GrantEntry> Unclaimed(string operatorCode, int month) =>
        db.Grants.AsNoTracking().Where(g => g.OperatorCode == operatorCode && g.SettlementId == null
            && g.Status != GrantResult.RefusedStatus && g.Month <= month);

    private IQueryable<GrantEntry> Claimed(Guid settlement) => db.Grants.AsNoTracking().Where(g => g.SettlementId == settlement);

    /// <summary>The lines of the operator's envelope for the month: the claimed lines when closed, else the estimate's.</summary>
    public async Task<IQueryable<GrantEntry>> LinesAsync(string operatorCode, int month, CancellationToken cancellationToken)
    {
        var closed = await FindAsync(operatorCode, month, cancellationToken);
        return closed is null ? Unclaimed(operatorCode, month) : Claimed(closed.Id);
    }

    /// <summary>The final or confirmed envelope when the month is closed, else the estimate.</summary>
    public async Task<SettlementEnvelope> EnvelopeAsync(string operatorCode, int month, CancellationToken cancellationToken)
    {
        var closed = await FindAsync(operatorCode, month, cancellationToken);
        if (closed is not null)
            return await DescribeAsync(closed, cancellationToken);
        var (count, points, granted, refunded, programs) = await SumAsync(Unclaimed(operatorCode, month), cancellationToken);
        return new SettlementEnvelope(operatorCode, GrantRules.MonthText(month), SettlementEnvelope.Estimate, count, points, granted, refunded, programs);
    }

    /// <summary>Every registered operator's envelope (or estimate) of the month, by operator code.</summary>
    public async Task<IReadOnlyList<SettlementEnvelope>> AllAsync(int month, CancellationToken cancellationToken)
    {
        var codes = await db.Operators.AsNoTracking().OrderBy(o => o.Code).Select(o => o.Code).ToListAsync(cancellationToken);
        var envelopes = new List<SettlementEnvelope>(codes.Count);
        foreach (var code in codes)
            envelopes.Add(await EnvelopeAsync(code, month, cancellationToken));
        return envelopes;
    }

    /// <summary>
    /// Closes the month for the operator: refused while the month has not ended in the campaign time zone or when
    /// closed already; otherwise claims every unclaimed line up to the month and stores the final envelope, audited.
    /// </summary>
    public async Task<(SettlementEnvelope? Envelope, PlatformProblem? Problem)> CloseAsync(string operatorCode, int month, string staffId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now < GrantRules.EndOfMonth(campaigns.Definition.Base.TimeZone, month))
            return (null, SettlementProblems.MonthOpen.WithDetail($"{GrantRules.MonthText(month)} ends at {GrantRules.EndOfMonth(campaigns.Definition.Base.TimeZone, month):O}"));
        if (!await db.Operators.AsNoTracking().AnyAsync(o => o.Code == operatorCode, cancellationToken))
            return (null, SettlementProblems.OperatorUnknown.WithDetail(operatorCode));
        try
        {
            using var _ = await gate.EnterAsync(cancellationToken);
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // Closes of one operator's months take turns (PostgreSQL; SQLite's gate already makes them), so the
            // "later month closed" check below cannot race a close of that later month.
            if (db.Provider == StorageProvider.Postgres)
                await db.Operators.FromSqlInterpolated($"SELECT * FROM operators WHERE code = {operatorCode} FOR UPDATE").AsNoTracking().ToListAsync(cancellationToken);
            if (await FindAsync(operatorCode, month, cancellationToken) is not null)
                return (null, SettlementProblems.AlreadyClosed);
            // A later envelope already claimed every line of this month: closing it now would give an empty envelope.
            if (await db.Settlements.AsNoTracking().Where(x => x.OperatorCode == operatorCode && x.Month > month)
                    .Select(x => (int?)x.Month).MaxAsync(cancellationToken) is { } later)
                return (null, SettlementProblems.LaterMonthClosed.WithDetail($"{GrantRules.MonthText(later)} is closed; its envelope holds this month's lines"));
            var id = Guid.CreateVersion7(now);
            if (db.Provider == StorageProvider.Postgres)
            {
                // The lines are locked in id order, the order cancellations lock grants in, so a close and a cancellation
                // of the same grants wait for each other instead of deadlocking (one row comes back, not the ids).
                await db.Database.SqlQuery<long>($@"SELECT count(*) AS ""Value"" FROM (SELECT id FROM grants WHERE operator_code = {operatorCode}
                    AND settlement_id IS NULL AND status <> {GrantResult.RefusedStatus} AND month <= {month} ORDER BY id FOR UPDATE) locked")
                    .SingleAsync(cancellationToken);
            }
            await db.Grants.Where(g => g.OperatorCode == operatorCode && g.SettlementId == null && g.Status != GrantResult.RefusedStatus && g.Month <= month)
                .ExecuteUpdateAsync(u => u.SetProperty(g => g.SettlementId, (Guid?)id), cancellationToken);
            var (count, points, granted, refunded, programs) = await SumAsync(Claimed(id), cancellationToken);
            var row = new SettlementRow
            {
                Id = id, OperatorCode = operatorCode, Month = month, State = SettlementEnvelope.Final,
                Count = count, Points = points, GrantedPoints = granted, RefundedPoints = refunded, ClosedAt = now, ClosedBy = staffId,
            };
            db.Settlements.Add(row);
            await db.SaveChangesAsync(cancellationToken);
            await AuditChain.AppendAsync(db, now, "staff:" + staffId, "settlement.closed", "operator:" + operatorCode, new
            {
                settlement = id, month = GrantRules.MonthText(month), count, points, granted, refunded,
            }, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return (Describe(row, programs), null);
        }
        catch (DbUpdateException e) when (KangenStorage.IsUniqueViolation(e))
        {
            // A twin close committed first; its claim stands and this one rolled back.
            return (null, SettlementProblems.AlreadyClosed);
        }
    }

    /// <summary>
    /// The operator confirms a final envelope with its control totals: equal totals confirm it (again: the same
    /// answer), different ones are refused with both sets in the detail.
    /// </summary>
    public async Task<(SettlementEnvelope? Envelope, PlatformProblem? Problem)> ConfirmAsync(
        string operatorCode, int month, SettlementConfirmation confirmation, string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(confirmation);
        using var _ = await gate.EnterAsync(cancellationToken);
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var row = db.Provider == StorageProvider.Postgres
            ? await db.Settlements.FromSqlInterpolated($"SELECT * FROM settlements WHERE operator_code = {operatorCode} AND month = {month} FOR UPDATE").SingleOrDefaultAsync(cancellationToken)
            : await db.Settlements.SingleOrDefaultAsync(s => s.OperatorCode == operatorCode && s.Month == month, cancellationToken);
        if (row is null)
            return (null, SettlementProblems.NotFinal.WithDetail($"{GrantRules.MonthText(month)} is not closed; GET it for the estimate"));
        if (row.Count != confirmation.Count || row.Points != confirmation.Points)
            return (null, SettlementProblems.TotalsMismatch.WithDetail(string.Create(CultureInfo.InvariantCulture,
                $"envelope: count {row.Count}, points {row.Points}; confirmation: count {confirmation.Count}, points {confirmation.Points}")));
        if (row.State != SettlementEnvelope.Confirmed)
        {
            var now = time.GetUtcNow();
            row.State = SettlementEnvelope.Confirmed;
            row.ConfirmedAt = now;
            row.ConfirmedWith = keyId;
            await db.SaveChangesAsync(cancellationToken);
            await AuditChain.AppendAsync(db, now, "operator:" + operatorCode, "settlement.confirmed", "operator:" + operatorCode, new
            {
                settlement = row.Id, month = GrantRules.MonthText(month), count = row.Count, points = row.Points, key = keyId,
            }, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        return (await DescribeAsync(row, cancellationToken), null);
    }

    /// <summary>The envelope's lines joined with the operator's pseudonyms, in ledger order (for the CSV export).</summary>
    public IAsyncEnumerable<EnvelopeLine> Export(IQueryable<GrantEntry> lines, string operatorCode) => Join(lines.OrderBy(g => g.Id), operatorCode).AsAsyncEnumerable();

    /// <summary>The envelope's (key, points) in ordinal key order (for reconciliation's merge).</summary>
    public IAsyncEnumerable<KeyPoints> KeysInOrder(IQueryable<GrantEntry> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        // Keys are ASCII; the "C" collation orders them as ordinal comparison does, whatever the database's default.
        var ordered = db.Provider == StorageProvider.Postgres ? lines.OrderBy(g => EF.Functions.Collate(g.Key, "C")) : lines.OrderBy(g => g.Key);
        return ordered.Select(g => new KeyPoints(g.Key, g.Points)).AsAsyncEnumerable();
    }

    private IQueryable<EnvelopeLine> Join(IQueryable<GrantEntry> lines, string operatorCode) =>
        from g in lines
        join p in db.OperatorPseudonyms.AsNoTracking().Where(p => p.OperatorCode == operatorCode) on g.PersonId equals (Guid?)p.PersonId into ps
        from p in ps.DefaultIfEmpty()
        select new EnvelopeLine(g.Key, g.Kind, p == null ? "" : p.Pseudonym, g.Service, g.Program, g.Points, g.OccurredAt, g.Month, g.Status);

    private Task<SettlementRow?> FindAsync(string operatorCode, int month, CancellationToken cancellationToken) =>
        db.Settlements.AsNoTracking().SingleOrDefaultAsync(s => s.OperatorCode == operatorCode && s.Month == month, cancellationToken);

    private async Task<SettlementEnvelope> DescribeAsync(SettlementRow row, CancellationToken cancellationToken) =>
        Describe(row, (await SumAsync(Claimed(row.Id), cancellationToken)).Programs);

    private static SettlementEnvelope Describe(SettlementRow row, IReadOnlyList<ProgramTotal> programs) =>
        new(row.OperatorCode, GrantRules.MonthText(row.Month), row.State, row.Count, row.Points, row.GrantedPoints,
            row.RefundedPoints, programs, row.ClosedAt, row.ConfirmedAt);

    private static async Task<(long Count, long Points, long Granted, long Refunded, IReadOnlyList<ProgramTotal> Programs)> SumAsync(
        IQueryable<GrantEntry> lines, CancellationToken cancellationToken)
    {
        var groups = await lines.GroupBy(g => new { g.Program, g.Kind })
            .Select(x => new { x.Key.Program, x.Key.Kind, Count = x.LongCount(), Points = x.Sum(g => g.Points) })
            .ToListAsync(cancellationToken);
        var programs = groups.GroupBy(g => g.Program).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ProgramTotal(g.Key, g.Sum(x => x.Count), g.Sum(x => x.Points))).ToArray();
        var granted = groups.Where(g => g.Kind == LedgerValues.Grant).Sum(g => g.Points);
        var refunded = -groups.Where(g => g.Kind == LedgerValues.Cancellation).Sum(g => g.Points);
        return (groups.Sum(g => g.Count), granted - refunded, granted, refunded, programs);
    }
}

using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Grants;

/// <summary>One line to decide: a parsed grant line, or why it could not be read (bulk files).</summary>
/// <param name="Line">The 1-based line number of a bulk file, else null.</param>
/// <param name="Grant">The parsed line, or null when unreadable.</param>
public sealed record GrantInput(long? Line, GrantLine? Grant);

/// <summary>
/// Flow 5, the grant ledger. A chunk of lines is decided in one transaction: the running totals of the chunk's
/// persons are locked (<see cref="GrantRules.LockTotalsAsync"/>), the lines are decided in order by the cap
/// arithmetic of <see cref="Entitlement"/> against the locked totals (so caps hold exactly whatever runs
/// concurrently, invariant 3), every decided line is recorded (refusals too, so a retry of the key gets the same
/// answer), the totals are updated and one audit entry records the chunk. Keys are unique per operator: a twin
/// chunk that recorded a key first makes this one fail on the unique index, and it is decided again (it then sees
/// the twin's lines as replays).
/// </summary>
public sealed class GrantLedger(KangenDbContext db, WriteGate gate, TimeProvider time, CampaignProvider campaigns, ServiceCatalogue catalogue)
{
    /// <summary>Lines per transaction of a bulk file.</summary>
    public const int ChunkLines = 2000;

    private const int MaxAttempts = 8;

    /// <summary>Decides and records <paramref name="inputs"/> for the operator; one result per input, in order.</summary>
    public Task<IReadOnlyList<GrantResult>> RecordAsync(string operatorCode, IReadOnlyList<GrantInput> inputs, CancellationToken cancellationToken) =>
        Retrying(() => RecordOnceAsync(operatorCode, inputs, cancellationToken));

    /// <summary>Cancels earlier grants of the operator; one result per line, in order.</summary>
    public Task<IReadOnlyList<CancellationResult>> CancelAsync(string operatorCode, IReadOnlyList<CancellationLine?> lines, CancellationToken cancellationToken) =>
        Retrying(() => CancelOnceAsync(operatorCode, lines, cancellationToken));

    private static async Task<T> Retrying<T>(Func<Task<T>> attempt)
    {
        for (var i = 1; ; i++)
        {
            try
            {
                return await attempt();
            }
            catch (DbUpdateException e) when ((KangenStorage.IsUniqueViolation(e) || e.InnerException is System.Data.Common.DbException inner && IsDeadlock(inner)) && i < MaxAttempts)
            {
                // A concurrent chunk recorded one of these keys first: decide again, its lines are replays now. (A
                // deadlock, possible only between a cancellation and a close locking the same grant rows, is retried too.)
            }
            catch (System.Data.Common.DbException e) when ((KangenStorage.IsUniqueViolation(e) || IsDeadlock(e)) && i < MaxAttempts)
            {
            }
        }
    }

    private static bool IsDeadlock(System.Data.Common.DbException e) =>
        e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.DeadlockDetected };

    private sealed record Candidate(int Index, GrantLine Line, string Hash);

    private async Task<IReadOnlyList<GrantResult>> RecordOnceAsync(string operatorCode, IReadOnlyList<GrantInput> inputs, CancellationToken cancellationToken)
    {
        var results = new GrantResult[inputs.Count];
        var candidates = new List<Candidate>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            var (number, line) = inputs[i];
            if (line is null)
                results[i] = Refused(null, GrantCodes.LineInvalid, number);
            else if (!GrantRules.IsValidKey(line.Key))
                results[i] = Refused(line.Key is { Length: <= GrantLimits.KeyLength } ? line.Key : null, GrantCodes.KeyInvalid, number);
            else if (!GrantRules.IsValidReference(line.Person) || !GrantRules.IsValidReference(line.Service) || !GrantRules.IsValidReference(line.Program))
                results[i] = Refused(line.Key, GrantCodes.LineInvalid, number);
            else
                candidates.Add(new Candidate(i, line, GrantRules.LineHash(line)));
        }
        if (candidates.Count == 0)
            return results;

        // Read before the write gate, while another chunk holds it, instead of lengthening the serial part: pseudonyms,
        // choices and applications are only ever added, never changed or removed, and an operator learns of a person's
        // application through the feed only after it committed. So whatever committed before this request was sent is
        // seen here; what commits while it is in flight may or may not be, as it may or may not have come first.
        // Lists go as one array parameter (EF.Parameter): SQLite binds named parameters in quadratic time, and a chunk's
        // 2,000 keys or persons as 2,000 parameters each halved the ingestion rate (docs/performance.md).
        var campaignId = campaigns.Definition.Id.Value;
        var pseudonyms = candidates.Select(c => c.Line.Person).Distinct(StringComparer.Ordinal).ToArray();
        var persons = await db.OperatorPseudonyms.AsNoTracking().Where(p => p.OperatorCode == operatorCode && EF.Parameter(pseudonyms).Contains(p.Pseudonym))
            .ToDictionaryAsync(p => p.Pseudonym, p => p.PersonId, StringComparer.Ordinal, cancellationToken);
        var named = persons.Values.Distinct().ToArray();
        var choices = await db.CampaignChoices.AsNoTracking().Where(c => c.Campaign == campaignId && EF.Parameter(named).Contains(c.PersonId))
            .ToDictionaryAsync(c => c.PersonId, c => c.Service, cancellationToken);
        var applied = (await db.Applications.AsNoTracking().Where(a => a.Campaign == campaignId && EF.Parameter(named).Contains(a.PersonId))
            .Select(a => new { a.PersonId, a.Program }).ToListAsync(cancellationToken)).Select(a => (a.PersonId, a.Program)).ToHashSet();

        using var _ = await gate.EnterAsync(cancellationToken);
        db.ChangeTracker.Clear();
        var now = time.GetUtcNow();
        var campaign = campaigns.At(now);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // Under the gate: keys (a concurrent chunk may record them), suspensions (lifted and added at any time) and totals.
        var keys = candidates.Select(c => c.Line.Key).Distinct(StringComparer.Ordinal).ToArray();
        var existing = await db.Grants.AsNoTracking().Where(g => g.OperatorCode == operatorCode && EF.Parameter(keys).Contains(g.Key))
            .ToDictionaryAsync(g => g.Key, StringComparer.Ordinal, cancellationToken);
        var ids = candidates.Where(c => !existing.ContainsKey(c.Line.Key) && persons.ContainsKey(c.Line.Person)).Select(c => persons[c.Line.Person]).Distinct().ToArray();
        var suspended = (await db.LinkSuspensions.AsNoTracking().Where(s => EF.Parameter(ids).Contains(s.PersonId)).Select(s => s.PersonId)
            .ToListAsync(cancellationToken)).ToHashSet();
        var totals = await GrantRules.LockTotalsAsync(db, campaignId, ids, cancellationToken);

        var context = new DecisionContext(operatorCode, campaign, campaignId, now, persons, choices, applied, suspended, totals.Rows);
        var recorded = new Dictionary<string, GrantEntry>(StringComparer.Ordinal);
        foreach (var c in candidates)
        {
            var number = inputs[c.Index].Line;
            if (existing.TryGetValue(c.Line.Key, out var earlier) || recorded.TryGetValue(c.Line.Key, out earlier))
            {
                results[c.Index] = earlier.LineHash == c.Hash ? FromEntry(earlier, replayed: true, number) : Refused(c.Line.Key, GrantCodes.KeyReused, number);
                continue;
            }
            var entry = Decide(context, c.Line, c.Hash);
            recorded[c.Line.Key] = entry;
            results[c.Index] = FromEntry(entry, replayed: false, number);
        }
        if (recorded.Count == 0)
            return results;

        var entries = recorded.Values.ToArray();
        // Their ids are left to the database: nothing reads them back.
        await RowInserter.InsertAsync(db, entries, cancellationToken);
        await totals.SaveAsync(db, cancellationToken);
        await AuditChain.AppendAsync(db, now, "operator:" + operatorCode, "grants.recorded", "operator:" + operatorCode, new
        {
            lines = entries.Length,
            accepted = entries.Count(e => e.Status == GrantResult.AcceptedStatus),
            partial = entries.Count(e => e.Status == GrantResult.PartialStatus),
            refused = entries.Count(e => e.Status == GrantResult.RefusedStatus),
            points = entries.Sum(e => e.Points),
            keys = GrantRules.KeysHash(entries.Select(e => e.Key)),
        }, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return results;
    }

    private sealed record DecisionContext(
        string Operator, Campaign Campaign, string CampaignId, DateTimeOffset Now, Dictionary<string, Guid> Persons,
        Dictionary<Guid, string> Choices, HashSet<(Guid, string)> Applied, HashSet<Guid> Suspended, IReadOnlyDictionary<Guid, GrantTotal> Totals);

    private GrantEntry Decide(DecisionContext x, GrantLine line, string hash)
    {
        var entry = new GrantEntry
        {
            OperatorCode = x.Operator,
            Key = line.Key,
            LineHash = hash,
            Kind = LedgerValues.Grant,
            Campaign = x.CampaignId,
            Service = Clip(line.Service, 64),
            Program = Clip(line.Program, 32),
            Proposed = line.Points,
            Points = 0,
            Status = GrantResult.RefusedStatus,
            // PostgreSQL stores instants in UTC only; the offset the operator sent carries no meaning of its own.
            OccurredAt = line.GrantedAt.ToUniversalTime(),
            Month = GrantRules.MonthOf(x.Campaign.TimeZone, line.GrantedAt),
            RecordedAt = x.Now,
        };
        if (!x.Persons.TryGetValue(line.Person, out var person))
        {
            entry.Reason = GrantCodes.PersonUnknown;
            return entry;
        }
        entry.PersonId = person;
        var total = x.Totals[person];
        var entitlement = Entitlement.Of(x.Campaign, Phase1History.NeverApplied, GrantRules.ToRules(total));
        var known = ProgramKinds.TryParse(line.Program, out var kind);
        entry.RemainingProgram = known ? entitlement.Remaining(kind).Amount : 0;
        entry.RemainingTotal = entitlement.RemainingTotal.Amount;

        var service = catalogue.Find(line.Service);
        var program = known ? x.Campaign.Program(kind) : null;
        string? refusal = null;
        if (service is null || service.Operator != x.Operator)
            refusal = GrantCodes.ServiceNotYours;
        else if (!known)
            refusal = GrantCodes.ProgramUnknown;
        else if (!x.Choices.TryGetValue(person, out var chosen))
            refusal = GrantCodes.NotApplied;
        else if (chosen != line.Service)
            refusal = GrantCodes.ServiceNotChosen;
        else if (!x.Applied.Contains((person, line.Program)))
            refusal = GrantCodes.NotApplied;
        else if (x.Suspended.Contains(person))
            refusal = GrantCodes.LinkSuspended;
        else if (program is null)
            refusal = RuleCodes.GrantNotEligible.Code;
        else
        {
            var (from, until) = GrantRules.GrantWindow(x.Campaign, program);
            if (line.GrantedAt > x.Now + GrantRules.ClockSkew || line.GrantedAt < from || line.GrantedAt >= until)
                refusal = GrantCodes.TimeInvalid;
        }
        if (refusal is not null)
        {
            entry.Reason = refusal;
            return entry;
        }

        var decision = entitlement.Accept(kind, line.Points);
        var limit = decision.Violations.FirstOrDefault(v => v.Code.Kind == RuleCodeKind.Refusal)?.Code.Code;
        entry.RemainingProgram = decision.RemainingAfter.Amount;
        entry.RemainingTotal = decision.RemainingTotalAfter.Amount;
        if (decision.IsRefused)
        {
            entry.Reason = limit ?? RuleCodes.GrantNotEligible.Code;
            return entry;
        }
        entry.Points = decision.Accepted.Amount;
        entry.Status = decision.IsFullyAccepted ? GrantResult.AcceptedStatus : GrantResult.PartialStatus;
        entry.Reason = decision.IsFullyAccepted ? null : limit;
        GrantRules.Add(total, kind, entry.Points);
        return entry;
    }

    private async Task<IReadOnlyList<CancellationResult>> CancelOnceAsync(string operatorCode, IReadOnlyList<CancellationLine?> lines, CancellationToken cancellationToken)
    {
        var results = new CancellationResult[lines.Count];
        var candidates = new List<(int Index, CancellationLine Line, string Hash)>();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line is null || !GrantRules.IsValidKey(line.Key))
                results[i] = new CancellationResult(line?.Key ?? "", GrantResult.RefusedStatus, 0, GrantCodes.KeyInvalid);
            // Every recorded grant has a valid key, so anything else names no grant (and a NUL in it failed PostgreSQL).
            else if (!GrantRules.IsValidKey(line.GrantKey))
                results[i] = new CancellationResult(line.Key, GrantResult.RefusedStatus, 0, GrantCodes.LineInvalid);
            else
                candidates.Add((i, line, GrantRules.LineHash(line)));
        }
        if (candidates.Count == 0)
            return results;

        using var _ = await gate.EnterAsync(cancellationToken);
        db.ChangeTracker.Clear();
        var now = time.GetUtcNow();
        var campaign = campaigns.At(now);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var keys = candidates.Select(c => c.Line.Key).Concat(candidates.Select(c => c.Line.GrantKey)).Distinct(StringComparer.Ordinal).ToArray();
        var preview = await db.Grants.AsNoTracking().Where(g => g.OperatorCode == operatorCode && keys.Contains(g.Key))
            .Select(g => new { g.Id, g.PersonId, g.Campaign }).ToListAsync(cancellationToken);
        // Totals first, then the grant rows: the order every ledger writer locks in.
        var byCampaign = preview.Where(p => p.PersonId is not null).GroupBy(p => p.Campaign);
        var totals = new Dictionary<(string, Guid), GrantTotal>();
        var locks = new List<LockedTotals>();
        foreach (var group in byCampaign)
        {
            var locked = await GrantRules.LockTotalsAsync(db, group.Key, [.. group.Select(p => p.PersonId!.Value)], cancellationToken);
            locks.Add(locked);
            foreach (var (person, row) in locked.Rows)
                totals[(group.Key, person)] = row;
        }
        var ids = preview.Select(p => p.Id).Order().ToArray();
        var rows = db.Provider == StorageProvider.Postgres
            ? await db.Grants.FromSqlInterpolated($"SELECT * FROM grants WHERE id = ANY({ids}) ORDER BY id FOR UPDATE").ToListAsync(cancellationToken)
            : await db.Grants.Where(g => ids.Contains(g.Id)).ToListAsync(cancellationToken);
        var byKey = rows.ToDictionary(g => g.Key, StringComparer.Ordinal);

        var recorded = new Dictionary<string, GrantEntry>(StringComparer.Ordinal);
        var cancelledGrants = new List<(GrantEntry Grant, GrantEntry Cancellation)>();
        foreach (var (index, line, hash) in candidates)
        {
            if (byKey.TryGetValue(line.Key, out var earlier) || recorded.TryGetValue(line.Key, out earlier))
            {
                results[index] = earlier.LineHash == hash
                    ? new CancellationResult(line.Key, earlier.Status, -earlier.Points, earlier.Reason, Replayed: true)
                    : new CancellationResult(line.Key, GrantResult.RefusedStatus, 0, GrantCodes.KeyReused);
                continue;
            }
            string? refusal = null;
            if (!byKey.TryGetValue(line.GrantKey, out var grant) || grant.Kind != LedgerValues.Grant)
                refusal = GrantCodes.GrantUnknown;
            else if (grant.Status == GrantResult.RefusedStatus || grant.Points <= 0)
                refusal = GrantCodes.GrantRefused;
            else if (grant.RelatedId is not null || cancelledGrants.Any(c => c.Grant.Id == grant.Id))
                refusal = GrantCodes.AlreadyCancelled;
            else if (line.CancelledAt > now + GrantRules.ClockSkew || line.CancelledAt < grant.OccurredAt)
                refusal = GrantCodes.TimeInvalid;
            if (refusal is not null)
            {
                // Not recorded: nothing changed, and the key stays free for a corrected cancellation.
                results[index] = new CancellationResult(line.Key, GrantResult.RefusedStatus, 0, refusal);
                continue;
            }
            var total = totals[(grant!.Campaign, grant.PersonId!.Value)];
            ProgramKinds.TryParse(grant.Program, out var kind);
            GrantRules.Add(total, kind, -grant.Points);
            var entitlement = Entitlement.Of(campaign, Phase1History.NeverApplied, GrantRules.ToRules(total));
            var cancellation = new GrantEntry
            {
                OperatorCode = operatorCode,
                Key = line.Key,
                LineHash = hash,
                Kind = LedgerValues.Cancellation,
                PersonId = grant.PersonId,
                Campaign = grant.Campaign,
                Service = grant.Service,
                Program = grant.Program,
                Proposed = grant.Points,
                Points = -grant.Points,
                Status = grant.SettlementId is null ? LedgerValues.Cancelled : LedgerValues.Refund,
                RelatedId = grant.Id,
                OccurredAt = line.CancelledAt.ToUniversalTime(),
                Month = GrantRules.MonthOf(campaign.TimeZone, line.CancelledAt),
                RemainingProgram = entitlement.Remaining(kind).Amount,
                RemainingTotal = entitlement.RemainingTotal.Amount,
                RecordedAt = now,
            };
            db.Grants.Add(cancellation);
            recorded[line.Key] = cancellation;
            cancelledGrants.Add((grant, cancellation));
            results[index] = new CancellationResult(line.Key, cancellation.Status, grant.Points, null);
        }
        if (recorded.Count == 0)
            return results;

        await db.SaveChangesAsync(cancellationToken);
        foreach (var (grant, cancellation) in cancelledGrants)
            grant.RelatedId = cancellation.Id;
        await db.SaveChangesAsync(cancellationToken);
        foreach (var locked in locks)
            await locked.SaveAsync(db, cancellationToken);
        var entries = recorded.Values.ToArray();
        await AuditChain.AppendAsync(db, now, "operator:" + operatorCode, "grants.cancelled", "operator:" + operatorCode, new
        {
            lines = entries.Length,
            cancelled = entries.Count(e => e.Status == LedgerValues.Cancelled),
            refund = entries.Count(e => e.Status == LedgerValues.Refund),
            points = entries.Sum(e => e.Points),
            keys = GrantRules.KeysHash(entries.Select(e => e.Key)),
        }, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return results;
    }

    private static GrantResult FromEntry(GrantEntry entry, bool replayed, long? line) =>
        new(entry.Key, entry.Status, entry.Points, entry.Reason,
            entry.PersonId is null ? null : new RemainingEntitlement(entry.RemainingProgram, entry.RemainingTotal), replayed, line);

    private static GrantResult Refused(string? key, string reason, long? line) =>
        new(key, GrantResult.RefusedStatus, 0, reason, null, false, line);

    private static string Clip(string value, int length) => value.Length <= length ? value : value[..length];
}

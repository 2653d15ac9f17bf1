using System.Globalization;
using System.Security.Cryptography;
using Kangen.Operator.Grants;
using Kangen.Operator.Services;
using Kangen.Operator.Storage;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Operator.Rebates;

/// <summary>A transaction to record.</summary>
/// <param name="Service">The service.</param>
/// <param name="AccountReference">The account.</param>
/// <param name="Kind">Purchase, charge or return.</param>
/// <param name="Amount">Yen, positive.</param>
/// <param name="At">When.</param>
/// <param name="ReturnOf">For a return: the id of the purchase returned.</param>
public sealed record TransactionInput(string Service, string AccountReference, TransactionKind Kind, long Amount, DateTimeOffset At, string? ReturnOf = null);

/// <summary>What recording a transaction did.</summary>
/// <param name="TransactionId">The id given to it.</param>
/// <param name="Person">The enrolled person, if any.</param>
/// <param name="GrantKey">The grant written to the outbox, if any.</param>
/// <param name="Points">Its points.</param>
/// <param name="CancellationKey">The cancellation written to the outbox, if any (returns).</param>
/// <param name="AtCap">True when a rebate was due but nothing remained.</param>
public sealed record RecordedTransaction(string TransactionId, string? Person, string? GrantKey, long Points, string? CancellationKey, bool AtCap);

/// <summary>
/// The operator's ledger: records transactions and computes rebates, writing every grant to the outbox in the
/// same database transaction as what earned it, before anything is sent.
/// </summary>
public sealed class OperatorLedger(OperatorServices services, CampaignDefinition campaign, TimeProvider time)
{
    /// <summary>The operator's services.</summary>
    public OperatorServices Services => services;

    /// <summary>The campaign in force at an instant.</summary>
    public Campaign CampaignAt(DateTimeOffset instant) => campaign.InForceAt(instant);

    /// <summary>The part 1 rules of a service at an instant (null when the campaign has no rate program).</summary>
    public RebateRules? RulesOf(OperatorService service, DateTimeOffset instant)
    {
        ArgumentNullException.ThrowIfNull(service);
        return CampaignAt(instant).Program(ProgramKind.CardAcquisition)?.Points is RatePointRule rule
            ? new RebateRules(service.Timing, service.Rounding, rule.Rate, rule.Limit.Amount)
            : null;
    }

    /// <summary>The month (yyyyMM) of an instant in Japan time.</summary>
    public static int MonthOf(DateTimeOffset instant)
    {
        var date = CampaignTimeZone.Japan.DateOf(instant);
        return date.Year * 100 + date.Month;
    }

    /// <summary>Records a transaction and, when it earns points now, its grant (or, for a return, the cancellation of its grant).</summary>
    /// <exception cref="ArgumentException">For an unknown service or a return of an unknown purchase.</exception>
    public async Task<RecordedTransaction> RecordAsync(OperatorDb db, TransactionInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(input);
        var service = services.Find(input.Service) ?? throw new ArgumentException($"Unknown service {input.Service}.", nameof(input));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(input.Amount);
        var id = "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var enrolments = await db.Enrolments.AsNoTracking()
            .Where(e => e.AccountReference == input.AccountReference && e.Service == service.Code && e.Program == "card-acquisition")
            .ToListAsync(cancellationToken);
        // Only transactions after the person applied earn points.
        var enrolment = enrolments.Where(e => e.EnrolledAt <= input.At).OrderBy(e => e.EnrolledAt).FirstOrDefault();
        var row = new TransactionRow
        {
            Id = id,
            Service = service.Code,
            AccountReference = input.AccountReference,
            Person = enrolment?.Person,
            Kind = input.Kind.ToString().ToLowerInvariant(),
            Amount = input.Amount,
            At = input.At,
            Month = MonthOf(input.At),
            ReturnOf = input.ReturnOf,
        };
        db.Transactions.Add(row);
        string? grantKey = null, cancellationKey = null;
        long points = 0;
        var atCap = false;
        if (input.Kind == TransactionKind.Return)
        {
            var original = await db.Transactions.FirstOrDefaultAsync(t => t.Id == input.ReturnOf, cancellationToken)
                ?? throw new ArgumentException($"No purchase {input.ReturnOf} to return.", nameof(input));
            row.Person ??= original.Person;
            // Only a grant of that purchase alone is cancelled; a threshold or monthly grant covers many purchases.
            var grant = await db.Grants.FirstOrDefaultAsync(g => g.Key == GrantKeys.ForTransaction(original.Id), cancellationToken);
            if (grant is not null && !grant.Cancelled)
            {
                grant.Cancelled = true;
                cancellationKey = GrantKeys.ForCancellation(grant.Key);
                db.Cancellations.Add(new CancellationRow
                {
                    Key = cancellationKey,
                    GrantKey = grant.Key,
                    CancelledAt = input.At,
                    Month = MonthOf(input.At),
                });
                var person = await db.People.FirstOrDefaultAsync(p => p.Person == grant.Person, cancellationToken);
                if (person is not null && grant.Program == "card-acquisition")
                {
                    person.CardAcquisitionCommitted -= grant.Status == GrantStatus.Pending ? grant.Points : grant.Accepted;
                    // The returned points come back to the person; if the platform still sees no room, its next answer says so.
                    if (grant.Status == GrantStatus.Pending || grant.Accepted > 0)
                        person.CapReached = false;
                }
            }
        }
        if (enrolment is not null && RulesOf(service, input.At) is { } rules)
        {
            var person = await PersonAsync(db, enrolment.Person, cancellationToken);
            if (!person.Suspended)
            {
                var before = StateOf(person);
                var outcome = RebateCalculator.ForTransaction(rules, before, input.Kind, input.Amount);
                Apply(person, outcome.State);
                atCap = outcome.Uncapped > 0 && outcome.Points == 0;
                if (outcome.Points > 0)
                {
                    // The grant that reaches a threshold covers earlier purchases too: a return of this one does not cancel it.
                    var threshold = !before.ThresholdReached && outcome.State.ThresholdReached && outcome.State.CumulativeSpend != input.Amount;
                    grantKey = threshold ? GrantKeys.ForThreshold(id) : GrantKeys.ForTransaction(id);
                    points = outcome.Points;
                    db.Grants.Add(NewGrant(grantKey, enrolment.Person, service.Code, ProgramKind.CardAcquisition, points, input.At, id));
                }
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        return new RecordedTransaction(id, row.Person, grantKey, points, cancellationKey, atCap);
    }

    /// <summary>
    /// Writes the monthly grants of every month that has ended (Japan time) for monthly services: one per person,
    /// service and month, on the month's purchases less its returns. Months already granted are skipped by their key.
    /// </summary>
    /// <returns>The grants written.</returns>
    public async Task<int> CloseMonthsAsync(OperatorDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = time.GetUtcNow();
        var current = MonthOf(now);
        var monthly = services.All.Where(s => s.Timing.Kind == GrantTimingKind.Monthly).Select(s => s.Code).ToArray();
        if (monthly.Length == 0)
            return 0;
        var totals = await db.Transactions.AsNoTracking()
            .Where(t => t.Person != null && t.Month < current && monthly.Contains(t.Service) && (t.Kind == "purchase" || t.Kind == "return"))
            .GroupBy(t => new { t.Person, t.Service, t.Month })
            .Select(g => new { g.Key.Person, g.Key.Service, g.Key.Month, Net = g.Sum(t => t.Kind == "purchase" ? t.Amount : -t.Amount) })
            .ToListAsync(cancellationToken);
        var written = 0;
        foreach (var total in totals.OrderBy(t => t.Month))
        {
            var key = GrantKeys.ForMonth(total.Person!, total.Service, total.Month);
            if (await db.Grants.AnyAsync(g => g.Key == key, cancellationToken))
                continue;
            var service = services.Find(total.Service)!;
            if (RulesOf(service, now) is not { } rules)
                continue;
            var person = await PersonAsync(db, total.Person!, cancellationToken);
            // A suspended person's month is not granted now; it is looked at again on the next run after a resume.
            if (person.Suspended)
                continue;
            var outcome = RebateCalculator.ForMonth(rules, StateOf(person), total.Net);
            Apply(person, outcome.State);
            // The key is written even for zero points, so the month is closed once.
            var grant = NewGrant(key, total.Person!, total.Service, ProgramKind.CardAcquisition, outcome.Points, now, total.Month.ToString(CultureInfo.InvariantCulture));
            if (outcome.Points == 0)
            {
                grant.Status = GrantStatus.Refused;
                grant.Reason = outcome.Uncapped == 0 ? "operator.nothing-spent" : "operator.cap-reached";
                grant.AnsweredAt = now;
            }
            db.Grants.Add(grant);
            written++;
        }
        await db.SaveChangesAsync(cancellationToken);
        return written;
    }

    /// <summary>Writes the fixed grant (part 2 or 3) of a person enrolled for it, once; false when already written or not a fixed program.</summary>
    public async Task<bool> GrantFixedAsync(OperatorDb db, string person, string service, ProgramKind program, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (CampaignAt(at).Program(program)?.Points is not FixedPointRule rule)
            return false;
        var key = GrantKeys.ForFixed(person, program.Part());
        if (await db.Grants.AnyAsync(g => g.Key == key, cancellationToken) || db.Grants.Local.Any(g => g.Key == key))
            return false;
        db.Grants.Add(NewGrant(key, person, service, program, rule.Amount.Amount, at, "enrolment"));
        return true;
    }

    /// <summary>The person's row, created when new (tracked; saved with the caller's next save).</summary>
    public static async Task<PersonRow> PersonAsync(OperatorDb db, string person, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var row = db.People.Local.FirstOrDefault(p => p.Person == person)
            ?? await db.People.FirstOrDefaultAsync(p => p.Person == person, cancellationToken);
        if (row is null)
        {
            row = new PersonRow { Person = person };
            db.People.Add(row);
        }
        return row;
    }

    private static RebateState StateOf(PersonRow p) => new(p.CardAcquisitionCommitted, p.CumulativeSpend, p.ThresholdReached, p.CapReached);

    private static void Apply(PersonRow p, RebateState s)
    {
        p.CardAcquisitionCommitted = s.Committed;
        p.CumulativeSpend = s.CumulativeSpend;
        p.ThresholdReached = s.ThresholdReached;
        p.CapReached = s.CapReached;
    }

    private static GrantRow NewGrant(string key, string person, string service, ProgramKind program, long points, DateTimeOffset at, string source) => new()
    {
        Key = key,
        Person = person,
        Service = service,
        Program = program.ToCode(),
        Points = points,
        GrantedAt = at,
        Month = MonthOf(at),
        Source = source,
    };
}

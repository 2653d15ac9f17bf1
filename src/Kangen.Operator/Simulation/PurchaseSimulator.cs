using Kangen.Operator.Rebates;
using Kangen.Operator.Services;
using Kangen.Operator.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Operator.Simulation;

/// <summary>What a simulation recorded.</summary>
/// <param name="People">People with a part 1 enrolment who got a purchase stream.</param>
/// <param name="Purchases">Purchases.</param>
/// <param name="Charges">Charges of prepaid balances.</param>
/// <param name="Returns">Purchases returned.</param>
/// <param name="Spent">Yen of purchases and charges (stays with the operator).</param>
/// <param name="Grants">Grants written to the outbox.</param>
/// <param name="Points">Their points.</param>
/// <param name="Cancellations">Cancellations written to the outbox.</param>
public sealed record SimulationResult(int People, int Purchases, int Charges, int Returns, long Spent, int Grants, long Points, int Cancellations);

/// <summary>
/// Invents realistic spending for every person enrolled in part 1 on one of the operator's services: a few
/// purchases a day with amounts from a skewed (log-normal) distribution, charges of round amounts on prepaid and
/// at-charge services, and about 3 % of purchases returned a day or two later. Each person's stream covers the
/// <c>days</c> before now but never starts before the enrolment: a person enrolled more recently gets the same
/// number of simulated days compressed into the time since. Everything goes through <see cref="OperatorLedger"/>.
/// </summary>
public sealed class PurchaseSimulator(OperatorLedger ledger, TimeProvider time)
{
    /// <summary>Runs the simulation; <paramref name="progress"/> gets (done, total) transactions.</summary>
    public async Task<SimulationResult> RunAsync(OperatorDb db, int days, int seed, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(days);
        var random = new Random(seed);
        var now = time.GetUtcNow();
        var enrolments = (await db.Enrolments.AsNoTracking().Where(e => e.Program == "card-acquisition").ToListAsync(cancellationToken))
            .OrderBy(e => e.Person, StringComparer.Ordinal).ThenBy(e => e.Service, StringComparer.Ordinal).ToList();
        var plan = new List<(DateTimeOffset At, EnrolmentRow Enrolment, TransactionKind Kind, long Amount, int ReturnIndex)>();
        foreach (var enrolment in enrolments)
        {
            var service = ledger.Services.Find(enrolment.Service);
            if (service is null)
                continue;
            var start = enrolment.EnrolledAt > now - TimeSpan.FromDays(days) ? enrolment.EnrolledAt : now - TimeSpan.FromDays(days);
            var dayLength = (now - start) / days;
            if (dayLength <= TimeSpan.Zero)
                continue;
            var charges = service.Kind == "prepaid" || service.Timing.Kind == GrantTimingKind.AtCharge;
            for (var day = 0; day < days; day++)
            {
                var dayStart = start + dayLength * day;
                if (charges && random.NextDouble() < 0.25)
                    plan.Add((dayStart + dayLength * random.NextDouble(), enrolment, TransactionKind.Charge, ChargeAmount(random), -1));
                var count = Purchases(random);
                for (var i = 0; i < count; i++)
                {
                    var at = dayStart + dayLength * random.NextDouble();
                    plan.Add((at, enrolment, TransactionKind.Purchase, PurchaseAmount(random), -1));
                    if (random.NextDouble() < 0.03)
                    {
                        var back = at + dayLength * (1 + random.NextDouble());
                        if (back < now)
                            plan.Add((back, enrolment, TransactionKind.Return, 0, plan.Count - 1));
                    }
                }
            }
        }
        // Returns point at their purchase by plan index; record in time order and remember the ids given.
        var order = Enumerable.Range(0, plan.Count).OrderBy(i => plan[i].At).ToList();
        var ids = new string?[plan.Count];
        int purchases = 0, chargeCount = 0, returns = 0, grants = 0, cancellations = 0;
        long spent = 0, points = 0;
        var done = 0;
        foreach (var i in order)
        {
            var (at, enrolment, kind, amount, returnIndex) = plan[i];
            string? returnOf = null;
            if (kind == TransactionKind.Return)
            {
                returnOf = ids[returnIndex];
                if (returnOf is null)
                    continue;
                amount = plan[returnIndex].Amount;
            }
            var recorded = await ledger.RecordAsync(db, new TransactionInput(enrolment.Service, enrolment.AccountReference, kind, amount, at, returnOf), cancellationToken);
            ids[i] = recorded.TransactionId;
            switch (kind)
            {
                case TransactionKind.Purchase: purchases++; spent += amount; break;
                case TransactionKind.Charge: chargeCount++; spent += amount; break;
                default: returns++; break;
            }
            if (recorded.GrantKey is not null)
            {
                grants++;
                points += recorded.Points;
            }
            if (recorded.CancellationKey is not null)
                cancellations++;
            progress?.Report((++done, plan.Count));
        }
        var people = enrolments.Select(e => e.Person).Distinct(StringComparer.Ordinal).Count();
        return new SimulationResult(people, purchases, chargeCount, returns, spent, grants, points, cancellations);
    }

    // Mostly one or two purchases a day, sometimes none, now and then a busy day.
    private static int Purchases(Random random)
    {
        var u = random.NextDouble();
        return u < 0.2 ? 0 : u < 0.55 ? 1 : u < 0.8 ? 2 : u < 0.93 ? 3 : 4 + random.Next(3);
    }

    // Log-normal around 1,200 yen: many small purchases, a long tail of large ones, capped at 200,000.
    private static long PurchaseAmount(Random random)
    {
        var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var yen = Math.Exp(Math.Log(1200) + 1.1 * normal);
        return Math.Clamp((long)Math.Round(yen), 50, 200_000);
    }

    private static long ChargeAmount(Random random) => random.Next(6) switch
    {
        0 => 1_000,
        1 or 2 => 3_000,
        3 or 4 => 5_000,
        _ => 10_000,
    };
}

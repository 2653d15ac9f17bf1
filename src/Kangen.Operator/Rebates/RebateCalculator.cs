using Kangen.Operator.Services;
using Kangen.Rules;

namespace Kangen.Operator.Rebates;

/// <summary>What happened on an account, as far as rebates care.</summary>
public enum TransactionKind
{
    /// <summary>A purchase paid with the service.</summary>
    Purchase,
    /// <summary>A charge (top-up) of a prepaid balance.</summary>
    Charge,
    /// <summary>A purchase returned.</summary>
    Return,
}

/// <summary>The part 1 rules of one service: its timing and rounding, the campaign's rate and cap.</summary>
/// <param name="Timing">When points are earned.</param>
/// <param name="Rounding">How fractions are rounded, once per grant.</param>
/// <param name="Rate">The campaign rate (0.25).</param>
/// <param name="Cap">The campaign's part 1 cap per person (5,000).</param>
public sealed record RebateRules(GrantTiming Timing, RebateRounding Rounding, decimal Rate, long Cap);

/// <summary>A person's part 1 state at the operator.</summary>
/// <param name="Committed">Points proposed and not refused (pending at their proposal, answered at what was accepted).</param>
/// <param name="CumulativeSpend">Qualifying spend so far, for after-reaching-N.</param>
/// <param name="ThresholdReached">Whether the after-reaching-N threshold was reached.</param>
/// <param name="CapReached">Whether the platform said the cap is used up (partial, refused for a cap, or nothing remaining).</param>
public sealed record RebateState(long Committed, long CumulativeSpend, bool ThresholdReached, bool CapReached)
{
    /// <summary>A person with nothing yet.</summary>
    public static RebateState Empty { get; } = new(0, 0, false, false);

    /// <summary>What may still be proposed: never more than the local remainder of the cap.</summary>
    public long Remaining(long cap) => CapReached ? 0 : Math.Max(0, cap - Committed);
}

/// <summary>The points a transaction earns now (zero for none) and the state after it.</summary>
/// <param name="Points">Points to propose now.</param>
/// <param name="State">The state after.</param>
/// <param name="Uncapped">The rebate before the cap (for reports: what the cap took away is <c>Uncapped - Points</c>).</param>
public sealed record RebateOutcome(long Points, RebateState State, long Uncapped);

/// <summary>
/// The part 1 rebate rules, by timing (docs/operators.md, "The operator side"). All arithmetic is whole yen:
/// <see cref="Entitlement.Rebate"/> at the campaign rate, rounded per service, then limited to what remains.
/// <list type="bullet">
/// <item><c>at-charge</c>: each charge earns; purchases and returns earn nothing.</item>
/// <item><c>at-purchase</c>: each purchase earns; charges earn nothing.</item>
/// <item><c>monthly</c>: transactions earn nothing by themselves; after the month ends the month's purchases
/// less its returns earn once (<see cref="ForMonth"/>), rounded once.</item>
/// <item><c>after-reaching-N</c>: purchases add to the cumulative spend (returns subtract, before the threshold);
/// nothing is earned until it reaches N; the purchase that reaches it earns the rebate of the whole cumulative
/// amount; every later purchase earns its own.</item>
/// </list>
/// </summary>
public static class RebateCalculator
{
    /// <summary>The rebate a transaction earns now.</summary>
    public static RebateOutcome ForTransaction(RebateRules rules, RebateState state, TransactionKind kind, long amount)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        switch (rules.Timing.Kind)
        {
            case GrantTimingKind.AtCharge:
                return kind == TransactionKind.Charge ? Earn(rules, state, amount) : new(0, state, 0);
            case GrantTimingKind.AtPurchase:
                return kind == TransactionKind.Purchase ? Earn(rules, state, amount) : new(0, state, 0);
            case GrantTimingKind.Monthly:
                return new(0, state, 0);
            case GrantTimingKind.AfterReaching:
                if (kind == TransactionKind.Return)
                    return new(0, state.ThresholdReached ? state : state with { CumulativeSpend = Math.Max(0, state.CumulativeSpend - amount) }, 0);
                if (kind != TransactionKind.Purchase)
                    return new(0, state, 0);
                var spend = state.CumulativeSpend + amount;
                if (state.ThresholdReached)
                    return Earn(rules, state with { CumulativeSpend = spend }, amount);
                if (spend < rules.Timing.Threshold)
                    return new(0, state with { CumulativeSpend = spend }, 0);
                return Earn(rules, state with { CumulativeSpend = spend, ThresholdReached = true }, spend);
            default:
                throw new ArgumentOutOfRangeException(nameof(rules), rules.Timing, "Unknown timing.");
        }
    }

    /// <summary>The rebate of a month's net purchases for a monthly service, rounded once.</summary>
    public static RebateOutcome ForMonth(RebateRules rules, RebateState state, long monthTotal)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(state);
        return monthTotal <= 0 ? new(0, state, 0) : Earn(rules, state, monthTotal);
    }

    private static RebateOutcome Earn(RebateRules rules, RebateState state, long amount)
    {
        var rebate = Entitlement.Rebate(Yen.Of(amount), rules.Rate, rules.Rounding).Amount;
        var points = Math.Min(rebate, state.Remaining(rules.Cap));
        return new(points, state with { Committed = state.Committed + points }, rebate);
    }
}

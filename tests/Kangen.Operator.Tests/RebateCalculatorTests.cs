using Kangen.Operator.Rebates;
using Kangen.Operator.Services;
using Kangen.Rules;

namespace Kangen.Operator.Tests;

public class RebateCalculatorTests
{
    private static RebateRules Rules(string timing, RebateRounding rounding = RebateRounding.Floor) =>
        new(GrantTiming.TryParse(timing)!, rounding, 0.25m, 5000);

    private static long Earn(RebateRules rules, TransactionKind kind, long amount, RebateState? state = null) =>
        RebateCalculator.ForTransaction(rules, state ?? RebateState.Empty, kind, amount).Points;

    [Theory]
    [InlineData(RebateRounding.Floor, 999, 249)]
    [InlineData(RebateRounding.Floor, 1003, 250)]
    [InlineData(RebateRounding.RoundHalfUp, 998, 250)]
    [InlineData(RebateRounding.RoundHalfUp, 997, 249)]
    [InlineData(RebateRounding.RoundHalfUp, 999, 250)]
    [InlineData(RebateRounding.Ceiling, 997, 250)]
    [InlineData(RebateRounding.Ceiling, 1000, 250)]
    public void A_purchase_earns_a_quarter_rounded_as_the_service_chose(RebateRounding rounding, long amount, long expected) =>
        Assert.Equal(expected, Earn(Rules("at-purchase", rounding), TransactionKind.Purchase, amount));

    [Fact]
    public void At_charge_services_reward_charges_and_not_purchases()
    {
        var rules = Rules("at-charge");
        Assert.Equal(750, Earn(rules, TransactionKind.Charge, 3000));
        Assert.Equal(0, Earn(rules, TransactionKind.Purchase, 3000));
    }

    [Fact]
    public void At_purchase_services_reward_purchases_and_not_charges()
    {
        var rules = Rules("at-purchase");
        Assert.Equal(0, Earn(rules, TransactionKind.Charge, 3000));
        Assert.Equal(750, Earn(rules, TransactionKind.Purchase, 3000));
    }

    [Fact]
    public void Monthly_services_earn_nothing_per_purchase_and_round_the_month_once()
    {
        var rules = Rules("monthly");
        Assert.Equal(0, Earn(rules, TransactionKind.Purchase, 999));
        // Two purchases of 999 yen: per purchase 249 + 249 = 498, the month rounded once 1,998 x 0.25 = 499.5 -> 499.
        Assert.Equal(499, RebateCalculator.ForMonth(rules, RebateState.Empty, 1998).Points);
        Assert.Equal(500, RebateCalculator.ForMonth(Rules("monthly", RebateRounding.Ceiling), RebateState.Empty, 1998).Points);
        Assert.Equal(0, RebateCalculator.ForMonth(rules, RebateState.Empty, -100).Points);
    }

    [Fact]
    public void After_reaching_a_threshold_the_whole_cumulative_amount_earns_then_each_purchase()
    {
        var rules = new RebateRules(new GrantTiming(GrantTimingKind.AfterReaching, 4000), RebateRounding.Floor, 0.25m, 5000);
        var state = RebateState.Empty;
        var first = RebateCalculator.ForTransaction(rules, state, TransactionKind.Purchase, 1000);
        Assert.Equal(0, first.Points);
        var second = RebateCalculator.ForTransaction(rules, first.State, TransactionKind.Purchase, 2999);
        Assert.Equal(0, second.Points);
        Assert.Equal(3999, second.State.CumulativeSpend);
        var reaching = RebateCalculator.ForTransaction(rules, second.State, TransactionKind.Purchase, 3);
        Assert.Equal(1000, reaching.Points); // 4,002 x 0.25 = 1,000.5 -> 1,000
        Assert.True(reaching.State.ThresholdReached);
        var after = RebateCalculator.ForTransaction(rules, reaching.State, TransactionKind.Purchase, 101);
        Assert.Equal(25, after.Points);
        Assert.Equal(1025, after.State.Committed);
    }

    [Fact]
    public void A_return_before_the_threshold_lowers_the_cumulative_spend()
    {
        var rules = new RebateRules(new GrantTiming(GrantTimingKind.AfterReaching, 4000), RebateRounding.Floor, 0.25m, 5000);
        var bought = RebateCalculator.ForTransaction(rules, RebateState.Empty, TransactionKind.Purchase, 3500);
        var returned = RebateCalculator.ForTransaction(rules, bought.State, TransactionKind.Return, 3500);
        Assert.Equal(0, returned.State.CumulativeSpend);
        Assert.Equal(0, RebateCalculator.ForTransaction(rules, returned.State, TransactionKind.Purchase, 600).Points);
    }

    [Fact]
    public void The_catalogue_threshold_of_20000_yen_earns_exactly_the_cap_when_reached()
    {
        var rules = Rules("after-reaching-20000");
        var state = RebateState.Empty;
        foreach (var amount in new long[] { 8000, 8000 })
        {
            var o = RebateCalculator.ForTransaction(rules, state, TransactionKind.Purchase, amount);
            Assert.Equal(0, o.Points);
            state = o.State;
        }
        var reached = RebateCalculator.ForTransaction(rules, state, TransactionKind.Purchase, 5000);
        Assert.Equal(5250, reached.Uncapped);
        Assert.Equal(5000, reached.Points);
        Assert.Equal(0, RebateCalculator.ForTransaction(rules, reached.State, TransactionKind.Purchase, 1000).Points);
    }

    [Fact]
    public void A_purchase_crossing_the_cap_earns_only_the_rest_and_nothing_after()
    {
        var rules = Rules("at-purchase");
        var near = RebateState.Empty with { Committed = 4900 };
        var crossing = RebateCalculator.ForTransaction(rules, near, TransactionKind.Purchase, 1000);
        Assert.Equal(100, crossing.Points);
        Assert.Equal(250, crossing.Uncapped);
        Assert.Equal(5000, crossing.State.Committed);
        Assert.Equal(0, RebateCalculator.ForTransaction(rules, crossing.State, TransactionKind.Purchase, 1000).Points);
    }

    [Fact]
    public void When_the_platform_says_the_cap_is_used_nothing_more_is_proposed()
    {
        var state = RebateState.Empty with { Committed = 1000, CapReached = true };
        Assert.Equal(0, state.Remaining(5000));
        Assert.Equal(0, Earn(Rules("at-purchase"), TransactionKind.Purchase, 4000, state));
    }

    [Theory]
    [InlineData("at-charge", GrantTimingKind.AtCharge, 0)]
    [InlineData("monthly", GrantTimingKind.Monthly, 0)]
    [InlineData("after-reaching-20000", GrantTimingKind.AfterReaching, 20000)]
    public void Timings_parse_from_the_catalogue_codes(string code, GrantTimingKind kind, long threshold)
    {
        var timing = GrantTiming.TryParse(code)!;
        Assert.Equal(kind, timing.Kind);
        Assert.Equal(threshold, timing.Threshold);
        Assert.Equal(code, timing.ToString());
    }

    [Theory]
    [InlineData("after-reaching-")]
    [InlineData("after-reaching-0")]
    [InlineData("weekly")]
    [InlineData(null)]
    public void Unknown_timings_are_refused(string? code) => Assert.Null(GrantTiming.TryParse(code));
}

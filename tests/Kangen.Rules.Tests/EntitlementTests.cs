using Kangen.Rules;

namespace Kangen.Rules.Tests;

/// <summary>
/// Entitlement arithmetic in whole yen under the default campaign (part 1: 25 % capped at 5,000; parts 2
/// and 3: 7,500 fixed; 20,000 per person). Phase 1 receipts count against part 1 and the total.
/// </summary>
public class EntitlementTests
{
    private static readonly Campaign Latest = Given.Default.Latest;

    private static Entitlement Of(long phase1, long part1, long part2, long part3) =>
        Entitlement.Of(Latest,
            phase1 == 0 ? Phase1History.NeverApplied : Phase1History.Applied(Given.At("2021-10-01"), Yen.Of(phase1)),
            GrantTotals.Of(Yen.Of(part1), Yen.Of(part2), Yen.Of(part3)));

    // phase 1 received, grants per part so far -> remaining per part and in total
    public static TheoryData<string, long, long, long, long, long, long, long, long> RemainingRows => new()
    {
        { "Nothing granted: 5,000 + 7,500 + 7,500, 20,000 in total", 0, 0, 0, 0, 5000, 7500, 7500, 20000 },
        { "Part 1 at 4,999 leaves 1", 0, 4999, 0, 0, 1, 7500, 7500, 15001 },
        { "Part 1 at 5,000 leaves 0", 0, 5000, 0, 0, 0, 7500, 7500, 15000 },
        { "Phase 1 receipts count against part 1 (3,000 + 1,000 leaves 1,000)", 3000, 1000, 0, 0, 1000, 7500, 7500, 16000 },
        { "Phase 1 4,999 leaves 1 for part 1", 4999, 0, 0, 0, 1, 7500, 7500, 15001 },
        { "Phase 1 5,000 leaves nothing for part 1 and 15,000 in total", 5000, 0, 0, 0, 0, 7500, 7500, 15000 },
        { "19,999 granted in total leaves 1", 0, 4999, 7500, 7500, 1, 0, 0, 1 },
        { "20,000 granted in total leaves nothing", 0, 5000, 7500, 7500, 0, 0, 0, 0 },
        { "19,999 with Phase 1 included leaves 1", 2000, 2999, 7500, 7500, 1, 0, 0, 1 },
        { "Part 2 granted leaves parts 1 and 3", 0, 0, 7500, 0, 5000, 0, 7500, 12500 },
    };

    [Theory]
    [MemberData(nameof(RemainingRows))]
    public void Remaining_entitlement_per_program_and_in_total(string rule, long phase1, long part1, long part2, long part3,
        long left1, long left2, long left3, long leftTotal)
    {
        var entitlement = Of(phase1, part1, part2, part3);
        Assert.True(left1 == entitlement.Remaining(ProgramKind.CardAcquisition).Amount, rule);
        Assert.Equal(left2, entitlement.Remaining(ProgramKind.HealthInsurance).Amount);
        Assert.Equal(left3, entitlement.Remaining(ProgramKind.PublicFundAccount).Amount);
        Assert.Equal(leftTotal, entitlement.RemainingTotal.Amount);
    }

    // phase 1, part 1..3 granted, program, proposed -> accepted, codes
    public static TheoryData<string, long, long, long, long, string, long, long, string> AcceptRows => new()
    {
        { "Part 1: 5,000 on nothing is accepted in full", 0, 0, 0, 0, "card-acquisition", 5000, 5000, "" },
        { "Part 1: 5,001 on nothing is accepted up to 5,000", 0, 0, 0, 0, "card-acquisition", 5001, 5000, "grant.exceeds-cap,grant.partially-accepted" },
        { "Part 1: 4,999 on nothing is accepted in full", 0, 0, 0, 0, "card-acquisition", 4999, 4999, "" },
        { "Part 1: 1 on 4,999 is accepted (reaches 5,000)", 0, 4999, 0, 0, "card-acquisition", 1, 1, "" },
        { "Part 1: 2 on 4,999 is accepted up to 1", 0, 4999, 0, 0, "card-acquisition", 2, 1, "grant.exceeds-cap,grant.partially-accepted" },
        { "Part 1: 1 on 5,000 is refused", 0, 5000, 0, 0, "card-acquisition", 1, 0, "grant.exceeds-cap" },
        { "Phase 1 carryover: 2,000 on Phase 1's 3,000 is accepted", 3000, 0, 0, 0, "card-acquisition", 2000, 2000, "" },
        { "Phase 1 carryover: 2,001 on Phase 1's 3,000 is accepted up to 2,000", 3000, 0, 0, 0, "card-acquisition", 2001, 2000, "grant.exceeds-cap,grant.partially-accepted" },
        { "Phase 1 carryover: Phase 1 plus Phase 2 part 1 share the cap", 3000, 1999, 0, 0, "card-acquisition", 5, 1, "grant.exceeds-cap,grant.partially-accepted" },
        { "Phase 1 5,000: any part 1 grant is refused", 5000, 0, 0, 0, "card-acquisition", 1, 0, "grant.exceeds-cap" },
        { "Zero points are refused", 0, 0, 0, 0, "card-acquisition", 0, 0, "grant.not-positive" },
        { "Negative points are refused", 0, 0, 0, 0, "health-insurance", -7500, 0, "grant.not-positive" },
        { "Part 2: exactly 7,500 is accepted", 0, 0, 0, 0, "health-insurance", 7500, 7500, "" },
        { "Part 2: 7,499 is refused (fixed amount)", 0, 0, 0, 0, "health-insurance", 7499, 0, "grant.amount-mismatch" },
        { "Part 2: 7,501 is refused (fixed amount, above cap)", 0, 0, 0, 0, "health-insurance", 7501, 0, "grant.amount-mismatch,grant.exceeds-cap" },
        { "Part 2: a second 7,500 is refused", 0, 0, 7500, 0, "health-insurance", 7500, 0, "grant.exceeds-cap" },
        { "Part 3: exactly 7,500 is accepted after parts 1 and 2", 0, 5000, 7500, 0, "public-fund-account", 7500, 7500, "" },
        { "Total 19,999: 1 more is accepted", 0, 4999, 7500, 7500, "card-acquisition", 1, 1, "" },
        { "Total 20,000: 1 more is refused by both caps", 0, 5000, 7500, 7500, "card-acquisition", 1, 0, "grant.exceeds-cap,grant.exceeds-total" },
    };

    [Theory]
    [MemberData(nameof(AcceptRows))]
    public void A_proposed_grant_is_accepted_up_to_what_remains(string rule, long phase1, long part1, long part2, long part3,
        string program, long proposed, long accepted, string codes)
    {
        var decision = Of(phase1, part1, part2, part3).Accept(Given.Program(program), proposed);
        Assert.True(accepted == decision.Accepted.Amount, $"{rule}: accepted {decision.Accepted}");
        Assert.Equal(codes, Given.Codes(decision.Violations));
        Assert.Equal(accepted == 0, decision.IsRefused);
        Assert.Equal(accepted == proposed && proposed > 0, decision.IsFullyAccepted);
    }

    [Fact]
    public void After_an_accepted_grant_the_decision_says_what_remains()
    {
        var decision = Of(3000, 0, 7500, 0).Accept(ProgramKind.CardAcquisition, 1500);
        Assert.Equal(Yen.Of(500), decision.RemainingAfter);
        Assert.Equal(Yen.Of(20000 - 3000 - 7500 - 1500), decision.RemainingTotalAfter);
        Assert.Equal(Latest.Version, decision.CampaignVersion);
    }

    [Fact]
    public void With_a_total_below_the_sum_of_caps_a_fixed_grant_that_does_not_fit_is_refused_whole()
    {
        var smaller = Given.Parsed(Given.DefaultWith(root => root["totalCap"] = 15000)).Latest;
        var entitlement = Entitlement.Of(smaller, Phase1History.NeverApplied, GrantTotals.Of(Yen.Of(5000), Yen.Of(7500), Yen.Zero));
        Assert.Equal(Yen.Of(2500), entitlement.Remaining(ProgramKind.PublicFundAccount));
        var decision = entitlement.Accept(ProgramKind.PublicFundAccount, 7500);
        Assert.True(decision.IsRefused);
        Assert.Equal("grant.exceeds-total", Given.Codes(decision.Violations));
    }

    [Fact]
    public void With_a_total_below_the_sum_of_caps_part_1_is_refused_once_the_total_is_used_up()
    {
        var smaller = Given.Parsed(Given.DefaultWith(root => root["totalCap"] = 15000)).Latest;
        var entitlement = Entitlement.Of(smaller, Phase1History.NeverApplied, GrantTotals.Of(Yen.Zero, Yen.Of(7500), Yen.Of(7500)));
        var decision = entitlement.Accept(ProgramKind.CardAcquisition, 500);
        Assert.True(decision.IsRefused);
        Assert.Equal("grant.exceeds-total", Given.Codes(decision.Violations));
    }

    [Fact]
    public void A_grant_for_a_program_the_person_is_not_eligible_for_is_refused_with_the_reasons()
    {
        var person = Given.Person("health=-");
        var eligibility = EligibilityRules.Evaluate(Given.Default, person, Given.At("2022-08-01")).For(ProgramKind.HealthInsurance)!;
        var decision = Entitlement.Of(Given.Default.Latest, person.Phase1, GrantTotals.None).Accept(eligibility, 7500);
        Assert.True(decision.IsRefused);
        Assert.Equal("grant.not-eligible,eligibility.registration-missing", Given.Codes(decision.Violations));
    }

    // purchase amount, rounding -> points (25 %, uncapped)
    public static TheoryData<string, long, RebateRounding, long> RebateRows => new()
    {
        { "999 yen at 25 % rounded down is 249", 999, RebateRounding.Floor, 249 },
        { "999 yen at 25 % rounded half up is 250 (249.75)", 999, RebateRounding.RoundHalfUp, 250 },
        { "998 yen at 25 % rounded half up is 250 (249.5)", 998, RebateRounding.RoundHalfUp, 250 },
        { "997 yen at 25 % rounded half up is 249 (249.25)", 997, RebateRounding.RoundHalfUp, 249 },
        { "997 yen at 25 % rounded up is 250", 997, RebateRounding.Ceiling, 250 },
        { "1,000 yen at 25 % is 250 whatever the rounding", 1000, RebateRounding.Ceiling, 250 },
        { "20,000 yen at 25 % is the full 5,000", 20000, RebateRounding.Floor, 5000 },
    };

    [Theory]
    [MemberData(nameof(RebateRows))]
    public void Part_1_rebate_rounds_as_the_operator_chose(string rule, long amount, RebateRounding rounding, long points)
    {
        Assert.True(points == Entitlement.Rebate(Yen.Of(amount), 0.25m, rounding).Amount, rule);
    }

    [Fact]
    public void Part_1_rebate_is_limited_to_what_remains()
    {
        Assert.Equal(Yen.Of(5000), Of(0, 0, 0, 0).RebateFor(Yen.Of(20004), RebateRounding.Floor));
        Assert.Equal(Yen.Of(1000), Of(0, 4000, 0, 0).RebateFor(Yen.Of(20000), RebateRounding.Floor));
        Assert.Equal(Yen.Zero, Of(5000, 0, 0, 0).RebateFor(Yen.Of(20000), RebateRounding.Floor));
    }

    [Fact]
    public void Yen_never_goes_negative_and_overflow_is_an_error()
    {
        Assert.False(Yen.TryCreate(-1, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => Yen.Of(-1));
        Assert.Throws<InvalidOperationException>(() => Yen.Of(1) - Yen.Of(2));
        Assert.Throws<OverflowException>(() => Yen.Of(long.MaxValue) + Yen.Of(1));
        Assert.Equal(Yen.Zero, Yen.Of(5000).SubtractFloorZero(Yen.Of(5001)));
        Assert.Equal("5,000 yen", Yen.Of(5000).ToString());
    }
}

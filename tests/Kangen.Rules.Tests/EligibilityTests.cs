using Kangen.Rules;

namespace Kangen.Rules.Tests;

/// <summary>
/// Eligibility at an instant, under the default campaign as in force at that instant. Each row: the rule,
/// the instant (Japan time unless an offset is given), the person, the payment service, the program, and the
/// expected refusal codes (empty = eligible) and notes.
/// </summary>
public class EligibilityTests
{
    public static TheoryData<string, string, string, string, string, string, string> Rows => new()
    {
        // Application windows per program: a start date means 00:00 Japan time.
        { "Part 1 opens at 00:00 JST on 2022-01-01", "2022-01-01T00:00:00", "", "", "card-acquisition", "", "" },
        { "Part 1 is not open in the last second of 2021 JST", "2021-12-31T23:59:59", "", "", "card-acquisition", "eligibility.window-not-open", "" },
        { "15:00 UTC on 2021-12-31 is already 2022-01-01 in Japan", "2021-12-31T15:00:00Z", "", "", "card-acquisition", "", "" },
        { "14:59:59 UTC on 2021-12-31 is still 2021 in Japan", "2021-12-31T14:59:59Z", "", "", "card-acquisition", "eligibility.window-not-open", "" },
        { "Part 2 is not open on 2022-06-29 at 23:59:59 JST", "2022-06-29T23:59:59", "health=2022-01-10", "", "health-insurance", "eligibility.window-not-open", "" },
        { "Part 2 opens at 00:00 JST on 2022-06-30", "2022-06-30T00:00:00", "health=2022-01-10", "", "health-insurance", "", "eligibility.registered-before-campaign" },
        { "Part 3 opens at 00:00 JST on 2022-06-30", "2022-06-30T00:00:00", "fund=2022-06-29", "", "public-fund-account", "", "eligibility.registered-before-campaign" },
        { "Part 3 is not open before 2022-06-30 JST", "2022-06-29T23:59:59", "fund=2022-06-01", "", "public-fund-account", "eligibility.window-not-open", "" },

        // Point-application deadline: the last day includes its last second (final deadline 2023-09-30, v4).
        { "Part 2 is open in the last second of 2023-09-30 JST", "2023-09-30T23:59:59", "", "", "health-insurance", "", "" },
        { "Part 2 is closed in the first second of 2023-10-01 JST", "2023-10-01T00:00:00", "", "", "health-insurance", "eligibility.window-closed", "" },
        { "Part 1 is open at 14:59:59 UTC on 2023-09-30", "2023-09-30T14:59:59Z", "", "", "card-acquisition", "", "" },
        { "Part 1 is closed at 15:00:00 UTC on 2023-09-30", "2023-09-30T15:00:00Z", "", "", "card-acquisition", "eligibility.window-closed", "" },
        { "Part 3 is closed after the final deadline", "2023-10-01T00:00:00", "", "", "public-fund-account", "eligibility.window-closed", "" },

        // Card held, applied for by the card-application deadline in force.
        { "A card applied for in the last second of the deadline day counts", "2023-04-01", "applied=2023-02-28T23:59:59 received=2023-03-20", "", "card-acquisition", "", "" },
        { "A card applied for in the first second after the deadline does not count", "2023-04-01", "applied=2023-03-01T00:00:00 received=2023-03-20", "", "card-acquisition", "eligibility.card-applied-too-late", "" },
        { "The late card refuses every program, part 2 too", "2023-04-01", "applied=2023-03-01T00:00:00 received=2023-03-20", "", "health-insurance", "eligibility.card-applied-too-late", "" },
        { "A card applied for in October 2022 counts under the first extension", "2022-11-01", "applied=2022-10-01 received=2022-10-25", "", "card-acquisition", "", "" },
        { "A card not yet received is not held", "2022-10-20", "applied=2022-10-01 received=2022-10-25", "", "card-acquisition", "eligibility.card-not-held", "" },
        { "A card received at the instant is held", "2022-10-25T10:00:00", "applied=2022-10-01 received=2022-10-25T10:00:00", "", "card-acquisition", "", "" },
        { "Without a card nothing is available", "2022-10-20", "card=-", "", "public-fund-account", "eligibility.card-not-held", "" },

        // Phase 1 history and part 1.
        { "Never applied in Phase 1: may apply for part 1", "2022-03-01", "phase1=-", "", "card-acquisition", "", "" },
        { "Phase 1 applicant with 4,999 keeps earning part 1", "2022-03-01", "phase1=2021-12-31T23:59:59:4999", "", "card-acquisition", "", "eligibility.phase1-carryover" },
        { "Phase 1 applicant with nothing received keeps earning part 1", "2022-03-01", "phase1=2021-10-01:0", "", "card-acquisition", "", "eligibility.phase1-carryover" },
        { "Phase 1 applicant who received 5,000 is excluded from part 1", "2022-03-01", "phase1=2021-10-01:5000", "", "card-acquisition", "eligibility.phase1-fully-granted", "" },
        { "Receiving 5,000 in Phase 1 does not exclude part 2", "2022-08-01", "phase1=2021-10-01:5000", "", "health-insurance", "", "" },
        { "Receiving 5,000 in Phase 1 does not exclude part 3", "2022-08-01", "phase1=2021-10-01:5000", "", "public-fund-account", "", "" },
        { "A Phase 1 application after 2021-12-31 JST is impossible", "2022-03-01", "phase1=2022-01-01T00:00:00:100", "", "card-acquisition", "eligibility.phase1-inconsistent", "" },
        { "A Phase 1 receipt of 5,001 is impossible", "2022-03-01", "phase1=2021-10-01:5001", "", "card-acquisition", "eligibility.phase1-inconsistent", "" },

        // Registrations before or during the campaign.
        { "Health insurance registered before the campaign counts (apply still needed)", "2022-08-01", "health=2021-10-20", "", "health-insurance", "", "eligibility.registered-before-campaign" },
        { "Health insurance registered during the campaign counts", "2022-08-01", "health=2022-07-15", "", "health-insurance", "", "" },
        { "No health insurance registration: part 2 refused", "2022-08-01", "health=-", "", "health-insurance", "eligibility.registration-missing", "" },
        { "A registration one second after the instant does not count yet", "2022-08-01T12:00:00", "health=2022-08-01T12:00:01", "", "health-insurance", "eligibility.registration-missing", "" },
        { "A registration at the instant counts", "2022-08-01T12:00:00", "fund=2022-08-01T12:00:00", "", "public-fund-account", "", "" },
        { "No public-fund account: part 3 refused", "2022-08-01", "fund=-", "", "public-fund-account", "eligibility.registration-missing", "" },
        { "Missing registrations do not affect part 1", "2022-08-01", "health=- fund=-", "", "card-acquisition", "", "" },

        // Earlier closing per payment service.
        { "demo-card is open in the last second of its last day 2022-12-31", "2022-12-31T23:59:59", "", "demo-card", "card-acquisition", "", "" },
        { "demo-card is closed from 2023-01-01 JST", "2023-01-01T00:00:00", "", "demo-card", "card-acquisition", "eligibility.service-closed", "" },
        { "Another service is unaffected by demo-card closing", "2023-01-01T00:00:00", "", "demo-pay", "card-acquisition", "", "" },
        { "demo-transit had no earlier closing before the amendment of 2023-05-12", "2023-05-11T23:59:59", "", "demo-transit", "health-insurance", "", "" },
        { "demo-transit is open in the last second of 2023-05-31", "2023-05-31T23:59:59", "", "demo-transit", "health-insurance", "", "" },
        { "demo-transit is closed from 2023-06-01 though the campaign runs on", "2023-06-01T00:00:00", "", "demo-transit", "health-insurance", "eligibility.service-closed", "" },
        { "Several reasons are all reported", "2021-12-01", "card=- health=-", "", "health-insurance", "eligibility.card-not-held,eligibility.window-not-open,eligibility.registration-missing", "" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Eligibility_follows_the_rules(string rule, string instant, string person, string service, string program, string refusals, string notes)
    {
        ServiceCode? code = service.Length == 0 ? null : ServiceCode.Parse(service);
        var decision = EligibilityRules.Evaluate(Given.Default, Given.Person(person), Given.At(instant), code);
        var entry = decision.For(Given.Program(program))!;
        Assert.True(refusals == Given.Codes(entry.Reasons), $"{rule}: expected [{refusals}], got [{string.Join("; ", entry.Reasons)}]");
        Assert.Equal(refusals.Length == 0, entry.IsEligible);
        Assert.Equal(notes, Given.Codes(entry.Notes));
    }

    [Fact]
    public void A_decision_records_the_campaign_version_in_force()
    {
        var person = Given.Person("");
        Assert.Equal(1, EligibilityRules.Evaluate(Given.Default, person, Given.At("2022-09-19T23:59:59")).CampaignVersion);
        Assert.Equal(2, EligibilityRules.Evaluate(Given.Default, person, Given.At("2022-09-20T00:00:00")).CampaignVersion);
        Assert.Equal(4, EligibilityRules.Evaluate(Given.Default, person, Given.At("2023-09-30")).CampaignVersion);
    }

    [Fact]
    public void The_window_end_reported_is_the_service_closing_when_earlier()
    {
        var decision = EligibilityRules.Evaluate(Given.Default, Given.Person(""), Given.At("2022-08-01"), ServiceCode.Parse("demo-card"));
        Assert.Equal(Given.At("2023-01-01"), decision.For(ProgramKind.CardAcquisition)!.ClosesAt);
    }
}

using Kangen.Rules;

namespace Kangen.Rules.Tests;

/// <summary>
/// Application rules: one application per person per campaign, never changed, service fixed; who may apply by
/// age band; one account per person; the representative's own account cannot be reused for a child.
/// </summary>
public class ApplicationRulesTests
{
    private static readonly PersonRef Child = PersonRef.Of("child");
    private static readonly PersonRef Parent = PersonRef.Of("parent");
    private static readonly ServiceCode Pay = ServiceCode.Parse("demo-pay");
    private static readonly ServiceCode Ecash = ServiceCode.Parse("demo-ecash");
    private static readonly AccountRef ChildAccount = AccountRef.Of(Pay, "acct-child");
    private static readonly AccountRef ParentAccount = AccountRef.Of(Pay, "acct-parent");

    private static ApplicationRequest Request(string instant = "2022-07-01", Actor actor = Actor.Self, AgeBand band = AgeBand.Adult,
        bool ward = false, bool present = false, AccountRef? account = null, AccountRef? own = null, ServiceCode? service = null,
        ProgramKind program = ProgramKind.CardAcquisition)
    {
        var s = service ?? Pay;
        return new ApplicationRequest(Child, s, account ?? AccountRef.Of(s, "acct-child"), actor, band, ward, present, own, Given.At(instant), program);
    }

    private static ApplicationRecord Recorded(ServiceCode service, string account, ProgramKind program = ProgramKind.CardAcquisition) =>
        new(Given.Default.Id, 1, Child, service, AccountRef.Of(service, account), Actor.Self, Given.At("2022-02-01"), program);

    private static string Decide(ApplicationRequest request, ApplicationRecord[]? existing = null, PersonRef? holder = null)
    {
        var result = ApplicationRules.Decide(Given.Default, request, existing ?? [], holder);
        return result.IsSuccess ? "" : Given.Codes(result.Violations);
    }

    public static TheoryData<string, string, string> Rows => new()
    {
        { "An adult applies for themselves", Decide(Request()), "" },
        { "A second application is refused", Decide(Request(), [Recorded(Pay, "acct-child")]), "application.already-exists" },
        { "A second application with another service is refused: the service is fixed", Decide(Request(service: Ecash), [Recorded(Pay, "acct-child")]), "application.already-exists,application.service-fixed" },
        { "A second application with another account is refused: the application never changes", Decide(Request(account: AccountRef.Of(Pay, "acct-other")), [Recorded(Pay, "acct-child")]), "application.already-exists,application.immutable" },
        { "An account receiving another person's points is refused", Decide(Request(), holder: Parent), "application.account-taken" },
        { "An account already the applicant's own is not 'taken'", Decide(Request(), holder: Child), "" },
        { "Under 15: the legal representative applies, the child need not be present", Decide(Request(actor: Actor.LegalRepresentative, band: AgeBand.Under15, own: ParentAccount)), "" },
        { "Under 15: the child cannot apply alone", Decide(Request(band: AgeBand.Under15)), "application.representative-required" },
        { "Under 15: an adult guardian is not the legal representative", Decide(Request(actor: Actor.AdultGuardian, band: AgeBand.Under15)), "application.representative-required" },
        { "15-17: the child applies", Decide(Request(band: AgeBand.From15To17)), "" },
        { "15-17: the representative applies with the child present", Decide(Request(actor: Actor.LegalRepresentative, band: AgeBand.From15To17, present: true)), "" },
        { "15-17: the representative without the child is refused", Decide(Request(actor: Actor.LegalRepresentative, band: AgeBand.From15To17)), "application.child-must-be-present" },
        { "15-17: an adult guardian cannot apply", Decide(Request(actor: Actor.AdultGuardian, band: AgeBand.From15To17, present: true)), "application.actor-not-allowed" },
        { "Adult ward: the guardian applies", Decide(Request(actor: Actor.AdultGuardian, ward: true)), "" },
        { "Adult ward: the ward cannot apply alone", Decide(Request(ward: true)), "application.guardian-required" },
        { "Adult ward: a legal representative of a minor is not the guardian", Decide(Request(actor: Actor.LegalRepresentative, ward: true)), "application.guardian-required" },
        { "Adult who is not a ward: nobody else applies", Decide(Request(actor: Actor.LegalRepresentative)), "application.actor-not-allowed" },
        { "A child's account must differ from the representative's own", Decide(Request(actor: Actor.LegalRepresentative, band: AgeBand.Under15, account: ParentAccount, own: ParentAccount)), "application.account-same-as-representative" },
        { "The representative's own account, already theirs, is refused twice over", Decide(Request(actor: Actor.LegalRepresentative, band: AgeBand.Under15, account: ParentAccount, own: ParentAccount), holder: Parent), "application.account-taken,application.account-same-as-representative" },
        { "Applications open at 00:00 JST on 2022-01-01", Decide(Request("2022-01-01T00:00:00")), "" },
        { "No application in the last second of 2021 JST", Decide(Request("2021-12-31T23:59:59")), "eligibility.window-not-open" },
        { "Applications are taken in the last second of 2023-09-30 JST", Decide(Request("2023-09-30T23:59:59")), "" },
        { "No application from 2023-10-01 JST", Decide(Request("2023-10-01T00:00:00")), "eligibility.window-closed" },
        { "No application with a service closed earlier", Decide(Request("2023-01-01T00:00:00", service: ServiceCode.Parse("demo-card"))), "eligibility.service-closed" },
        { "An account of another service than the one chosen is refused", Decide(Request(account: AccountRef.Of(Ecash, "acct"))), "campaign.invalid" },
        { "Another program with the service and account already chosen is a new application", Decide(Request(program: ProgramKind.HealthInsurance), [Recorded(Pay, "acct-child")]), "" },
        { "Another program with another service is refused: the first application fixed the service", Decide(Request(program: ProgramKind.HealthInsurance, service: Ecash), [Recorded(Pay, "acct-child")]), "application.service-fixed" },
        { "Another program with another account of the same service is refused", Decide(Request(program: ProgramKind.PublicFundAccount, account: AccountRef.Of(Pay, "acct-other")), [Recorded(Pay, "acct-child")]), "application.immutable" },
        { "The same program twice is refused even after another program", Decide(Request(program: ProgramKind.HealthInsurance), [Recorded(Pay, "acct-child"), Recorded(Pay, "acct-child", ProgramKind.HealthInsurance)]), "application.already-exists" },
        { "Part 2 opens on 2022-06-30, not before", Decide(Request("2022-06-29T23:59:59", program: ProgramKind.HealthInsurance)), "eligibility.window-not-open" },
        { "Part 3 is open from 00:00 JST on 2022-06-30", Decide(Request("2022-06-30T00:00:00", program: ProgramKind.PublicFundAccount)), "" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Application_rules(string rule, string actual, string expected) => Assert.True(expected == actual, $"{rule}: expected [{expected}], got [{actual}]");

    [Fact]
    public void A_recorded_application_carries_the_campaign_version_in_force()
    {
        var result = ApplicationRules.Decide(Given.Default, Request("2022-12-06T00:00:00"), [], null);
        Assert.True(result.IsSuccess);
        Assert.Equal(3, result.Value.CampaignVersion);
        Assert.Equal(Given.Default.Id, result.Value.Campaign);
        Assert.Equal(Pay, result.Value.Service);
    }

    [Fact]
    public void A_recorded_application_names_its_program()
    {
        var result = ApplicationRules.Decide(Given.Default, Request("2022-08-01", program: ProgramKind.PublicFundAccount), [], null);
        Assert.True(result.IsSuccess);
        Assert.Equal(ProgramKind.PublicFundAccount, result.Value.Program);
    }

    [Fact]
    public void A_shifted_campaign_decides_on_the_new_calendar_as_the_original_did_on_its_own()
    {
        var days = CampaignDefinition.DaysToShift(new DateOnly(2022, 10, 15), new DateOnly(2026, 11, 26));
        var shifted = Given.Default.ShiftedBy(days);
        var original = ApplicationRules.Decide(Given.Default, Request("2022-10-15T12:00:00"), [], null);
        var moved = ApplicationRules.Decide(shifted, Request("2026-11-26T12:00:00"), [], null);
        Assert.True(original.IsSuccess && moved.IsSuccess);
        Assert.Equal(original.Value.CampaignVersion, moved.Value.CampaignVersion);
        Assert.Equal(new DateOnly(2022, 12, 31).AddDays(days), shifted.InForceAt(Given.At("2026-11-26T12:00:00")).CardApplicationDeadline);
        Assert.Equal("eligibility.window-not-open", Given.Codes(ApplicationRules.Decide(shifted, Request("2022-10-15T12:00:00"), [], null).Violations));
        Assert.Equal("eligibility.service-closed",
            Given.Codes(ApplicationRules.Decide(shifted, Request("2026-11-26T12:00:00", service: ServiceCode.Parse("demo-card")).WithInstantAfter(new DateOnly(2022, 12, 31).AddDays(days)), [], null).Violations));
    }

    [Fact]
    public void Changing_a_recorded_application_is_refused()
    {
        var recorded = Recorded(Pay, "acct-child");
        Assert.Equal("application.immutable,application.service-fixed", Given.Codes(ApplicationRules.Change(recorded, Ecash, AccountRef.Of(Ecash, "x"))));
        Assert.Equal("application.immutable", Given.Codes(ApplicationRules.Change(recorded, Pay, AccountRef.Of(Pay, "other"))));
    }

    // birth date, instant -> age band (judged on the Japan date)
    public static TheoryData<string, string, string, AgeBand> AgeRows => new()
    {
        { "The day before the 15th birthday: under 15", "2008-01-01", "2022-12-31T23:59:59", AgeBand.Under15 },
        { "The 15th birthday in Japan: 15-17", "2008-01-01", "2023-01-01T00:00:00", AgeBand.From15To17 },
        { "15:00 UTC the day before is already the birthday in Japan", "2008-01-01", "2022-12-31T15:00:00Z", AgeBand.From15To17 },
        { "The day before the 18th birthday: 15-17", "2005-04-02", "2023-04-01T23:59:59", AgeBand.From15To17 },
        { "The 18th birthday: adult", "2005-04-02", "2023-04-02", AgeBand.Adult },
        { "Born on 29 February: 15 on 1 March in a common year", "2008-02-29", "2023-03-01", AgeBand.From15To17 },
        { "Born on 29 February: still 14 on 28 February in a common year", "2008-02-29", "2023-02-28", AgeBand.Under15 },
    };

    [Theory]
    [MemberData(nameof(AgeRows))]
    public void Age_band_at_an_instant(string rule, string birthDate, string instant, AgeBand band)
    {
        var born = DateOnly.ParseExact(birthDate, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(band == AgeBands.At(born, Given.At(instant), CampaignTimeZone.Japan), rule);
    }
}

internal static class RequestExtensions
{
    /// <summary>The request at 00:00 JST of the day after <paramref name="day"/>.</summary>
    public static ApplicationRequest WithInstantAfter(this ApplicationRequest request, DateOnly day) =>
        request with { Instant = CampaignTimeZone.Japan.EndOf(day) };
}

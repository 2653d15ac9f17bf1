namespace Kangen.Rules;

/// <summary>Whether a person may apply for (and, for part 1, earn) one program at an instant, and why.</summary>
/// <param name="Program">The program.</param>
/// <param name="Reasons">Refusals; empty when eligible.</param>
/// <param name="Notes">Explanations of a positive decision (e.g. Phase 1 carryover).</param>
/// <param name="OpensAt">When the program's window opens in the version in force.</param>
/// <param name="ClosesAt">The first instant after the window (for the person's service, if it closes earlier).</param>
public sealed record ProgramEligibility(
    ProgramKind Program,
    IReadOnlyList<RuleViolation> Reasons,
    IReadOnlyList<RuleViolation> Notes,
    DateTimeOffset OpensAt,
    DateTimeOffset ClosesAt)
{
    /// <summary>True when nothing refuses the program.</summary>
    public bool IsEligible => Reasons.Count == 0;
}

/// <summary>The eligibility of a person for every program of a campaign at an instant.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="CampaignVersion">The version in force at the instant.</param>
/// <param name="Instant">The instant judged.</param>
/// <param name="Service">The payment service considered, if any.</param>
/// <param name="Programs">One entry per program of the campaign, in part order.</param>
public sealed record EligibilityDecision(
    CampaignId CampaignId,
    int CampaignVersion,
    DateTimeOffset Instant,
    ServiceCode? Service,
    IReadOnlyList<ProgramEligibility> Programs)
{
    /// <summary>The entry for a program, or null when the campaign does not run it.</summary>
    public ProgramEligibility? For(ProgramKind kind) => Programs.FirstOrDefault(p => p.Program == kind);
}

/// <summary>The eligibility rules of Mynapoint Phase 2 (see <c>docs/rules.md</c>, "Eligibility").</summary>
public static class EligibilityRules
{
    /// <summary>Evaluates eligibility under the campaign version in force at <paramref name="instant"/>.</summary>
    public static EligibilityDecision Evaluate(CampaignDefinition definition, PersonFacts person, DateTimeOffset instant, ServiceCode? service = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return Evaluate(definition.InForceAt(instant), person, instant, service);
    }

    /// <summary>Evaluates eligibility under one resolved campaign version.</summary>
    public static EligibilityDecision Evaluate(Campaign campaign, PersonFacts person, DateTimeOffset instant, ServiceCode? service = null)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(person);
        var common = CommonReasons(campaign, person, instant);
        var programs = campaign.Programs
            .Select(program => EvaluateProgram(campaign, program, person, instant, service, common))
            .ToArray();
        return new EligibilityDecision(campaign.Id, campaign.Version, instant, service, programs);
    }

    /// <summary>Card rules shared by every program: a card held at the instant, applied for by the deadline in force.</summary>
    private static List<RuleViolation> CommonReasons(Campaign campaign, PersonFacts person, DateTimeOffset instant)
    {
        var zone = campaign.TimeZone;
        var reasons = new List<RuleViolation>();
        if (person.CardReceivedAt is not { } received || received > instant)
        {
            reasons.Add(new RuleViolation(RuleCodes.EligibilityCardNotHeld, "card",
                person.CardReceivedAt is { } r ? $"card received {Local(zone, r)}, after {Local(zone, instant)}" : "no card received"));
        }
        // A card is applied for before it is received; a missing application date means the receipt date stands in for it.
        var applied = person.CardAppliedAt ?? person.CardReceivedAt;
        if (applied is { } a && !zone.IsOnOrBefore(a, campaign.CardApplicationDeadline))
        {
            reasons.Add(new RuleViolation(RuleCodes.EligibilityCardAppliedTooLate, "card",
                $"card applied {Local(zone, a)}; deadline {campaign.CardApplicationDeadline:yyyy-MM-dd} (v{campaign.Version})"));
        }
        return reasons;
    }

    private static ProgramEligibility EvaluateProgram(Campaign campaign, ProgramRules program, PersonFacts person, DateTimeOffset instant,
        ServiceCode? service, List<RuleViolation> common)
    {
        var zone = campaign.TimeZone;
        var subject = program.Kind.ToCode();
        var reasons = new List<RuleViolation>(common.Select(r => r with { Path = subject }));
        var notes = new List<RuleViolation>();

        var opensAt = campaign.OpensAt(program);
        var closesAt = campaign.ClosesAt(program);
        if (instant < opensAt)
            reasons.Add(new RuleViolation(RuleCodes.EligibilityWindowNotOpen, subject, $"opens {Local(zone, opensAt)}; instant {Local(zone, instant)}"));
        else if (instant >= closesAt)
            reasons.Add(new RuleViolation(RuleCodes.EligibilityWindowClosed, subject,
                $"last day {campaign.LastDay(program):yyyy-MM-dd} (v{campaign.Version}); instant {Local(zone, instant)}"));

        if (service is { } s && campaign.ServiceLastDay(s) is { } serviceLastDay)
        {
            var serviceEnd = zone.EndOf(serviceLastDay);
            if (serviceEnd < closesAt)
                closesAt = serviceEnd;
            if (instant >= serviceEnd && instant < campaign.ClosesAt(program))
                reasons.Add(new RuleViolation(RuleCodes.EligibilityServiceClosed, subject,
                    $"{s} last day {serviceLastDay:yyyy-MM-dd} (v{campaign.Version}); instant {Local(zone, instant)}"));
        }

        switch (program.Kind)
        {
            case ProgramKind.CardAcquisition:
                Phase1Reasons(campaign, person.Phase1, subject, reasons, notes);
                break;
            case ProgramKind.HealthInsurance:
                RegistrationReasons(campaign, program, person.HealthInsuranceRegisteredAt, "health insurance registration", instant, subject, reasons, notes);
                break;
            case ProgramKind.PublicFundAccount:
                RegistrationReasons(campaign, program, person.PublicFundAccountRegisteredAt, "public-fund account registration", instant, subject, reasons, notes);
                break;
        }
        return new ProgramEligibility(program.Kind, reasons, reasons.Count == 0 ? notes : [], opensAt, closesAt);
    }

    private static void Phase1Reasons(Campaign campaign, Phase1History history, string subject, List<RuleViolation> reasons, List<RuleViolation> notes)
    {
        if (history is not AppliedPhase1 applied)
            return;
        var phase1 = campaign.Phase1;
        var zone = campaign.TimeZone;
        var inPeriod = applied.AppliedAt >= zone.StartOf(phase1.ApplicationsFrom) && zone.IsOnOrBefore(applied.AppliedAt, phase1.ApplicationDeadline);
        if (!inPeriod || applied.Received > phase1.Cap)
        {
            reasons.Add(new RuleViolation(RuleCodes.EligibilityPhase1Inconsistent, subject,
                $"Phase 1 applied {Local(zone, applied.AppliedAt)} (period {phase1.ApplicationsFrom:yyyy-MM-dd}..{phase1.ApplicationDeadline:yyyy-MM-dd}), received {applied.Received} (cap {phase1.Cap})"));
            return;
        }
        if (applied.Received >= phase1.Cap)
        {
            reasons.Add(new RuleViolation(RuleCodes.EligibilityPhase1FullyGranted, subject, $"received {applied.Received} in Phase 1 (cap {phase1.Cap})"));
            return;
        }
        notes.Add(new RuleViolation(RuleCodes.EligibilityPhase1Carryover, subject,
            $"received {applied.Received} in Phase 1; Phase 1 and part 1 grants share the cap of {phase1.Cap}"));
    }

    private static void RegistrationReasons(Campaign campaign, ProgramRules program, DateTimeOffset? registeredAt, string what, DateTimeOffset instant,
        string subject, List<RuleViolation> reasons, List<RuleViolation> notes)
    {
        var zone = campaign.TimeZone;
        if (registeredAt is not { } at || at > instant)
        {
            reasons.Add(new RuleViolation(RuleCodes.EligibilityRegistrationMissing, subject,
                registeredAt is { } later ? $"{what} at {Local(zone, later)}, after {Local(zone, instant)}" : $"no {what}"));
            return;
        }
        if (at < campaign.OpensAt(program))
            notes.Add(new RuleViolation(RuleCodes.EligibilityRegisteredBeforeCampaign, subject, $"{what} at {Local(zone, at)}"));
    }

    internal static string Local(CampaignTimeZone zone, DateTimeOffset instant) =>
        zone.ToLocal(instant).ToString("yyyy-MM-dd'T'HH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture);
}

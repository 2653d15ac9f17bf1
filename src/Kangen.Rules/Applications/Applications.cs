namespace Kangen.Rules;

/// <summary>Who performs an application.</summary>
public enum Actor
{
    /// <summary>The person themselves.</summary>
    Self,
    /// <summary>A legal representative of a minor (a parent or other person with parental authority).</summary>
    LegalRepresentative,
    /// <summary>The guardian of an adult ward (成年後見人).</summary>
    AdultGuardian,
}

/// <summary>The age bands that decide who may apply.</summary>
public enum AgeBand
{
    /// <summary>Under 15: the legal representative applies; the child need not be present.</summary>
    Under15,
    /// <summary>15 to 17: the child applies, or the representative with the child present.</summary>
    From15To17,
    /// <summary>18 or over (the age of majority since 2022-04-01).</summary>
    Adult,
}

/// <summary>Age bands from birth dates.</summary>
public static class AgeBands
{
    /// <summary>The age in whole years on the local date of <paramref name="instant"/>.</summary>
    public static int AgeAt(DateOnly birthDate, DateTimeOffset instant, CampaignTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var today = zone.DateOf(instant);
        // Japanese law ages a person at the end of the day before the birthday, so the new age holds for the whole
        // birthday; someone born on 29 February ages at the end of 28 February, i.e. from 1 March in common years.
        var anniversary = birthDate is { Month: 2, Day: 29 } && !DateTime.IsLeapYear(today.Year)
            ? new DateOnly(today.Year, 3, 1)
            : new DateOnly(today.Year, birthDate.Month, birthDate.Day);
        var age = today.Year - birthDate.Year - (today < anniversary ? 1 : 0);
        return age;
    }

    /// <summary>The age band on the local date of <paramref name="instant"/>.</summary>
    public static AgeBand At(DateOnly birthDate, DateTimeOffset instant, CampaignTimeZone zone) =>
        AgeAt(birthDate, instant, zone) switch
        {
            < 15 => AgeBand.Under15,
            < 18 => AgeBand.From15To17,
            _ => AgeBand.Adult,
        };
}

/// <summary>A request to record an application.</summary>
/// <param name="Person">The person the application is for.</param>
/// <param name="Service">The chosen payment service.</param>
/// <param name="Account">The payment service account that will receive the points.</param>
/// <param name="Actor">Who performs the application.</param>
/// <param name="AgeBand">The person's age band at <paramref name="Instant"/>.</param>
/// <param name="IsAdultWard">True when the person is an adult under guardianship.</param>
/// <param name="ChildPresent">True when a child aged 15-17 is present while the representative applies.</param>
/// <param name="RepresentativeOwnAccount">The account the representative or guardian uses for their own points, if any.</param>
/// <param name="Instant">When the application is made.</param>
/// <param name="Program">The program applied for (one application per person, campaign and program).</param>
public sealed record ApplicationRequest(
    PersonRef Person,
    ServiceCode Service,
    AccountRef Account,
    Actor Actor,
    AgeBand AgeBand,
    bool IsAdultWard,
    bool ChildPresent,
    AccountRef? RepresentativeOwnAccount,
    DateTimeOffset Instant,
    ProgramKind Program = ProgramKind.CardAcquisition);

/// <summary>A recorded application. Never changed once recorded; the service choice is fixed.</summary>
/// <param name="Campaign">The campaign.</param>
/// <param name="CampaignVersion">The campaign version in force when it was recorded.</param>
/// <param name="Person">The person.</param>
/// <param name="Service">The chosen payment service.</param>
/// <param name="Account">The account receiving the points.</param>
/// <param name="Actor">Who applied.</param>
/// <param name="RecordedAt">When it was recorded.</param>
/// <param name="Program">The program applied for.</param>
public sealed record ApplicationRecord(
    CampaignId Campaign,
    int CampaignVersion,
    PersonRef Person,
    ServiceCode Service,
    AccountRef Account,
    Actor Actor,
    DateTimeOffset RecordedAt,
    ProgramKind Program = ProgramKind.CardAcquisition);

/// <summary>The application rules (see <c>docs/rules.md</c>, "Applications").</summary>
public static class ApplicationRules
{
    /// <summary>
    /// Decides whether <paramref name="request"/> may be recorded, under the campaign version in force at its instant.
    /// </summary>
    /// <param name="definition">The campaign.</param>
    /// <param name="request">The application.</param>
    /// <param name="existingForPerson">The person's applications already recorded in this campaign.</param>
    /// <param name="accountHolder">The person whose application already uses the account, if any (system-wide).</param>
    public static Result<ApplicationRecord> Decide(CampaignDefinition definition, ApplicationRequest request,
        IReadOnlyCollection<ApplicationRecord> existingForPerson, PersonRef? accountHolder)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(request);
        return Decide(definition.InForceAt(request.Instant), request, existingForPerson, accountHolder);
    }

    /// <summary>Decides whether <paramref name="request"/> may be recorded under one resolved campaign version.</summary>
    public static Result<ApplicationRecord> Decide(Campaign campaign, ApplicationRequest request,
        IReadOnlyCollection<ApplicationRecord> existingForPerson, PersonRef? accountHolder)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(existingForPerson);
        var violations = new List<RuleViolation>();
        var zone = campaign.TimeZone;
        var when = EligibilityRules.Local(zone, request.Instant);

        if (campaign.Program(request.Program) is not { } program)
            violations.Add(new RuleViolation(RuleCodes.GrantNotEligible, "program", $"{campaign.VersionLabel} does not run {request.Program.ToCode()}"));
        else if (request.Instant < campaign.OpensAt(program))
            violations.Add(new RuleViolation(RuleCodes.EligibilityWindowNotOpen, "instant", $"{request.Program.ToCode()} opens {EligibilityRules.Local(zone, campaign.OpensAt(program))}; instant {when}"));
        else if (request.Instant >= campaign.ClosesAt(program))
            violations.Add(new RuleViolation(RuleCodes.EligibilityWindowClosed, "instant", $"{request.Program.ToCode()} closed {EligibilityRules.Local(zone, campaign.ClosesAt(program))} ({campaign.VersionLabel}); instant {when}"));
        else if (campaign.ServiceLastDay(request.Service) is { } lastDay && !zone.IsOnOrBefore(request.Instant, lastDay))
            violations.Add(new RuleViolation(RuleCodes.EligibilityServiceClosed, "service", $"{request.Service} last day {lastDay:yyyy-MM-dd}; instant {when}"));

        // One application per program; the first application in the campaign fixes the service and the account for the others.
        var mine = existingForPerson.Where(a => a.Campaign == campaign.Id && a.Person == request.Person).ToArray();
        if (mine.FirstOrDefault(a => a.Program == request.Program) is { } same)
            violations.Add(new RuleViolation(RuleCodes.ApplicationAlreadyExists, "person", $"applied for {request.Program.ToCode()} {EligibilityRules.Local(zone, same.RecordedAt)} with {same.Service}"));
        if (mine.Length > 0)
        {
            var existing = mine[0];
            if (existing.Service != request.Service)
                violations.Add(new RuleViolation(RuleCodes.ApplicationServiceFixed, "service", $"chose {existing.Service}; requested {request.Service}"));
            else if (existing.Account != request.Account)
                violations.Add(new RuleViolation(RuleCodes.ApplicationImmutable, "account", "the recorded account cannot be replaced"));
        }

        if (request.Account.Service != request.Service)
            violations.Add(new RuleViolation(RuleCodes.CampaignInvalid, "account", $"account belongs to {request.Account.Service}, not {request.Service}"));

        if (accountHolder is { } holder && holder != request.Person)
            violations.Add(new RuleViolation(RuleCodes.ApplicationAccountTaken, "account", "the account receives another person's points"));

        ActorRules(request, violations);
        return violations.Count > 0
            ? Result<ApplicationRecord>.Failure(violations)
            : Result<ApplicationRecord>.Success(new ApplicationRecord(campaign.Id, campaign.Version, request.Person, request.Service, request.Account, request.Actor, request.Instant, request.Program));
    }

    /// <summary>A recorded application is never changed: any change is refused, naming what differs.</summary>
    public static IReadOnlyList<RuleViolation> Change(ApplicationRecord recorded, ServiceCode service, AccountRef account)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        var changed = new List<string>();
        if (recorded.Service != service)
            changed.Add("service");
        if (recorded.Account != account)
            changed.Add("account");
        var violations = new List<RuleViolation>
        {
            new(RuleCodes.ApplicationImmutable, "application",
                changed.Count == 0 ? "the application is already recorded as requested" : "requested change of " + string.Join(" and ", changed)),
        };
        if (recorded.Service != service)
            violations.Add(new RuleViolation(RuleCodes.ApplicationServiceFixed, "service", $"chose {recorded.Service}; requested {service}"));
        return violations;
    }

    private static void ActorRules(ApplicationRequest request, List<RuleViolation> violations)
    {
        var band = request.AgeBand;
        var actor = request.Actor;
        switch (band)
        {
            case AgeBand.Under15 when actor != Actor.LegalRepresentative:
                violations.Add(new RuleViolation(RuleCodes.ApplicationRepresentativeRequired, "actor", $"{actor} for a person under 15"));
                break;
            case AgeBand.From15To17 when actor == Actor.LegalRepresentative && !request.ChildPresent:
                violations.Add(new RuleViolation(RuleCodes.ApplicationChildMustBePresent, "actor", "representative applying for a person aged 15-17 without them present"));
                break;
            case AgeBand.From15To17 when actor == Actor.AdultGuardian:
                violations.Add(new RuleViolation(RuleCodes.ApplicationActorNotAllowed, "actor", "an adult guardian cannot apply for a minor; the legal representative can"));
                break;
            case AgeBand.Adult when request.IsAdultWard && actor != Actor.AdultGuardian:
                violations.Add(new RuleViolation(RuleCodes.ApplicationGuardianRequired, "actor", $"{actor} for an adult ward"));
                break;
            case AgeBand.Adult when !request.IsAdultWard && actor != Actor.Self:
                violations.Add(new RuleViolation(RuleCodes.ApplicationActorNotAllowed, "actor", $"{actor} for an adult who is not a ward"));
                break;
        }

        if (actor != Actor.Self && request.RepresentativeOwnAccount is { } own && own == request.Account)
            violations.Add(new RuleViolation(RuleCodes.ApplicationAccountSameAsRepresentative, "account", "the representative's own account was chosen"));
    }
}

namespace Kangen.Rules;

/// <summary>
/// Everything the rules say about one person at one instant: the campaign version in force, eligibility per
/// program, the remaining entitlement and, optionally, the decision on a proposed grant. This is what
/// <c>kangen rules explain</c> prints and what support staff read.
/// </summary>
/// <param name="Campaign">The campaign version in force at the instant.</param>
/// <param name="Eligibility">Eligibility per program.</param>
/// <param name="Entitlement">Remaining entitlement per program and in total.</param>
/// <param name="Proposal">The decision on a proposed grant, if one was given.</param>
public sealed record Assessment(Campaign Campaign, EligibilityDecision Eligibility, Entitlement Entitlement, GrantDecision? Proposal)
{
    /// <summary>Assesses a person at an instant.</summary>
    /// <param name="definition">The campaign file.</param>
    /// <param name="person">The person's facts.</param>
    /// <param name="grants">This campaign's grants so far (Phase 1 comes from <see cref="PersonFacts.Phase1"/>).</param>
    /// <param name="instant">The instant judged.</param>
    /// <param name="service">The person's payment service, if known.</param>
    /// <param name="proposal">A proposed grant to decide (program and points), if any.</param>
    public static Assessment Of(CampaignDefinition definition, PersonFacts person, GrantTotals grants, DateTimeOffset instant,
        ServiceCode? service = null, (ProgramKind Program, long Points)? proposal = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(person);
        var campaign = definition.InForceAt(instant);
        var eligibility = EligibilityRules.Evaluate(campaign, person, instant, service);
        var entitlement = Entitlement.Of(campaign, person.Phase1, grants);
        GrantDecision? decision = null;
        if (proposal is { } p)
        {
            decision = eligibility.For(p.Program) is { } programEligibility
                ? entitlement.Accept(programEligibility, p.Points)
                : entitlement.Accept(p.Program, p.Points);
        }
        return new Assessment(campaign, eligibility, entitlement, decision);
    }
}

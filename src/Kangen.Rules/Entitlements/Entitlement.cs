namespace Kangen.Rules;

/// <summary>How fractions of a rebate are rounded to whole points; the operator chooses it per service.</summary>
public enum RebateRounding
{
    /// <summary>Round down (e.g. 25 % of 999 = 249.75 -> 249).</summary>
    Floor,
    /// <summary>Round to nearest, halves up (249.5 -> 250, 249.25 -> 249).</summary>
    RoundHalfUp,
    /// <summary>Round up (249.25 -> 250).</summary>
    Ceiling,
}

/// <summary>The outcome of a proposed grant: how much is accepted, how much is refused, and why.</summary>
/// <param name="Program">The program.</param>
/// <param name="Proposed">The points proposed (may be zero or negative when refused as such).</param>
/// <param name="Accepted">The points that may be granted (zero when refused).</param>
/// <param name="Violations">Why anything was refused; notes such as partial acceptance are included.</param>
/// <param name="RemainingAfter">What remains for the program after the accepted grant.</param>
/// <param name="RemainingTotalAfter">What remains in total after the accepted grant.</param>
/// <param name="CampaignVersion">The campaign version whose caps decided it.</param>
public sealed record GrantDecision(
    ProgramKind Program,
    long Proposed,
    Yen Accepted,
    IReadOnlyList<RuleViolation> Violations,
    Yen RemainingAfter,
    Yen RemainingTotalAfter,
    int CampaignVersion)
{
    /// <summary>True when the whole proposed amount is accepted.</summary>
    public bool IsFullyAccepted => Accepted.Amount == Proposed && Proposed > 0;

    /// <summary>True when nothing is accepted.</summary>
    public bool IsRefused => Accepted.IsZero;

    /// <summary>The part of a positive proposal that is not accepted.</summary>
    public Yen Refused => Proposed > Accepted.Amount ? Yen.Of(Proposed - Accepted.Amount) : Yen.Zero;
}

/// <summary>
/// What a person may still receive: per program and in total, counting every grant so far, Phase 1
/// included (Phase 1 grants count against part 1 and the total). Whole-yen arithmetic only.
/// </summary>
public sealed class Entitlement
{
    private Entitlement(Campaign campaign, Yen phase1Received, GrantTotals grants)
    {
        Campaign = campaign;
        Phase1Received = phase1Received;
        Phase2Grants = grants;
    }

    /// <summary>The campaign version the arithmetic uses.</summary>
    public Campaign Campaign { get; }

    /// <summary>What Phase 1 granted.</summary>
    public Yen Phase1Received { get; }

    /// <summary>What this campaign has granted so far, per program.</summary>
    public GrantTotals Phase2Grants { get; }

    /// <summary>The entitlement of a person with the given Phase 1 history and grants so far.</summary>
    public static Entitlement Of(Campaign campaign, Phase1History phase1, GrantTotals grants)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(phase1);
        ArgumentNullException.ThrowIfNull(grants);
        return new Entitlement(campaign, phase1.Received, grants);
    }

    /// <summary>The cap of a program (zero when the campaign does not run it).</summary>
    public Yen Cap(ProgramKind kind) => Campaign.Program(kind)?.Points.Cap ?? Yen.Zero;

    /// <summary>Granted so far for a program; part 1 includes Phase 1.</summary>
    public Yen Granted(ProgramKind kind) =>
        kind == ProgramKind.CardAcquisition ? Phase2Grants[kind] + Phase1Received : Phase2Grants[kind];

    /// <summary>Granted so far over all programs, Phase 1 included.</summary>
    public Yen GrantedTotal => Phase2Grants.Sum + Phase1Received;

    /// <summary>What remains of the per-person total.</summary>
    public Yen RemainingTotal => Campaign.TotalCap.SubtractFloorZero(GrantedTotal);

    /// <summary>What remains for a program: its own remainder, limited by the total remainder.</summary>
    public Yen Remaining(ProgramKind kind) => Yen.Min(Cap(kind).SubtractFloorZero(Granted(kind)), RemainingTotal);

    /// <summary>
    /// Decides a proposed grant by arithmetic alone. Rate programs (part 1) accept partially, up to what
    /// remains, because a purchase that crosses the cap earns only the rest of the cap; fixed programs
    /// (parts 2, 3) are all-or-nothing and only for exactly their amount.
    /// </summary>
    public GrantDecision Accept(ProgramKind kind, long proposedPoints)
    {
        var program = Campaign.Program(kind);
        var subject = kind.ToCode();
        if (program is null)
            return Refuse(kind, proposedPoints, new RuleViolation(RuleCodes.GrantNotEligible, subject, $"{Campaign.VersionLabel} has no {subject} program"));
        if (proposedPoints <= 0)
            return Refuse(kind, proposedPoints, new RuleViolation(RuleCodes.GrantNotPositive, subject, $"proposed {proposedPoints}"));

        var proposed = Yen.Of(proposedPoints);
        var programLeft = Cap(kind).SubtractFloorZero(Granted(kind));
        var totalLeft = RemainingTotal;
        var limits = new List<RuleViolation>();
        if (proposed > programLeft)
            limits.Add(new RuleViolation(RuleCodes.GrantExceedsCap, subject, $"proposed {proposed}; granted {Granted(kind)} of cap {Cap(kind)}, {programLeft} left"));
        if (proposed > totalLeft)
            limits.Add(new RuleViolation(RuleCodes.GrantExceedsTotal, subject, $"proposed {proposed}; granted {GrantedTotal} of total {Campaign.TotalCap}, {totalLeft} left"));

        if (program.Points is FixedPointRule fixedRule)
        {
            if (proposed != fixedRule.Amount)
                limits.Insert(0, new RuleViolation(RuleCodes.GrantAmountMismatch, subject, $"proposed {proposed}; the fixed amount is {fixedRule.Amount}"));
            if (!Granted(kind).IsZero && !limits.Any(v => v.Code == RuleCodes.GrantExceedsCap))
                limits.Add(new RuleViolation(RuleCodes.GrantExceedsCap, subject, $"already granted {Granted(kind)}"));
            return limits.Count > 0 ? Refuse(kind, proposedPoints, [.. limits]) : Grant(kind, proposedPoints, proposed, []);
        }

        var accepted = Yen.Min(proposed, Yen.Min(programLeft, totalLeft));
        if (accepted.IsZero)
            return Refuse(kind, proposedPoints, [.. limits]);
        if (accepted < proposed)
            limits.Add(new RuleViolation(RuleCodes.GrantPartiallyAccepted, subject, $"accepted {accepted} of {proposed}"));
        return Grant(kind, proposedPoints, accepted, limits);
    }

    /// <summary>Decides a proposed grant for a person whose eligibility at the grant instant is known; not eligible refuses it.</summary>
    public GrantDecision Accept(ProgramEligibility eligibility, long proposedPoints)
    {
        ArgumentNullException.ThrowIfNull(eligibility);
        if (!eligibility.IsEligible)
        {
            var subject = eligibility.Program.ToCode();
            var reasons = new List<RuleViolation> { new(RuleCodes.GrantNotEligible, subject, string.Join(", ", eligibility.Reasons.Select(r => r.Code.Code))) };
            reasons.AddRange(eligibility.Reasons);
            return Refuse(eligibility.Program, proposedPoints, [.. reasons]);
        }
        return Accept(eligibility.Program, proposedPoints);
    }

    /// <summary>
    /// Part 1 points for a charge or purchase: <paramref name="amount"/> times the program rate, rounded as the
    /// operator chose, limited to what remains. Zero when the campaign has no rate program.
    /// </summary>
    public Yen RebateFor(Yen amount, RebateRounding rounding)
    {
        if (Campaign.Program(ProgramKind.CardAcquisition)?.Points is not RatePointRule rule)
            return Yen.Zero;
        return Yen.Min(Rebate(amount, rule.Rate, rounding), Remaining(ProgramKind.CardAcquisition));
    }

    /// <summary>Points for an amount at a rate with explicit rounding, uncapped.</summary>
    public static Yen Rebate(Yen amount, decimal rate, RebateRounding rounding)
    {
        var exact = amount.Amount * rate;
        var rounded = rounding switch
        {
            RebateRounding.Floor => decimal.Floor(exact),
            RebateRounding.Ceiling => decimal.Ceiling(exact),
            RebateRounding.RoundHalfUp => decimal.Round(exact, MidpointRounding.AwayFromZero),
            _ => throw new ArgumentOutOfRangeException(nameof(rounding), rounding, "Unknown rounding."),
        };
        return Yen.Of((long)rounded);
    }

    private GrantDecision Grant(ProgramKind kind, long proposed, Yen accepted, IReadOnlyList<RuleViolation> violations)
    {
        var after = new Entitlement(Campaign, Phase1Received, Phase2Grants.Plus(kind, accepted));
        return new GrantDecision(kind, proposed, accepted, violations, after.Remaining(kind), after.RemainingTotal, Campaign.Version);
    }

    private GrantDecision Refuse(ProgramKind kind, long proposed, params RuleViolation[] violations) =>
        new(kind, proposed, Yen.Zero, violations, Remaining(kind), RemainingTotal, Campaign.Version);
}

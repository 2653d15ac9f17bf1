namespace Kangen.Rules;

/// <summary>What a person did in Phase 1.</summary>
public abstract record Phase1History
{
    private protected Phase1History() { }

    /// <summary>Never applied for Phase 1 points.</summary>
    public static Phase1History NeverApplied { get; } = new NeverAppliedPhase1();

    /// <summary>Applied for Phase 1 at <paramref name="appliedAt"/> and has received <paramref name="received"/> so far.</summary>
    public static Phase1History Applied(DateTimeOffset appliedAt, Yen received) => new AppliedPhase1(appliedAt, received);

    /// <summary>What Phase 1 granted (zero when never applied); it counts against part 1 and the total.</summary>
    public abstract Yen Received { get; }
}

/// <summary>Never applied for Phase 1 points.</summary>
public sealed record NeverAppliedPhase1 : Phase1History
{
    internal NeverAppliedPhase1() { }

    /// <inheritdoc />
    public override Yen Received => Yen.Zero;
}

/// <summary>Applied for Phase 1 points.</summary>
/// <param name="AppliedAt">When the Phase 1 application was made.</param>
/// <param name="ReceivedSoFar">The Phase 1 points received (including any received on the Phase 1 service since Phase 2 began).</param>
public sealed record AppliedPhase1(DateTimeOffset AppliedAt, Yen ReceivedSoFar) : Phase1History
{
    /// <inheritdoc />
    public override Yen Received => ReceivedSoFar;
}

/// <summary>
/// The facts about a person the rules look at. The platform stores none of the birth date or card data
/// (invariant 5): these are assembled for a decision from the card, registration adapters and the person.
/// </summary>
/// <param name="CardAppliedAt">When the My Number Card was applied for, or null if never.</param>
/// <param name="CardReceivedAt">When the card was received (held from then), or null if not yet.</param>
/// <param name="Phase1">The Phase 1 history.</param>
/// <param name="HealthInsuranceRegisteredAt">When the card was registered as a health insurance certificate, or null.</param>
/// <param name="PublicFundAccountRegisteredAt">When a public-fund receipt account was registered, or null.</param>
/// <param name="BirthDate">The birth date, for the age band of applications, or null when not given.</param>
public sealed record PersonFacts(
    DateTimeOffset? CardAppliedAt,
    DateTimeOffset? CardReceivedAt,
    Phase1History Phase1,
    DateTimeOffset? HealthInsuranceRegisteredAt,
    DateTimeOffset? PublicFundAccountRegisteredAt,
    DateOnly? BirthDate = null);

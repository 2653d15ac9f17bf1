namespace Kangen.Platform.Features.Registrations;

/// <summary>The kinds of registration: the <c>kind</c> column and the last segment of the routes.</summary>
public static class RegistrationKinds
{
    /// <summary>Part 2: the My Number Card used as the health insurance certificate.</summary>
    public const string HealthInsurance = "health-insurance";

    /// <summary>Part 3: a public-fund receipt bank account.</summary>
    public const string PublicFundAccount = "public-fund-account";

    /// <summary>Both kinds.</summary>
    public static readonly IReadOnlyList<string> All = [HealthInsurance, PublicFundAccount];
}

/// <summary>Validated, normalised details of one registration (<see cref="HealthInsuranceCard"/> or <see cref="PublicFundAccount"/>).</summary>
public abstract record RegistrationDetails
{
    /// <summary>One of <see cref="RegistrationKinds"/>.</summary>
    public abstract string Kind { get; }

    /// <summary>The masked text shown back to the person (and stored in clear): nothing that identifies them.</summary>
    public abstract string Summary { get; }

    /// <summary>The details as one object whose JSON is sealed and fingerprinted (its property order is fixed).</summary>
    internal abstract object Canonical();
}

/// <summary>What eligibility needs to know: when each registration was first made, or null when it was not.</summary>
/// <param name="HealthInsuranceRegisteredAt">When the card was first registered for health insurance use (part 2).</param>
/// <param name="PublicFundAccountRegisteredAt">When a public-fund receipt account was first registered (part 3).</param>
public sealed record RegistrationFacts(DateTimeOffset? HealthInsuranceRegisteredAt, DateTimeOffset? PublicFundAccountRegisteredAt);

/// <summary>A registration as shown back to its person: never the details themselves.</summary>
/// <param name="Kind">One of <see cref="RegistrationKinds"/>.</param>
/// <param name="RegisteredAt">When it was first registered (a replacement keeps it).</param>
/// <param name="UpdatedAt">When the details were last replaced.</param>
/// <param name="Channel">The channel of the last registration or replacement (<c>web</c>, <c>app</c>, <c>cli</c>, <c>spot</c>).</param>
/// <param name="Summary">The masked summary.</param>
public sealed record RegistrationRecord(string Kind, DateTimeOffset RegisteredAt, DateTimeOffset UpdatedAt, string Channel, string Summary);

/// <summary>The result of a registration.</summary>
/// <param name="Record">The registration now.</param>
/// <param name="Created">True when this was the person's first registration of the kind.</param>
/// <param name="Changed">False when the same details were registered again (nothing was written).</param>
public sealed record RegistrationOutcome(RegistrationRecord Record, bool Created, bool Changed);

/// <summary>
/// Where registrations live. In the real programme they belong to other systems (the health-insurance online
/// qualification system, the Digital Agency's public-fund account registry); the platform only reads and forwards them
/// through this adapter. <see cref="BuiltInRegistry"/> keeps them in the platform's own database.
/// </summary>
public interface IRegistrationRegistry
{
    /// <summary>When each kind was first registered for <paramref name="personId"/> (eligibility for parts 2 and 3).</summary>
    Task<RegistrationFacts> GetFactsAsync(Guid personId, CancellationToken cancellationToken);

    /// <summary>
    /// The facts of each of <paramref name="personIds"/>, for a group of submissions recorded together; an adapter that
    /// can answer for many people at once overrides this one-by-one default.
    /// </summary>
    async Task<IReadOnlyDictionary<Guid, RegistrationFacts>> GetFactsAsync(IReadOnlyCollection<Guid> personIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(personIds);
        var facts = new Dictionary<Guid, RegistrationFacts>(personIds.Count);
        foreach (var personId in personIds)
            facts[personId] = await GetFactsAsync(personId, cancellationToken);
        return facts;
    }

    /// <summary>The person's registrations, in the order of <see cref="RegistrationKinds.All"/> (absent kinds left out).</summary>
    Task<IReadOnlyList<RegistrationRecord>> ListAsync(Guid personId, CancellationToken cancellationToken);

    /// <summary>
    /// Registers <paramref name="details"/> for the person, or replaces the details of that kind (the first
    /// registration instant stays). Registering the same details again changes nothing. Channel rules are the
    /// caller's (the platform refuses public-fund accounts at spots before calling).
    /// </summary>
    Task<RegistrationOutcome> RegisterAsync(Guid personId, RegistrationDetails details, string channel, CancellationToken cancellationToken);
}

using System.Text.RegularExpressions;

namespace Kangen.Rules;

/// <summary>Shared shape of machine identifiers: lowercase letters, digits and inner hyphens, 1 to 64 characters.</summary>
internal static partial class Slug
{
    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    internal static partial Regex Pattern();

    internal static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);
}

/// <summary>The identifier of a campaign, e.g. <c>mynapoint-phase2</c>.</summary>
public readonly record struct CampaignId
{
    private CampaignId(string value) => Value = value;

    /// <summary>The identifier text.</summary>
    public string Value { get; }

    /// <summary>Parses an identifier (lowercase letters, digits, inner hyphens; at most 64 characters).</summary>
    public static bool TryParse(string? value, out CampaignId id)
    {
        id = Slug.IsValid(value) ? new CampaignId(value!) : default;
        return Slug.IsValid(value);
    }

    /// <summary>Parses an identifier known to be valid.</summary>
    /// <exception cref="ArgumentException">When <paramref name="value"/> is not a valid identifier.</exception>
    public static CampaignId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new ArgumentException($"'{value}' is not a campaign id.", nameof(value));

    /// <inheritdoc />
    public override string ToString() => Value ?? "";
}

/// <summary>
/// The code of a payment service, e.g. <c>demo-pay</c>. The services catalogue uses the same codes,
/// and campaign files key their per-service closing dates by them.
/// </summary>
public readonly record struct ServiceCode
{
    private ServiceCode(string value) => Value = value;

    /// <summary>The code text.</summary>
    public string Value { get; }

    /// <summary>Parses a code (lowercase letters, digits, inner hyphens; at most 64 characters).</summary>
    public static bool TryParse(string? value, out ServiceCode code)
    {
        code = Slug.IsValid(value) ? new ServiceCode(value!) : default;
        return Slug.IsValid(value);
    }

    /// <summary>Parses a code known to be valid.</summary>
    /// <exception cref="ArgumentException">When <paramref name="value"/> is not a valid code.</exception>
    public static ServiceCode Parse(string value) =>
        TryParse(value, out var code) ? code : throw new ArgumentException($"'{value}' is not a service code.", nameof(value));

    /// <inheritdoc />
    public override string ToString() => Value ?? "";
}

/// <summary>An opaque reference to a person (e.g. a pseudonym); the rules only compare references.</summary>
/// <param name="Value">The reference text, non-empty.</param>
public readonly record struct PersonRef(string Value)
{
    /// <summary>Creates a reference; empty text is a programming error.</summary>
    /// <exception cref="ArgumentException">When <paramref name="value"/> is empty or blank.</exception>
    public static PersonRef Of(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        return new PersonRef(value);
    }

    /// <inheritdoc />
    public override string ToString() => Value ?? "";
}

/// <summary>
/// An opaque reference to a payment service account (service code plus the operator's account id, or a
/// keyed hash of them). The rules only compare references; they never see the account's contents.
/// </summary>
/// <param name="Service">The service holding the account.</param>
/// <param name="Account">The account reference within the service, non-empty.</param>
public readonly record struct AccountRef(ServiceCode Service, string Account)
{
    /// <summary>Creates a reference; an empty account is a programming error.</summary>
    /// <exception cref="ArgumentException">When <paramref name="account"/> is empty or blank.</exception>
    public static AccountRef Of(ServiceCode service, string account)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(account);
        return new AccountRef(service, account);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Service}:{Account}";
}

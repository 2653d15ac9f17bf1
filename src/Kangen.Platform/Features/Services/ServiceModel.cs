using Kangen.Protocol;
using Kangen.Rules;

namespace Kangen.Platform.Features.Services;

/// <summary>What kind of payment a service is, as the flyer groups them.</summary>
public enum ServiceKind
{
    /// <summary>Prepaid cards and e-money (charged in advance), transit IC cards included: code <c>prepaid</c>.</summary>
    Prepaid,
    /// <summary>Smartphone code-payment apps: code <c>qr-app</c>.</summary>
    QrApp,
    /// <summary>Credit cards: code <c>credit</c>.</summary>
    Credit,
    /// <summary>Debit cards and bank-account payments: code <c>debit</c>.</summary>
    Debit,
    /// <summary>Online shops and member sites: code <c>online</c>.</summary>
    Online,
}

/// <summary>The file and URL codes of <see cref="ServiceKind"/>.</summary>
public static class ServiceKinds
{
    /// <summary>Every kind, in the flyer's order.</summary>
    public static IReadOnlyList<ServiceKind> All { get; } =
        [ServiceKind.Prepaid, ServiceKind.QrApp, ServiceKind.Credit, ServiceKind.Debit, ServiceKind.Online];

    /// <summary>The code: <c>prepaid</c>, <c>qr-app</c>, <c>credit</c>, <c>debit</c> or <c>online</c>.</summary>
    public static string ToCode(this ServiceKind kind) => kind switch
    {
        ServiceKind.Prepaid => "prepaid",
        ServiceKind.QrApp => "qr-app",
        ServiceKind.Credit => "credit",
        ServiceKind.Debit => "debit",
        ServiceKind.Online => "online",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown service kind."),
    };

    /// <summary>Parses a code (case-sensitive); false for anything else.</summary>
    public static bool TryParse(string? code, out ServiceKind kind)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToCode(), code, StringComparison.Ordinal))
            {
                kind = candidate;
                return true;
            }
        }
        kind = default;
        return false;
    }
}

/// <summary>A text in Japanese, Chinese and English.</summary>
/// <param name="Ja">Japanese, the default.</param>
/// <param name="Zh">Simplified Chinese.</param>
/// <param name="En">English.</param>
public sealed record LocalizedText(string Ja, string Zh, string En)
{
    /// <summary>The text for a culture: <c>zh</c>/<c>zh-*</c> Chinese, <c>en</c>/<c>en-*</c> English, anything else Japanese.</summary>
    public string For(string? culture)
    {
        if (culture is null)
            return Ja;
        if (culture.StartsWith("zh", StringComparison.OrdinalIgnoreCase))
            return Zh;
        if (culture.StartsWith("en", StringComparison.OrdinalIgnoreCase))
            return En;
        return Ja;
    }

    /// <inheritdoc />
    public override string ToString() => Ja;
}

/// <summary>One input field of a payment service (an ID, a code, a password).</summary>
/// <param name="Name">The field's name in requests, camelCase (e.g. <c>securityCode1</c>).</param>
/// <param name="Label">What the form calls it.</param>
/// <param name="Hint">Where the citizen finds it, if anything helps.</param>
/// <param name="Pattern">An anchored regular expression the normalised value must match.</param>
/// <param name="MinLength">Shortest normalised value.</param>
/// <param name="MaxLength">Longest normalised value.</param>
/// <param name="CheckDigit">The check-digit scheme of the value.</param>
/// <param name="Secret">Codes and passwords: never stored, logged or echoed.</param>
/// <param name="IsAccountId">The payment service ID (exactly one field per service).</param>
/// <param name="Normalisation">How typed input becomes the value: <c>digits</c>, <c>upper-alnum</c>, <c>lower-ascii</c> or <c>trim</c> (see <see cref="FieldNormalisation"/>).</param>
/// <param name="Mask">How the value is shown back: <c>last4</c>, <c>first2-last4</c>, <c>first2</c> or <c>hidden</c> (see <see cref="FieldMasks"/>).</param>
public sealed record ServiceField(
    string Name, LocalizedText Label, LocalizedText? Hint, string Pattern, int MinLength, int MaxLength,
    CheckDigitKind CheckDigit, bool Secret, bool IsAccountId, string Normalisation, string Mask);

/// <summary>One version of a service's terms of use for the program.</summary>
/// <param name="Version">The version string, e.g. <c>2022-06</c>.</param>
/// <param name="Effective">The first day (Japan time) the version applies.</param>
/// <param name="Summary">What the applicant agrees to, in short.</param>
public sealed record ServiceTerms(string Version, DateOnly Effective, LocalizedText Summary);

/// <summary>Points the operator adds on top of the program, at its own expense.</summary>
/// <param name="Description">The offer as shown to citizens, e.g. "+10 % up to 2,000 points".</param>
/// <param name="RatePercent">The extra rate in percent, when the offer is a rate.</param>
/// <param name="CapPoints">The most extra points per person, when capped.</param>
public sealed record ServiceBonus(LocalizedText Description, int? RatePercent = null, int? CapPoints = null);

/// <summary>A payment service taking part in the program.</summary>
/// <param name="Code">The service code (campaign files key closing dates by it).</param>
/// <param name="Operator">The code of the operator running it.</param>
/// <param name="OperatorName">The operator's name.</param>
/// <param name="Name">The service's name.</param>
/// <param name="Kind">The payment kind.</param>
/// <param name="Fields">What the applicant enters, in form order.</param>
/// <param name="Terms">The versions of the terms, oldest first.</param>
/// <param name="Programs">The programs (parts) this service grants points for.</param>
/// <param name="LastDay">The service's own last day of taking part, if earlier than the campaign's.</param>
/// <param name="Bonus">The operator's own extra points, if any.</param>
/// <param name="GrantTiming">When points are granted: <c>at-charge</c>, <c>at-purchase</c>, <c>monthly</c>, <c>after-reaching-N</c>.</param>
/// <param name="Rounding">How fractions of a yen are rounded: <c>floor</c>, <c>round</c>, <c>ceiling</c>.</param>
public sealed record PaymentService(
    ServiceCode Code, string Operator, LocalizedText OperatorName, LocalizedText Name, ServiceKind Kind,
    IReadOnlyList<ServiceField> Fields, IReadOnlyList<ServiceTerms> Terms, IReadOnlyList<ProgramKind> Programs, DateOnly? LastDay,
    ServiceBonus? Bonus, string GrantTiming, string Rounding)
{
    /// <summary>The field holding the payment service ID.</summary>
    /// <exception cref="InvalidOperationException">When the service was built without exactly one (the catalogue never loads such a service).</exception>
    public ServiceField AccountIdField => Fields.SingleOrDefault(f => f.IsAccountId)
        ?? throw new InvalidOperationException($"Service {Code} has no single account-ID field.");

    /// <summary>The terms in force on <paramref name="date"/>: the latest version effective on or before it, else the first version.</summary>
    public ServiceTerms TermsAt(DateOnly date)
    {
        if (Terms.Count == 0)
            throw new InvalidOperationException($"Service {Code} has no terms.");
        ServiceTerms? current = null;
        var earliest = Terms[0];
        foreach (var terms in Terms)
        {
            if (terms.Effective <= date && (current is null || terms.Effective > current.Effective))
                current = terms;
            if (terms.Effective < earliest.Effective)
                earliest = terms;
        }
        return current ?? earliest;
    }

    /// <summary>The terms with this version string, or null.</summary>
    public ServiceTerms? FindTerms(string version) =>
        Terms.FirstOrDefault(t => string.Equals(t.Version, version, StringComparison.Ordinal));

    /// <summary>The payment service ID as it may be shown back (e.g. <c>************1234</c>), per the account-ID field's mask.</summary>
    public string MaskAccountId(string normalisedAccountId) => FieldMasks.Apply(AccountIdField.Mask, normalisedAccountId);

    /// <summary>Whether the service grants points for <paramref name="program"/>.</summary>
    public bool Accepts(ProgramKind program) => Programs.Contains(program);

    /// <summary>Whether the service still takes part on <paramref name="date"/> (Japan time), by its own last day.</summary>
    public bool IsOpenOn(DateOnly date) => LastDay is not { } last || date <= last;
}

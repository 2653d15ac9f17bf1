using System.Globalization;
using System.Text;
using Kangen.Platform.Problems;

namespace Kangen.Platform.Features.Registrations;

/// <summary>The body of <c>PUT /api/v1/me/registrations/health-insurance</c>: the fields as printed on the insurance card.</summary>
/// <param name="InsurerNumber">保険者番号: 6 digits (National Health Insurance) or 8 digits.</param>
/// <param name="Symbol">記号: up to 20 characters; empty or omitted for insurers that print none.</param>
/// <param name="Number">番号: 1 to 20 letters and digits.</param>
/// <param name="BranchNumber">枝番: 2 digits, when the card has one.</param>
public sealed record HealthInsuranceRequest(string? InsurerNumber, string? Symbol, string? Number, string? BranchNumber);

/// <summary>
/// Validated health-insurance details (part 2: using the My Number Card as the health insurance certificate).
/// Obtain one through <see cref="Validate"/>; every value is in its normalised form.
/// </summary>
public sealed record HealthInsuranceCard : RegistrationDetails
{
    /// <summary>Longest symbol (記号) the qualification system accepts.</summary>
    public const int MaxSymbolLength = 20;

    /// <summary>Longest number (番号) the qualification system accepts.</summary>
    public const int MaxNumberLength = 20;

    private HealthInsuranceCard(string insurerNumber, string symbol, string number, string? branchNumber)
    {
        InsurerNumber = insurerNumber;
        Symbol = symbol;
        Number = number;
        BranchNumber = branchNumber;
    }

    /// <summary>保険者番号, 6 or 8 ASCII digits with a valid check digit.</summary>
    public string InsurerNumber { get; }

    /// <summary>記号 after normalisation (may be empty).</summary>
    public string Symbol { get; }

    /// <summary>番号 after normalisation (ASCII letters upper-cased).</summary>
    public string Number { get; }

    /// <summary>枝番 (2 ASCII digits), or null.</summary>
    public string? BranchNumber { get; }

    /// <inheritdoc />
    public override string Kind => RegistrationKinds.HealthInsurance;

    /// <summary>
    /// The insurer number in the clear (it names an insurer, not a person); of the insured person's own number only the
    /// last 2 characters, masked, since symbol and number may be asked for only for health purposes.
    /// </summary>
    public override string Summary =>
        $"保険者番号 {InsurerNumber} / 記号・番号 {Mask(Number, 2)}" + (BranchNumber is null ? "" : " / 枝番あり");

    internal override object Canonical() => new { insurerNumber = InsurerNumber, symbol = Symbol, number = Number, branchNumber = BranchNumber };

    /// <summary>Only the masked summary: the details must not reach logs.</summary>
    public override string ToString() => Summary;

    /// <summary>
    /// Normalises then checks every field and reports every problem at once, each about its field
    /// (<c>insurerNumber</c>, <c>symbol</c>, <c>number</c>, <c>branchNumber</c>).
    /// </summary>
    public static (HealthInsuranceCard? Card, IReadOnlyList<PlatformProblem> Problems) Validate(HealthInsuranceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = new List<PlatformProblem>();

        var insurer = Identifier(request.InsurerNumber);
        if (CheckInsurerNumber(insurer) is { } insurerProblem)
            problems.Add(insurerProblem);

        var symbol = Identifier(request.Symbol);
        if (symbol.Length > MaxSymbolLength)
            problems.Add(RegistrationProblems.SymbolInvalid($"{symbol.Length} characters"));
        else if (symbol.FirstOrDefault(c => !IsSymbolCharacter(c)) is var bad && bad != default)
            problems.Add(RegistrationProblems.SymbolInvalid($"character U+{(int)bad:X4} is not allowed"));

        var number = Identifier(request.Number).ToUpperInvariant();
        if (number.Length == 0)
            problems.Add(RegistrationProblems.NumberInvalid("missing or empty"));
        else if (number.Length > MaxNumberLength)
            problems.Add(RegistrationProblems.NumberInvalid($"{number.Length} characters"));
        else if (!number.All(char.IsAsciiLetterOrDigit))
            problems.Add(RegistrationProblems.NumberInvalid("only letters A-Z and digits 0-9"));

        string? branch = Identifier(request.BranchNumber);
        if (branch.Length == 0)
            branch = null;
        else if (branch.Length != 2 || !branch.All(char.IsAsciiDigit))
            problems.Add(RegistrationProblems.BranchNumberInvalid($"{branch.Length} characters; exactly 2 digits"));

        return problems.Count > 0 ? (null, problems) : (new HealthInsuranceCard(insurer, symbol, number, branch), problems);
    }

    /// <summary>
    /// The check digit (検証番号) of an insurer number's first digits (5 for National Health Insurance, 7 otherwise):
    /// from the rightmost digit leftwards, multiply by 2, 1, 2, 1, ...; add up the digits of every product; the check
    /// digit is what brings the sum to the next multiple of 10 (0 when it already is one).
    /// </summary>
    public static char CheckDigit(ReadOnlySpan<char> body)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var digit = body[body.Length - 1 - i] - '0';
            if (digit is < 0 or > 9)
                throw new ArgumentException("Only ASCII digits have a check digit.", nameof(body));
            var product = digit * (i % 2 == 0 ? 2 : 1);
            sum += product / 10 + product % 10;
        }
        return (char)('0' + (10 - sum % 10) % 10);
    }

    private static PlatformProblem? CheckInsurerNumber(string insurer)
    {
        if (insurer.Length == 0)
            return RegistrationProblems.InsurerNumberInvalid("missing or empty");
        if (insurer.Length is not (6 or 8) || !insurer.All(char.IsAsciiDigit))
            return RegistrationProblems.InsurerNumberInvalid($"{insurer.Length} characters; 6 or 8 digits");
        // 8 digits: law number (法別番号) 2, prefecture 2, insurer 3, check 1; 6 digits: the same without the law number.
        var prefecture = int.Parse(insurer.AsSpan(insurer.Length - 6, 2), CultureInfo.InvariantCulture);
        if (prefecture is < 1 or > 47)
            return RegistrationProblems.InsurerNumberInvalid($"prefecture number {prefecture:00} is not 01-47");
        if (insurer.Length == 8 && insurer.StartsWith("00", StringComparison.Ordinal))
            return RegistrationProblems.InsurerNumberInvalid("law number 00 does not exist");
        var expected = CheckDigit(insurer.AsSpan(0, insurer.Length - 1));
        return insurer[^1] == expected ? null : RegistrationProblems.InsurerNumberCheckDigit(expected);
    }

    // Cards print symbols in digits, Latin letters, kana and kanji (some National Health Insurance symbols are
    // place names); a hyphen or a middle dot separates parts on some.
    private static bool IsSymbolCharacter(char c) => char.IsLetterOrDigit(c) || c is '-' or '・';

    /// <summary>
    /// What people type for a printed identifier: NFKC (full-width digits and letters to ASCII, half-width kana to
    /// full-width), hyphen variants to '-', and every space dropped (cards group digits with spaces that are not part
    /// of the value).
    /// </summary>
    internal static string Identifier(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        var text = value.Normalize(NormalizationForm.FormKC);
        var result = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
                continue;
            result.Append(c is '‐' or '‑' or '‒' or '–' or '—' or '―' or '−' ? '-' : c);
        }
        return result.ToString();
    }

    internal static string Mask(string value, int visible) =>
        value.Length <= visible ? new string('*', value.Length) : new string('*', value.Length - visible) + value[^visible..];
}

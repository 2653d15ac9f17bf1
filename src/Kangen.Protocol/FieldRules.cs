using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Kangen.Protocol;

// The field rules both sides must apply identically: the platform normalises what a citizen typed before it
// forwards the fields to the operator's verification endpoint, and the operator matches them against the values it
// issued. One copy, so the two can never disagree.

/// <summary>
/// How typed input becomes a field's value. Every scheme first applies Unicode NFKC, so full-width digits and
/// letters (as Japanese input methods produce them) become ASCII and the ideographic space a space.
/// </summary>
public static class FieldNormalisation
{
    /// <summary>NFKC, then spaces and hyphens/dashes removed (people copy numbers printed in groups).</summary>
    public const string Digits = "digits";
    /// <summary>As <see cref="Digits"/>, then letters upper-cased (IDs printed in capitals).</summary>
    public const string UpperAlnum = "upper-alnum";
    /// <summary>NFKC, leading and trailing white space trimmed, ASCII letters lower-cased (login IDs).</summary>
    public const string LowerAscii = "lower-ascii";
    /// <summary>NFKC and leading and trailing white space trimmed, nothing else (passwords keep their case).</summary>
    public const string Trim = "trim";

    /// <summary>Every scheme.</summary>
    public static IReadOnlyList<string> All { get; } = [Digits, UpperAlnum, LowerAscii, Trim];

    /// <summary>Whether <paramref name="scheme"/> is known.</summary>
    public static bool IsKnown(string? scheme) => scheme is not null && All.Contains(scheme);

    /// <summary>The normalised value.</summary>
    /// <exception cref="ArgumentException">For an unknown scheme (the catalogue refuses them at load).</exception>
    public static string Apply(string scheme, string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var text = raw.IsNormalized(NormalizationForm.FormKC) ? raw : raw.Normalize(NormalizationForm.FormKC);
        switch (scheme)
        {
            case Digits:
                return RemoveSeparators(text);
            case UpperAlnum:
                return RemoveSeparators(text).ToUpperInvariant();
            case LowerAscii:
                return LowerAsciiLetters(text.Trim());
            case Trim:
                return text.Trim();
            default:
                throw new ArgumentException($"Unknown normalisation '{scheme}'.", nameof(scheme));
        }
    }

    private static string RemoveSeparators(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || IsDash(c))
                continue;
            builder.Append(c);
        }
        return builder.ToString();
    }

    // NFKC keeps these as they are; people type them for the hyphens printed between digit groups.
    private static bool IsDash(char c) => c is '-' or '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2015' or '\u2212' or '\u30FC' or '\uFF70';

    private static string LowerAsciiLetters(string text) => string.Create(text.Length, text, static (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
            span[i] = source[i] is >= 'A' and <= 'Z' ? (char)(source[i] + 32) : source[i];
    });
}

/// <summary>The check-digit scheme of a field (see docs/services.md). Schemes run over the digits of the normalised value; the last digit is the check digit.</summary>
public enum CheckDigitKind
{
    /// <summary>No check digit: code <c>none</c>.</summary>
    None,
    /// <summary>Luhn (ISO/IEC 7812, payment card numbers): code <c>luhn</c>.</summary>
    Luhn,
    /// <summary>Modulus 10 with weights 3 and 1 from the right (GS1 / JAN): code <c>mod10-31</c>.</summary>
    Mod10Weights31,
    /// <summary>Modulus 11 with weights 2 to 7 from the right, remainder 0 or 1 giving 0 (as the Individual Number): code <c>mod11</c>.</summary>
    Mod11,
}

/// <summary>The check-digit schemes. Each runs over the digits of the value (letters take no part); the last digit is the check digit.</summary>
public static class CheckDigits
{
    /// <summary>The code of a scheme: <c>none</c>, <c>luhn</c>, <c>mod10-31</c>, <c>mod11</c>.</summary>
    public static string ToCode(this CheckDigitKind kind) => kind switch
    {
        CheckDigitKind.None => "none",
        CheckDigitKind.Luhn => "luhn",
        CheckDigitKind.Mod10Weights31 => "mod10-31",
        CheckDigitKind.Mod11 => "mod11",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown check-digit scheme."),
    };

    /// <summary>Parses a scheme code (case-sensitive).</summary>
    public static bool TryParse(string? code, out CheckDigitKind kind)
    {
        foreach (var candidate in Enum.GetValues<CheckDigitKind>())
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

    /// <summary>Whether the last digit of <paramref name="value"/> is the check digit of the digits before it (always true for <see cref="CheckDigitKind.None"/>).</summary>
    public static bool IsValid(CheckDigitKind kind, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (kind == CheckDigitKind.None)
            return true;
        var digits = value.Where(char.IsAsciiDigit).ToArray();
        if (digits.Length < 2)
            return false;
        return Compute(kind, digits.AsSpan(0, digits.Length - 1)) == digits[^1];
    }

    /// <summary>The check digit to append to <paramref name="payload"/> (ASCII digits only).</summary>
    /// <exception cref="ArgumentException">When the payload holds anything but ASCII digits, or the scheme is <see cref="CheckDigitKind.None"/>.</exception>
    public static char Compute(CheckDigitKind kind, ReadOnlySpan<char> payload)
    {
        foreach (var c in payload)
        {
            if (!char.IsAsciiDigit(c))
                throw new ArgumentException("The payload must be ASCII digits.", nameof(payload));
        }
        var sum = 0;
        // Weights count from the rightmost payload digit, i.e. the one next to the check digit.
        for (var i = 0; i < payload.Length; i++)
        {
            var digit = payload[payload.Length - 1 - i] - '0';
            sum += kind switch
            {
                CheckDigitKind.Luhn => i % 2 == 0 ? (digit * 2 > 9 ? digit * 2 - 9 : digit * 2) : digit,
                CheckDigitKind.Mod10Weights31 => digit * (i % 2 == 0 ? 3 : 1),
                CheckDigitKind.Mod11 => digit * (i % 6 + 2),
                _ => throw new ArgumentException("No check digit for this scheme.", nameof(kind)),
            };
        }
        var check = kind == CheckDigitKind.Mod11
            ? (sum % 11 <= 1 ? 0 : 11 - sum % 11)
            : (10 - sum % 10) % 10;
        return (char)('0' + check);
    }
}

/// <summary>Compiled field patterns, shared by every service that uses the same pattern, on both sides.</summary>
public static class FieldPatterns
{
    private static readonly ConcurrentDictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    // Patterns come from the catalogue, and a pathological one must not hold a request thread. The non-backtracking
    // engine matches in time linear in the value (at most a few hundred characters), whatever the pattern, so no
    // timeout is needed. A timeout was a wall-clock limit: on a loaded machine a GC pause or a descheduled thread
    // made a plain ^[0-9]{16}$ "time out", and a valid card number was refused as not matching its pattern.
    // The engine refuses backreferences, lookarounds, atomic groups, conditionals and patterns too large for it: the
    // catalogue reader reports such a pattern with the engine's reason.
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    /// <exception cref="ArgumentException">When the pattern does not compile.</exception>
    /// <exception cref="NotSupportedException">When the pattern uses a construct that needs backtracking.</exception>
    public static Regex Get(string pattern) =>
        Cache.GetOrAdd(pattern, p => new Regex(p, Options));

    /// <summary>Whether <paramref name="value"/> matches <paramref name="pattern"/> (compiled once, then shared).</summary>
    public static bool IsMatch(string pattern, string value) => Get(pattern).IsMatch(value);
}

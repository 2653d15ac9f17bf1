using System.Text;
using System.Text.RegularExpressions;

namespace Kangen.Operator.Accounts;

/// <summary>
/// The operator's handling of field values: normalisation (the same schemes the platform applies before it
/// forwards the fields), check digits, and making new values that match a field's pattern when an account is opened.
/// </summary>
public static partial class FieldValues
{
    /// <summary>A normalised value: <c>digits</c> and <c>upper-alnum</c> drop spaces and dashes, <c>lower-ascii</c> and <c>trim</c> trim.</summary>
    public static string Normalise(string scheme, string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var text = raw.Normalize(NormalizationForm.FormKC);
        return scheme switch
        {
            "digits" => RemoveSeparators(text),
            "upper-alnum" => RemoveSeparators(text).ToUpperInvariant(),
            "lower-ascii" => new string(text.Trim().Select(c => c is >= 'A' and <= 'Z' ? (char)(c + 32) : c).ToArray()),
            _ => text.Trim(),
        };
    }

    private static string RemoveSeparators(string text) =>
        new(text.Where(c => !char.IsWhiteSpace(c) && c is not ('-' or '‐' or '‑' or '‒' or '–' or '—' or '―' or '−' or 'ー')).ToArray());

    /// <summary>The check digit of <paramref name="payload"/> (ASCII digits) under <c>luhn</c>, <c>mod10-31</c> or <c>mod11</c>.</summary>
    public static char CheckDigit(string scheme, ReadOnlySpan<char> payload)
    {
        var sum = 0;
        // Weights count from the rightmost payload digit, next to the check digit.
        for (var i = 0; i < payload.Length; i++)
        {
            var digit = payload[payload.Length - 1 - i] - '0';
            sum += scheme switch
            {
                "luhn" => i % 2 == 0 ? (digit * 2 > 9 ? digit * 2 - 9 : digit * 2) : digit,
                "mod10-31" => digit * (i % 2 == 0 ? 3 : 1),
                "mod11" => digit * (i % 6 + 2),
                _ => throw new ArgumentException($"No check digit for scheme '{scheme}'.", nameof(scheme)),
            };
        }
        var check = scheme == "mod11" ? (sum % 11 <= 1 ? 0 : 11 - sum % 11) : (10 - sum % 10) % 10;
        return (char)('0' + check);
    }

    /// <summary>
    /// A new value for a field: its pattern filled with random characters (the subset of patterns the catalogue
    /// uses: character classes with ranges, <c>\d</c>, literals and <c>{n}</c> / <c>{m,n}</c> counts), the check digit
    /// applied, normalised.
    /// </summary>
    /// <exception cref="NotSupportedException">When the pattern is outside that subset.</exception>
    public static string Make(Services.OperatorField field, Random random)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(random);
        var tokens = Parse(field.Pattern) ?? throw new NotSupportedException($"Cannot make values for the pattern {field.Pattern}.");
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var builder = new StringBuilder();
            foreach (var (chars, min, max) in tokens)
            {
                var count = random.Next(min, Math.Min(max, min + 8) + 1);
                for (var i = 0; i < count; i++)
                    builder.Append(chars[random.Next(chars.Length)]);
            }
            var value = builder.ToString();
            if (value.Length < field.MinLength || value.Length > field.MaxLength)
                continue;
            if (field.CheckDigit != "none")
            {
                var digits = value.ToCharArray();
                digits[^1] = CheckDigit(field.CheckDigit, new string(digits[..^1].Where(char.IsAsciiDigit).ToArray()));
                value = new string(digits);
            }
            return Normalise(field.Normalisation, value);
        }
        throw new NotSupportedException($"No value of {field.Pattern} fits lengths {field.MinLength}-{field.MaxLength}.");
    }

    /// <summary>Whether <paramref name="value"/> (normalised) matches the field's pattern and check digit.</summary>
    public static bool IsValid(Services.OperatorField field, string value)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length < field.MinLength || value.Length > field.MaxLength
            || !Regex.IsMatch(value, field.Pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)))
            return false;
        if (field.CheckDigit == "none")
            return true;
        var digits = value.Where(char.IsAsciiDigit).ToArray();
        return digits.Length >= 2 && CheckDigit(field.CheckDigit, digits.AsSpan(0, digits.Length - 1)) == digits[^1];
    }

    private static List<(char[] Chars, int Min, int Max)>? Parse(string pattern)
    {
        var p = pattern.TrimStart('^').TrimEnd('$');
        var tokens = new List<(char[], int, int)>();
        var i = 0;
        while (i < p.Length)
        {
            char[] chars;
            if (p[i] == '[')
            {
                var end = p.IndexOf(']', i);
                if (end < 0)
                    return null;
                var set = new List<char>();
                for (var j = i + 1; j < end; j++)
                {
                    if (j + 2 < end && p[j + 1] == '-')
                    {
                        for (var c = p[j]; c <= p[j + 2]; c++)
                            set.Add(c);
                        j += 2;
                    }
                    else
                        set.Add(p[j]);
                }
                chars = [.. set];
                i = end + 1;
            }
            else if (p[i] == '\\' && i + 1 < p.Length && p[i + 1] == 'd')
            {
                chars = "0123456789".ToCharArray();
                i += 2;
            }
            else if (char.IsLetterOrDigit(p[i]) || p[i] == '-')
            {
                chars = [p[i]];
                i++;
            }
            else
                return null;
            int min = 1, max = 1;
            if (i < p.Length && p[i] == '{')
            {
                var end = p.IndexOf('}', i);
                if (end < 0)
                    return null;
                var parts = p[(i + 1)..end].Split(',');
                if (!int.TryParse(parts[0], out min))
                    return null;
                max = parts.Length > 1 && int.TryParse(parts[1], out var m) ? m : min;
                i = end + 1;
            }
            if (chars.Length == 0)
                return null;
            tokens.Add((chars, min, max));
        }
        return tokens;
    }
}

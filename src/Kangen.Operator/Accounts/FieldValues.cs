using System.Text;

using Kangen.Protocol;

namespace Kangen.Operator.Accounts;

/// <summary>
/// The operator's handling of field values: making new values that match a field's pattern (with its check digit)
/// when an account is opened, and checking them. Normalisation and check digits are the protocol's
/// (<see cref="FieldNormalisation"/>, <see cref="CheckDigits"/>), the same the platform applies.
/// </summary>
public static partial class FieldValues
{
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
            if (CheckDigits.TryParse(field.CheckDigit, out var scheme) && scheme != CheckDigitKind.None)
            {
                var digits = value.ToCharArray();
                digits[^1] = CheckDigits.Compute(scheme, new string(digits[..^1].Where(char.IsAsciiDigit).ToArray()));
                value = new string(digits);
            }
            return FieldNormalisation.Apply(field.Normalisation, value);
        }
        throw new NotSupportedException($"No value of {field.Pattern} fits lengths {field.MinLength}-{field.MaxLength}.");
    }

    /// <summary>Whether <paramref name="value"/> (normalised) matches the field's pattern and check digit.</summary>
    public static bool IsValid(Services.OperatorField field, string value)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length < field.MinLength || value.Length > field.MaxLength
            || !FieldPatterns.IsMatch(field.Pattern, value))
            return false;
        return CheckDigits.TryParse(field.CheckDigit, out var scheme) && CheckDigits.IsValid(scheme, value);
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

using System.Text;
using Kangen.Platform.Features.ReferenceData;

namespace Kangen.Platform.Features.Registrations;

/// <summary>
/// An account holder's name as banks keep it (口座名義カナ): full-width katakana in the Zengin style, words separated by
/// one ideographic space, and the few symbols the Zengin character set has.
/// </summary>
public static class HolderName
{
    /// <summary>Longest name after normalisation, in characters.</summary>
    public const int MaxLength = 30;

    /// <summary>The symbols a name may hold besides katakana and the ideographic space (Zengin's, in full-width form).</summary>
    public const string Symbols = "（）．－／，「」";

    /// <summary>
    /// What <see cref="KanaName.Normalize"/> does (NFKC, half-width and hiragana to full-width katakana, small kana to
    /// full size, long-vowel marks and hyphens to '－', runs of spaces of either width to one '　'), plus what people
    /// also type: a stand-alone voiced or semi-voiced mark (゛ ゜) after a kana joins it (カ゛ -> ガ; NFKC alone would
    /// turn it into a space), ヰ and ヱ become イ and エ (Zengin has neither), the middle dot becomes '．' (how banks
    /// write it in kana names), and dash look-alikes (– — ‒ ─ ━) become '－'.
    /// </summary>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var marks = new StringBuilder(name.Length);
        foreach (var c in name)
            marks.Append(c switch { '゛' => '\u3099', '゜' => '\u309A', _ => c });
        var kana = KanaName.Normalize(marks.ToString());
        var result = new StringBuilder(kana.Length);
        foreach (var c in kana)
        {
            result.Append(c switch
            {
                'ヰ' => 'イ',
                'ヱ' => 'エ',
                '・' => '．',
                '–' or '—' or '‒' or '─' or '━' => '－',
                _ => c,
            });
        }
        return result.ToString();
    }

    /// <summary>
    /// Normalises <paramref name="name"/> and checks it: at least one katakana, only katakana, the ideographic space
    /// and <see cref="Symbols"/>, at most <see cref="MaxLength"/> characters. Returns the normalised name, or null and
    /// why not (the reason never repeats the name).
    /// </summary>
    public static string? TryNormalize(string? name, out string? whyNot)
    {
        whyNot = null;
        if (string.IsNullOrWhiteSpace(name))
        {
            whyNot = "missing or empty";
            return null;
        }
        var normalized = Normalize(name);
        if (normalized.Length > MaxLength)
            whyNot = $"{normalized.Length} characters after normalisation; at most {MaxLength}";
        else if (normalized.FirstOrDefault(c => !IsAllowed(c)) is var bad && bad != default)
            whyNot = DescribeBadCharacter(bad);
        else if (!normalized.Any(IsKatakana))
            whyNot = "no katakana";
        return whyNot is null ? normalized : null;
    }

    private static bool IsKatakana(char c) => c is >= 'ァ' and <= 'ヴ';

    private static bool IsAllowed(char c) => IsKatakana(c) || c == '　' || Symbols.Contains(c, StringComparison.Ordinal);

    private static string DescribeBadCharacter(char c) =>
        c is >= 'Ａ' and <= 'Ｚ' or >= '０' and <= '９'
            ? "Latin letters and digits are not allowed: type the name in katakana"
            : char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.OtherLetter
                ? $"U+{(int)c:X4} is not katakana (kanji, or kana banks do not use): type the name in katakana"
                : $"U+{(int)c:X4} is not a katakana, a space or one of {Symbols}";
}

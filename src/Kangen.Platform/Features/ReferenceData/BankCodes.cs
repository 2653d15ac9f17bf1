using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Kangen.Platform.Features.ReferenceData;

/// <summary>A bank (金融機関) in the Zengin code list.</summary>
/// <param name="Code">4 digits.</param>
/// <param name="Name">Name without "銀行" (みずほ).</param>
/// <param name="Kana">Full-width Zengin-style kana (ミズホ).</param>
public sealed record Bank(string Code, string Name, string Kana);

/// <summary>A branch (支店) of a bank.</summary>
/// <param name="BankCode">4 digits.</param>
/// <param name="Code">3 digits.</param>
/// <param name="Name">Name (ゆうちょ branches are numeric: 一〇八).</param>
/// <param name="Kana">Full-width Zengin-style kana.</param>
public sealed record Branch(string BankCode, string Code, string Name, string Kana);

/// <summary>The Zengin bank and branch codes from <c>data/reference/banks.csv</c> and <c>branches.csv.gz</c>.</summary>
public sealed class BankCodes
{
    private readonly FrozenDictionary<string, Bank> _banks;
    private readonly FrozenDictionary<string, Branch> _branches; // key: bank code + branch code

    private BankCodes(FrozenDictionary<string, Bank> banks, FrozenDictionary<string, Branch> branches)
    {
        _banks = banks;
        _branches = branches;
    }

    /// <summary>How many banks are known.</summary>
    public int BankCount => _banks.Count;

    /// <summary>How many branches are known.</summary>
    public int BranchCount => _branches.Count;

    /// <summary>Finds a bank by its 4-digit code.</summary>
    public bool TryGetBank(string? bankCode, [NotNullWhen(true)] out Bank? bank)
    {
        bank = null;
        return bankCode is { Length: 4 } && _banks.TryGetValue(bankCode, out bank);
    }

    /// <summary>Finds a branch by bank code (4 digits) and branch code (3 digits); false for any unknown or malformed code.</summary>
    public bool TryGetBranch(string? bankCode, string? branchCode, [NotNullWhen(true)] out Branch? branch)
    {
        branch = null;
        return bankCode is { Length: 4 } && branchCode is { Length: 3 } && _branches.TryGetValue(bankCode + branchCode, out branch);
    }

    /// <summary>The branches of a bank in code order.</summary>
    public IEnumerable<Branch> BranchesOf(string bankCode) =>
        _branches.Values.Where(b => b.BankCode == bankCode).OrderBy(b => b.Code, StringComparer.Ordinal);

    internal static BankCodes Load()
    {
        var banks = EmbeddedData.Rows("banks.csv", "code,name,kana")
            .ToFrozenDictionary(r => r[0], r => new Bank(r[0], r[1], r[2]), StringComparer.Ordinal);
        var branches = EmbeddedData.Rows("branches.csv.gz", "bank,code,name,kana")
            .ToFrozenDictionary(r => r[0] + r[1], r => new Branch(r[0], r[1], r[2], r[3]), StringComparer.Ordinal);
        return new BankCodes(banks, branches);
    }
}

/// <summary>
/// Normalises account-holder names to the Zengin kana style the bank list uses, so a name typed in
/// half-width kana, hiragana or with small kana compares equal to the bank's record: half-width to
/// full-width, hiragana to katakana, small kana to full size (キョウ -> キヨウ), ASCII to full-width,
/// long-vowel marks and hyphens to "－", runs of spaces to one full-width space.
/// </summary>
public static class KanaName
{
    private static readonly FrozenDictionary<char, char> Small = new Dictionary<char, char>
    {
        ['ァ'] = 'ア', ['ィ'] = 'イ', ['ゥ'] = 'ウ', ['ェ'] = 'エ', ['ォ'] = 'オ', ['ッ'] = 'ツ',
        ['ャ'] = 'ヤ', ['ュ'] = 'ユ', ['ョ'] = 'ヨ', ['ヮ'] = 'ワ', ['ヵ'] = 'カ', ['ヶ'] = 'ケ',
    }.ToFrozenDictionary();

    /// <summary>The Zengin-style form of <paramref name="name"/>.</summary>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        // NFKC turns half-width katakana into full-width (composing ﾞ and ﾟ) and full-width ASCII into ASCII;
        // the loop below then widens ASCII again, so both input forms meet in one output form.
        var text = name.Normalize(System.Text.NormalizationForm.FormKC).Trim();
        var result = new System.Text.StringBuilder(text.Length);
        var lastWasSpace = false;
        foreach (var raw in text)
        {
            var c = raw;
            if (char.IsWhiteSpace(c))
            {
                if (!lastWasSpace)
                    result.Append('　');
                lastWasSpace = true;
                continue;
            }
            lastWasSpace = false;
            if (c is >= 'ぁ' and <= 'ゖ')
                c = (char)(c + 0x60); // hiragana -> katakana
            if (Small.TryGetValue(c, out var large))
                c = large;
            else if (c is 'ー' or '-' or '‐' or '−' or '―' or '－')
                c = '－';
            else if (c is >= 'a' and <= 'z')
                c = (char)(c - 'a' + 'Ａ');
            else if (c is >= '!' and <= '~')
                c = (char)(c - '!' + '！'); // remaining ASCII (upper case, digits, punctuation) -> full-width
            result.Append(c);
        }
        return result.ToString();
    }

    /// <summary>True when two names are the same after <see cref="Normalize"/>.</summary>
    public static bool AreSame(string a, string b) => Normalize(a) == Normalize(b);
}

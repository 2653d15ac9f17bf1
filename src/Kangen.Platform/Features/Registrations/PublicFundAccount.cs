using System.Text;
using Kangen.Platform.Features.ReferenceData;
using Kangen.Platform.Problems;

namespace Kangen.Platform.Features.Registrations;

/// <summary>The body of <c>PUT /api/v1/me/registrations/public-fund-account</c>.</summary>
/// <param name="BankCode">金融機関コード, 4 digits (full-width digits accepted).</param>
/// <param name="BranchCode">支店コード, 3 digits (for ゆうちょ, the branch code derived from the 記号).</param>
/// <param name="AccountType"><c>ordinary</c> (普通), <c>current</c> (当座) or <c>savings</c> (貯蓄); the Japanese words are accepted too.</param>
/// <param name="AccountNumber">口座番号, 1 to 7 digits (left-padded with zeros to 7).</param>
/// <param name="HolderName">口座名義 in kana as typed: half-width, hiragana and small kana are normalised.</param>
public sealed record PublicFundAccountRequest(string? BankCode, string? BranchCode, string? AccountType, string? AccountNumber, string? HolderName);

/// <summary>The account types (預金種目) a public-fund receipt account may have.</summary>
public static class AccountTypes
{
    /// <summary>普通預金.</summary>
    public const string Ordinary = "ordinary";

    /// <summary>当座預金.</summary>
    public const string Current = "current";

    /// <summary>貯蓄預金.</summary>
    public const string Savings = "savings";

    /// <summary>Every type, in the order banks list them.</summary>
    public static readonly IReadOnlyList<string> All = [Ordinary, Current, Savings];

    /// <summary>The code for what was typed (<c>ordinary</c> or 普通, case and width ignored), or null.</summary>
    public static string? Parse(string? value) =>
        value?.Normalize(NormalizationForm.FormKC).Trim().ToLowerInvariant() switch
        {
            Ordinary or "普通" or "普通預金" => Ordinary,
            Current or "当座" or "当座預金" => Current,
            Savings or "貯蓄" or "貯蓄預金" => Savings,
            _ => null,
        };

    /// <summary>The Japanese name of a type code.</summary>
    public static string Japanese(string code) => code switch
    {
        Ordinary => "普通",
        Current => "当座",
        Savings => "貯蓄",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Not an account type code."),
    };
}

/// <summary>
/// A validated public-fund receipt account (part 3: 公金受取口座): a bank and branch that exist in the Zengin list, the
/// account type, the 7-digit account number and the holder's name in normalised katakana. Obtain one through
/// <see cref="Validate"/>.
/// </summary>
public sealed record PublicFundAccount : RegistrationDetails
{
    private PublicFundAccount(Bank bank, Branch branch, string accountType, string accountNumber, string holderName)
    {
        Bank = bank;
        Branch = branch;
        AccountType = accountType;
        AccountNumber = accountNumber;
        HolderName = holderName;
    }

    /// <summary>The bank.</summary>
    public Bank Bank { get; }

    /// <summary>The branch.</summary>
    public Branch Branch { get; }

    /// <summary>One of <see cref="AccountTypes"/>.</summary>
    public string AccountType { get; }

    /// <summary>7 ASCII digits.</summary>
    public string AccountNumber { get; }

    /// <summary>The holder's name, normalised (see <see cref="Registrations.HolderName.Normalize"/>). Never stored in clear.</summary>
    public string HolderName { get; }

    /// <inheritdoc />
    public override string Kind => RegistrationKinds.PublicFundAccount;

    /// <summary>Bank and branch (names and codes), the account type and the account number's last 3 digits; never the holder's name.</summary>
    public override string Summary =>
        $"{Bank.Name} {Branch.Name} ({Bank.Code}-{Branch.Code}) {AccountTypes.Japanese(AccountType)} {HealthInsuranceCard.Mask(AccountNumber, 3)}";

    internal override object Canonical() => new
    {
        bankCode = Bank.Code, branchCode = Branch.Code, accountType = AccountType, accountNumber = AccountNumber, holderName = HolderName,
    };

    /// <summary>Only the masked summary: the holder's name and the full number must not reach logs.</summary>
    public override string ToString() => Summary;

    /// <summary>
    /// Normalises then checks every field against <paramref name="banks"/> and reports every problem at once, each about
    /// its field (<c>bankCode</c>, <c>branchCode</c>, <c>accountType</c>, <c>accountNumber</c>, <c>holderName</c>). The
    /// branch is looked up only when the bank is known.
    /// </summary>
    public static (PublicFundAccount? Account, IReadOnlyList<PlatformProblem> Problems) Validate(PublicFundAccountRequest request, BankCodes banks)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(banks);
        var problems = new List<PlatformProblem>();

        var bankCode = HealthInsuranceCard.Identifier(request.BankCode);
        Bank? bank = null;
        if (bankCode.Length != 4 || !bankCode.All(char.IsAsciiDigit))
            problems.Add(RegistrationProblems.BankCodeInvalid(bankCode.Length == 0 ? "missing or empty" : $"{bankCode.Length} characters; exactly 4 digits"));
        else if (!banks.TryGetBank(bankCode, out bank))
            problems.Add(RegistrationProblems.BankUnknown(bankCode));

        var branchCode = HealthInsuranceCard.Identifier(request.BranchCode);
        Branch? branch = null;
        if (branchCode.Length != 3 || !branchCode.All(char.IsAsciiDigit))
            problems.Add(RegistrationProblems.BranchCodeInvalid(branchCode.Length == 0 ? "missing or empty" : $"{branchCode.Length} characters; exactly 3 digits"));
        else if (bank is not null && !banks.TryGetBranch(bank.Code, branchCode, out branch))
            problems.Add(RegistrationProblems.BranchUnknown(bank.Code, branchCode));

        var type = AccountTypes.Parse(request.AccountType);
        if (type is null)
            problems.Add(RegistrationProblems.AccountTypeInvalid(request.AccountType));

        var number = HealthInsuranceCard.Identifier(request.AccountNumber);
        if (number.Length == 0)
            problems.Add(RegistrationProblems.AccountNumberInvalid("missing or empty"));
        else if (number.Length > 7 || !number.All(char.IsAsciiDigit))
            problems.Add(RegistrationProblems.AccountNumberInvalid($"{number.Length} characters; 1 to 7 digits"));
        else if (number.All(c => c == '0'))
            problems.Add(RegistrationProblems.AccountNumberInvalid("all zeros"));

        var holder = Registrations.HolderName.TryNormalize(request.HolderName, out var whyNot);
        if (holder is null)
            problems.Add(RegistrationProblems.HolderNameInvalid(whyNot!));

        if (problems.Count > 0)
            return (null, problems);
        return (new PublicFundAccount(bank!, branch!, type!, number.PadLeft(7, '0'), holder!), problems);
    }
}

using Kangen.Platform.Problems;

namespace Kangen.Platform.Features.Registrations;

/// <summary>
/// The stable codes of registrations (parts 2 and 3), with their messages. Details name the rule that failed, never
/// the value of an account number, a holder name or an insured person's symbol and number.
/// </summary>
public static class RegistrationProblems
{
    private const int Bad = StatusCodes.Status400BadRequest;

    /// <summary><c>registration.request-invalid</c> (400): the body is missing or not a JSON object of the expected shape.</summary>
    public static PlatformProblem RequestInvalid(string? detail) => new(
        "registration.request-invalid", Bad,
        "リクエストの内容が正しくありません。",
        "请求内容不正确。",
        "The request is incomplete or malformed.", detail, "body");

    /// <summary><c>registration.insurer-number-invalid</c> (400): not 6 or 8 digits, or an impossible prefecture.</summary>
    public static PlatformProblem InsurerNumberInvalid(string detail) => new(
        "registration.insurer-number-invalid", Bad,
        "保険者番号は6桁または8桁の数字で入力してください。",
        "保险人编号必须是6位或8位数字。",
        "The insurer number is 6 or 8 digits.", detail, "insurerNumber");

    /// <summary><c>registration.insurer-number-check-digit</c> (400): the last digit does not match (usually a typing mistake).</summary>
    public static PlatformProblem InsurerNumberCheckDigit(char expected) => new(
        "registration.insurer-number-check-digit", Bad,
        "保険者番号に入力誤りがあります。保険証の番号をもう一度ご確認ください。",
        "保险人编号有输入错误，请再次核对保险证上的编号。",
        "The insurer number has a typing mistake (its check digit does not match). Check it against the card.",
        $"the check digit of these first digits would be {expected}", "insurerNumber");

    /// <summary><c>registration.symbol-invalid</c> (400): the symbol (記号) is too long or has characters a card never prints.</summary>
    public static PlatformProblem SymbolInvalid(string detail) => new(
        "registration.symbol-invalid", Bad,
        $"記号は{HealthInsuranceCard.MaxSymbolLength}文字以内の英数字・かな・漢字で入力してください。",
        $"符号必须是{HealthInsuranceCard.MaxSymbolLength}个字符以内的字母、数字、假名或汉字。",
        $"The symbol is at most {HealthInsuranceCard.MaxSymbolLength} letters and digits.", detail, "symbol");

    /// <summary><c>registration.number-invalid</c> (400): the insured person's number (番号) is missing, too long or not alphanumeric.</summary>
    public static PlatformProblem NumberInvalid(string detail) => new(
        "registration.number-invalid", Bad,
        $"番号は1～{HealthInsuranceCard.MaxNumberLength}文字の英数字で入力してください。",
        $"编号必须是1至{HealthInsuranceCard.MaxNumberLength}个字母或数字。",
        $"The number is 1 to {HealthInsuranceCard.MaxNumberLength} letters and digits.", detail, "number");

    /// <summary><c>registration.branch-number-invalid</c> (400): the branch number (枝番) is given but not 2 digits.</summary>
    public static PlatformProblem BranchNumberInvalid(string detail) => new(
        "registration.branch-number-invalid", Bad,
        "枝番は2桁の数字で入力してください。",
        "枝号必须是2位数字。",
        "The branch number (edaban) is 2 digits.", detail, "branchNumber");

    /// <summary><c>registration.bank-code-invalid</c> (400): the bank code is not 4 digits.</summary>
    public static PlatformProblem BankCodeInvalid(string detail) => new(
        "registration.bank-code-invalid", Bad,
        "金融機関コードは4桁の数字で入力してください。",
        "金融机构代码必须是4位数字。",
        "The bank code is 4 digits.", detail, "bankCode");

    /// <summary><c>registration.bank-unknown</c> (400): no bank has this code.</summary>
    public static PlatformProblem BankUnknown(string code) => new(
        "registration.bank-unknown", Bad,
        "この金融機関コードの金融機関はありません。",
        "不存在此代码的金融机构。",
        "No bank has this code.", $"'{code}' is not in the bank code list", "bankCode");

    /// <summary><c>registration.branch-code-invalid</c> (400): the branch code is not 3 digits.</summary>
    public static PlatformProblem BranchCodeInvalid(string detail) => new(
        "registration.branch-code-invalid", Bad,
        "支店コードは3桁の数字で入力してください。",
        "分行代码必须是3位数字。",
        "The branch code is 3 digits.", detail, "branchCode");

    /// <summary><c>registration.branch-unknown</c> (400): the bank has no branch with this code.</summary>
    public static PlatformProblem BranchUnknown(string bankCode, string branchCode) => new(
        "registration.branch-unknown", Bad,
        "この金融機関にこの支店コードの支店はありません。",
        "该金融机构没有此代码的分行。",
        "This bank has no branch with this code.", $"bank {bankCode} has no branch '{branchCode}'", "branchCode");

    /// <summary><c>registration.account-type-invalid</c> (400): not ordinary (普通), current (当座) or savings (貯蓄).</summary>
    public static PlatformProblem AccountTypeInvalid(string? value) => new(
        "registration.account-type-invalid", Bad,
        "預金種目は普通・当座・貯蓄のいずれかを指定してください。",
        "存款种类必须是普通、活期支票（当座）或储蓄之一。",
        "The account type is ordinary, current or savings.",
        value is null ? "missing" : $"'{Clip(value)}'; one of {string.Join(", ", AccountTypes.All)}", "accountType");

    /// <summary><c>registration.account-number-invalid</c> (400): not 1 to 7 digits.</summary>
    public static PlatformProblem AccountNumberInvalid(string detail) => new(
        "registration.account-number-invalid", Bad,
        "口座番号は7桁以内の数字で入力してください。",
        "账号必须是7位以内的数字。",
        "The account number is 1 to 7 digits.", detail, "accountNumber");

    /// <summary><c>registration.holder-name-invalid</c> (400): after normalisation, not a katakana name of at most 30 characters.</summary>
    public static PlatformProblem HolderNameInvalid(string detail) => new(
        "registration.holder-name-invalid", Bad,
        $"口座名義はカタカナ（{HolderName.MaxLength}文字以内）で入力してください。",
        $"账户名义必须用片假名输入（{HolderName.MaxLength}个字符以内）。",
        $"The account holder's name is in katakana, at most {HolderName.MaxLength} characters.", detail, "holderName");

    /// <summary><c>registration.not-at-spot</c> (403): a public-fund account cannot be registered at a procedure spot.</summary>
    public static readonly PlatformProblem NotAtSpot = new(
        "registration.not-at-spot", StatusCodes.Status403Forbidden,
        "公金受取口座の登録は手続スポットではできません。ご自身のパソコンまたはスマートフォンから登録してください。",
        "无法在办理点登记公费领取账户，请使用自己的电脑或智能手机登记。",
        "A public-fund receipt account cannot be registered at a procedure spot. Register it from your own PC or smartphone.",
        "the session was opened at a spot terminal");

    private static string Clip(string value) => value.Length <= 32 ? value : value[..32] + "…";
}

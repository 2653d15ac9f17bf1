using Kangen.Platform.Problems;
namespace Kangen.Platform.Web;

/// <summary>The views' language helpers (<c>@using static</c> in <c>Pages/_ViewImports.cshtml</c>).</summary>
public static class Texts
{
    /// <summary>The text in the current language.</summary>
    public static string T(string ja, string zh, string en) => WebCulture.Pick(ja, zh, en);

    /// <summary>A problem's message in the current language.</summary>
    public static string Message(PlatformProblem problem) =>
        WebCulture.Pick(problem?.Ja ?? "", problem?.Zh ?? "", problem?.En ?? "");

    /// <summary>A program's name as the flyer writes it.</summary>
    public static string ProgramName(Kangen.Rules.ProgramKind kind) => kind switch
    {
        Kangen.Rules.ProgramKind.CardAcquisition => T("① マイナンバーカードの新規取得等（チャージ・買い物の25％）", "① 新领取个人编号卡等（充值·消费的25％）", "① Getting the card (25 % of charges and purchases)"),
        Kangen.Rules.ProgramKind.HealthInsurance => T("② 健康保険証としての利用申込み", "② 申请将卡作为健康保险证使用", "② Using the card as a health insurance certificate"),
        Kangen.Rules.ProgramKind.PublicFundAccount => T("③ 公金受取口座の登録", "③ 登记公共资金领取账户", "③ Registering a public-fund receipt account"),
        _ => kind.ToString(),
    };

    /// <summary>A program's short name, for chart labels and narrow columns.</summary>
    public static string ProgramShortName(Kangen.Rules.ProgramKind kind) => kind switch
    {
        Kangen.Rules.ProgramKind.CardAcquisition => T("① カード取得等", "① 领取个人编号卡等", "① Getting the card"),
        Kangen.Rules.ProgramKind.HealthInsurance => T("② 健康保険証", "② 健康保险证", "② Health insurance"),
        Kangen.Rules.ProgramKind.PublicFundAccount => T("③ 公金受取口座", "③ 公共资金领取账户", "③ Public-fund account"),
        _ => kind.ToString(),
    };

    /// <summary>The day of an instant in Japan (the campaign's calendar), <c>yyyy-MM-dd</c>.</summary>
    public static string JapanDate(DateTimeOffset at) =>
        Kangen.Rules.CampaignTimeZone.Japan.ToLocal(at).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An instant as Japan's clocks show it, <c>yyyy-MM-dd HH:mm</c>.</summary>
    public static string JapanTime(DateTimeOffset at) =>
        Kangen.Rules.CampaignTimeZone.Japan.ToLocal(at).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whole yen with separators, as the flyer writes them.</summary>
    public static string Yen(long yen) => yen.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}

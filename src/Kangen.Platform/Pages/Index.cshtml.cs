using System.Globalization;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Web;
using Kangen.Rules;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages;

/// <summary>The landing page: the three programs and the 20,000 maximum, as the flyer explains them.</summary>
public sealed class IndexModel(CampaignProvider campaigns, TimeProvider time) : PageModel
{
    /// <summary>The campaign in force now.</summary>
    public Campaign Campaign { get; private set; } = null!;

    /// <summary>Reads the campaign in force.</summary>
    public void OnGet() => Campaign = campaigns.At(time.GetUtcNow());

    /// <summary>One program's application window, in the campaign's own dates.</summary>
    public string Window(ProgramRules program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var format = CultureInfo.InvariantCulture;
        return program.Window.From.ToString("yyyy-MM-dd", format) + " – " + Campaign.LastDay(program).ToString("yyyy-MM-dd", format);
    }

    /// <summary>What earns the program's points, in the page's language.</summary>
    public string Explain(ProgramKind kind) => kind switch
    {
        ProgramKind.CardAcquisition => WebCulture.Pick(
            "選んだキャッシュレス決済サービスでのチャージやお買い物の25％（上限5,000円相当）。第1弾で上限まで受け取っていない方も対象です。",
            "使用所选无现金支付服务充值或消费金额的25％（上限相当于5,000日元）。第1轮未领满上限者也可获得。",
            "25 % of your charges or purchases with the chosen service (up to 5,000 yen), also for Phase 1 applicants who did not reach its cap."),
        ProgramKind.HealthInsurance => WebCulture.Pick(
            "マイナンバーカードを健康保険証として利用する申込みをした方。",
            "已申请将个人编号卡作为健康保险证使用的人士。",
            "For registering your card as a health insurance certificate."),
        ProgramKind.PublicFundAccount => WebCulture.Pick(
            "公金受取口座を登録した方。",
            "已登记公共资金领取账户的人士。",
            "For registering a public-fund receipt account."),
        _ => kind.ToString(),
    };
}

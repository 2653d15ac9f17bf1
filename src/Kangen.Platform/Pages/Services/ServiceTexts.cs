using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Web;

namespace Kangen.Platform.Pages.Services;

/// <summary>How the service pages word a service's kind, grant timing, rounding and closing date.</summary>
public static class ServiceTexts
{
    /// <summary>A catalogue text in the page's language.</summary>
    public static string Text(LocalizedText text) => WebCulture.Pick(text.Ja, text.Zh, text.En);

    /// <summary>The name of a payment kind.</summary>
    public static string Kind(ServiceKind kind) => kind switch
    {
        ServiceKind.Prepaid => WebCulture.Pick("電子マネー・プリペイド", "电子货币·预付卡", "E-money and prepaid"),
        ServiceKind.QrApp => WebCulture.Pick("QRコード決済", "二维码支付", "QR code apps"),
        ServiceKind.Credit => WebCulture.Pick("クレジットカード", "信用卡", "Credit cards"),
        ServiceKind.Debit => WebCulture.Pick("デビットカード", "借记卡", "Debit cards"),
        ServiceKind.Online => WebCulture.Pick("オンラインショップ・会員サイト", "网店·会员网站", "Online shops and member sites"),
        _ => kind.ToString(),
    };

    /// <summary>When the operator grants points.</summary>
    public static string GrantTiming(string timing)
    {
        if (timing.StartsWith("after-reaching-", StringComparison.Ordinal) && long.TryParse(timing["after-reaching-".Length..], out var n))
            return WebCulture.Pick($"ご利用額が{Texts.Yen(n)}円に達した後にまとめて付与", $"使用金额达到{Texts.Yen(n)}日元后统一发放", $"All at once after you reach {Texts.Yen(n)} yen");
        return timing switch
        {
            "at-charge" => WebCulture.Pick("チャージのたびに付与", "每次充值时发放", "With each charge"),
            "at-purchase" => WebCulture.Pick("お買い物のたびに付与", "每次购物时发放", "With each purchase"),
            "monthly" => WebCulture.Pick("月ごとにまとめて付与", "每月统一发放", "Monthly"),
            _ => timing,
        };
    }

    /// <summary>How fractions of a yen are rounded.</summary>
    public static string Rounding(string rounding) => rounding switch
    {
        "floor" => WebCulture.Pick("1円未満切り捨て", "不足1日元舍去", "Fractions of a yen dropped"),
        "round" => WebCulture.Pick("1円未満四捨五入", "不足1日元四舍五入", "Fractions of a yen rounded"),
        "ceiling" => WebCulture.Pick("1円未満切り上げ", "不足1日元进位", "Fractions of a yen rounded up"),
        _ => rounding,
    };

    /// <summary>
    /// The last day one can apply with the service: the earliest of its own last day, the campaign's closing for it and
    /// the campaign's point-application deadline.
    /// </summary>
    public static DateOnly ClosingDay(PaymentService service, CampaignProvider campaigns, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(campaigns);
        ArgumentNullException.ThrowIfNull(time);
        var campaign = campaigns.At(time.GetUtcNow());
        var day = campaign.ServiceLastDay(service.Code) is { } closing && closing < campaign.PointApplicationDeadline ? closing : campaign.PointApplicationDeadline;
        return service.LastDay is { } own && own < day ? own : day;
    }

    /// <summary>A date as the pages write it.</summary>
    public static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}

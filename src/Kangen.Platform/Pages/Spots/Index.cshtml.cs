using System.Text.RegularExpressions;
using Kangen.Platform.Features.ReferenceData;
using Kangen.Platform.Features.Spots;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Spots;

/// <summary>Flow 8: the nearest procedure spots to a postal code, for an operation, with their hours.</summary>
public sealed partial class IndexModel(SpotDirectory directory, MunicipalityDirectory municipalities) : PageModel
{
    /// <summary>Where from (7 digits, with or without the hyphen).</summary>
    [BindProperty(SupportsGet = true)]
    public string? PostalCode { get; set; }

    /// <summary>What the citizen wants to do there (<c>reserve</c>, <c>apply</c>, <c>health-insurance</c>), or empty.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Operation { get; set; }

    /// <summary>A kind of spot, or empty for all.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Kind { get; set; }

    /// <summary>The search outcome, or null before a search.</summary>
    public SpotSearchOutcome? Outcome { get; private set; }

    /// <summary>The operations one can look for (a public-fund account is never registered at a spot).</summary>
    public static IReadOnlyList<SpotOperations> Operations { get; } = [SpotOperations.Reserve, SpotOperations.Apply, SpotOperations.HealthInsurance];

    /// <summary>Every kind of spot.</summary>
    public static IReadOnlyList<SpotKind> Kinds { get; } = Enum.GetValues<SpotKind>();

    /// <summary>The page; searches when a postal code was given.</summary>
    public void OnGet()
    {
        if (PostalCode is null)
            return;
        Outcome = directory.Search(new SpotSearchRequest(PostalCode: PostalCode.Trim(), Operation: Operation, Kind: Kind, K: "10"));
        if (!Outcome.IsSuccess)
            Response.StatusCode = StatusCodes.Status400BadRequest;
    }

    /// <summary>The errors about a field, in the page's language.</summary>
    public IEnumerable<string> ErrorsFor(string field) =>
        Outcome is { IsSuccess: false } o ? o.Errors.Where(e => e.Field == field).Select(e => WebCulture.Pick(e.Ja, e.Zh, e.En)) : [];

    /// <summary>"Prefecture municipality" of a spot.</summary>
    public string Place(string municipalityCode)
    {
        var m = municipalities.Find(municipalityCode);
        if (m is null)
            return "";
        var prefecture = municipalities.PrefectureOf(m);
        return prefecture.Code == m.Code ? m.Name : prefecture.Name + " " + m.Name;
    }

    /// <summary>The name of a kind of spot.</summary>
    public static string KindName(SpotKind kind) => kind switch
    {
        SpotKind.MunicipalCounter => WebCulture.Pick("市区町村窓口", "市区町村窗口", "Municipal office"),
        SpotKind.PostOffice => WebCulture.Pick("郵便局", "邮局", "Post office"),
        SpotKind.ConvenienceStore => WebCulture.Pick("コンビニ（マルチコピー機）", "便利店（多功能复印机）", "Convenience store (copier)"),
        SpotKind.BankAtm => WebCulture.Pick("銀行ATM", "银行ATM", "Bank ATM"),
        SpotKind.CarrierShop => WebCulture.Pick("携帯ショップ", "手机店", "Mobile phone shop"),
        SpotKind.Supermarket => WebCulture.Pick("スーパー", "超市", "Supermarket"),
        SpotKind.ElectronicsStore => WebCulture.Pick("家電量販店", "家电量贩店", "Electronics store"),
        _ => kind.ToString(),
    };

    /// <summary>The name of an operation.</summary>
    public static string OperationName(SpotOperations operation) => operation switch
    {
        SpotOperations.Reserve => WebCulture.Pick("マイキーIDの設定", "设定 My Key ID", "Reserve a My Key ID"),
        SpotOperations.Apply => WebCulture.Pick("ポイント申込み", "申请积分", "Apply for points"),
        SpotOperations.HealthInsurance => WebCulture.Pick("健康保険証利用申込み", "申请健康保险证使用", "Health insurance registration"),
        SpotOperations.PublicFundAccount => WebCulture.Pick("公金受取口座登録", "登记公费领取账户", "Public-fund account"),
        _ => operation.ToString(),
    };

    /// <summary>The operations a spot supports, named.</summary>
    public static string OperationNames(SpotOperations operations) =>
        string.Join(WebCulture.Pick("、", "、", ", "), Operations.Where(o => operations.HasFlag(o)).Select(OperationName));

    /// <summary>Opening hours (<c>Mon-Fri 08:30-17:15; Hol closed</c>) in the page's language.</summary>
    public static string Hours(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = WebCulture.Current switch
        {
            "en" => EnglishWords,
            "zh" => ChineseWords,
            _ => JapaneseWords,
        };
        return DayToken().Replace(text, m => words.TryGetValue(m.Value, out var word) ? word : m.Value);
    }

    private static readonly Dictionary<string, string> JapaneseWords = new(StringComparer.Ordinal)
    {
        ["Mon"] = "月", ["Tue"] = "火", ["Wed"] = "水", ["Thu"] = "木", ["Fri"] = "金", ["Sat"] = "土", ["Sun"] = "日",
        ["Hol"] = "祝日", ["YearEnd"] = "年末年始", ["closed"] = "休み",
    };

    private static readonly Dictionary<string, string> ChineseWords = new(StringComparer.Ordinal)
    {
        ["Mon"] = "周一", ["Tue"] = "周二", ["Wed"] = "周三", ["Thu"] = "周四", ["Fri"] = "周五", ["Sat"] = "周六", ["Sun"] = "周日",
        ["Hol"] = "节假日", ["YearEnd"] = "年末年初", ["closed"] = "休息",
    };

    private static readonly Dictionary<string, string> EnglishWords = new(StringComparer.Ordinal)
    {
        ["Hol"] = "Public holidays", ["YearEnd"] = "Dec 29–Jan 3",
    };

    [GeneratedRegex(@"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Hol|YearEnd|closed)\b")]
    private static partial Regex DayToken();
}

using System.Globalization;

namespace Kangen.Platform.Web;

/// <summary>
/// The pages' three languages. Japanese by default; <c>?culture=ja|zh|en</c> or the switch in the header picks
/// another, remembered in a cookie. Texts live beside each other in the page (<c>T("日本語", "中文", "English")</c>),
/// as the problems' messages do, so a page cannot lose one language without it showing in review.
/// </summary>
public static class WebCulture
{
    /// <summary>The query parameter and the cookie that choose the language.</summary>
    public const string QueryKey = "culture";

    /// <summary>The cookie that remembers the choice.</summary>
    public const string CookieName = "kangen-culture";

    /// <summary>Japanese, Chinese (simplified), English: the supported UI cultures, default first.</summary>
    public static readonly IReadOnlyList<string> Supported = ["ja", "zh", "en"];

    /// <summary>The language code of the current request: <c>ja</c>, <c>zh</c> or <c>en</c>.</summary>
    public static string Current => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName switch
    {
        "zh" => "zh",
        "en" => "en",
        _ => "ja",
    };

    /// <summary>The BCP 47 tag for the page's <c>lang</c> attribute.</summary>
    public static string HtmlLang => Current switch
    {
        "zh" => "zh-Hans",
        "en" => "en",
        _ => "ja",
    };

    /// <summary>The text of the current language.</summary>
    public static string Pick(string ja, string zh, string en) => Current switch
    {
        "zh" => zh,
        "en" => en,
        _ => ja,
    };

    /// <summary>The name of a language in itself, for the switch.</summary>
    public static string Endonym(string code) => code switch
    {
        "zh" => "中文",
        "en" => "English",
        _ => "日本語",
    };
}

using Kangen.Platform.Features.Admission;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages;

/// <summary>
/// The waiting room (issue 11). The admission gate sends a page request that must wait here with its queue ticket in
/// the <see cref="AdmissionControl.CookieName"/> cookie; the page shows the place in the queue and reloads itself (a
/// meta refresh: no script needed) until the ticket is admitted, then sends the person on to <see cref="ReturnUrl"/>.
/// While staggered windows are in force, a person without a ticket first says the last digit of their birth year.
/// Never gated itself, and anonymous: the ticket is the only thing that identifies the place.
/// </summary>
public sealed class WaitingModel(AdmissionControl admission, TimeProvider time) : PageModel
{
    /// <summary>Where to go once admitted (a local URL; else /login).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>The birth year's last digit: posted by the digit form, else the one the ticket remembers.</summary>
    [BindProperty(Name = "digit")]
    public int? Digit { get; set; }

    /// <summary>The ticket's state, null while the digit is asked.</summary>
    public AdmissionStatus? Status { get; private set; }

    /// <summary>The staggered windows in force, or null.</summary>
    public AdmissionWindows? Windows { get; private set; }

    /// <summary>Whether the page asks for the birth year's last digit (windows in force, no ticket yet).</summary>
    public bool AskDigit { get; private set; }

    /// <summary>The message next to the digit choice when the post carried none.</summary>
    public string? DigitError { get; private set; }

    /// <summary>When this page was made.</summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>Seconds until the page reloads itself.</summary>
    public int RefreshSeconds { get; private set; } = 5;

    /// <summary>Where an admitted person goes: the local <see cref="ReturnUrl"/>, else /login.</summary>
    public string Target =>
        Url.IsLocalUrl(ReturnUrl) && !ReturnUrl!.StartsWith(AdmissionHttp.WaitingPath, StringComparison.OrdinalIgnoreCase) ? ReturnUrl : "/login";

    /// <summary>This page's own address with the return URL, for the "check now" link and after the digit form.</summary>
    public string SelfUrl => AdmissionHttp.WaitingUrl(Target);

    /// <summary>Shows the place (drawing a ticket only for a browser that holds none), or goes on when admitted.</summary>
    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        if (!admission.Settings.Enabled)
            return LocalRedirect(Target);
        Windows = admission.WindowsInForce;
        var token = Request.Cookies[AdmissionControl.CookieName];
        Digit = admission.DigitOf(token);
        // A valid ticket is only reported (no database work on a reload). A window-closed ticket whose window has opened
        // is no longer valid: it is drawn again with the digit it remembers, so the person is not asked twice.
        var known = admission.Check(token);
        if (known is null)
        {
            // A signed-in citizen is in the flow already (the gate lets them pass): a ticket would only queue them.
            if ((await HttpContext.AuthenticateAsync(WebSessionAuthenticationHandler.SchemeName)).Succeeded)
                return LocalRedirect(Target);
            // A probe or a link preview (HEAD) draws no ticket.
            if (HttpMethods.IsHead(Request.Method))
                return Page();
            // Without a digit while windows are in force, the draw answers "digit required" and Show asks for it.
            known = await admission.DrawAsync(token, Digit, cancellationToken);
        }
        return Show(known.Value);
    }

    /// <summary>The digit form: draws the ticket with the birth year's last digit, then shows it (post/redirect/get).</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        if (!admission.Settings.Enabled)
            return LocalRedirect(Target);
        Windows = admission.WindowsInForce;
        // The rule may have ended since the form was shown: the page then draws as for anyone.
        if (Windows is null)
            return LocalRedirect(SelfUrl);
        if (!ValidDigit(Digit))
        {
            Digit = null;
            AskDigit = true;
            DigitError = WebCulture.Pick("生まれ年（西暦）の下1桁を 0～9 から選んでください。", "请从 0～9 中选择出生年份（公历）的最后一位数字。",
                "Choose the last digit of your birth year (0-9).");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var (status, newest) = await admission.DrawAsync(Request.Cookies[AdmissionControl.CookieName], Digit, cancellationToken);
        if (newest.Length > 0)
            admission.WriteCookie(HttpContext, newest);
        return status.State == AdmissionStates.Admitted ? LocalRedirect(Target) : LocalRedirect(SelfUrl);
    }

    /// <summary>An estimated wait in words.</summary>
    public static string WaitText(int? seconds)
    {
        if (seconds is not { } s)
            return WebCulture.Pick("計算中です（しばらくすると表示されます）", "正在计算（稍后显示）", "calculating (shown shortly)");
        if (s < 60)
            return WebCulture.Pick("1分以内", "1分钟以内", "less than a minute");
        var minutes = (s + 59) / 60;
        if (minutes < 60)
            return WebCulture.Pick($"約{minutes}分", $"约{minutes}分钟", $"about {minutes} minutes");
        var (h, m) = (minutes / 60, minutes % 60);
        return WebCulture.Pick($"約{h}時間{m}分", $"约{h}小时{m}分钟", $"about {h} h {m} min");
    }

    /// <summary>The clock time of an instant in Japan, seconds included.</summary>
    public static string JapanClock(DateTimeOffset at) =>
        Kangen.Rules.CampaignTimeZone.Japan.ToLocal(at).ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    private IActionResult Show((AdmissionStatus Status, string Token) result)
    {
        if (result.Token.Length > 0)
            admission.WriteCookie(HttpContext, result.Token);
        if (result.Status.State == AdmissionStates.DigitRequired)
        {
            // Windows are in force and the person has not said their digit (or they came into force just now): ask.
            Windows ??= admission.WindowsInForce;
            AskDigit = true;
            return Page();
        }
        Status = result.Status;
        if (Status.State == AdmissionStates.Admitted)
            return LocalRedirect(Target);
        RefreshSeconds = Status.State == AdmissionStates.WindowClosed && Status.OpensAt is { } opens
            // Reload soon after the window opens, but at least once a minute so that a changed rule shows.
            ? (int)Math.Clamp(Math.Ceiling((opens - Now).TotalSeconds) + 1, 5, 60)
            // The further back, the slower: a long queue is not made longer by its own reloads.
            : Status.EstimatedWaitSeconds is { } wait ? Math.Clamp(wait / 10, 3, 20) : 5;
        return Page();
    }

    private static bool ValidDigit(int? digit) => digit is >= 0 and <= 9;
}

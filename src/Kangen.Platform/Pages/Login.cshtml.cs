using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Problems;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages;

/// <summary>
/// Card login (flow 1) through the local card agent: the page's script lists the cards, checks the PIN counter, gets a
/// session challenge from the API and has the agent sign it (the PIN goes only to the agent); the signed challenge comes
/// back here as an ordinary anti-forgery form post and opens the same session the API opens.
/// </summary>
public sealed class LoginModel(Authenticator authenticator) : PageModel
{
    /// <summary>Where to go after the login (a local path; else /me).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Why the browser was sent here: a session problem code (<c>auth.session-expired</c>, ...).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Reason { get; set; }

    /// <summary>The platform's refusal of the last attempt, or null.</summary>
    public PlatformProblem? Problem { get; private set; }

    /// <summary>Whether this browser is a counter terminal (the session will be a <c>spot</c> session).</summary>
    public bool AtCounter { get; private set; }

    /// <summary>This site's origin, for the agent's <c>--allow-origin</c>.</summary>
    public string Origin => $"{Request.Scheme}://{Request.Host}";

    /// <summary>The notice for <see cref="Reason"/>, or null.</summary>
    public string? ReasonNotice => Reason switch
    {
        "auth.session-expired" => WebCulture.Pick(
            "一定時間が経過したため、ログインの有効期限が切れました。もう一度カードでログインしてください。",
            "由于超过一定时间，登录已失效。请再次用卡登录。",
            "Your session expired after a while. Please log in with your card again."),
        "auth.session-invalid" => WebCulture.Pick(
            "ログインは終了しています（ログアウト済み、または他の画面で終了しました）。もう一度カードでログインしてください。",
            "登录已结束（已退出，或在其他页面结束）。请再次用卡登录。",
            "Your session has ended (you logged out, or it was ended elsewhere). Please log in with your card again."),
        "auth.session-required" => WebCulture.Pick(
            "このページを見るには、マイナンバーカードでのログインが必要です。",
            "查看此页面需要用个人编号卡登录。",
            "Please log in with your My Number Card to see this page."),
        "logged-out" => WebCulture.Pick("ログアウトしました。", "已退出登录。", "You have logged out."),
        _ => null,
    };

    /// <summary>The page.</summary>
    public async Task OnGetAsync() => AtCounter = await StaffSignIn.IsCounterAsync(HttpContext);

    /// <summary>Opens the session with the card's signature over the challenge; a refusal is shown and changes nothing.</summary>
    public async Task<IActionResult> OnPostAsync(string? challenge, string? certificate, string? signature, CancellationToken cancellationToken)
    {
        AtCounter = await StaffSignIn.IsCounterAsync(HttpContext);
        var channel = AtCounter ? Channels.Spot : Channels.Web;
        var (session, problem) = await authenticator.OpenAsync(new SessionRequest(challenge, certificate, signature, channel), cancellationToken);
        if (session is null)
        {
            Problem = problem;
            Response.StatusCode = problem!.Status;
            return Page();
        }
        CitizenSignIn.Remember(HttpContext, session);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) && !ReturnUrl!.StartsWith("/login", StringComparison.OrdinalIgnoreCase) ? ReturnUrl : "/me");
    }
}

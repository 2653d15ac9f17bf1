using Kangen.Platform.Web.Terminal;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Counter;

/// <summary>
/// The terminal's "finish / next citizen": ends the citizen's session in the database and forgets its cookie, then
/// back to <c>/counter</c>. Posted from the banner on any page of the terminal (or by its script after idle time), so
/// the anti-forgery token is checked against whichever of this browser's users the page was rendered for
/// (<see cref="TerminalForms"/>).
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class CounterForgetModel : PageModel
{
    /// <summary>Nothing to show: forgetting is a POST.</summary>
    public IActionResult OnGet() => LocalRedirect("/counter");

    /// <summary>Forgets the citizen.</summary>
    public async Task<IActionResult> OnPostAsync(string? reason, CancellationToken cancellationToken)
    {
        if (!await TerminalForms.IsValidAsync(HttpContext))
            return BadRequest();
        await TerminalIdle.ForgetCitizenAsync(HttpContext, cancellationToken);
        var why = ForgetReasons.Parse(reason) is ForgetReason.Idle ? ForgetReason.Idle : ForgetReason.Finished;
        return LocalRedirect(TerminalIdle.CounterUrl(why));
    }
}

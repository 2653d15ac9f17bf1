using Kangen.Platform.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages;

/// <summary>Ends the citizen's session (everywhere: it is ended in the database) and returns to the top page.</summary>
/// <remarks>
/// Behind the citizen policy: the anti-forgery token of the button on the citizen's pages is bound to the citizen, so
/// the post must be validated as that citizen. Without a session there is nothing to end: the login page says so.
/// </remarks>
[Authorize(Policy = WebPolicies.Citizen)]
public sealed class LogoutModel : PageModel
{
    /// <summary>A confirmation button (logging out is a POST, so a link from another site cannot do it).</summary>
    public void OnGet()
    {
    }

    /// <summary>Ends the session.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        await CitizenSignIn.ForgetAsync(HttpContext, cancellationToken);
        return LocalRedirect("/");
    }
}

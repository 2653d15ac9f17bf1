using Kangen.Platform.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Staff;

/// <summary>
/// Staff sign-out. A citizen still in session on this browser (an assisted terminal) is forgotten too, so a terminal
/// left by its clerk never keeps someone's card session.
/// </summary>
public sealed class SignOutModel : PageModel
{
    /// <summary>The confirmation (sign-out is a POST, so a link or an image cannot do it).</summary>
    public void OnGet()
    {
    }

    /// <summary>Ends both sign-ins.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        await CitizenSignIn.ForgetAsync(HttpContext, cancellationToken);
        await HttpContext.SignOutAsync(StaffSignIn.SchemeName);
        return LocalRedirect("/staff/sign-in");
    }
}

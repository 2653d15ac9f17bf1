using Kangen.Platform.Web;
using Kangen.Platform.Web.Terminal;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Counter;

/// <summary>
/// The assisted terminal's home. Open to anyone (it explains the terminal and leads the clerk to the staff sign-in);
/// signed in as counter staff (or an administrator) it starts the next citizen's card session at the login, shows
/// whose card is in session, and says why the previous citizen was forgotten.
/// </summary>
public sealed class CounterIndexModel(WebViewer viewer) : PageModel
{
    /// <summary>Who is at the terminal.</summary>
    public WebViewerState Viewer { get; private set; } = new(null, null, null, null);

    /// <summary>Why the last citizen was forgotten (<c>?forgotten=</c>), or null.</summary>
    public ForgetReason? Forgotten { get; private set; }

    /// <summary>The page; staff of another role are sent to the refusal, as the console's other pages do.</summary>
    public async Task<IActionResult> OnGetAsync(string? forgotten)
    {
        Viewer = await viewer.GetAsync();
        if (Viewer.StaffRole is not null && !Viewer.IsCounter)
            return LocalRedirect("/staff/denied");
        Forgotten = ForgetReasons.Parse(forgotten);
        return Page();
    }
}

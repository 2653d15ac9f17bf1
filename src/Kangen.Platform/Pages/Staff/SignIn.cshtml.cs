using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Storage;
using Kangen.Platform.Web;
using Kangen.Platform.Web.Terminal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Pages.Staff;

/// <summary>Staff sign-in: the staff token, checked like the API's <c>Authorization: Staff</c>, exchanged for a protected cookie.</summary>
public sealed class SignInModel(IOptionsMonitor<StaffOptions> staff, KangenDbContext db, WriteGate gate, TimeProvider time) : PageModel
{
    /// <summary>Where to go after signing in (a local path).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>The refusal to show, or null.</summary>
    public string? Error { get; private set; }

    /// <summary>The form.</summary>
    public void OnGet()
    {
    }

    /// <summary>Checks the token; a refusal says only that it is not valid.</summary>
    public async Task<IActionResult> OnPostAsync(string? token, CancellationToken cancellationToken)
    {
        var match = StaffRoles.Match((token ?? "").Trim(), staff.CurrentValue);
        if (match is null)
        {
            Error = WebCulture.Pick("職員トークンが正しくありません。", "工作人员令牌不正确。", "The staff token is not valid.");
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }
        using (await gate.EnterAsync(cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await AuditIntent.AppendAllAsync(db, time.GetUtcNow(),
                [new AuditIntent("staff:" + match.Id, "staff.signed-in", "staff:" + match.Id, new { role = match.Role, channel = "web" })], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        // A browser a clerk signs in on becomes a terminal, and a terminal never adopts a citizen session opened before
        // (its home channel would follow the citizen to the counter): whoever was signed in here is forgotten first.
        await TerminalIdle.ForgetCitizenAsync(HttpContext, cancellationToken);
        await HttpContext.SignInAsync(StaffSignIn.SchemeName, StaffRoles.Principal(match, StaffSignIn.SchemeName));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/staff");
    }
}

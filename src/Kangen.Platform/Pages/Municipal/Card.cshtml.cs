using Kangen.Platform.Features.Staff;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Municipal;

/// <summary>One card: revoke it (with a reason), renew it, or reset its locked PIN (entered twice).</summary>
public sealed class MunicipalCardModel(MunicipalCardOffice office) : PageModel
{
    /// <summary>The card file's name.</summary>
    [BindProperty(SupportsGet = true, Name = "file")]
    public string? FileName { get; set; }

    /// <summary>What was just done (<c>revoked</c>, <c>renewed</c>, <c>pin-reset</c>), after the redirect.</summary>
    [BindProperty(SupportsGet = true, Name = "done")]
    public string? Done { get; set; }

    /// <summary>The card, or null when there is no such file.</summary>
    public MunicipalCard? Card { get; private set; }

    /// <summary>The refusal of the last act, or null.</summary>
    public MunicipalActOutcome? Refusal { get; private set; }

    /// <summary>Which form the refusal belongs to (<c>revoke</c>, <c>renew</c>, <c>pin</c>).</summary>
    public string? RefusedForm { get; private set; }

    /// <summary>The reason chosen in the revocation form (kept after a refusal).</summary>
    public string? Reason { get; private set; }

    /// <summary>The card.</summary>
    public IActionResult OnGet()
    {
        Card = office.Find(FileName);
        if (Card is null)
            Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }

    /// <summary>Revokes both certificates.</summary>
    public async Task<IActionResult> OnPostRevokeAsync(string? reason, CancellationToken cancellationToken)
    {
        Reason = reason;
        return Answer("revoke", "revoked", await office.RevokeAsync(StaffRoles.StaffId(User), FileName ?? "", reason, cancellationToken));
    }

    /// <summary>Renews the card.</summary>
    public async Task<IActionResult> OnPostRenewAsync(CancellationToken cancellationToken) =>
        Answer("renew", "renewed", await office.RenewAsync(StaffRoles.StaffId(User), FileName ?? "", cancellationToken));

    /// <summary>Sets a new PIN.</summary>
    public async Task<IActionResult> OnPostResetPinAsync(string? pin, string? confirmation, CancellationToken cancellationToken) =>
        Answer("pin", "pin-reset", await office.ResetPinAsync(StaffRoles.StaffId(User), FileName ?? "", pin, confirmation, cancellationToken));

    /// <summary>The refusal's text for a field of the form, or null.</summary>
    public string? ErrorOf(string form, string? field) =>
        RefusedForm == form && Refusal is { Error: { } e } && Refusal.Field == field ? WebCulture.Pick(e.Ja, e.Zh, e.En) : null;

    private IActionResult Answer(string form, string done, MunicipalActOutcome outcome)
    {
        if (outcome.Done)
            return LocalRedirect("/municipal/card?file=" + Uri.EscapeDataString(FileName!) + "&done=" + done);
        Refusal = outcome;
        RefusedForm = form;
        Card = office.Find(FileName);
        Response.StatusCode = Card is null ? StatusCodes.Status404NotFound
            : outcome.Field is null ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return Page();
    }
}

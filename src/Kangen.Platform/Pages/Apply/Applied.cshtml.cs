using Kangen.Platform.Features.Services;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Apply;

/// <summary>
/// "Applied": the application just recorded, from the receipt the submission handed over (read once, then gone).
/// Anonymous on purpose: at an assisted terminal the citizen's session has already been ended when this shows.
/// </summary>
[AllowAnonymous]
public sealed class AppliedModel(IDataProtectionProvider protection, ServiceCatalogue catalogue) : PageModel
{
    /// <summary>The receipt, or null when there is none (already shown, expired).</summary>
    public ApplyReceipt? Receipt { get; private set; }

    /// <summary>The service applied with.</summary>
    public PaymentService? Service { get; private set; }

    /// <summary>Takes the receipt.</summary>
    public void OnGet()
    {
        Receipt = ApplyReceipt.Take(HttpContext, protection);
        Service = catalogue.Find(Receipt?.Application.Service);
    }
}

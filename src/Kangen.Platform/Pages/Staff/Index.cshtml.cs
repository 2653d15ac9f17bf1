using System.Security.Claims;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Staff;

/// <summary>The staff member's menu: the consoles their role may open.</summary>
[Authorize(Policy = WebPolicies.Staff)]
public sealed class StaffIndexModel : PageModel
{
    /// <summary>The staff id.</summary>
    public string StaffId => User.FindFirstValue(StaffRoles.IdClaim) ?? "";

    /// <summary>The role.</summary>
    public string Role => User.FindFirstValue(ClaimTypes.Role) ?? "";

    /// <summary>The menu.</summary>
    public void OnGet()
    {
    }
}

using System.Globalization;
using Kangen.Platform.Features.CallCentre;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Problems;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.CallCentre;

/// <summary>
/// The call-centre console: a lookup by My Key ID and the last 4 digits of the phone number given at application,
/// through the same code as <c>POST /api/v1/call-centre/lookups</c> (rate-limited per agent and per My Key ID,
/// audited under the agent's staff id). A lookup that matches nothing says only that, whatever the reason.
/// </summary>
public sealed class CallCentreIndexModel(CallCentreLookups lookups, TimeProvider time) : PageModel
{
    /// <summary>The My Key ID the caller gave.</summary>
    [BindProperty]
    public string? MyKeyId { get; set; }

    /// <summary>The phone digits the caller gave.</summary>
    [BindProperty]
    public string? PhoneLast4 { get; set; }

    /// <summary>The answer, when a lookup passed.</summary>
    public CallCentreLookupResponse? Answer { get; private set; }

    /// <summary>A malformed field (its name) and its problem, or a rate limit.</summary>
    public PlatformProblem? Problem { get; private set; }

    /// <summary>For a rate limit: when the next lookup may pass.</summary>
    public DateTimeOffset? RetryAt { get; private set; }

    /// <summary>The form.</summary>
    public void OnGet()
    {
    }

    /// <summary>Looks up.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var outcome = await lookups.LookupAsync(StaffRoles.StaffId(User), new CallCentreLookupRequest(MyKeyId?.Trim(), PhoneLast4), cancellationToken);
        Problem = outcome.Problem;
        Answer = outcome.Response;
        if (outcome.RetryAfterSeconds is { } wait)
        {
            RetryAt = time.GetUtcNow().AddSeconds(wait);
            Response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
        }
        if (Problem is not null)
            Response.StatusCode = Problem.Status;
        // The digits never come back to the page: the next lookup types them again.
        PhoneLast4 = null;
        return Page();
    }

    /// <summary>The field's problem, or null.</summary>
    public PlatformProblem? ProblemOf(string field) => Problem?.Field == field ? Problem : null;
}

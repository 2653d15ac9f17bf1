using Kangen.Platform.Features.Operators;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Municipal;

/// <summary>
/// Suspension (death, fraud) and resumption of a person's links with their operators, by My Key ID, through the same
/// code as <c>POST /api/v1/admin/links/suspend|resume</c>: the operators are told in their feeds and the act is
/// audited under the staff id.
/// </summary>
public sealed class MunicipalLinksModel(KangenDbContext db, WriteGate gate, TimeProvider time, ServiceCatalogue catalogue) : PageModel
{
    /// <summary>The My Key ID typed.</summary>
    [BindProperty]
    public string? MyKeyId { get; set; }

    /// <summary>The reason chosen (<c>death</c> or <c>fraud</c>).</summary>
    [BindProperty]
    public string? Reason { get; set; }

    /// <summary>Which form was posted: <c>suspend</c> or <c>resume</c>.</summary>
    public string? Posted { get; private set; }

    /// <summary>The person's links after the act.</summary>
    public LinkStateResponse? State { get; private set; }

    /// <summary>Why nothing changed.</summary>
    public PlatformProblem? Problem { get; private set; }

    /// <summary>The forms.</summary>
    public void OnGet()
    {
    }

    /// <summary>Suspends.</summary>
    public async Task<IActionResult> OnPostSuspendAsync(CancellationToken cancellationToken)
    {
        Posted = "suspend";
        return Show(await LinkSuspensions.SuspendAsync(db, gate, time, catalogue, StaffRoles.StaffId(User), new LinkSuspensionRequest(MyKeyId?.Trim(), Reason), cancellationToken));
    }

    /// <summary>Resumes.</summary>
    public async Task<IActionResult> OnPostResumeAsync(CancellationToken cancellationToken)
    {
        Posted = "resume";
        return Show(await LinkSuspensions.ResumeAsync(db, gate, time, catalogue, StaffRoles.StaffId(User), new LinkResumeRequest(MyKeyId?.Trim()), cancellationToken));
    }

    /// <summary>The problem of a field of the posted form, or null.</summary>
    public PlatformProblem? ProblemOf(string form, string field) => Posted == form && Problem?.Field == field ? Problem : null;

    private PageResult Show(LinkChangeOutcome outcome)
    {
        State = outcome.State;
        Problem = outcome.Problem;
        if (Problem is not null)
            Response.StatusCode = Problem.Status;
        return Page();
    }
}

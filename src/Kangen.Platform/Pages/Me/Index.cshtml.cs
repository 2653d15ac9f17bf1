using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Features.Reservation;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Me;

/// <summary>The citizen's My Key ID (flow 2): reserved at the first login, changed to a chosen one, or regenerated.</summary>
[Authorize(Policy = WebPolicies.Citizen)]
public sealed class IndexModel(KangenDbContext db, WriteGate gate, TimeProvider time) : PageModel
{
    /// <summary>The person now.</summary>
    public MeResponse Me { get; private set; } = null!;

    /// <summary>True when this session's login reserved the My Key ID.</summary>
    public bool ReservedNow { get; private set; }

    /// <summary>The chosen ID as typed, shown back after a refusal.</summary>
    [BindProperty]
    public string? ChosenId { get; set; }

    /// <summary>The refusal of the last change, about the chosen ID field.</summary>
    public PlatformProblem? ChangeProblem { get; private set; }

    /// <summary>The refusal of the last regeneration.</summary>
    public PlatformProblem? RegenerateProblem { get; private set; }

    /// <summary>What just changed (<c>changed</c> or <c>regenerated</c>), with the previous ID.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    /// <summary>The ID before the change that was just made.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Previous { get; set; }

    /// <summary>The page.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    /// <summary>Changes the My Key ID to <see cref="ChosenId"/>; a refusal is shown next to the field and changes nothing.</summary>
    public async Task<IActionResult> OnPostChangeAsync(CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(User);
        var (changed, problem) = await MyKeyIdChanges.ChangeAsync(db, gate, time, session, ChosenId?.Trim(), cancellationToken);
        if (changed is null)
        {
            ChangeProblem = problem;
            Response.StatusCode = problem!.Status;
            Done = null;
            await LoadAsync(cancellationToken);
            return Page();
        }
        // Post/redirect/get: a reload must not post again.
        return RedirectToPage(new { done = "changed", previous = changed.Previous });
    }

    /// <summary>Replaces the My Key ID with a new random one (at most 3 times).</summary>
    public async Task<IActionResult> OnPostRegenerateAsync(CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(User);
        var (regenerated, problem) = await MyKeyIdChanges.RegenerateAsync(db, gate, time, session, cancellationToken);
        if (regenerated is null)
        {
            RegenerateProblem = problem;
            Response.StatusCode = problem!.Status;
            Done = null;
            await LoadAsync(cancellationToken);
            return Page();
        }
        return RedirectToPage(new { done = "regenerated", previous = regenerated.Previous });
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(User);
        Me = await MyKeyIdChanges.ReadAsync(db, session, cancellationToken);
        ReservedNow = await MyKeyIdChanges.ReservedBySessionAsync(db, session, cancellationToken);
        // The previous ID shown back comes from the query: show it only when it is a well-formed ID other than the current one.
        if (Previous is not null && (!MyKeyId.TryParse(Previous, out var parsed) || parsed.Value == Me.MyKeyId))
            Previous = null;
    }
}

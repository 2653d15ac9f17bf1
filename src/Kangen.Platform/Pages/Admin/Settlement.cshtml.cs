using Kangen.Platform.Features.Grants;
using Kangen.Platform.Features.Settlement;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Admin;

/// <summary>Settlement: every operator's months (estimate, final, confirmed) and closing a month, with the admin API's code (<see cref="SettlementBook"/>).</summary>
public sealed class AdminSettlementModel(KangenDbContext db, SettlementBook book) : PageModel
{
    /// <summary>The months, by operator.</summary>
    public IReadOnlyList<SettlementMonth> Months { get; private set; } = [];

    /// <summary>The refused close (operator and month) and why.</summary>
    public (string Operator, int Month, PlatformProblem Problem)? Error { get; private set; }

    /// <summary>The month just closed (<c>operator/yyyy-MM</c>).</summary>
    [BindProperty(SupportsGet = true, Name = "closed")]
    public string? Closed { get; set; }

    /// <summary>The refusal's message for a row.</summary>
    public string? ErrorFor(string @operator, int month) => Error is { } e && e.Operator == @operator && e.Month == month
        ? Texts.Message(e.Problem) + (e.Problem.Detail is null ? "" : " (" + e.Problem.Detail + ")")
        : null;

    /// <summary>The list.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken) => Months = await AdminFigures.SettlementMonthsAsync(db, cancellationToken);

    /// <summary>Closes an operator's month.</summary>
    public async Task<IActionResult> OnPostCloseAsync(string @operator, string month, CancellationToken cancellationToken)
    {
        if (!GrantRules.TryParseMonth(month, out var m))
            return BadRequest();
        var (_, problem) = await book.CloseAsync(@operator, m, StaffRoles.StaffId(User), cancellationToken);
        if (problem is null)
            return Redirect($"/admin/settlement?closed={Uri.EscapeDataString(@operator + "/" + month)}");
        Error = (@operator, m, problem);
        Response.StatusCode = problem.Status;
        Months = await AdminFigures.SettlementMonthsAsync(db, cancellationToken);
        return Page();
    }
}

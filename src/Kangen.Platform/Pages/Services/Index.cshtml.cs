using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Problems;
using Kangen.Rules;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Services;

/// <summary>Search of the payment service catalogue by text, kind and program, with operators and closing dates.</summary>
public sealed class IndexModel(ServiceCatalogue catalogue, CampaignProvider campaigns, TimeProvider time) : PageModel
{
    /// <summary>Text in the code, name or operator.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    /// <summary>A kind code, or empty for all.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Kind { get; set; }

    /// <summary>A program code, or empty for all.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Program { get; set; }

    /// <summary>The matches, with their closing days.</summary>
    public IReadOnlyList<(PaymentService Service, DateOnly ClosingDay)> Results { get; private set; } = [];

    /// <summary>Unknown filter values (only from a hand-edited address).</summary>
    public IReadOnlyList<PlatformProblem> Problems { get; private set; } = [];

    /// <summary>Today in Japan.</summary>
    public DateOnly Today { get; private set; }

    /// <summary>The page with the matches.</summary>
    public void OnGet()
    {
        Today = ServicesEndpoints.Today(time);
        var (kind, program, problems) = ServicesEndpoints.ParseFilters(Kind, Program);
        Problems = problems;
        if (problems.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        Results = catalogue.Search(Q, kind, program).Select(s => (s, ServiceTexts.ClosingDay(s, campaigns, time))).ToArray();
    }

    /// <summary>The program kinds, for the filter.</summary>
    public static IReadOnlyList<ProgramKind> Programs => ProgramKinds.All;
}

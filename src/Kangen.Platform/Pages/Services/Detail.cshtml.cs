using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Services;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Services;

/// <summary>One payment service: what the applicant enters (with hints), the terms in force, dates and the operator's own offer.</summary>
public sealed class DetailModel(ServiceCatalogue catalogue, CampaignProvider campaigns, TimeProvider time) : PageModel
{
    /// <summary>The service, or null when the code is unknown.</summary>
    public PaymentService? Service { get; private set; }

    /// <summary>The code asked for.</summary>
    public string Code { get; private set; } = "";

    /// <summary>The terms in force today.</summary>
    public ServiceTerms? CurrentTerms { get; private set; }

    /// <summary>The last day one can apply with it.</summary>
    public DateOnly ClosingDay { get; private set; }

    /// <summary>Today in Japan.</summary>
    public DateOnly Today { get; private set; }

    /// <summary>The page; 404 with a message for an unknown code.</summary>
    public void OnGet(string code)
    {
        Code = code;
        Service = catalogue.Find(code);
        if (Service is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        Today = ServicesEndpoints.Today(time);
        CurrentTerms = Service.TermsAt(Today);
        ClosingDay = ServiceTexts.ClosingDay(Service, campaigns, time);
    }
}

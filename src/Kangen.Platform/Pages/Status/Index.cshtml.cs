using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Features.Status;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Status;

/// <summary>
/// Flow 7 for the citizen: per program, applied or not with the chosen service, eligibility and what is left to do;
/// the same for the children applied for. Never grant amounts: points are shown by the payment service.
/// </summary>
[Authorize(Policy = WebPolicies.Citizen)]
public sealed class IndexModel(ApplicationStatus status) : PageModel
{
    /// <summary>The signed-in person's status.</summary>
    public PersonStatus Me { get; private set; } = null!;

    /// <summary>The children this person applied for as legal representative.</summary>
    public IReadOnlyList<PersonStatus> Children { get; private set; } = [];

    /// <summary>The page.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(User);
        Me = await status.OfAsync(session.PersonId, cancellationToken);
        Children = await status.ChildrenOfAsync(session.PersonId, cancellationToken);
    }

    /// <summary>A status message in the page's language.</summary>
    public static string Text(StatusMessage message) => WebCulture.Pick(message.Ja, message.Zh, message.En);

    /// <summary>A service name in the page's language.</summary>
    public static string Text(ServiceName name) => WebCulture.Pick(name.Ja, name.Zh, name.En);

    /// <summary>The last day of a window that ends at <paramref name="closesAt"/> (the first instant after it).</summary>
    public static string LastDay(DateTimeOffset closesAt) => Texts.JapanDate(closesAt.AddTicks(-1));
}

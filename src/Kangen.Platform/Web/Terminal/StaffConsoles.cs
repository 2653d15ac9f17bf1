using System.Security.Claims;
using Kangen.Platform.Pages.Municipal;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;

namespace Kangen.Platform.Web.Terminal;

/// <summary>Registration of the staff consoles' services (counter terminal, municipal office).</summary>
public static class StaffConsoles
{
    /// <summary>Adds the municipal office's issuer (one per process) and its acts.</summary>
    public static IHostApplicationBuilder AddStaffConsoles(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<MunicipalIssuer>();
        builder.Services.AddScoped<MunicipalCardOffice>();
        return builder;
    }
}

/// <summary>
/// Anti-forgery for the terminal banner's "finish" form. The banner is on every page of a terminal, and ASP.NET Core
/// binds a form's token to the user of the page that rendered it: nobody on <c>/login</c>, the citizen on their pages,
/// the clerk on <c>/counter</c>. The token pair (cookie and form) is checked as usual; the user it names may be any of
/// the three present on this browser.
/// </summary>
public static class TerminalForms
{
    /// <summary>True when the request carries a valid token pair for one of this browser's users.</summary>
    public static async Task<bool> IsValidAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
        var original = http.User;
        // The request's user is already the staff member (the route's policy signed them in): no need to add them again.
        var candidates = new List<ClaimsPrincipal> { original, new(new ClaimsIdentity()) };
        if ((await http.AuthenticateAsync(WebSessionAuthenticationHandler.SchemeName)).Principal is { } citizen)
            candidates.Add(citizen);
        try
        {
            foreach (var user in candidates)
            {
                http.User = user;
                if (await antiforgery.IsRequestValidAsync(http))
                    return true;
            }
            return false;
        }
        finally
        {
            http.User = original;
        }
    }
}

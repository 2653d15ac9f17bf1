using System.Security.Claims;
using System.Text.Encodings.Web;
using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Web;

/// <summary>The authorization policies of the pages.</summary>
public static class WebPolicies
{
    /// <summary>A citizen signed in with their card (the session cookie).</summary>
    public const string Citizen = "web:citizen";

    /// <summary>Counter staff at a procedure spot (or an administrator).</summary>
    public const string Counter = "web:counter";

    /// <summary>Call-centre agents (or an administrator).</summary>
    public const string CallCentre = "web:call-centre";

    /// <summary>Municipal offices (or an administrator).</summary>
    public const string Municipal = "web:municipal";

    /// <summary>Administrators.</summary>
    public const string Admin = "web:admin";

    /// <summary>Any signed-in staff member.</summary>
    public const string Staff = "web:staff";
}

/// <summary>
/// The citizen's session in a browser: the same session as the API's bearer token (looked up on every request,
/// ended at once everywhere), carried in an HttpOnly, SameSite=Strict cookie instead of a header. The API never
/// accepts the cookie, so a page of another site cannot make the browser act on the API.
/// </summary>
public sealed class WebSessionAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, KangenDbContext db, TimeProvider time)
    : SessionAuthenticationHandler(options, logger, encoder, db, time)
{
    /// <summary>The scheme name.</summary>
    public new const string SchemeName = "KangenWebSession";

    /// <summary>The cookie holding the session token.</summary>
    public const string CookieName = "kangen-session";

    /// <inheritdoc />
    protected override string? ReadToken() => Request.Cookies.TryGetValue(CookieName, out var token) ? token : null;

    /// <inheritdoc />
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // An expired or ended session leaves its cookie behind: drop it so the next page starts clean.
        if (Request.Cookies.ContainsKey(CookieName))
            Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/" });
        var returnUrl = Request.PathBase + Request.Path + Request.QueryString;
        Response.Redirect("/login?returnUrl=" + Uri.EscapeDataString(returnUrl) + "&reason=" + Uri.EscapeDataString(Problem.Code));
        return Task.CompletedTask;
    }
}

/// <summary>Signing a citizen in and out of the pages.</summary>
public static class CitizenSignIn
{
    /// <summary>Keeps an opened session's token in the session cookie.</summary>
    public static void Remember(HttpContext http, OpenedSession session)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(session);
        http.Response.Cookies.Append(WebSessionAuthenticationHandler.CookieName, session.Token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/",
            Expires = session.ExpiresAt,
            IsEssential = true,
        });
    }

    /// <summary>
    /// Ends the request's citizen session (in the database, for every replica) and forgets its cookie. Nothing
    /// happens when nobody is signed in.
    /// </summary>
    public static async Task ForgetAsync(HttpContext http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var result = await http.AuthenticateAsync(WebSessionAuthenticationHandler.SchemeName);
        if (result.Succeeded)
        {
            var services = http.RequestServices;
            await Authenticator.EndAsync(services.GetRequiredService<KangenDbContext>(), services.GetRequiredService<WriteGate>(),
                services.GetRequiredService<TimeProvider>(), CurrentSession.From(result.Principal), cancellationToken);
        }
        http.Response.Cookies.Delete(WebSessionAuthenticationHandler.CookieName, new CookieOptions { Path = "/" });
    }

    /// <summary>The signed-in citizen's session, or null.</summary>
    public static async Task<CurrentSession?> CurrentAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var result = await http.AuthenticateAsync(WebSessionAuthenticationHandler.SchemeName);
        return result.Succeeded ? CurrentSession.From(result.Principal) : null;
    }
}

/// <summary>Staff sign-in on the pages: a staff token exchanged once for a protected cookie.</summary>
public static class StaffSignIn
{
    /// <summary>The cookie scheme of staff pages.</summary>
    public const string SchemeName = "KangenStaffWeb";

    /// <summary>The staff cookie.</summary>
    public const string CookieName = "kangen-staff";

    /// <summary>The staff member signed in on this browser, or null.</summary>
    public static async Task<ClaimsPrincipal?> CurrentAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var result = await http.AuthenticateAsync(SchemeName);
        return result.Succeeded ? result.Principal : null;
    }

    /// <summary>Whether this browser is an assisted terminal: counter staff (or an administrator) signed in.</summary>
    public static async Task<bool> IsCounterAsync(HttpContext http) =>
        await CurrentAsync(http) is { } staff && StaffRoles.IsCounter(staff.FindFirstValue(ClaimTypes.Role));

    internal static void Configure(CookieAuthenticationOptions o, int idleMinutes)
    {
        o.Cookie.Name = CookieName;
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.Cookie.IsEssential = true;
        o.LoginPath = "/staff/sign-in";
        o.AccessDeniedPath = "/staff/denied";
        o.ReturnUrlParameter = "returnUrl";
        o.ExpireTimeSpan = TimeSpan.FromMinutes(idleMinutes);
        o.SlidingExpiration = true;
        o.Events.OnValidatePrincipal = context =>
        {
            // A credential removed from the configuration (or given another role) ends its sign-ins at the next request.
            var staff = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<StaffOptions>>().CurrentValue;
            var id = context.Principal?.FindFirstValue(StaffRoles.IdClaim);
            var role = context.Principal?.FindFirstValue(ClaimTypes.Role);
            if (!staff.Tokens.Any(t => t.Id == id && t.Role == role))
                context.RejectPrincipal();
            return Task.CompletedTask;
        };
    }
}

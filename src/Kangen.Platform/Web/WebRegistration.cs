using System.Globalization;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Web.Terminal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Web;

/// <summary>
/// Registration and pipeline of the server-rendered pages (<c>Pages/</c>): Razor Pages, the three languages, the
/// citizen's session cookie and the staff cookie, anti-forgery on every form, security headers, and the few static
/// files (a style sheet and the card agent's client script) served from the assembly so that any host finds them.
/// </summary>
public static class WebRegistration
{
    /// <summary>Where the static files are served.</summary>
    public const string StaticPath = "/static";

    /// <summary>Adds the pages and their authentication.</summary>
    public static IHostApplicationBuilder AddWeb(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<WebOptions>().BindConfiguration(WebOptions.Section)
            .Validate(o => Uri.TryCreate(o.CardAgentUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https", "Kangen:Web:CardAgentUrl must be an http(s) URL.")
            .Validate(o => o.StaffIdleMinutes is > 0 and <= 24 * 60, "Kangen:Web:StaffIdleMinutes must be 1..1440.")
            .Validate(o => o.CounterIdleSeconds is >= 5 and <= 3600, "Kangen:Web:CounterIdleSeconds must be 5..3600.");
        builder.AddStaffConsoles();
        builder.Services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/Counter", WebPolicies.Counter);
            o.Conventions.AllowAnonymousToPage("/Counter/Index");
            o.Conventions.AuthorizeFolder("/CallCentre", WebPolicies.CallCentre);
            o.Conventions.AuthorizeFolder("/Municipal", WebPolicies.Municipal);
            o.Conventions.AuthorizeFolder("/Admin", WebPolicies.Admin);
        }).AddApplicationPart(typeof(WebRegistration).Assembly);
        builder.Services.Configure<RouteOptions>(o => o.LowercaseUrls = true);
        // Japanese and Chinese text as characters, not numeric entities: pages half the size and readable as source.
        builder.Services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(o =>
            o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<WebViewer>();
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "kangen-af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__af";
        });
        // Cookies of one replica must open on every other: the key ring lives in the shared data folder, like the
        // data key and the challenge key.
        builder.Services.AddDataProtection()
            .SetApplicationName("kangen-platform")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(PlatformData.Resolve(builder.Configuration), "platform", "web-keys")));
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, WebSessionAuthenticationHandler>(WebSessionAuthenticationHandler.SchemeName, null)
            .AddCookie(StaffSignIn.SchemeName);
        // The staff cookie's lifetime is the validated WebOptions' value, not a second read of the configuration.
        builder.Services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(StaffSignIn.SchemeName)
            .Configure<IOptions<WebOptions>>((o, web) => StaffSignIn.Configure(o, web.Value.StaffIdleMinutes));
        var authorization = builder.Services.AddAuthorizationBuilder();
        authorization.AddPolicy(WebPolicies.Citizen, p => p.AddAuthenticationSchemes(WebSessionAuthenticationHandler.SchemeName).RequireAuthenticatedUser());
        authorization.AddPolicy(WebPolicies.Staff, p => p.AddAuthenticationSchemes(StaffSignIn.SchemeName).RequireAuthenticatedUser());
        authorization.AddPolicy(WebPolicies.Counter, p => p.AddAuthenticationSchemes(StaffSignIn.SchemeName)
            .RequireAssertion(c => StaffRoles.IsCounter(c.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value)));
        authorization.AddPolicy(WebPolicies.CallCentre, p => p.AddAuthenticationSchemes(StaffSignIn.SchemeName).RequireRole(StaffRoles.CallCentre, StaffRoles.Admin));
        authorization.AddPolicy(WebPolicies.Municipal, p => p.AddAuthenticationSchemes(StaffSignIn.SchemeName).RequireRole(StaffRoles.Municipal, StaffRoles.Admin));
        authorization.AddPolicy(WebPolicies.Admin, p => p.AddAuthenticationSchemes(StaffSignIn.SchemeName).RequireRole(StaffRoles.Admin));
        return builder;
    }

    /// <summary>
    /// The first middleware of every request: a page's language (so that an error page re-executed for a failed request
    /// keeps the language the request asked for) and the security headers.
    /// </summary>
    public static WebApplication UseWebLanguages(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var cultures = WebCulture.Supported.Select(c => new CultureInfo(c)).ToList();
        var localization = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture("ja"),
            SupportedCultures = cultures,
            SupportedUICultures = cultures,
            RequestCultureProviders =
            [
                new QueryStringRequestCultureProvider { QueryStringKey = WebCulture.QueryKey, UIQueryStringKey = WebCulture.QueryKey },
                new CookieRequestCultureProvider { CookieName = WebCulture.CookieName },
            ],
        };
        // Only pages have a language; the API (operators, submissions) answers with every language in its problems.
        app.UseWhen(IsPageRequest, pages =>
        {
            pages.UseRequestLocalization(localization);
            pages.Use(RememberCulture);
        });
        app.UseMiddleware<SecurityHeaders>();
        return app;
    }

    /// <summary>
    /// The pages' middleware after the error pages: static files (and what the pages need before routing). Routes are
    /// mapped by <see cref="MapWeb"/>.
    /// </summary>
    public static WebApplication UseWeb(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = StaticPath,
            FileProvider = new EmbeddedFileProvider(typeof(WebRegistration).Assembly, "Kangen.Web.Static"),
        });
        app.UseMiddleware<TerminalIdle>();
        return app;
    }

    /// <summary>Maps the pages.</summary>
    public static WebApplication MapWeb(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapRazorPages();
        return app;
    }

    /// <summary>Whether a request is for a page (not the API, health, metrics, the API reference or a static file).</summary>
    public static bool IsPageRequest(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var path = http.Request.Path;
        return !(path.StartsWithSegments("/api") || path.StartsWithSegments("/health") || path.StartsWithSegments("/ready")
                 || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/scalar")
                 || path.StartsWithSegments(StaticPath));
    }

    /// <summary>A language asked for in the query string is remembered for the next pages.</summary>
    private static Task RememberCulture(HttpContext http, Func<Task> next)
    {
        if (http.Request.Query.TryGetValue(WebCulture.QueryKey, out var asked) && WebCulture.Supported.Contains(asked.ToString()))
        {
            http.Response.Cookies.Append(WebCulture.CookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(asked.ToString())),
                new CookieOptions { Path = "/", SameSite = SameSiteMode.Lax, HttpOnly = true, IsEssential = true, MaxAge = TimeSpan.FromDays(365) });
        }
        return next();
    }
}

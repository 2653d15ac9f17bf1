using System.Net;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Features.CallCentre;
using Kangen.Platform.Tests.Features.Operators;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Secrets;

/// <summary>
/// Every page route, found in the platform's endpoints (never listed by hand, so a new page is covered the day it is
/// added): the security headers on every answer, and every POST handler refusing a post without its anti-forgery token
/// with 400, each page asked as the person it is for (citizen, counter, call centre, municipal clerk, admin).
/// </summary>
public abstract class PageProtectionTests<TFixture>(TFixture fixture) where TFixture : PageProtectionFixture
{
    [Fact]
    public async Task Every_page_answers_with_the_security_headers_and_every_page_is_html_for_someone()
    {
        var pages = await PagesAsync();
        Assert.True(pages.Count >= 20, $"only {pages.Count} page routes found");
        var failures = new List<string>();
        var htmlSomewhere = new HashSet<string>(StringComparer.Ordinal);
        var answers = new List<string>();
        var browsers = new Dictionary<string, Browser>(StringComparer.Ordinal);
        foreach (var page in pages)
        {
            foreach (var role in new[] { null, page.Role }.Distinct())
            {
                if (!browsers.TryGetValue(role ?? "", out var browser))
                    browsers[role ?? ""] = browser = await fixture.BrowserAsync(role);
                var response = await browser.SendAsync(HttpMethod.Get, page.Route);
                Check(response, $"GET {page.Route} as {role ?? "nobody"} ({(int)response.Status})", failures);
                answers.Add($"{page.Page} {page.Route} as {role ?? "nobody"}: {(int)response.Status} {response.Headers.GetValueOrDefault("Location")}");
                if (response.Status == HttpStatusCode.OK && response.IsHtml)
                    htmlSomewhere.Add(page.Page);
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        var errors = fixture.ServerErrors.Lines;
        Assert.True(errors.Count == 0, string.Join('\n', errors.Take(3).Select(e => string.Join('\n', e.Split('\n').Take(2)))));
        // Pages that are never a page of their own: the error page (404 when asked directly), the terminal's "forget"
        // (a POST; its GET goes back to /counter) and keep-alive (a script's ping), a card's file (404 without one), and
        // the waiting room (back to /login while admission is off).
        var notHtml = pages.Select(p => p.Page).Distinct().Where(p => !htmlSomewhere.Contains(p)).Order(StringComparer.Ordinal).ToArray();
        Assert.True(notHtml.SequenceEqual(["/Counter/Alive", "/Counter/Forget", "/Error", "/Municipal/Card", "/Waiting"]),
            string.Join(", ", notHtml) + "\n" + string.Join("\n", answers.Where(a => notHtml.Any(p => a.StartsWith(p + " ", StringComparison.Ordinal)))));
    }

    [Fact]
    public async Task Every_post_handler_refuses_a_post_without_its_anti_forgery_token()
    {
        var pages = await PagesAsync();
        var failures = new List<string>();
        var posts = 0;
        foreach (var page in pages.GroupBy(p => p.Page).Select(g => g.OrderBy(p => p.Route.Length).Last()))
        {
            foreach (var handler in page.PostHandlers)
            {
                var browser = await fixture.BrowserAsync(page.Role);
                // The page first, as a browser would (it sets the anti-forgery cookie): only the form's token is missing.
                var html = await browser.GetTextAsync(page.Route);
                var url = page.Route + (handler is null ? "" : "?handler=" + handler);
                const string fields = "culture=en&token=x&reason=finished";
                var refusalsBefore = AntiforgeryRefusals();
                var response = await browser.SendAsync(HttpMethod.Post, url, fields);
                posts++;
                Check(response, $"POST {url} as {browser.Role ?? "nobody"}", failures);
                if (page.Page == "/Error")
                {
                    // [IgnoreAntiforgeryToken] on purpose: the error page re-renders a failed form post (whose token may be
                    // what failed) and changes nothing; posted directly it is the 404 page.
                    if (response.Status != HttpStatusCode.NotFound)
                        failures.Add($"POST {url}: {(int)response.Status}, expected the 404 page");
                }
                else if (response.Status != HttpStatusCode.BadRequest)
                {
                    // /counter/forget is [IgnoreAntiforgeryToken] too, and checks the token itself against whichever
                    // user of the terminal the banner was rendered for (TerminalForms): still a 400 without one.
                    failures.Add($"POST {url} as {browser.Role ?? "nobody"} without the anti-forgery token: {(int)response.Status}");
                }
                else if (page.Page != "/Counter/Forget")
                {
                    // A handler refusing the made-up fields answers 400 too: the framework's log says which 400 this was.
                    if (AntiforgeryRefusals() == refusalsBefore)
                        failures.Add($"POST {url} as {browser.Role ?? "nobody"} without the anti-forgery token: a 400, but not the anti-forgery check's");
                    // And the same post with the page's own token gets past the check (where the page carries a form).
                    var token = Regex.Match(html, "name=\"__af\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
                    if (token.Length > 0)
                    {
                        var before = AntiforgeryRefusals();
                        await browser.SendAsync(HttpMethod.Post, url, fields + "&__af=" + Uri.EscapeDataString(WebUtility.HtmlDecode(token)));
                        if (AntiforgeryRefusals() != before)
                            failures.Add($"POST {url} as {browser.Role ?? "nobody"} with the page's anti-forgery token: refused by the anti-forgery check");
                    }
                }
            }
        }
        Assert.True(posts >= 15, $"only {posts} POST handlers found");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        var ignoring = pages.Where(p => p.IgnoresAntiforgery).Select(p => p.Page).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(["/Counter/Forget", "/Error"], ignoring);
    }

    /// <summary>How many posts the framework's anti-forgery check has refused so far (it logs each refusal).</summary>
    private int AntiforgeryRefusals() =>
        fixture.Logs.Lines().Count(l => l.Contains("Antiforgery token validation failed", StringComparison.Ordinal));

    private static void Check(Answer response, string what, List<string> failures)
    {
        void Expect(string header, string value)
        {
            if (!response.Headers.TryGetValue(header, out var actual) || actual != value)
                failures.Add($"{what}: {header} is '{actual}', expected '{value}'");
        }
        Expect("X-Content-Type-Options", "nosniff");
        Expect("X-Frame-Options", "DENY");
        Expect("Referrer-Policy", "no-referrer");
        if (response.IsHtml)
        {
            var policy = response.Headers.GetValueOrDefault("Content-Security-Policy") ?? "";
            foreach (var directive in new[] { "default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "object-src 'none'" })
            {
                if (!policy.Contains(directive, StringComparison.Ordinal))
                    failures.Add($"{what}: the content security policy lacks {directive}: '{policy}'");
            }
            // Contains alone would let "script-src 'self' 'unsafe-inline'" pass.
            if (policy.Contains("unsafe-", StringComparison.OrdinalIgnoreCase))
                failures.Add($"{what}: the content security policy allows something unsafe: '{policy}'");
            Expect("Cache-Control", "no-store");
        }
    }

    /// <summary>Every Razor page of the platform's endpoints, its route, who it is for and its POST handlers.</summary>
    private async Task<IReadOnlyList<PageRoute>> PagesAsync()
    {
        var services = fixture.Factory.Services;
        var loader = services.GetRequiredService<PageLoader>();
        var pages = new Dictionary<string, PageRoute>(StringComparer.Ordinal);
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<PageActionDescriptor>() is not { } descriptor)
                continue;
            var pattern = endpoint.RoutePattern;
            if (pattern.Parameters.Any(p => !p.IsOptional))
                continue;
            var route = "/" + string.Join('/', pattern.PathSegments.Where(s => s.Parts.All(p => p.IsLiteral))
                .Select(s => string.Concat(s.Parts.OfType<Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart>().Select(p => p.Content))));
            if (pages.ContainsKey(route))
                continue; // the same page under the same route again (several endpoints per page)
            var compiled = await loader.LoadAsync(descriptor, endpoint.Metadata);
            var posts = compiled.HandlerMethods.Where(h => string.Equals(h.HttpMethod, "POST", StringComparison.OrdinalIgnoreCase)).Select(h => h.Name).Distinct().ToArray();
            var ignores = compiled.HandlerTypeInfo.GetCustomAttribute<IgnoreAntiforgeryTokenAttribute>() is not null
                || compiled.ModelTypeInfo?.GetCustomAttribute<IgnoreAntiforgeryTokenAttribute>() is not null;
            pages[route] = new PageRoute(route, descriptor.ViewEnginePath, RoleFor(descriptor.ViewEnginePath), posts, ignores);
        }
        return pages.Values.OrderBy(p => p.Route, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Who a page is for, by its folder (the conventions of WebRegistration): citizens for the rest.</summary>
    private static string? RoleFor(string viewEnginePath) => viewEnginePath == "/Staff/Index" ? StaffRoles.Admin : viewEnginePath.Split('/')[1] switch
    {
        "Admin" => StaffRoles.Admin,
        "Municipal" => StaffRoles.Municipal,
        "CallCentre" => StaffRoles.CallCentre,
        "Counter" => StaffRoles.Counter,
        "Staff" => null,
        "Login" or "Waiting" or "Error" or "Index" or "Services" or "Spots" => null,
        _ => PageProtectionFixture.Citizen,
    };
}

/// <summary>A page route found in the endpoints.</summary>
public sealed record PageRoute(string Route, string Page, string? Role, IReadOnlyList<string?> PostHandlers, bool IgnoresAntiforgery);

/// <summary>One answer: status, headers (content headers included) and whether it is HTML.</summary>
public sealed record Answer(HttpStatusCode Status, IReadOnlyDictionary<string, string> Headers, bool IsHtml);

/// <summary>The operators' platform with a counter credential too, and browsers signed in as each kind of person.</summary>
public abstract class PageProtectionFixture(StorageProvider provider) : OperatorsFixture(provider)
{
    public const string Citizen = "citizen";

    /// <summary>Everything the platform logged: the framework logs each anti-forgery refusal, which the tests count.</summary>
    public Reliability.CapturedLogs Logs { get; } = new();

    public StaffCredential Counter { get; } = new("counter-1", StaffRoles.Counter, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));

    protected override void Configure(IWebHostBuilder web)
    {
        base.Configure(web);
        // After the base fixture's credentials (64 agents, the admin, the clerk).
        web.UseSetting("Kangen:Staff:Tokens:90:Id", Counter.Id);
        web.UseSetting("Kangen:Staff:Tokens:90:Role", Counter.Role);
        web.UseSetting("Kangen:Staff:Tokens:90:Sha256", StaffRoles.HashToken(Counter.Token));
        web.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    /// <summary>A browser signed in as <paramref name="role"/> (a citizen's session, or staff through the sign-in page), or nobody.</summary>
    public async Task<Browser> BrowserAsync(string? role)
    {
        var browser = new Browser(Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false }), role);
        if (role == Citizen)
        {
            using var client = CreateClient();
            browser.Cookies[WebSessionAuthenticationHandler.CookieName] = (await LoginOkAsync(client, IssueCard())).Token;
        }
        else if (role is not null)
        {
            var staff = role switch
            {
                StaffRoles.Admin => Admin,
                StaffRoles.Municipal => Clerk,
                StaffRoles.Counter => Counter,
                _ => NewAgent(),
            };
            var form = await browser.GetTextAsync("/staff/sign-in");
            var token = WebUtility.HtmlDecode(Regex.Match(form, "name=\"__af\"[^>]*value=\"([^\"]+)\"").Groups[1].Value);
            var signedIn = await browser.SendAsync(HttpMethod.Post, "/staff/sign-in",
                $"token={Uri.EscapeDataString(staff.Token)}&__af={Uri.EscapeDataString(token)}");
            Assert.True(signedIn.Status is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther, $"staff sign-in as {role}: {(int)signedIn.Status}");
        }
        return browser;
    }
}

/// <summary>An HTTP client that keeps cookies by hand (the test server's cookie handling cannot be seeded).</summary>
public sealed class Browser(HttpClient client, string? role)
{
    public string? Role { get; } = role;

    public Dictionary<string, string> Cookies { get; } = new(StringComparer.Ordinal);

    public async Task<string> GetTextAsync(string url)
    {
        using var request = Request(HttpMethod.Get, url, null);
        using var response = await client.SendAsync(request);
        Keep(response);
        return await response.Content.ReadAsStringAsync();
    }

    public async Task<Answer> SendAsync(HttpMethod method, string url, string? form = null)
    {
        using var request = Request(method, url, form);
        using var response = await client.SendAsync(request);
        Keep(response);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            headers[name] = string.Join(", ", values);
        return new Answer(response.StatusCode, headers, response.Content.Headers.ContentType?.MediaType == "text/html");
    }

    private HttpRequestMessage Request(HttpMethod method, string url, string? form)
    {
        var request = new HttpRequestMessage(method, url);
        if (form is not null)
            request.Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
        if (Cookies.Count > 0)
            request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => c.Key + "=" + c.Value)));
        return request;
    }

    private void Keep(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var cookies))
            return;
        foreach (var cookie in cookies)
        {
            var pair = cookie.Split(';')[0];
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var (name, value) = (pair[..equals], pair[(equals + 1)..]);
            if (value.Length == 0 || cookie.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                Cookies.Remove(name);
            else
                Cookies[name] = value;
        }
    }
}

public sealed class SqlitePageProtectionFixture() : PageProtectionFixture(StorageProvider.Sqlite);

public sealed class PostgresPageProtectionFixture() : PageProtectionFixture(StorageProvider.Postgres);

public sealed class SqlitePageProtectionTests(SqlitePageProtectionFixture fixture)
    : PageProtectionTests<SqlitePageProtectionFixture>(fixture), IClassFixture<SqlitePageProtectionFixture>;

public sealed class PostgresPageProtectionTests(PostgresPageProtectionFixture fixture)
    : PageProtectionTests<PostgresPageProtectionFixture>(fixture), IClassFixture<PostgresPageProtectionFixture>;

using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Kangen.Platform.Tests.Reliability;

/// <summary>
/// Fuzzed form posts to every form of the server-rendered pages, as the person each page is for: every field set to a
/// hostile value (markup, SQL, huge, control characters, numbers out of range), no fields, invalid percent-encoding,
/// a JSON body; with the page's anti-forgery token and without. Never a 5xx; without the token always 400; markup typed
/// into a field never comes back unescaped.
/// </summary>
public abstract partial class PageFormTests<TFixture>(TFixture fixture, ITestOutputHelper output) where TFixture : HostileFixture
{
    private const string Script = "<script>alert('kangen')</script>";

    private static readonly string[] Values =
    [
        Script,
        "\"><img src=x onerror=alert(1)>",
        "' OR '1'='1' --",
        "1; DROP TABLE persons; --",
        new string('漢', 30_000),
        "\u0000\u0007\u001b[2J",
        "-1",
        "99999999999999999999999",
        "",
    ];

    private static readonly (Caller Caller, string[] Pages)[] PagesByCaller =
    [
        (Caller.Anonymous, ["/staff/sign-in", "/login"]),
        (Caller.Citizen, ["/me", "/registrations", "/apply"]),
        (Caller.Admin, ["/admin/operators", "/admin/documents/campaign", "/admin/documents/catalogue", "/admin/settlement", "/admin/admission", "/admin/audit"]),
        (Caller.Clerk, ["/municipal/links", "/municipal/card"]),
        (Caller.Agent, ["/callcentre"]),
    ];

    [Fact]
    public async Task Fuzzed_form_posts_to_every_page_never_fail_the_server_and_without_the_anti_forgery_token_are_refused()
    {
        await fixture.ReadyAsync();
        var failures = new List<string>();
        var sent = 0;
        var forms = 0;
        var reachedHandler = 0;
        foreach (var (caller, pages) in PagesByCaller)
        {
            var browser = await BrowserAsync(caller);
            foreach (var page in pages)
            {
                var (status, html) = await browser.GetAsync(page + "?culture=en");
                // The card page answers 404 around its forms until a card file is chosen.
                if (status != HttpStatusCode.OK && !(page == "/municipal/card" && status == HttpStatusCode.NotFound))
                {
                    failures.Add($"GET {page} as {caller}: {(int)status}");
                    continue;
                }
                foreach (Match form in FormPattern().Matches(html))
                {
                    var action = WebUtility.HtmlDecode(ActionPattern().Match(form.Value) is { Success: true } a ? a.Groups[1].Value : page);
                    if (action.Contains("sign-out", StringComparison.Ordinal) || action.Contains("logout", StringComparison.Ordinal))
                        continue;
                    forms++;
                    var token = TokenPattern().Match(form.Value) is { Success: true } t ? WebUtility.HtmlDecode(t.Groups[1].Value) : null;
                    var fields = NamePattern().Matches(form.Value).Select(m => m.Groups[1].Value)
                        .Where(n => n != "__af").Distinct().ToArray();
                    foreach (var (name, body, type, withToken) in Posts(fields, token))
                    {
                        var (postStatus, postHtml) = await browser.PostAsync(action, body, type);
                        sent++;
                        var what = $"POST {action} as {caller} [{name}]";
                        if ((int)postStatus >= 500)
                            failures.Add($"{what}: {(int)postStatus}");
                        else if (!withToken && postStatus != HttpStatusCode.BadRequest)
                            failures.Add($"{what}: {(int)postStatus} without the anti-forgery token");
                        if (withToken && postStatus != HttpStatusCode.BadRequest)
                            reachedHandler++;
                        if (postHtml.Contains(Script, StringComparison.Ordinal))
                            failures.Add($"{what}: the script came back unescaped");
                    }
                }
            }
        }
        output.WriteLine($"{sent} form posts to {forms} forms, {reachedHandler} answered by the page (not 400) with the token");
        Assert.True(forms >= 10, $"only {forms} forms found");
        // The token is read right: posts with it get past anti-forgery (pages answer field errors with 400 too).
        Assert.True(reachedHandler >= forms, $"only {reachedHandler} posts with the token got past anti-forgery");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} misbehaved:\n" + string.Join('\n', failures.Take(40)));
    }

    private static IEnumerable<(string Name, byte[] Body, string Type, bool WithToken)> Posts(string[] fields, string? token)
    {
        const string form = "application/x-www-form-urlencoded";
        string Encode(IEnumerable<(string, string)> pairs) => string.Join('&', pairs.Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2)));
        IEnumerable<(string, string)> With(IEnumerable<(string, string)> pairs) =>
            token is null ? pairs : pairs.Append(("__af", token));
        var hasToken = token is not null;
        foreach (var value in Values)
        {
            var label = value.Length > 30 ? $"{value.Length} characters" : value;
            yield return ($"every field '{label}'", Encoding.UTF8.GetBytes(Encode(With(fields.Select(f => (f, value))))), form, hasToken);
        }
        yield return ("no fields", Encoding.UTF8.GetBytes(Encode(With([]))), form, hasToken);
        yield return ("every field twice", Encoding.UTF8.GetBytes(Encode(With(fields.SelectMany(f => new[] { (f, "1"), (f, Script) })))), form, hasToken);
        yield return ("invalid percent-encoding", Encoding.UTF8.GetBytes(string.Join('&', fields.Select(f => f + "=%C3%28%FF%"))
            + (token is null ? "" : "&__af=" + Uri.EscapeDataString(token))), form, hasToken);
        yield return ("raw invalid UTF-8", [.. Encoding.UTF8.GetBytes(Encode(With([])) + "&x="), 0xC3, 0x28, 0xFF], form, hasToken);
        yield return ("a JSON body", Encoding.UTF8.GetBytes("{\"a\":1}"), "application/json", false);
        yield return ("every field markup, no token", Encoding.UTF8.GetBytes(Encode(fields.Select(f => (f, Script)))), form, false);
        if (token is not null)
            yield return ("a forged token", Encoding.UTF8.GetBytes(Encode(fields.Select(f => (f, "x")).Append(("__af", "CfDJ8forged")))), form, false);
    }

    private async Task<Browser> BrowserAsync(Caller caller)
    {
        var browser = new Browser(fixture.Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false,
            HandleCookies = false,
        }));
        switch (caller)
        {
            case Caller.Citizen:
                browser.Cookies[Kangen.Platform.Web.WebSessionAuthenticationHandler.CookieName] = fixture.CitizenToken;
                break;
            case Caller.Admin or Caller.Clerk or Caller.Agent:
                var (_, html) = await browser.GetAsync("/staff/sign-in");
                var token = WebUtility.HtmlDecode(TokenPattern().Match(html).Groups[1].Value);
                var staff = caller switch { Caller.Admin => fixture.Admin, Caller.Clerk => fixture.Clerk, _ => fixture.Agent };
                var body = $"token={Uri.EscapeDataString(staff.Token)}&__af={Uri.EscapeDataString(token)}";
                var (status, _) = await browser.PostAsync("/staff/sign-in", Encoding.UTF8.GetBytes(body), "application/x-www-form-urlencoded");
                Assert.True(status is HttpStatusCode.Redirect or HttpStatusCode.SeeOther or HttpStatusCode.Found, $"staff sign-in: {(int)status}");
                break;
        }
        return browser;
    }

    /// <summary>A client that keeps cookies by hand, so a test can also send a request without them.</summary>
    private sealed class Browser(HttpClient client)
    {
        public Dictionary<string, string> Cookies { get; } = new(StringComparer.Ordinal);

        public Task<(HttpStatusCode, string)> GetAsync(string url) => SendAsync(new HttpRequestMessage(HttpMethod.Get, url));

        public Task<(HttpStatusCode, string)> PostAsync(string url, byte[] body, string type)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(type);
            return SendAsync(request);
        }

        private async Task<(HttpStatusCode, string)> SendAsync(HttpRequestMessage request)
        {
            using (request)
            {
                if (Cookies.Count > 0)
                    request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => c.Key + "=" + c.Value)));
                using var response = await client.SendAsync(request);
                if (response.Headers.TryGetValues("Set-Cookie", out var set))
                    foreach (var cookie in set)
                    {
                        var pair = cookie.Split(';')[0];
                        var at = pair.IndexOf('=', StringComparison.Ordinal);
                        if (at > 0)
                            Cookies[pair[..at]] = pair[(at + 1)..];
                    }
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            }
        }
    }

    [GeneratedRegex("<form[^>]*method=\"post\"[^>]*>.*?</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex FormPattern();

    [GeneratedRegex("^<form[^>]*action=\"([^\"]*)\"", RegexOptions.IgnoreCase)]
    private static partial Regex ActionPattern();

    [GeneratedRegex("name=\"__af\"[^>]*value=\"([^\"]*)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("<(?:input|select|textarea)[^>]*name=\"([^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex NamePattern();
}

public sealed class SqlitePageFormTests(SqliteHostileFixture fixture, ITestOutputHelper output)
    : PageFormTests<SqliteHostileFixture>(fixture, output), IClassFixture<SqliteHostileFixture>;

public sealed class PostgresPageFormTests(PostgresHostileFixture fixture, ITestOutputHelper output)
    : PageFormTests<PostgresHostileFixture>(fixture, output), IClassFixture<PostgresHostileFixture>;

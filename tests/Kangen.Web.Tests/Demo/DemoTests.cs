using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Kangen.Web.Tests.Demo;

/// <summary>
/// The issue's "done when", as a newcomer meets it: run <c>kangen demo</c>, open the page it prints, sign in with a
/// demo card through the card agent it started, apply, and stop it with Ctrl+C.
/// </summary>
public sealed class DemoTests
{
    [Fact]
    public async Task A_newcomer_runs_kangen_demo_opens_the_page_signs_in_with_a_demo_card_applies_and_stops_it_with_ctrl_c()
    {
        await using var demo = new DemoProcess();
        await demo.StartAsync();

        // What it printed (lines wrap at the console's width): where to open, which card and PIN, the staff tokens.
        var printed = Regex.Replace(demo.Output, @"\s+", " ");
        Assert.Contains("Open " + demo.BaseUrl.GetLeftPart(UriPartial.Authority) + "/", printed, StringComparison.Ordinal);
        Assert.Contains("card ichiro, PIN 1234", printed, StringComparison.Ordinal);
        Assert.Contains("Press Ctrl+C to stop", printed, StringComparison.Ordinal);
        foreach (var role in new[] { "counter", "call-centre", "municipal", "admin" })
            Assert.Matches(new Regex($@"(?m)^{role} +[0-9a-f]{{48}}\s*$"), demo.Output);
        var account = demo.AccountFor("ichiro");

        await using var browser = await Browser.LaunchAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "ja-JP" });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();

        // The landing page in Japanese, then the switch to English and back.
        await page.GotoAsync(demo.BaseUrl.ToString());
        Assert.Equal("ja", await page.Locator("html").GetAttributeAsync("lang"));
        Assert.Equal("マイナポイント第2弾", await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        Assert.Equal(demo.AgentUrl.ToString(), await page.Locator("html").GetAttributeAsync("data-card-agent"));
        await WebFixture.ScreenshotAsync(page, "demo-landing-ja");
        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();
        Assert.Equal("Mynapoint Phase 2", await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        await page.GetByRole(AriaRole.Link, new() { Name = "日本語" }).ClickAsync();
        Assert.Equal("ja", await page.Locator("html").GetAttributeAsync("lang"));

        // The card agent answers the page's origin (CORS): the page can list the demo cards.
        var cards = await page.EvaluateAsync<string[]>("async url => (await (await fetch(url + 'v1/cards')).json()).cards.map(c => c.id)", demo.AgentUrl.ToString());
        Assert.Contains("ichiro", cards);
        Assert.Contains("locked", cards);

        // /apply asks for a login first; the login page signs with the card through the agent and comes back.
        await page.GotoAsync(new Uri(demo.BaseUrl, "apply").ToString());
        await WebFixture.WaitForUrlAsync(page, url => Regex.IsMatch(url, "/login"));
        await page.Locator("#card-select").SelectOptionAsync("ichiro");
        await page.GetByLabel("暗証番号（数字4桁）").FillAsync("1234");
        await WebFixture.ScreenshotAsync(page, "demo-login-ja");
        await page.GetByRole(AriaRole.Button, new() { Name = "ログイン", Exact = true }).ClickAsync();
        await WebFixture.WaitForUrlAsync(page, url => Regex.IsMatch(url, "/apply$"));

        try
        {
            await ApplyAsync(page, account);
        }
        catch (Exception e) when (e is TimeoutException or PlaywrightException)
        {
            await WebFixture.ScreenshotAsync(page, "demo-failure");
            var shown = await page.Locator("body").InnerTextAsync(new() { Timeout = 5_000 });
            var log = demo.Output;
            throw new InvalidOperationException($"Applying failed on {page.Url} (artifacts/screenshots/demo-failure.png):\n{shown}\n--- kangen demo printed, last part:\n{log[Math.Max(0, log.Length - 6000)..]}", e);
        }
        Assert.Contains("お申込みを受け付けました。", await page.GetByTestId("applied").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Matches("^[A-Z0-9]{8}$", (await page.GetByTestId("applied-mykeyid").InnerTextAsync()).Trim());
        await WebFixture.ScreenshotAsync(page, "demo-applied-ja");

        // The status page shows it; the printed admin token opens the live figures: the tour's five program
        // applications (taro three, yui and hanako one each) and ichiro's.
        await page.GotoAsync(new Uri(demo.BaseUrl, "status").ToString());
        Assert.Contains("デモペイ", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await WebFixture.ScreenshotAsync(page, "demo-status-ja");
        var adminToken = Regex.Match(demo.Output, @"(?m)^admin +([0-9a-f]{48})\s*$").Groups[1].Value;
        // Another browser: an administrator signed in beside a citizen's session would make this one a counter terminal.
        var admin = await (await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "ja-JP" })).NewPageAsync();
        await admin.GotoAsync(new Uri(demo.BaseUrl, "staff/sign-in").ToString());
        await admin.Locator("#token").FillAsync(adminToken);
        await admin.Locator("form button[type=submit]").ClickAsync();
        await WebFixture.WaitForUrlAsync(admin, url => !url.Contains("/staff/sign-in", StringComparison.Ordinal));
        await admin.GotoAsync(new Uri(demo.BaseUrl, "admin").ToString());
        Assert.Equal("6", Regex.Replace(await admin.GetByTestId("applications-total").InnerTextAsync(), "[^0-9]", ""));
        await WebFixture.ScreenshotAsync(admin, "demo-admin-dashboard-ja");

        // Ctrl+C stops the platform, the operators and the agent, and the demo ends well.
        Assert.Equal(0, await demo.InterruptAsync());
        Assert.Contains("Demo stopped", demo.Output, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<HttpRequestException>(async () =>
        {
            using var http = new HttpClient();
            await http.GetAsync(demo.BaseUrl);
        });
    }

    [Fact]
    public async Task Kangen_demo_with_exit_runs_the_scripted_tour_and_ends_by_itself_with_exit_code_0()
    {
        await using var demo = new DemoProcess();

        var (code, output) = await demo.RunScriptedTourAsync();

        Assert.True(code == 0, $"kangen demo --exit ended with {code}:\n{output}");
        Assert.Contains("Audit log intact", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Press Ctrl+C", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(demo.DataDirectory, "demo", "cards", "taro.card")));
        Assert.False(File.Exists(Path.Combine(demo.DataDirectory, "demo", "cards", "ichiro.card")), "--exit issues no web cards");
    }

    /// <summary>The wizard in Japanese with the tour's service, the printed account and the card.</summary>
    private static async Task ApplyAsync(IPage page, IReadOnlyList<(string Label, string Value)> account)
    {
        // Step 1: the tour's service and the card-acquisition points.
        await page.GetByLabel("決済サービス", new() { Exact = true }).SelectOptionAsync("demo-pay");
        await page.Locator("#program-card-acquisition").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "次へ", Exact = true }).ClickAsync();
        // Step 2: the account exactly as the tour printed it.
        foreach (var (label, value) in account)
            await page.GetByLabel(label, new() { Exact = true }).FillAsync(value);
        await page.GetByRole(AriaRole.Button, new() { Name = "決済サービスに確認する" }).ClickAsync();
        // Step 3: the masked holder name and the terms; step 4: the card confirms.
        await page.Locator("#accept").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "次へ", Exact = true }).ClickAsync();
        await page.Locator("#card").SelectOptionAsync("ichiro");
        await page.Locator("#pin").FillAsync("1234");
        await page.GetByRole(AriaRole.Button, new() { Name = "カードで確認して申し込む" }).ClickAsync();
        await page.GetByTestId("applied").WaitForAsync();
    }
}

/// <summary>Debian's Chromium, headless, as the fixture launches it.</summary>
internal sealed class Browser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    public static async Task<Browser> LaunchAsync()
    {
        var (playwright, browser) = await WebFixture.LaunchChromiumAsync();
        return new Browser(playwright, browser);
    }

    public Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options) => _browser.NewContextAsync(options);

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}

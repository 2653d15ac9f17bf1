using Microsoft.Playwright;

namespace Kangen.Web.Tests.Counter;

/// <summary>The assisted terminal: who may use it, the banner that always shows whose card is in session, and "finish".</summary>
public sealed class CounterTerminalTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task Without_a_sign_in_the_counter_explains_the_terminal_and_leads_to_the_staff_sign_in()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(Url("counter?culture=en"));

        Assert.Equal("Counter terminal", await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        Assert.Equal(0, await page.Locator("#terminal-banner").CountAsync());
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in as counter staff" }).ClickAsync();
        await page.GetByLabel("Staff token").FillAsync(fixture.StaffToken("counter"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await WebFixture.WaitForUrlAsync(page, u => u.EndsWith("/counter", StringComparison.Ordinal));
        Assert.Equal("test-counter", await page.GetByTestId("terminal-staff").InnerTextAsync());
        Assert.Equal("No card in session", await page.GetByTestId("terminal-citizen-none").InnerTextAsync());
        Assert.Equal("/login", await page.GetByRole(AriaRole.Link, new() { Name = "Start with the next citizen" }).GetAttributeAsync("href"));
    }

    [Fact]
    public async Task The_banner_shows_the_My_Key_ID_and_certificate_of_the_card_in_session_on_every_page()
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "counter");
        var myKeyId = await fixture.SignInByApiAsync(page, "adult-1", "spot");

        await page.GotoAsync(Url("counter"));
        Assert.Equal(myKeyId, await page.GetByTestId("terminal-citizen").InnerTextAsync());
        Assert.Equal(fixture.Card("adult-1").Serial[^6..], await page.GetByTestId("terminal-serial").InnerTextAsync());
        Assert.Equal(myKeyId, await page.GetByTestId("counter-citizen").InnerTextAsync());
        Assert.True(await page.GetByTestId("terminal-finish").IsVisibleAsync());
        Assert.Matches(@"^\d+:\d\d$", await page.GetByTestId("terminal-idle-left").InnerTextAsync());
        await WebFixture.ScreenshotAsync(page, "counter-citizen-in-session-ja");

        // Any other page of the site, the citizen's own included, carries the same banner.
        await page.GotoAsync(Url("services"));
        Assert.Equal(myKeyId, await page.GetByTestId("terminal-citizen").InnerTextAsync());
        Assert.True(await page.GetByTestId("terminal-finish").IsVisibleAsync());
    }

    [Fact]
    public async Task The_finish_button_ends_the_citizen_session_in_the_database_and_the_terminal_shows_nobody()
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "counter");
        var myKeyId = await fixture.SignInByApiAsync(page, "adult-2", "spot");
        // From one of the citizen's own pages: the banner's form was rendered for the citizen, not the clerk.
        await page.GotoAsync(Url("me?culture=en"));
        Assert.EndsWith("/me?culture=en", page.Url, StringComparison.Ordinal);
        Assert.Equal(myKeyId, await page.GetByTestId("terminal-citizen").InnerTextAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Finish / next citizen" }).ClickAsync();

        await WebFixture.WaitForUrlAsync(page, u => u.Contains("/counter?forgotten=finished", StringComparison.Ordinal));
        Assert.Equal("finished", await page.GetByTestId("counter-forgotten").GetAttributeAsync("data-reason"));
        Assert.Equal("No card in session", await page.GetByTestId("terminal-citizen-none").InnerTextAsync());
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "kangen-session");
        Assert.True(await fixture.SessionsEndedAsync(myKeyId));
        // The staff member stays signed in for the next citizen.
        Assert.Equal("test-counter", await page.GetByTestId("terminal-staff").InnerTextAsync());
    }

    [Fact]
    public async Task After_an_application_the_terminal_has_forgotten_the_citizen_and_the_next_one_starts_from_nobody()
    {
        var card = fixture.Card("adult-8");
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "counter");
        var myKeyId = await fixture.SignInByApiAsync(page, card.Name, "spot");
        var flow = new Apply.ApplyFlow(fixture, page, "ja");

        await flow.ApplyAsync(card.AgentId, "demo-pay", Apply.ApplyFlow.Account(fixture, "demo-pay", 201));

        // The receipt is shown to a terminal that already holds nobody.
        Assert.Equal(1, await page.GetByTestId("terminal-citizen-none").CountAsync());
        Assert.Equal(0, await page.GetByTestId("terminal-citizen").CountAsync());
        Assert.True(await fixture.SessionsEndedAsync(myKeyId));
        await page.GetByTestId("next-citizen").ClickAsync();
        await WebFixture.WaitForUrlAsync(page, u => u.Contains("/counter", StringComparison.Ordinal));
        Assert.Equal(1, await page.GetByTestId("counter-start").CountAsync());
        Assert.Equal(1, await page.GetByTestId("terminal-citizen-none").CountAsync());
    }

    [Fact]
    public async Task Staff_sign_out_forgets_the_citizen_too()
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "counter");
        var myKeyId = await fixture.SignInByApiAsync(page, "adult-3", "spot");
        await page.GotoAsync(Url("staff/sign-out?culture=en"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        await WebFixture.WaitForUrlAsync(page, u => u.Contains("/staff/sign-in", StringComparison.Ordinal));
        Assert.True(await fixture.SessionsEndedAsync(myKeyId));
    }

    [Fact]
    public async Task Staff_of_another_role_cannot_open_the_counter_or_use_its_forms()
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "call-centre");

        await page.GotoAsync(Url("counter"));
        Assert.Contains("/staff/denied", page.Url, StringComparison.Ordinal);
        Assert.Equal(0, await page.GetByTestId("counter-start").CountAsync());
        Assert.Equal(0, await page.Locator("#terminal-banner").CountAsync());

        await page.GotoAsync(Url("counter/alive"));
        Assert.Contains("/staff/denied", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_citizen_at_home_sees_no_terminal_banner()
    {
        var page = await fixture.NewPageAsync();
        await fixture.SignInByApiAsync(page, "adult-4");
        await page.GotoAsync(Url("services"));

        Assert.Equal(0, await page.Locator("#terminal-banner").CountAsync());
        Assert.Equal("0", await page.Locator("html").GetAttributeAsync("data-counter-idle"));
    }

    private string Url(string path) => new Uri(fixture.BaseUrl, path).ToString();
}

namespace Kangen.Web.Tests.Smoke;

/// <summary>What the shared layout shows to whom.</summary>
public sealed class LayoutTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task An_administrators_consoles_show_no_terminal_banner_until_a_card_is_in_session()
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "admin");

        await page.GotoAsync(new Uri(fixture.BaseUrl, "admin").ToString());
        Assert.Equal(0, await page.Locator("#terminal-banner").CountAsync());
        Assert.Equal("0", await page.Locator("html").GetAttributeAsync("data-counter-idle"));

        // On the citizen's pages the administrator is counter staff: the banner says whose card is in session.
        await page.GotoAsync(new Uri(fixture.BaseUrl, "services").ToString());
        Assert.Equal(1, await page.Locator("#terminal-banner").CountAsync());

        var myKeyId = await fixture.SignInByApiAsync(page, "adult-8", channel: "spot");
        await page.GotoAsync(new Uri(fixture.BaseUrl, "admin").ToString());
        Assert.Contains(myKeyId, await page.Locator("#terminal-banner").InnerTextAsync(), StringComparison.Ordinal);
    }
}

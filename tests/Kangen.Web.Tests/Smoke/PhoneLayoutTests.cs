using Microsoft.Playwright;

namespace Kangen.Web.Tests.Smoke;

/// <summary>The citizen's pages fit a phone's screen: nothing wider than the viewport, so nothing scrolls sideways.</summary>
public sealed class PhoneLayoutTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    private static readonly BrowserNewContextOptions Phone = new()
    {
        Locale = "ja-JP",
        ViewportSize = new ViewportSize { Width = 390, Height = 844 },
        IsMobile = true,
        HasTouch = true,
        DeviceScaleFactor = 2,
    };

    [Theory]
    [InlineData("", false)]
    [InlineData("login", false)]
    [InlineData("services", false)]
    [InlineData("spots?postalCode=100-0001", false)]
    [InlineData("status", true)]
    [InlineData("apply?service=demo-pay", true)]
    [InlineData("registrations", true)]
    public async Task A_page_is_no_wider_than_a_phone(string path, bool signedIn)
    {
        var page = await fixture.NewPageAsync(Phone);
        if (signedIn)
            await fixture.SignInByApiAsync(page, "adult-8");
        await page.GotoAsync(new Uri(fixture.BaseUrl, path).ToString());
        if (signedIn)
            Assert.DoesNotContain("/login", page.Url, StringComparison.Ordinal);

        var widths = await page.EvaluateAsync<int[]>("[document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1], $"{page.Url}: the page is {widths[0]} px wide on a {widths[1]} px screen");
        if (path.Length == 0)
            await WebFixture.ScreenshotAsync(page, "landing-phone-ja");
    }
}

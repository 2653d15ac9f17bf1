using Kangen.Platform.Features.Admission;
using Kangen.Web.Tests.Smoke;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kangen.Web.Tests.Admission;

/// <summary>
/// A platform whose citizen flow holds one person at a time. The queue advances every 200 ms; an admitted person who
/// has not signed in keeps their place in the count for an hour, so the first browser stays "in the flow" for the
/// whole test without signing in.
/// </summary>
public sealed class CapacityOneFixture : WebFixture
{
    /// <inheritdoc />
    protected override IEnumerable<string> ExtraArguments =>
    [
        "--Kangen:Admission:Enabled=true",
        "--Kangen:Admission:Capacity=1",
        "--Kangen:Admission:TickMilliseconds=200",
        "--Kangen:Admission:PassGraceSeconds=3600",
    ];
}

/// <summary>The waiting room in a real browser: over capacity a newcomer waits on /waiting and is let in in order.</summary>
public sealed class WaitingRoomTests(CapacityOneFixture fixture) : IClassFixture<CapacityOneFixture>
{
    [Fact]
    public async Task A_second_person_waits_first_in_line_in_each_language_and_gets_in_when_the_administrator_raises_the_capacity()
    {
        var first = await fixture.NewPageAsync();
        await first.GotoAsync(Url("login"));
        Assert.Equal("/login", new Uri(first.Url).AbsolutePath);

        var second = await fixture.NewPageAsync();
        await second.GotoAsync(Url("login"));
        Assert.Equal("/waiting", new Uri(second.Url).AbsolutePath);
        var status = second.GetByTestId("waiting-status");
        Assert.Equal(AdmissionStates.Waiting, await status.GetAttributeAsync("data-state"));
        Assert.Equal("1", await second.GetByTestId("queue-position").GetAttributeAsync("data-position"));
        Assert.Equal("あなたの前に 0 人", (await second.GetByTestId("queue-ahead").InnerTextAsync()).Trim());
        Assert.NotEmpty((await second.GetByTestId("estimated-wait").InnerTextAsync()).Trim());
        Assert.Matches(@"^\d{2}:\d{2}:\d{2}$", await second.GetByTestId("waiting-updated").InnerTextAsync());
        Assert.Contains("再読み込みしても", await second.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        // The page keeps itself current: its script asks again at the interval the server gives.
        Assert.Matches(@"^\d+$", await status.GetAttributeAsync("data-waiting-refresh") ?? "");
        var ticket = await second.GetByTestId("ticket-number").InnerTextAsync();
        await AccessibilityTests.AssertAccessibleAsync(second);
        await WebFixture.ScreenshotAsync(second, "waiting-ja");

        // Another language, and a reload: the same place, the same ticket.
        await second.GotoAsync(Url("waiting?returnUrl=%2Flogin&culture=zh"));
        Assert.Equal("zh-Hans", await second.Locator("html").GetAttributeAsync("lang"));
        Assert.Equal("1", await second.GetByTestId("queue-position").GetAttributeAsync("data-position"));
        Assert.Equal("您前面还有 0 人", (await second.GetByTestId("queue-ahead").InnerTextAsync()).Trim());
        Assert.Equal(ticket, await second.GetByTestId("ticket-number").InnerTextAsync());
        await AccessibilityTests.AssertAccessibleAsync(second);

        await second.GotoAsync(Url("waiting?returnUrl=%2Flogin&culture=en"));
        Assert.Equal("1", await second.GetByTestId("queue-position").GetAttributeAsync("data-position"));
        Assert.Equal("0 people ahead of you", (await second.GetByTestId("queue-ahead").InnerTextAsync()).Trim());
        Assert.Equal(ticket, await second.GetByTestId("ticket-number").InnerTextAsync());
        Assert.Contains("Reloading the page does not lose your place.", await second.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await AccessibilityTests.AssertAccessibleAsync(second);
        await WebFixture.ScreenshotAsync(second, "waiting-en");

        // A third person, on a phone, queues behind the second; the page marks itself to tell a reload from a swap.
        var third = await fixture.NewPageAsync(Phone());
        await third.GotoAsync(Url("login"));
        Assert.Equal("/waiting", new Uri(third.Url).AbsolutePath);
        Assert.Equal("2", await third.GetByTestId("queue-position").GetAttributeAsync("data-position"));
        Assert.Equal("あなたの前に 1 人", (await third.GetByTestId("queue-ahead").InnerTextAsync()).Trim());
        await AssertFitsAsync(third);
        await WebFixture.ScreenshotAsync(third, "waiting-phone-ja");
        await third.EvaluateAsync("window.kangenTestMarker = 1");

        // A fourth, with scripts off, behind them; their page reloads itself instead.
        var fourth = await fixture.NewPageAsync(new BrowserNewContextOptions { Locale = "ja-JP", JavaScriptEnabled = false });
        await fourth.GotoAsync(Url("login"));
        Assert.Equal("3", await fourth.GetByTestId("queue-position").GetAttributeAsync("data-position"));
        Assert.Equal(1, await fourth.Locator("noscript meta[http-equiv=refresh]").CountAsync());

        // Still waiting: the first person has not left and the capacity is 1.
        Assert.Equal("/waiting", new Uri(second.Url).AbsolutePath);

        var admin = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(admin, "admin");
        await admin.GotoAsync(Url("admin/admission?culture=ja"));
        // Three waiting, one in the flow.
        Assert.Equal("3", await admin.GetByTestId("admission-queue").InnerTextAsync());
        Assert.Equal("1", await admin.GetByTestId("admission-in-flow").InnerTextAsync());
        await WebFixture.ScreenshotAsync(admin, "admin-admission-queue-ja");
        await admin.Locator("#capacity").FillAsync("2");
        await admin.Locator("form.admission-settings button[type=submit]").ClickAsync();
        await admin.GetByTestId("admission-saved").WaitForAsync();
        Assert.Equal(2, fixture.Services.GetRequiredService<AdmissionControl>().Settings.Capacity);

        // The waiting page reloads itself and sends the person on to where they were going.
        await WebFixture.WaitForUrlAsync(second, url => new Uri(url).AbsolutePath == "/login");
        // In order: the third, behind, still waits and is now next; its page changed the figures in place, without a reload.
        await third.Locator("[data-testid=queue-position][data-position='1']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        Assert.Equal("/waiting", new Uri(third.Url).AbsolutePath);
        Assert.Equal(1, await third.EvaluateAsync<int>("window.kangenTestMarker || 0"));
        Assert.Equal("あなたの前に 0 人", (await third.GetByTestId("queue-ahead").InnerTextAsync()).Trim());
        await fourth.ReloadAsync();
        Assert.Equal("2", await fourth.GetByTestId("queue-position").GetAttributeAsync("data-position"));
        // The first person was never thrown out.
        await first.ReloadAsync();
        Assert.Equal("/login", new Uri(first.Url).AbsolutePath);
    }

    /// <summary>A phone's screen (as the phone layout tests use).</summary>
    internal static BrowserNewContextOptions Phone(bool javaScript = true) => new()
    {
        Locale = "ja-JP",
        ViewportSize = new ViewportSize { Width = 390, Height = 844 },
        IsMobile = true,
        HasTouch = true,
        DeviceScaleFactor = 2,
        JavaScriptEnabled = javaScript,
    };

    /// <summary>Nothing on the page is wider than the screen.</summary>
    internal static async Task AssertFitsAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("[document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1], $"{page.Url}: the page is {widths[0]} px wide on a {widths[1]} px screen");
    }

    private string Url(string path) => new Uri(fixture.BaseUrl, path).ToString();
}

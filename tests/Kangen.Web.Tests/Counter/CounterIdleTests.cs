using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;

namespace Kangen.Web.Tests.Counter;

/// <summary>
/// A platform whose terminals forget an idle citizen after a few seconds, on a clock the tests move: the server's
/// idle rule is judged without waiting, so a slow machine cannot make a test wait too long or too little.
/// </summary>
public sealed class ShortIdleFixture : WebFixture
{
    /// <summary>The idle time of this fixture's terminals.</summary>
    public const int IdleSeconds = 6;

    /// <summary>The platform's clock; it moves only when a test advances it.</summary>
    public FakeTimeProvider Time { get; private set; } = null!;

    /// <inheritdoc />
    protected override IEnumerable<string> ExtraArguments => ["--Kangen:Web:CounterIdleSeconds=" + IdleSeconds];

    /// <inheritdoc />
    protected override void ConfigureServices(IServiceCollection services)
    {
        // Started now, after the cards were issued: their certificates are valid from their issue.
        Time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        services.AddSingleton<TimeProvider>(Time);
    }
}

/// <summary>The same short idle time on the real clock, for the banner's script, which counts in the browser.</summary>
public sealed class ShortIdleRealTimeFixture : WebFixture
{
    /// <inheritdoc />
    protected override IEnumerable<string> ExtraArguments => ["--Kangen:Web:CounterIdleSeconds=" + ShortIdleFixture.IdleSeconds];
}

/// <summary>
/// The terminal forgets a citizen nobody attends to: the server on its own (the next request finds nobody, whatever the
/// browser runs), and the banner's script without waiting for a request.
/// </summary>
public sealed class CounterIdleTests(ShortIdleFixture fixture) : IClassFixture<ShortIdleFixture>
{
    [Fact]
    public async Task With_scripts_disabled_the_first_request_after_the_idle_time_finds_no_citizen_and_the_session_is_ended()
    {
        var page = await fixture.NewPageAsync(new BrowserNewContextOptions { JavaScriptEnabled = false, Locale = "ja-JP" });
        await fixture.StaffSignInAsync(page, "counter");
        var myKeyId = await fixture.SignInByApiAsync(page, "adult-5", "spot");
        await page.GotoAsync(Url("counter?culture=en"));
        Assert.Equal(myKeyId, await page.GetByTestId("terminal-citizen").InnerTextAsync());
        Assert.Equal("6", await page.Locator("html").GetAttributeAsync("data-counter-idle"));

        // Nobody touches the terminal for longer than its idle time; no script runs to count it.
        fixture.Time.Advance(TimeSpan.FromSeconds(ShortIdleFixture.IdleSeconds + 2));
        await page.GotoAsync(Url("services"));

        Assert.Contains("/counter?forgotten=idle", page.Url, StringComparison.Ordinal);
        Assert.Equal("idle", await page.GetByTestId("counter-forgotten").GetAttributeAsync("data-reason"));
        Assert.Equal(1, await page.GetByTestId("terminal-citizen-none").CountAsync());
        Assert.Equal(0, await page.GetByTestId("terminal-citizen").CountAsync());
        Assert.True(await fixture.SessionsEndedAsync(myKeyId));
    }

    [Fact]
    public async Task Requests_within_the_idle_time_keep_the_citizen()
    {
        var page = await fixture.NewPageAsync(new BrowserNewContextOptions { JavaScriptEnabled = false, Locale = "ja-JP" });
        await fixture.StaffSignInAsync(page, "counter");
        var myKeyId = await fixture.SignInByApiAsync(page, "adult-6", "spot");

        // Requests one idle time less a second apart, for three idle times: no gap is as long, so the citizen stays.
        for (var request = 0; request < 4; request++)
        {
            await page.GotoAsync(Url("counter"));
            Assert.Equal(myKeyId, await page.GetByTestId("terminal-citizen").InnerTextAsync());
            fixture.Time.Advance(TimeSpan.FromSeconds(ShortIdleFixture.IdleSeconds - 1));
        }
        await page.GotoAsync(Url("counter"));
        Assert.Equal(myKeyId, await page.GetByTestId("terminal-citizen").InnerTextAsync());
        Assert.False(await fixture.SessionsEndedAsync(myKeyId));
    }

    private string Url(string path) => new Uri(fixture.BaseUrl, path).ToString();
}

/// <summary>The banner's script warns and then forgets the citizen by itself, on the browser's own clock.</summary>
public sealed class CounterIdleScriptTests(ShortIdleRealTimeFixture fixture) : IClassFixture<ShortIdleRealTimeFixture>
{
    [Fact]
    public async Task The_banner_warns_before_the_idle_time_and_then_forgets_the_citizen_by_itself()
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "counter");
        var myKeyId = await fixture.SignInByApiAsync(page, "adult-7", "spot");
        // The page's clock stands still until the test moves it: the warning's window cannot pass unseen on a slow machine.
        var start = DateTime.UtcNow;
        await page.Clock.InstallAsync(new() { TimeDate = start });
        await page.Clock.PauseAtAsync(start.AddSeconds(1));
        await page.GotoAsync(Url("counter?culture=en"));
        Assert.Equal(myKeyId, await page.GetByTestId("terminal-citizen").InnerTextAsync());
        var warning = page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The card session will end soon" });
        Assert.False(await warning.IsVisibleAsync());

        // Two seconds before the end of the idle time (6 s) the banner warns and offers to continue.
        await page.Clock.RunForAsync((ShortIdleFixture.IdleSeconds - 2) * 1000 + 500);
        await Assertions.Expect(warning).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Continue" })).ToBeVisibleAsync();
        // At the end the script posts the forget form by itself.
        await page.Clock.RunForAsync(2_000);
        await WebFixture.WaitForUrlAsync(page, u => u.Contains("/counter?forgotten=idle", StringComparison.Ordinal));

        Assert.Equal("idle", await page.GetByTestId("counter-forgotten").GetAttributeAsync("data-reason"));
        Assert.Equal(1, await page.GetByTestId("terminal-citizen-none").CountAsync());
        Assert.True(await fixture.SessionsEndedAsync(myKeyId));
    }

    private string Url(string path) => new Uri(fixture.BaseUrl, path).ToString();
}

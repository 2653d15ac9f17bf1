using Kangen.Platform.Features.Admission;
using Kangen.Platform.Storage;
using Kangen.Platform.Web;
using Kangen.Web.Tests.Smoke;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kangen.Web.Tests.Admission;

/// <summary>A platform with admission control on and room for everyone: only the staggered windows hold people back.</summary>
public sealed class RoomyAdmissionFixture : WebFixture
{
    /// <inheritdoc />
    protected override IEnumerable<string> ExtraArguments =>
    [
        "--Kangen:Admission:Enabled=true",
        "--Kangen:Admission:Capacity=100",
        "--Kangen:Admission:TickMilliseconds=200",
    ];

    /// <summary>Saves admission settings as an administrator would (the console's own code), in force at once.</summary>
    public async Task SaveAsync(AdmissionSettings settings)
    {
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        var problem = await Services.GetRequiredService<AdmissionControl>().SaveSettingsAsync(db, settings, "test-admin", CancellationToken.None);
        Assert.Null(problem);
    }

    /// <summary>The platform's clock now.</summary>
    public DateTimeOffset Now => Services.GetRequiredService<TimeProvider>().GetUtcNow();
}

/// <summary>Staggered opening by the birth year's last digit, as the citizen sees it on the waiting page.</summary>
public sealed class StaggeredWindowTests(RoomyAdmissionFixture fixture) : IClassFixture<RoomyAdmissionFixture>
{
    [Fact]
    public async Task A_digit_whose_window_has_not_opened_is_told_when_it_opens_and_is_not_let_in()
    {
        var now = fixture.Now;
        // Whole minutes, as the page shows them.
        var opens = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddHours(3);
        await fixture.SaveAsync(new AdmissionSettings(true, 100, 0, new AdmissionWindows(now.AddDays(1), new Dictionary<int, DateTimeOffset> { [5] = opens })));

        var page = await fixture.NewPageAsync();
        await page.GotoAsync(Url("login"));
        Assert.Equal("/waiting", new Uri(page.Url).AbsolutePath);
        // The schedule of all ten digits in Japan time: 5 opens later, the others are open now.
        var schedule = page.GetByTestId("window-schedule");
        Assert.Equal(10, await schedule.Locator("tbody tr").CountAsync());
        Assert.Equal(Texts.JapanTime(opens), await schedule.Locator("tr[data-digit='5'] td").InnerTextAsync());
        Assert.Equal("受付中", await schedule.Locator("tr[data-digit='0'] td").InnerTextAsync());
        // Nothing is drawn before the person says their digit; the form refuses an empty choice.
        await page.Locator("form.waiting-digit button[type=submit]").ClickAsync();
        Assert.Equal(1, await page.Locator("#digit-error").CountAsync());
        await AccessibilityTests.AssertAccessibleAsync(page);
        await WebFixture.ScreenshotAsync(page, "waiting-digit-ja");

        await page.Locator("input[name=digit][value='5']").CheckAsync();
        await page.Locator("form.waiting-digit button[type=submit]").ClickAsync();
        var status = page.GetByTestId("waiting-status");
        Assert.Equal(AdmissionStates.WindowClosed, await status.GetAttributeAsync("data-state"));
        Assert.Equal(Texts.JapanTime(opens), await page.GetByTestId("window-opens").InnerTextAsync());
        Assert.Contains("生まれ年の下1桁が 5 の方の受付開始は", await page.GetByTestId("window-digit").InnerTextAsync(), StringComparison.Ordinal);
        await AccessibilityTests.AssertAccessibleAsync(page);
        await WebFixture.ScreenshotAsync(page, "waiting-window-closed-ja");

        // Not let in: the flow still sends this browser back to the waiting page, which still says when.
        await page.GotoAsync(Url("login"));
        Assert.Equal("/waiting", new Uri(page.Url).AbsolutePath);
        await page.GotoAsync(Url("waiting?returnUrl=%2Flogin&culture=en"));
        Assert.Equal(AdmissionStates.WindowClosed, await page.GetByTestId("waiting-status").GetAttributeAsync("data-state"));
        Assert.Contains("For birth years ending in 5, the window opens at " + Texts.JapanTime(opens), await page.GetByTestId("window-digit").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_digit_whose_window_is_open_goes_on_to_the_login()
    {
        var now = fixture.Now;
        await fixture.SaveAsync(new AdmissionSettings(true, 100, 0, new AdmissionWindows(now.AddDays(1), new Dictionary<int, DateTimeOffset> { [5] = now.AddHours(3), [0] = now.AddHours(-1) })));

        var page = await fixture.NewPageAsync();
        await page.GotoAsync(Url("login?culture=zh"));
        Assert.Equal("/waiting", new Uri(page.Url).AbsolutePath);
        await page.Locator("input[name=digit][value='0']").CheckAsync();
        await page.Locator("form.waiting-digit button[type=submit]").ClickAsync();

        await WebFixture.WaitForUrlAsync(page, url => new Uri(url).AbsolutePath == "/login");
    }

    [Fact]
    public async Task The_digit_form_and_the_opening_time_fit_a_phone()
    {
        var now = fixture.Now;
        await fixture.SaveAsync(new AdmissionSettings(true, 100, 0, new AdmissionWindows(now.AddDays(1), new Dictionary<int, DateTimeOffset> { [7] = now.AddHours(5) })));

        var page = await fixture.NewPageAsync(WaitingRoomTests.Phone());
        await page.GotoAsync(Url("login"));
        Assert.Equal("/waiting", new Uri(page.Url).AbsolutePath);
        await WaitingRoomTests.AssertFitsAsync(page);
        await page.Locator("input[name=digit][value='7']").CheckAsync();
        await page.Locator("form.waiting-digit button[type=submit]").ClickAsync();
        Assert.Equal(AdmissionStates.WindowClosed, await page.GetByTestId("waiting-status").GetAttributeAsync("data-state"));
        await WaitingRoomTests.AssertFitsAsync(page);
    }

    [Fact]
    public async Task The_waiting_page_sends_an_admitted_person_only_to_a_local_address()
    {
        await fixture.SaveAsync(new AdmissionSettings(true, 100, 0, null));

        var page = await fixture.NewPageAsync();
        await page.GotoAsync(Url("waiting?returnUrl=https%3A%2F%2Fevil.example%2Fme"));
        // Admitted at once, or at a later advance of the queue (it stayed on /waiting once, in a local run of several
        // classes at a time): the page goes on by itself either way (waiting.js polls), and where to is what this checks.
        await WebFixture.WaitForUrlAsync(page, url => new Uri(url).AbsolutePath != "/waiting");

        Assert.Equal(fixture.BaseUrl.Authority, new Uri(page.Url).Authority);
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
    }

    [Fact]
    public async Task A_signed_in_citizen_is_not_given_a_ticket_by_the_waiting_page()
    {
        // Signed in through the API while admission is off (the fixture's sign-in sends no ticket), then windows come.
        await fixture.SaveAsync(new AdmissionSettings(false, 100, 0, null));
        var page = await fixture.NewPageAsync();
        await fixture.SignInByApiAsync(page, "adult-3");
        await fixture.SaveAsync(new AdmissionSettings(true, 100, 0, new AdmissionWindows(fixture.Now.AddDays(1), new Dictionary<int, DateTimeOffset>())));

        var drawnBefore = await IssuedAsync();

        await page.GotoAsync(Url("waiting?returnUrl=%2Fme"));

        // Neither asked for a digit nor queued: straight on, and no ticket drawn (the session keeps a pass fresh
        // instead: someone in the flow is never thrown out).
        Assert.Equal("/me", new Uri(page.Url).AbsolutePath);
        Assert.Equal(drawnBefore, await IssuedAsync());
    }

    private async Task<long> IssuedAsync()
    {
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Kangen.Platform.Storage.KangenDbContext>();
        return await db.AdmissionState.Select(a => a.Issued).SingleAsync();
    }

    private string Url(string path) => new Uri(fixture.BaseUrl, path).ToString();
}

using Kangen.Platform.Features.Admission;
using Kangen.Platform.Pages.Admin;
using Kangen.Web.Tests.Smoke;
using Microsoft.Extensions.DependencyInjection;

namespace Kangen.Web.Tests.Admission;

/// <summary>The administrator's admission console and the dashboard's panel in a real browser.</summary>
public sealed class AdmissionConsoleTests(RoomyAdmissionFixture fixture) : IClassFixture<RoomyAdmissionFixture>
{
    private AdmissionControl Control => fixture.Services.GetRequiredService<AdmissionControl>();

    [Fact]
    public async Task A_capacity_of_zero_is_refused_next_to_its_field_and_changes_nothing()
    {
        await fixture.SaveAsync(new AdmissionSettings(true, 100, 0, null));
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "admin");
        await page.GotoAsync(Url("admin/admission"));

        await page.Locator("#capacity").FillAsync("0");
        await page.Locator("#requestsPerSecond").FillAsync("250");
        await page.Locator("form.admission-settings button[type=submit]").ClickAsync();

        Assert.Equal("true", await page.Locator("#capacity").GetAttributeAsync("aria-invalid"));
        Assert.Contains("capacity-error", await page.Locator("#capacity").GetAttributeAsync("aria-describedby") ?? "", StringComparison.Ordinal);
        Assert.Contains("設定値が正しくありません", await page.Locator("#capacity-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("false", await page.Locator("#requestsPerSecond").GetAttributeAsync("aria-invalid"));
        // What was typed stays, and nothing was saved.
        Assert.Equal("0", await page.Locator("#capacity").InputValueAsync());
        Assert.Equal("250", await page.Locator("#requestsPerSecond").InputValueAsync());
        Assert.Equal(new AdmissionSettings(true, 100, 0, null), Control.Settings);
        await AccessibilityTests.AssertAccessibleAsync(page);
        await WebFixture.ScreenshotAsync(page, "admin-admission-error-ja");
    }

    [Fact]
    public async Task Saved_settings_and_windows_are_in_force_at_once_and_shown_in_japan_time()
    {
        await fixture.SaveAsync(new AdmissionSettings(true, 100, 0, null));
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "admin");
        await page.GotoAsync(Url("admin/admission?culture=en"));

        await page.Locator("#capacity").FillAsync("7");
        await page.Locator("#requestsPerSecond").FillAsync("300");
        await page.Locator("#until").FillAsync("2031-04-02T09:00");
        await page.Locator("#opens-3").FillAsync("2031-04-01T10:30");
        await page.Locator("form.admission-settings button[type=submit]").ClickAsync();
        await page.GetByTestId("admission-saved").WaitForAsync();

        var japan = TimeSpan.FromHours(9);
        var settings = Control.Settings;
        Assert.True(settings.Enabled);
        Assert.Equal(7, settings.Capacity);
        Assert.Equal(300, settings.RequestsPerSecond);
        Assert.Equal(new DateTimeOffset(2031, 4, 2, 9, 0, 0, japan), settings.Windows!.Until);
        Assert.Equal(new DateTimeOffset(2031, 4, 1, 10, 30, 0, japan), Assert.Single(settings.Windows.Opens).Value);
        Assert.Equal(3, settings.Windows.Opens.Single().Key);
        // The form shows what is in force.
        Assert.Equal("7", await page.Locator("#capacity").InputValueAsync());
        Assert.Equal("2031-04-01T10:30", await page.Locator("#opens-3").InputValueAsync());
        Assert.Equal("", await page.Locator("#opens-4").InputValueAsync());

        // A digit opening after the rule ends is refused beside that digit.
        await page.Locator("#opens-4").FillAsync("2031-04-03T10:00");
        await page.Locator("form.admission-settings button[type=submit]").ClickAsync();
        Assert.Equal("true", await page.Locator("#opens-4").GetAttributeAsync("aria-invalid"));
        Assert.Equal(1, await page.Locator("#opens-4-error").CountAsync());
        Assert.False(Control.Settings.Windows!.Opens.ContainsKey(4));

        // Turning it off (and the windows with it) is one save too.
        await page.GotoAsync(Url("admin/admission?culture=en"));
        await page.Locator("#enabled").UncheckAsync();
        await page.Locator("#until").FillAsync("");
        await page.Locator("#opens-3").FillAsync("");
        await page.Locator("form.admission-settings button[type=submit]").ClickAsync();
        await page.GetByTestId("admission-saved").WaitForAsync();
        Assert.Equal(new AdmissionSettings(false, 7, 300, null), Control.Settings);
        Assert.Equal("false", await page.GetByTestId("admission-enabled").GetAttributeAsync("data-enabled"));
    }

    [Fact]
    public async Task The_console_shows_the_live_figures_and_the_last_hour_and_the_dashboard_links_to_it()
    {
        await fixture.SaveAsync(new AdmissionSettings(true, 100, 0, null));
        // Somebody enters the flow, so that there is something to count.
        var citizen = await fixture.NewPageAsync();
        await citizen.GotoAsync(Url("login"));
        Assert.Equal("/login", new Uri(citizen.Url).AbsolutePath);

        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "admin");
        await page.GotoAsync(Url("admin?culture=ja"));
        var panel = page.GetByTestId("admission-panel");
        Assert.Equal(1, await panel.GetByTestId("admission-queue").CountAsync());
        Assert.Equal(1, await panel.GetByTestId("admission-in-flow").CountAsync());
        Assert.Equal(1, await panel.GetByTestId("admission-admitted-rate").CountAsync());
        await AccessibilityTests.AssertAccessibleAsync(page);

        await panel.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "受付制御の詳細と設定" }).ClickAsync();
        await WebFixture.WaitForUrlAsync(page, url => new Uri(url).AbsolutePath == "/admin/admission");
        var (live, _) = await LiveAsync();
        Assert.True(live.Issued >= 1);
        Assert.Equal(live.Issued.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " / " + live.Admitted.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
            await page.GetByTestId("admission-totals").InnerTextAsync());
        var chart = page.Locator("svg[data-chart=chart-admission]");
        Assert.Equal("img", await chart.GetAttributeAsync("role"));
        // One mark per minute of the last hour for each of the two series.
        Assert.Equal(120, await chart.Locator("circle.dot").CountAsync());
        Assert.Equal(60, await page.Locator("table[data-chart-table=chart-admission] tbody tr").CountAsync());
        await AccessibilityTests.AssertAccessibleAsync(page);
        await WebFixture.ScreenshotAsync(page, "admin-admission-ja");
    }

    [Fact]
    public void An_hour_of_ticks_becomes_one_bucket_per_minute_with_the_longest_queue_and_everyone_let_in()
    {
        var now = new DateTimeOffset(2026, 11, 26, 10, 30, 45, TimeSpan.Zero);
        var ticks = new List<AdmissionTickView>
        {
            new(now.AddMinutes(-90), 999, 1, 999, 0),              // before the hour: left out
            new(now.AddMinutes(-59).AddSeconds(-45), 4, 1, 2, 0),   // 09:31:00, the first minute
            new(now.AddMinutes(-59).AddSeconds(-15), 9, 1, 3, 0),
            new(now.AddSeconds(-40), 6, 2, 1, 0),                   // 10:30:05, the last minute
            new(now.AddSeconds(-10), 5, 2, 4, 0),
        };

        var minutes = AdminFigures.AdmissionPerMinute(ticks, now, 60);

        Assert.Equal(60, minutes.Count);
        Assert.Equal(new AdmissionMinute(new DateTimeOffset(2026, 11, 26, 9, 31, 0, TimeSpan.Zero), 9, 5), minutes[0]);
        Assert.Equal(new AdmissionMinute(new DateTimeOffset(2026, 11, 26, 10, 30, 0, TimeSpan.Zero), 6, 5), minutes[^1]);
        Assert.All(minutes.Skip(1).Take(58), m => Assert.Equal((0L, 0L), (m.QueueLength, m.Admitted)));
    }

    private async Task<(AdmissionLive Live, IReadOnlyList<AdmissionTickView> History)> LiveAsync()
    {
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Kangen.Platform.Storage.KangenDbContext>();
        return await Control.LiveAsync(db, TimeSpan.FromMinutes(1), CancellationToken.None);
    }

    private string Url(string path) => new Uri(fixture.BaseUrl, path).ToString();
}

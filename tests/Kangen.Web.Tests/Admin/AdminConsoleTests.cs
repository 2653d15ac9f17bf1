using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Kangen.Web.Tests.CallCentre;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kangen.Web.Tests.Admin;

/// <summary>The administrator's console in a real browser: charts of real data, operators, the campaign editor, the audit check.</summary>
public sealed class AdminConsoleTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    // As an administrator would write it: indented, '+' and non-ASCII as themselves.
    private static readonly System.Text.Json.JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [Fact]
    public async Task The_dashboard_charts_show_the_applications_the_database_holds()
    {
        await CitizenApi.ApplyAsync(fixture, fixture.Card("adult-1"), 101, "1111");
        await CitizenApi.ApplyAsync(fixture, fixture.Card("adult-2"), 102, "2222");
        Dictionary<string, int> perChannel, perService;
        using (var scope = fixture.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
            perChannel = await db.Applications.GroupBy(a => a.Channel).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
            perService = await db.Applications.GroupBy(a => a.Service).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
        }
        Assert.True(perChannel.Values.Sum() >= 2);

        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "admin");
        var response = await page.GotoAsync(new Uri(fixture.BaseUrl, "admin?culture=ja").ToString());
        Assert.Equal(200, response!.Status);

        var channel = page.Locator("svg[data-chart=chart-channel]");
        Assert.Equal("img", await channel.GetAttributeAsync("role"));
        Assert.Equal("チャネル別の申込み", await channel.Locator("title").First.TextContentAsync());
        Assert.Equal(perChannel.Count, await channel.Locator("rect.bar").CountAsync());
        foreach (var (name, count) in perChannel)
            Assert.Equal(count.ToString(CultureInfo.InvariantCulture), await channel.Locator($"rect.bar[data-label='{name}']").GetAttributeAsync("data-value"));
        var service = page.Locator("svg[data-chart=chart-service]");
        foreach (var (code, count) in perService)
            Assert.Equal(count.ToString(CultureInfo.InvariantCulture), await service.Locator($"rect.bar[data-label='{code}']").GetAttributeAsync("data-value"));
        // The same figures as a table for screen readers; the hourly chart counts the two applications of this hour at least.
        Assert.Equal(perChannel.Count, await page.Locator("table[data-chart-table=chart-channel] tbody tr").CountAsync());
        var hourly = await page.Locator("svg[data-chart=chart-hourly] rect.bar").EvaluateAllAsync<int[]>("rs => rs.map(r => +r.getAttribute('data-value'))");
        Assert.Equal(48, hourly.Length);
        Assert.Equal(perChannel.Values.Sum(), hourly.Sum());
        Assert.Equal(perChannel.Values.Sum().ToString("N0", CultureInfo.InvariantCulture), await page.GetByTestId("applications-total").InnerTextAsync());
        await WebFixture.ScreenshotAsync(page, "admin-dashboard-ja");

        await page.GotoAsync(new Uri(fixture.BaseUrl, "admin?culture=en").ToString());
        Assert.Equal("Applications per channel", await page.Locator("svg[data-chart=chart-channel] title").First.TextContentAsync());
        await WebFixture.ScreenshotAsync(page, "admin-dashboard-en");
    }

    [Fact]
    public async Task A_staff_member_of_another_role_is_refused()
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "counter");
        await page.GotoAsync(new Uri(fixture.BaseUrl, "admin/operators").ToString());

        Assert.Contains("/staff/denied", page.Url, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("svg[data-chart]").CountAsync());
        Assert.Equal(0, await page.Locator("#register-code").CountAsync());
    }

    [Fact]
    public async Task An_operator_is_registered_and_given_a_key_through_the_pages()
    {
        string code;
        using (var scope = fixture.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
            var registered = await db.Operators.Select(o => o.Code).ToListAsync();
            // Not the operator of the service citizens apply with in these tests: once registered with an endpoint
            // that does not exist, its accounts can no longer be verified by the demo.
            var catalogue = fixture.Services.GetRequiredService<ServiceCatalogue>();
            var applyingWith = catalogue.All.First(s => s.Accepts(Kangen.Rules.ProgramKind.CardAcquisition)).Operator;
            code = catalogue.All.Select(s => s.Operator).Last(c => !registered.Contains(c) && c != applyingWith);
        }
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "admin");
        await page.GotoAsync(new Uri(fixture.BaseUrl, "admin/operators?culture=en").ToString());

        // A bad URL is refused next to its field and registers nothing.
        await page.GetByLabel("Operator code").FillAsync(code);
        await page.Locator("#register-url").FillAsync("ftp://operator.example/verify");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register", Exact = true }).ClickAsync();
        Assert.Equal("true", await page.Locator("#register-url").GetAttributeAsync("aria-invalid"));
        Assert.Contains("absolute http or https URL", await page.Locator("#register-url-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.False(await OperatorExistsAsync(code));

        await page.Locator("#register-url").FillAsync("https://operator.example/verify");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register", Exact = true }).ClickAsync();
        var section = page.Locator($"section[data-operator='{code}']");
        await Assertions.Expect(section).ToBeVisibleAsync();
        Assert.True(await OperatorExistsAsync(code));
        Assert.Equal("https://operator.example/verify", await section.Locator($"#url-{code}").InputValueAsync());

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await section.Locator($"#pem-{code}").FillAsync(key.ExportSubjectPublicKeyInfoPem());
        await section.GetByRole(AriaRole.Button, new() { Name = "Add key" }).ClickAsync();
        await Assertions.Expect(page.Locator("main .notice.ok")).ToContainTextAsync("The public key was added.");

        string keyId;
        using (var scope = fixture.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
            keyId = (await db.OperatorKeys.SingleAsync(k => k.OperatorCode == code)).KeyId;
        }
        Assert.Equal(1, await page.Locator($"section[data-operator='{code}'] tr[data-key='{keyId}']").CountAsync());

        // The same key twice is refused next to the key field.
        await section.Locator($"#pem-{code}").FillAsync(key.ExportSubjectPublicKeyInfoPem());
        await section.GetByRole(AriaRole.Button, new() { Name = "Add key" }).ClickAsync();
        Assert.Equal("true", await page.Locator($"#pem-{code}").GetAttributeAsync("aria-invalid"));
        Assert.Contains("registered already", await page.Locator($"#pem-{code}-error").InnerTextAsync(), StringComparison.Ordinal);
        await WebFixture.ScreenshotAsync(page, "admin-operators");
    }

    [Fact]
    public async Task A_campaign_with_errors_shows_its_violations_and_saves_nothing()
    {
        var before = await VersionsAsync(ConfigurationKinds.Campaign);
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "admin");
        await page.GotoAsync(new Uri(fixture.BaseUrl, "admin/documents/campaign?culture=en").ToString());
        var editor = page.GetByLabel("Campaign (JSON)");
        var document = JsonNode.Parse(await editor.InputValueAsync())!;
        document["totalCap"] = "lots";
        document["pointApplicationDeadline"] = "someday";
        await editor.FillAsync(document.ToJsonString(Indented));
        await page.GetByRole(AriaRole.Button, new() { Name = "Check and save as a new version" }).ClickAsync();

        var problems = page.GetByTestId("document-problems");
        await Assertions.Expect(problems).ToContainTextAsync("totalCap");
        await Assertions.Expect(problems).ToContainTextAsync("pointApplicationDeadline");
        Assert.Equal("true", await page.GetByLabel("Campaign (JSON)").GetAttributeAsync("aria-invalid"));
        // The editor keeps the text to correct.
        Assert.Contains("\"lots\"", await page.GetByLabel("Campaign (JSON)").InputValueAsync(), StringComparison.Ordinal);
        await WebFixture.ScreenshotAsync(page, "admin-campaign-errors");

        await page.GetByLabel("Campaign (JSON)").FillAsync("{ \"schemaVersion\": 1, ");
        await page.GetByRole(AriaRole.Button, new() { Name = "Check and save as a new version" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("document-problems")).ToContainTextAsync("not valid JSON");
        Assert.Equal(before, await VersionsAsync(ConfigurationKinds.Campaign));
    }

    [Fact]
    public async Task A_later_point_application_deadline_saved_in_the_editor_is_on_the_landing_page()
    {
        var campaigns = fixture.Services.GetRequiredService<CampaignProvider>();
        var expected = new DateOnly(2023, 3, 31).AddDays(campaigns.ShiftDays).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.BaseUrl, "?culture=en").ToString());
        Assert.DoesNotContain(expected, await page.Locator("[data-program=health-insurance]").InnerTextAsync(), StringComparison.Ordinal);

        await fixture.StaffSignInAsync(page, "admin");
        await page.GotoAsync(new Uri(fixture.BaseUrl, "admin/documents/campaign?culture=en").ToString());
        var editor = page.GetByLabel("Campaign (JSON)");
        var document = JsonNode.Parse(await editor.InputValueAsync())!;
        Assert.Equal("2023-02-28", (string?)document["pointApplicationDeadline"]);
        document["pointApplicationDeadline"] = "2023-03-31";
        await editor.FillAsync(document.ToJsonString(Indented));
        await page.GetByRole(AriaRole.Button, new() { Name = "Check and save as a new version" }).ClickAsync();
        await Assertions.Expect(page.Locator("main .notice.ok")).ToContainTextAsync("Saved");
        var version = await VersionsAsync(ConfigurationKinds.Campaign);
        Assert.True(version >= 1);
        Assert.Equal("v" + version, await page.GetByTestId("in-force").InnerTextAsync());

        await page.GotoAsync(new Uri(fixture.BaseUrl, "?culture=en").ToString());
        Assert.Contains(expected, await page.Locator("[data-program=health-insurance]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains(expected, await page.Locator("[data-program=public-fund-account]").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_page_verifies_the_chain_intact()
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "admin");
        await page.GotoAsync(new Uri(fixture.BaseUrl, "admin/audit?culture=en").ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify the chain" }).ClickAsync();

        var result = page.GetByTestId("audit-verification");
        await Assertions.Expect(result).ToBeVisibleAsync();
        Assert.Equal("true", await result.GetAttributeAsync("data-intact"));
        await Assertions.Expect(page.Locator("main .notice.ok")).ToHaveTextAsync("The chain is intact.");
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        var verified = await AuditVerifier.VerifyAsync(db);
        var shown = long.Parse((await page.GetByTestId("audit-count").InnerTextAsync()).Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        // Browser tests run one at a time and nothing writes between the page's check and this one: the counts are equal.
        Assert.Equal(verified.Count, shown);
        Assert.True(await page.Locator("table tbody tr").CountAsync() >= 1);
        await WebFixture.ScreenshotAsync(page, "admin-audit");
    }

    private async Task<bool> OperatorExistsAsync(string code)
    {
        using var scope = fixture.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<KangenDbContext>().Operators.AnyAsync(o => o.Code == code);
    }

    private async Task<int> VersionsAsync(string kind)
    {
        using var scope = fixture.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<KangenDbContext>().ConfigurationDocuments.CountAsync(d => d.Kind == kind);
    }
}

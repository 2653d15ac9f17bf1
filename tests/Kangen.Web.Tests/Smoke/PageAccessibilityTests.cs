namespace Kangen.Web.Tests.Smoke;

/// <summary>Every main page, signed in as who may open it, passes axe-core's WCAG 2.1 A/AA rules in each language.</summary>
public sealed class PageAccessibilityTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    [Theory]
    [InlineData("login", "ja")]
    [InlineData("login", "en")]
    [InlineData("services", "zh")]
    [InlineData("services/demo-pay", "ja")]
    [InlineData("spots?postalCode=100-0001", "ja")]
    [InlineData("counter", "ja")]
    public async Task Pages_open_to_everyone_have_no_wcag_violations(string path, string culture)
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.BaseUrl, WithCulture(path, culture)).ToString());

        await AccessibilityTests.AssertAccessibleAsync(page);
    }

    [Theory]
    [InlineData("me", "ja")]
    [InlineData("status", "zh")]
    [InlineData("registrations", "en")]
    [InlineData("apply?service=demo-pay", "ja")]
    [InlineData("apply/child", "en")]
    public async Task A_citizens_pages_have_no_wcag_violations(string path, string culture)
    {
        var page = await fixture.NewPageAsync();
        await fixture.SignInByApiAsync(page, "adult-7");
        await page.GotoAsync(new Uri(fixture.BaseUrl, WithCulture(path, culture)).ToString());

        Assert.DoesNotContain("/login", page.Url, StringComparison.Ordinal);
        await AccessibilityTests.AssertAccessibleAsync(page);
    }

    [Theory]
    [InlineData("staff", "admin", "ja")]
    [InlineData("counter", "counter", "ja")]
    [InlineData("callcentre", "call-centre", "zh")]
    [InlineData("municipal", "municipal", "ja")]
    [InlineData("admin", "admin", "ja")]
    [InlineData("admin", "admin", "en")]
    [InlineData("admin/operators", "admin", "ja")]
    [InlineData("admin/settlement", "admin", "en")]
    [InlineData("admin/documents/campaign", "admin", "ja")]
    [InlineData("admin/documents/catalogue", "admin", "zh")]
    [InlineData("admin/audit", "admin", "ja")]
    public async Task Staff_pages_have_no_wcag_violations(string path, string role, string culture)
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, role);
        await page.GotoAsync(new Uri(fixture.BaseUrl, WithCulture(path, culture)).ToString());

        Assert.DoesNotContain("/staff/sign-in", page.Url, StringComparison.Ordinal);
        await AccessibilityTests.AssertAccessibleAsync(page);
    }

    private static string WithCulture(string path, string culture) => path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "culture=" + culture;
}

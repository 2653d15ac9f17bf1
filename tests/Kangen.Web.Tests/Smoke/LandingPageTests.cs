using Microsoft.Playwright;

namespace Kangen.Web.Tests.Smoke;

/// <summary>The landing page and the frame every page shares: languages, security headers, staff sign-in.</summary>
public sealed class LandingPageTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    [Theory]
    [InlineData("ja", "マイナポイント第2弾", "最大 20,000 円相当")]
    [InlineData("zh", "个人编号积分第2轮", "最多 20,000 日元")]
    [InlineData("en", "Mynapoint Phase 2", "up to 20,000 yen")]
    public async Task The_landing_page_explains_the_three_programs_and_the_maximum_in_the_asked_language(string culture, string heading, string total)
    {
        var page = await fixture.NewPageAsync();
        var response = await page.GotoAsync(new Uri(fixture.BaseUrl, "?culture=" + culture).ToString());

        Assert.Equal(200, response!.Status);
        Assert.Equal(heading, await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        Assert.Equal(3, await page.Locator("[data-program]").CountAsync());
        Assert.Contains(total, await page.Locator(".total").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(culture == "zh" ? "zh-Hans" : culture, await page.Locator("html").GetAttributeAsync("lang"));
        await WebFixture.ScreenshotAsync(page, "landing-" + culture);
    }

    [Fact]
    public async Task Japanese_is_the_default_and_the_switch_keeps_the_chosen_language_on_the_next_page()
    {
        var page = await fixture.NewPageAsync(new() { Locale = "en-US" });
        await page.GotoAsync(fixture.BaseUrl.ToString());
        Assert.Equal("ja", await page.Locator("html").GetAttributeAsync("lang"));

        await page.GetByRole(AriaRole.Link, new() { Name = "中文" }).ClickAsync();
        Assert.Equal("zh-Hans", await page.Locator("html").GetAttributeAsync("lang"));
        await page.GotoAsync(new Uri(fixture.BaseUrl, "staff/sign-in").ToString());
        Assert.Equal("工作人员登录", await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
    }

    [Fact]
    public async Task Pages_carry_a_content_security_policy_and_are_never_cached()
    {
        var page = await fixture.NewPageAsync();
        var response = await page.GotoAsync(fixture.BaseUrl.ToString());
        var headers = await response!.AllHeadersAsync();

        Assert.Contains("script-src 'self'", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal("no-store", headers["cache-control"]);
        Assert.Equal("nosniff", headers["x-content-type-options"]);
    }

    [Fact]
    public async Task A_wrong_staff_token_is_refused_on_the_page_and_the_right_one_opens_the_staff_menu()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.BaseUrl, "staff/sign-in?culture=en").ToString());
        await page.GetByLabel("Staff token").FillAsync("not-a-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        Assert.Equal("The staff token is not valid.", await page.Locator("#sign-in-error").InnerTextAsync());
        Assert.Equal("true", await page.GetByLabel("Staff token").GetAttributeAsync("aria-invalid"));

        await fixture.StaffSignInAsync(page, "admin");
        Assert.EndsWith("/staff", page.Url, StringComparison.Ordinal);
        Assert.Contains("test-admin", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_staff_form_posted_without_its_anti_forgery_token_is_refused()
    {
        using var http = new HttpClient { BaseAddress = fixture.BaseUrl };
        var response = await http.PostAsync("staff/sign-in", new FormUrlEncodedContent([new("token", fixture.StaffToken("admin"))]));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("kangen-staff", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_missing_page_answers_404_with_a_page_in_the_language_and_the_api_keeps_its_problem_details()
    {
        var page = await fixture.NewPageAsync();
        var response = await page.GotoAsync(new Uri(fixture.BaseUrl, "no-such-page?culture=en").ToString());

        Assert.Equal(404, response!.Status);
        Assert.Equal("Page not found", await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());

        using var http = new HttpClient { BaseAddress = fixture.BaseUrl };
        var api = await http.GetAsync("api/v1/me");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("token=a%00b")]
    [InlineData("token=ab")]
    [InlineData("%00=1")]
    public async Task A_form_that_cannot_be_read_or_lacks_its_anti_forgery_token_gets_400_and_the_page_saying_so(string body)
    {
        using var http = new HttpClient { BaseAddress = fixture.BaseUrl };
        var response = await http.PostAsync("staff/sign-in?culture=en", new StringContent(body, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Please try again", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kangen.Web.Tests.CallCentre;

/// <summary>The call-centre console: the same lookup as the API, audited, and silent about why nothing matched.</summary>
public sealed class CallCentreLookupTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task A_matching_lookup_shows_the_status_as_the_API_gives_it_and_is_audited_under_the_agent()
    {
        var card = fixture.Card("adult-1");
        var service = await CitizenApi.ApplyAsync(fixture, card, accountIndex: 0, phoneLast4: "4321");
        var myKeyId = (await CitizenApi.TryOpenSessionAsync(fixture, card)).Session!.MyKeyId;
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "call-centre");
        await page.GotoAsync(Url("callcentre?culture=en"));

        await page.GetByLabel("My Key ID").FillAsync(myKeyId.ToLowerInvariant());
        await page.GetByLabel("Phone number, last 4 digits").FillAsync("4321");
        await page.GetByRole(AriaRole.Button, new() { Name = "Look up" }).ClickAsync();

        Assert.Equal(myKeyId, await page.GetByTestId("callcentre-my-key-id").InnerTextAsync());
        Assert.Equal("Applied", (await page.GetByTestId("callcentre-applied-card-acquisition").InnerTextAsync()).Trim());
        Assert.Equal("Not applied", (await page.GetByTestId("callcentre-applied-health-insurance").InnerTextAsync()).Trim());
        var serviceName = fixture.Services.GetRequiredService<Kangen.Platform.Features.Services.ServiceCatalogue>().Find(service)!.Name.En;
        Assert.Equal(serviceName, await page.GetByTestId("callcentre-service-card-acquisition").InnerTextAsync());
        // The digits are not kept on the page for the next caller.
        Assert.Equal("", await page.GetByLabel("Phone number, last 4 digits").InputValueAsync());
        await WebFixture.ScreenshotAsync(page, "callcentre-answer-en");

        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        var entry = await db.AuditLog.AsNoTracking().Where(e => e.Action == "call-centre.lookup").OrderByDescending(e => e.Sequence).FirstAsync();
        Assert.Equal("staff:test-call-centre", entry.Actor);
    }

    [Fact]
    public async Task Wrong_digits_and_an_unknown_My_Key_ID_get_the_same_answer()
    {
        var card = fixture.Card("adult-2");
        await CitizenApi.ApplyAsync(fixture, card, accountIndex: 1, phoneLast4: "1111");
        var myKeyId = (await CitizenApi.TryOpenSessionAsync(fixture, card)).Session!.MyKeyId;
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "call-centre");
        await page.GotoAsync(Url("callcentre?culture=en"));

        var wrongDigits = await LookUpAsync(page, myKeyId, "2222");
        var unknownId = await LookUpAsync(page, myKeyId == "ZZZZZZZ9" ? "ZZZZZZZ8" : "ZZZZZZZ9", "1111");

        Assert.Equal(wrongDigits, unknownId);
        Assert.Contains("No application matches", wrongDigits, StringComparison.Ordinal);
        Assert.Equal(0, await page.GetByTestId("callcentre-answer").CountAsync());
    }

    [Fact]
    public async Task A_malformed_My_Key_ID_is_refused_next_to_the_field()
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "call-centre");
        await page.GotoAsync(Url("callcentre?culture=en"));

        await page.GetByLabel("My Key ID").FillAsync("ABC");
        await page.GetByLabel("Phone number, last 4 digits").FillAsync("1234");
        await page.GetByRole(AriaRole.Button, new() { Name = "Look up" }).ClickAsync();

        var field = page.GetByLabel("My Key ID");
        Assert.Equal("true", await field.GetAttributeAsync("aria-invalid"));
        Assert.Equal("A My Key ID is 8 characters of A-Z and 0-9.", await page.Locator("#" + await field.GetAttributeAsync("aria-describedby")).InnerTextAsync());
    }

    [Fact]
    public async Task Staff_of_another_role_cannot_open_the_call_centre()
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "municipal");
        await page.GotoAsync(Url("callcentre"));
        Assert.Contains("/staff/denied", page.Url, StringComparison.Ordinal);
    }

    private static async Task<string> LookUpAsync(IPage page, string myKeyId, string digits)
    {
        await page.GetByLabel("My Key ID").FillAsync(myKeyId);
        await page.GetByLabel("Phone number, last 4 digits").FillAsync(digits);
        await page.GetByRole(AriaRole.Button, new() { Name = "Look up" }).ClickAsync();
        return (await page.GetByTestId("callcentre-no-match").InnerTextAsync()).Trim();
    }

    private string Url(string path) => new Uri(fixture.BaseUrl, path).ToString();
}

/// <summary>A platform whose call centre allows only two lookups per agent per minute.</summary>
public sealed class TightLimitFixture : WebFixture
{
    /// <inheritdoc />
    protected override IEnumerable<string> ExtraArguments => ["--Kangen:CallCentre:PerCallerPerMinute=2"];
}

/// <summary>The rate limit seen on the page.</summary>
public sealed class CallCentreLimitTests(TightLimitFixture fixture) : IClassFixture<TightLimitFixture>
{
    [Fact]
    public async Task A_lookup_over_the_limit_is_refused_with_its_message()
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "call-centre");
        await page.GotoAsync(new Uri(fixture.BaseUrl, "callcentre?culture=en").ToString());

        for (var i = 0; i < 3; i++)
        {
            await page.GetByLabel("My Key ID").FillAsync("ABCDEFG" + i);
            await page.GetByLabel("Phone number, last 4 digits").FillAsync("1234");
            await page.GetByRole(AriaRole.Button, new() { Name = "Look up" }).ClickAsync();
        }

        var refusal = page.GetByTestId("callcentre-refused");
        Assert.Equal("callcentre.rate-limited", await refusal.GetAttributeAsync("data-code"));
        Assert.Contains("Too many lookups. Try again later.", await refusal.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.GetByTestId("callcentre-no-match").CountAsync());
    }
}

using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kangen.Web.Tests.Review;

/// <summary>
/// A browser becomes a counter terminal when counter staff sign in on it. A citizen's session opened on it before (an
/// ordinary web session, not a spot one) must not be adopted by the terminal: it would carry the home channel to the
/// counter, where a public-fund account may not be registered.
/// </summary>
public sealed class StaffSignInForgetsCitizenTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task Counter_staff_signing_in_end_a_citizen_session_the_browser_already_had()
    {
        var page = await fixture.NewPageAsync();
        var myKeyId = await fixture.SignInByApiAsync(page, "adult-8", "web");
        await page.GotoAsync(new Uri(fixture.BaseUrl, "registrations?culture=en").ToString());
        Assert.Contains("/registrations", page.Url, StringComparison.Ordinal);

        await fixture.StaffSignInAsync(page, "counter");
        await page.GotoAsync(new Uri(fixture.BaseUrl, "registrations?culture=en").ToString());

        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
        Assert.Equal(0, await page.GetByTestId("terminal-citizen").CountAsync());
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        var person = await db.Persons.AsNoTracking().SingleAsync(p => p.MyKeyId == myKeyId);
        var sessions = await db.Sessions.AsNoTracking().Where(s => s.PersonId == person.Id).ToListAsync();
        Assert.NotEmpty(sessions);
        Assert.All(sessions, s => Assert.NotNull(s.EndedAt));
    }
}

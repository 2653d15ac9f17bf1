using System.Net;
using Kangen.Platform.Features.Identity.Certificates;
using Kangen.Platform.Storage;
using Kangen.SmartCard;
using Kangen.Web.Tests.CallCentre;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kangen.Web.Tests.Municipal;

/// <summary>The municipal office: the issuer's cards, PIN reset, revocation, renewal, and link suspension.</summary>
public sealed class MunicipalOfficeTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task The_card_list_shows_each_card_with_its_serial_state_and_PIN_tries()
    {
        // A card locked here, so the list shows one whatever the order of the tests that reset or revoke others.
        var blocked = fixture.Card("spare-4");
        for (var attempt = 0; attempt < PinRules.AuthenticationPinMaxTries; attempt++)
        {
            using var transport = new InProcessTransport(EmulatedCard.Load(blocked.FilePath));
            var client = new JpkiClient(transport);
            Assert.Throws<SmartCardException>(() => client.VerifyAuthPin("9999"));
        }
        var page = await SignedInAsync();
        await page.GotoAsync(Url("municipal?culture=en"));

        var table = page.GetByTestId("municipal-cards");
        Assert.Equal(15, await table.Locator("tbody tr").CountAsync());
        Assert.Contains(blocked.Serial, await table.Locator("tr[data-card='spare-4.card']").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("0 (locked)", await page.GetByTestId("tries-spare-4.card").InnerTextAsync());
        Assert.Equal("3", await page.GetByTestId("tries-adult-1.card").InnerTextAsync());
        Assert.Equal("Active", await page.GetByTestId("state-adult-1.card").InnerTextAsync());
        await WebFixture.ScreenshotAsync(page, "municipal-cards-en");
    }

    [Fact]
    public async Task A_locked_PIN_is_reset_with_a_new_PIN_typed_twice_and_the_card_then_logs_in_with_it()
    {
        var locked = fixture.Card("locked");
        var page = await SignedInAsync();
        await page.GotoAsync(Url("municipal?culture=en"));
        await page.GetByRole(AriaRole.Link, new() { Name = "locked.card" }).ClickAsync();
        Assert.Equal("0 (locked)", await page.GetByTestId("municipal-tries").InnerTextAsync());

        // Two different PINs: refused next to the second field, the card unchanged.
        await page.GetByLabel("New PIN", new() { Exact = true }).FillAsync("2580");
        await page.GetByLabel("New PIN again").FillAsync("2581");
        await page.GetByRole(AriaRole.Button, new() { Name = "Reset the PIN" }).ClickAsync();
        var confirmation = page.GetByLabel("New PIN again");
        Assert.Equal("true", await confirmation.GetAttributeAsync("aria-invalid"));
        Assert.Equal("The two PINs differ.", await page.Locator("#" + await confirmation.GetAttributeAsync("aria-describedby")).InnerTextAsync());
        Assert.Equal(0, EmulatedCard.Load(locked.FilePath).AuthPinTriesLeft);

        await page.GetByLabel("New PIN", new() { Exact = true }).FillAsync("2580");
        await page.GetByLabel("New PIN again").FillAsync("2580");
        await page.GetByRole(AriaRole.Button, new() { Name = "Reset the PIN" }).ClickAsync();

        Assert.Equal("pin-reset", await page.GetByTestId("municipal-done").GetAttributeAsync("data-done"));
        Assert.Equal("3", await page.GetByTestId("municipal-tries").InnerTextAsync());
        var (session, status, body) = await CitizenApi.TryOpenSessionAsync(fixture, locked with { Pin = "2580" });
        Assert.True(session is not null, $"login with the new PIN refused: {status} {body}");
        Assert.Equal("staff:test-municipal", (await LastAuditAsync("card.pin-reset")).Actor);
    }

    [Fact]
    public async Task A_revoked_card_is_refused_at_its_next_login_at_once()
    {
        var spare = fixture.Card("spare-1");
        Assert.NotNull((await CitizenApi.TryOpenSessionAsync(fixture, spare)).Session);
        var trust = fixture.Services.GetRequiredService<TrustStore>();
        var page = await SignedInAsync();
        await page.GotoAsync(Url("municipal/card?file=spare-1.card&culture=en"));

        // No reason chosen: refused next to the choice, nothing revoked.
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        Assert.Equal("Choose the reason for the revocation.", await page.Locator("#reason-error").InnerTextAsync());
        Assert.Equal("Active", await page.GetByTestId("municipal-state").InnerTextAsync());

        await page.GetByLabel("Lost or stolen").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();

        Assert.Equal("revoked", await page.GetByTestId("municipal-done").GetAttributeAsync("data-done"));
        Assert.Equal("Revoked", await page.GetByTestId("municipal-state").InnerTextAsync());
        // The platform's trust store took the new CRL in the same request, not at its next periodic refresh.
        Assert.True(trust.LastResult!.RevokedCount >= 1);
        var (session, status, body) = await CitizenApi.TryOpenSessionAsync(fixture, spare);
        Assert.Null(session);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("auth.certificate-revoked", body, StringComparison.Ordinal);
        Assert.Equal("staff:test-municipal", (await LastAuditAsync("card.revoked")).Actor);
    }

    [Fact]
    public async Task A_renewed_card_gets_new_certificates_and_stays_the_same_person()
    {
        var spare = fixture.Card("spare-2");
        var before = (await CitizenApi.TryOpenSessionAsync(fixture, spare)).Session!;
        var page = await SignedInAsync();
        await page.GotoAsync(Url("municipal/card?file=spare-2.card&culture=en"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Renew the certificates" }).ClickAsync();

        Assert.Equal("renewed", await page.GetByTestId("municipal-done").GetAttributeAsync("data-done"));
        var newSerial = await page.GetByTestId("municipal-serial").InnerTextAsync();
        Assert.NotEqual(spare.Serial, newSerial);
        var after = (await CitizenApi.TryOpenSessionAsync(fixture, spare)).Session;
        Assert.NotNull(after);
        Assert.Equal(before.MyKeyId, after.MyKeyId);
    }

    [Fact]
    public async Task Links_are_suspended_for_a_death_once_and_resumed_by_My_Key_ID()
    {
        var myKeyId = (await CitizenApi.TryOpenSessionAsync(fixture, fixture.Card("spare-3"))).Session!.MyKeyId;
        var page = await SignedInAsync();
        await page.GotoAsync(Url("municipal/links?culture=en"));
        var suspend = page.Locator("section").Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Suspend" }) });

        await suspend.GetByLabel("My Key ID").FillAsync(myKeyId);
        await suspend.GetByLabel("Death").CheckAsync();
        await suspend.GetByRole(AriaRole.Button, new() { Name = "Suspend" }).ClickAsync();
        Assert.Contains("links suspended (death)", await page.GetByTestId("links-done").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("death", (await SuspensionAsync(myKeyId))?.Reason);

        await suspend.GetByLabel("My Key ID").FillAsync(myKeyId);
        await suspend.GetByLabel("Fraud").CheckAsync();
        await suspend.GetByRole(AriaRole.Button, new() { Name = "Suspend" }).ClickAsync();
        Assert.Equal("links.already-suspended", await page.GetByTestId("links-refused").GetAttributeAsync("data-code"));
        Assert.Equal("death", (await SuspensionAsync(myKeyId))?.Reason);

        var resume = page.Locator("section").Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Resume" }) });
        await resume.GetByLabel("My Key ID").FillAsync(myKeyId);
        await resume.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        Assert.Contains("links resumed", await page.GetByTestId("links-done").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Null(await SuspensionAsync(myKeyId));
        Assert.Equal("staff:test-municipal", (await LastAuditAsync("link.resumed")).Actor);
    }

    [Fact]
    public async Task An_unknown_My_Key_ID_is_refused_next_to_the_field()
    {
        var page = await SignedInAsync();
        await page.GotoAsync(Url("municipal/links?culture=en"));
        var resume = page.Locator("section").Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Resume" }) });

        await resume.GetByLabel("My Key ID").FillAsync("ZZZZZZZ9");
        await resume.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();

        Assert.Equal("true", await resume.GetByLabel("My Key ID").GetAttributeAsync("aria-invalid"));
        Assert.Equal("No person holds this My Key ID.", await page.Locator("#resume-id-error").InnerTextAsync());
    }

    [Fact]
    public async Task Staff_of_another_role_cannot_open_the_municipal_office()
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "counter");
        await page.GotoAsync(Url("municipal"));
        Assert.Contains("/staff/denied", page.Url, StringComparison.Ordinal);
    }

    private async Task<IPage> SignedInAsync()
    {
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "municipal");
        return page;
    }

    private async Task<AuditEntry> LastAuditAsync(string action)
    {
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        return await db.AuditLog.AsNoTracking().Where(e => e.Action == action).OrderByDescending(e => e.Sequence).FirstAsync();
    }

    private async Task<LinkSuspension?> SuspensionAsync(string myKeyId)
    {
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        var person = await db.Persons.AsNoTracking().SingleAsync(p => p.MyKeyId == myKeyId);
        return await db.LinkSuspensions.AsNoTracking().SingleOrDefaultAsync(s => s.PersonId == person.Id);
    }

    private string Url(string path) => new Uri(fixture.BaseUrl, path).ToString();
}

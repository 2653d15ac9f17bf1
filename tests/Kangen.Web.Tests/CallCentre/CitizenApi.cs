using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Kangen.Platform.Features.Applications;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Services;
using Kangen.Rules;
using Microsoft.Extensions.DependencyInjection;

namespace Kangen.Web.Tests.CallCentre;

/// <summary>A citizen's session opened over the API.</summary>
/// <param name="Token">The bearer token.</param>
/// <param name="MyKeyId">The person's My Key ID.</param>
public sealed record ApiSession(string Token, string MyKeyId);

/// <summary>
/// What a citizen does over the platform's public API with a card of the fixture (signed by the fixture's card
/// agent): open a session, and apply with a demo account. For tests whose subject is a staff console, not the citizen
/// pages, so the citizen's side must not depend on those pages.
/// </summary>
public static class CitizenApi
{
    /// <summary>Opens a session with the card (its <see cref="WebCard.Pin"/>); the platform's answer when refused.</summary>
    public static async Task<(ApiSession? Session, HttpStatusCode Status, string Body)> TryOpenSessionAsync(WebFixture fixture, WebCard card)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        using var http = new HttpClient { BaseAddress = fixture.BaseUrl };
        var challenge = await ChallengeAsync(http, "session");
        var (certificate, signature) = await fixture.SignWithCardAsync(card, challenge);
        var response = await http.PostAsJsonAsync("api/v1/sessions", new
        {
            challenge,
            certificate = Convert.ToBase64String(certificate),
            signature = Convert.ToBase64String(signature),
            channel = "web",
        });
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
            return (null, response.StatusCode, body);
        using var json = JsonDocument.Parse(body);
        return (new ApiSession(json.RootElement.GetProperty("token").GetString()!, json.RootElement.GetProperty("myKeyId").GetString()!), response.StatusCode, body);
    }

    /// <summary>Applies for program 1 with the <paramref name="accountIndex"/>-th demo account of a service taking it, with the phone digits.</summary>
    /// <returns>The service's code.</returns>
    public static async Task<string> ApplyAsync(WebFixture fixture, WebCard card, int accountIndex, string phoneLast4)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        var (session, status, raw) = await TryOpenSessionAsync(fixture, card);
        Assert.True(session is not null, $"session refused: {status} {raw}");
        var catalogue = fixture.Services.GetRequiredService<ServiceCatalogue>();
        var service = catalogue.All.First(s => s.Accepts(ProgramKind.CardAcquisition));
        var fields = DemoAccounts.Create(service, accountIndex);
        using var http = new HttpClient { BaseAddress = fixture.BaseUrl };

        using var verify = new HttpRequestMessage(HttpMethod.Post, "api/v1/applications/verify-account")
        {
            Content = JsonContent.Create(new { service = service.Code.Value, fields }),
        };
        verify.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session!.Token);
        var verified = await http.SendAsync(verify);
        var verifiedBody = await verified.Content.ReadAsStringAsync();
        Assert.True(verified.StatusCode == HttpStatusCode.OK, $"verify-account: {verified.StatusCode} {verifiedBody}");
        using var verifiedJson = JsonDocument.Parse(verifiedBody);
        var verification = verifiedJson.RootElement.GetProperty("verification").GetString()!;
        var terms = verifiedJson.RootElement.GetProperty("terms").GetProperty("version").GetString()!;

        var campaign = fixture.Services.GetRequiredService<CampaignProvider>().At(fixture.Services.GetRequiredService<TimeProvider>().GetUtcNow()).Id.Value;
        var challenge = await ChallengeAsync(http, "application");
        var statement = ApplicationStatement.Build(challenge, campaign, forChild: false, [ProgramKind.CardAcquisition], service.Code.Value, terms, verification, phoneLast4, childPresent: false);
        var (certificate, signature) = await fixture.SignWithCardAsync(card, statement);
        var applied = await http.PostAsJsonAsync("api/v1/applications", new
        {
            programs = new[] { ProgramKind.CardAcquisition.ToCode() },
            service = service.Code.Value,
            termsVersion = terms,
            verification,
            phoneLast4,
            challenge,
            card = new { certificate = Convert.ToBase64String(certificate), signature = Convert.ToBase64String(signature) },
            childPresent = false,
        });
        Assert.True(applied.StatusCode == HttpStatusCode.Created, $"application: {applied.StatusCode} {await applied.Content.ReadAsStringAsync()}");
        return service.Code.Value;
    }

    private static async Task<string> ChallengeAsync(HttpClient http, string purpose)
    {
        var response = await http.PostAsJsonAsync("api/v1/challenges", new { purpose });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("challenge").GetString()!;
    }
}

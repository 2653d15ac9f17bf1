using System.Text.Json.Nodes;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Storage;
using Kangen.Web.Tests.CallCentre;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kangen.Web.Tests.Review;

/// <summary>A platform of its own: the test tries to change the campaign every other test runs on.</summary>
public sealed class CampaignIdentityFixture : WebFixture;

/// <summary>
/// The campaign editor must not let an administrator swap the campaign the recorded applications belong to: they are
/// stored under the campaign's id, so a saved document with another id made every citizen "not applied" (free to apply
/// again) at once, on every replica.
/// </summary>
public sealed class CampaignIdentityTests(CampaignIdentityFixture fixture) : IClassFixture<CampaignIdentityFixture>
{
    [Fact]
    public async Task A_campaign_with_another_id_is_refused_and_the_applications_stay_applied()
    {
        await CitizenApi.ApplyAsync(fixture, fixture.Card("adult-1"), 101, "1111");
        var citizen = await fixture.NewPageAsync();
        await fixture.SignInByApiAsync(citizen, "adult-1");
        await citizen.GotoAsync(new Uri(fixture.BaseUrl, "status?culture=en").ToString());
        await Assertions.Expect(citizen.GetByTestId("applied-card-acquisition")).ToContainTextAsync("Applied");
        var inForce = fixture.Services.GetRequiredService<CampaignProvider>().Definition.Id.Value;
        var versionsBefore = await VersionsAsync();

        var admin = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(admin, "admin");
        await admin.GotoAsync(new Uri(fixture.BaseUrl, "admin/documents/campaign?culture=en").ToString());
        var editor = admin.GetByLabel("Campaign (JSON)");
        var document = JsonNode.Parse(await editor.InputValueAsync())!;
        Assert.Equal(inForce, (string?)document["id"]);
        document["id"] = "another-campaign";
        await editor.FillAsync(document.ToJsonString());
        await admin.GetByRole(AriaRole.Button, new() { Name = "Check and save as a new version" }).ClickAsync();

        await Assertions.Expect(admin.GetByTestId("document-problems")).ToContainTextAsync("$.id");
        Assert.Equal(versionsBefore, await VersionsAsync());
        Assert.Equal(inForce, fixture.Services.GetRequiredService<CampaignProvider>().Definition.Id.Value);
        await citizen.GotoAsync(new Uri(fixture.BaseUrl, "status?culture=en").ToString());
        await Assertions.Expect(citizen.GetByTestId("applied-card-acquisition")).ToContainTextAsync("Applied");
    }

    private async Task<int> VersionsAsync()
    {
        using var scope = fixture.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<KangenDbContext>().ConfigurationDocuments.CountAsync(d => d.Kind == ConfigurationKinds.Campaign);
    }
}

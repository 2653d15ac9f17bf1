using System.Text.Json.Nodes;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Kangen.Rules;
using Kangen.Web.Tests.Apply;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kangen.Web.Tests.Review;

/// <summary>A platform of its own: the test withdraws a service from the catalogue.</summary>
public sealed class WithdrawnServiceFixture : WebFixture;

/// <summary>
/// The catalogue is edited live by an administrator: a citizen in the middle of the wizard whose service has just been
/// withdrawn must be told to choose again, not shown the failure page.
/// </summary>
public sealed class WithdrawnServiceTests(WithdrawnServiceFixture fixture) : IClassFixture<WithdrawnServiceFixture>
{
    [Fact]
    public async Task A_service_withdrawn_during_the_wizard_sends_the_citizen_back_to_choose_one_and_records_nothing()
    {
        var catalogue = fixture.Services.GetRequiredService<ServiceCatalogue>();
        var service = catalogue.All.First(s => s.Code.Value != "demo-pay" && s.Accepts(ProgramKind.CardAcquisition) && s.Fields.Count > 0
                                               && DemoAccountsAvailable(s));
        var page = await fixture.NewPageAsync();
        await fixture.SignInByApiAsync(page, "adult-3");
        var flow = new ApplyFlow(fixture, page, "en");
        await page.GotoAsync(flow.Url("apply?culture=en&service=" + service.Code.Value));
        await flow.ChooseServiceAsync();
        await Assertions.Expect(page.GetByLabel(service.Fields[0].Label.For("en"), new() { Exact = true })).ToBeVisibleAsync();

        await WithdrawAsync(service.Code.Value);
        Assert.Null(catalogue.Find(service.Code.Value));
        await flow.EnterAccountAsync(service, DemoAccounts.Create(service, 7));

        // The answer to the post is the form again, the service marked: waited for by that mark, not by the page's load
        // (the page before the post had loaded too).
        await Assertions.Expect(page.Locator("#service")).ToHaveAttributeAsync("aria-invalid", "true", new() { Timeout = WebFixture.WaitMilliseconds });
        Assert.DoesNotContain("Something went wrong", await page.ContentAsync(), StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#service-error")).ToBeVisibleAsync();
        using var scope = fixture.Services.CreateScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<KangenDbContext>().Applications.CountAsync());
    }

    private static bool DemoAccountsAvailable(PaymentService service)
    {
        try
        {
            return DemoAccounts.Create(service, 7).Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private async Task WithdrawAsync(string code)
    {
        using var scope = fixture.Services.CreateScope();
        var documents = scope.ServiceProvider.GetRequiredService<ConfigurationDocuments>();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        var (text, _) = await documents.CurrentTextAsync(db, ConfigurationKinds.Catalogue, CancellationToken.None);
        var document = JsonNode.Parse(text)!;
        var services = document["services"]!.AsArray();
        services.Remove(services.First(s => (string?)s!["code"] == code));
        var (saved, problem, problems) = await documents.SaveAsync(db, scope.ServiceProvider.GetRequiredService<WriteGate>(), TimeProvider.System,
            ConfigurationKinds.Catalogue, document.ToJsonString(), "test-admin", CancellationToken.None);
        Assert.True(saved is not null, problem?.Code + " " + string.Join("; ", problems));
    }
}

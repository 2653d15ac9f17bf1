using Kangen.Platform.Storage;
using static Kangen.Platform.Tests.Features.Applications.Applying;

namespace Kangen.Platform.Tests.Features.Applications;

/// <summary>The figures an administrator watches (and the admin charts will draw): applications by program, service, channel and actor; refusals by code; operator verifications by outcome.</summary>
public sealed class ApplicationMetricsTests
{
    [Fact]
    public async Task Metrics_count_recorded_applications_refusals_and_verifications()
    {
        await using var fixture = await ApplyingFixture.StartAsync(StorageProvider.Sqlite, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var applicant = await SignInAsync(client, fixture.IssueCard());
        var account = fixture.NewAccount("demo-pay");
        await ApplySelfOkAsync(client, applicant, "demo-pay", account, Card);
        await ApplySelfAsync(client, applicant, "demo-pay", account, Card); // the second one is refused

        var metrics = await client.GetStringAsync("/metrics");

        // Meters are shared by name across the test hosts of this process, so counts are at least, not exactly, these.
        Assert.Matches("kangen_applications_recorded_total\\{[^}]*program=\"card-acquisition\"[^}]*service=\"demo-pay\"[^}]*\\} [1-9]", metrics);
        Assert.Contains("code=\"application.already-exists\"", metrics);
        Assert.Matches("kangen_accounts_verifications_total\\{[^}]*outcome=\"verified\"[^}]*\\} [1-9]", metrics);
    }
}

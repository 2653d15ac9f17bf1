using System.Net;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.AspNetCore.Hosting;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Applications;

/// <summary>A platform without demo operators: the default of kangen serve.</summary>
public sealed class NoDemoOperatorsFixture() : PlatformFixture(StorageProvider.Sqlite)
{
    protected override void Configure(IWebHostBuilder web)
    {
        web.UseSetting("Kangen:Campaign:DemoAnchor", ApplyingFixture.DefaultAnchor);
        web.UseSetting(ServicesRegistration.DemoOperatorsKey, "false");
    }
}

public sealed class OperatorConnectionTests(NoDemoOperatorsFixture fixture) : IClassFixture<NoDemoOperatorsFixture>
{
    [Fact]
    public async Task Without_a_connected_operator_every_verification_is_retry_later_and_nothing_is_written()
    {
        using var client = fixture.CreateClient();
        var applicant = await SignInAsync(client, fixture.IssueCard());
        var service = ServiceCatalogue.LoadDefault().Find("demo-pay")!;
        // Codes anyone can compute from the published demo constant must not verify on a real deployment.
        var fields = DemoAccounts.Create(service, 1);
        var before = await fixture.CountAsync();

        var reply = await VerifyAccountAsync(client, applicant.Token, "demo-pay", fields);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Status);
        Assert.Equal("application.operator-unavailable", reply.Code);
        Assert.Equal(before, await fixture.CountAsync());
    }
}

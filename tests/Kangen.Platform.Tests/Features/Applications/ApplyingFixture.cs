using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kangen.Platform.Tests.Features.Applications;

/// <summary>
/// The platform with the 2022-2023 campaign moved onto the fake clock (<c>Kangen:Campaign:DemoAnchor</c>): the clock's
/// first day becomes <see cref="Anchor"/> of the campaign's calendar. Hands out demo accounts the demo operators accept,
/// each index once.
/// </summary>
public abstract class ApplyingFixture(StorageProvider provider, string anchor = ApplyingFixture.DefaultAnchor)
    : PlatformFixture(provider), IAsyncDisposable
{
    /// <summary>Mid-campaign: every window open, demo-card not closed yet, campaign version 2 in force.</summary>
    public const string DefaultAnchor = "2022-10-15";

    private int _accounts;

    public string Anchor { get; } = anchor;

    public ServiceCatalogue Catalogue => Factory.Services.GetRequiredService<ServiceCatalogue>();

    public DemoOperators Operators => Factory.Services.GetRequiredService<DemoOperators>();

    public SecretBox Box => Factory.Services.GetRequiredService<SecretBox>();

    protected override void Configure(IWebHostBuilder web) => web.UseSetting("Kangen:Campaign:DemoAnchor", Anchor);

    public PaymentService Service(string code) => Catalogue.Find(code) ?? throw new ArgumentException($"No service {code}.", nameof(code));

    /// <summary>A demo account of <paramref name="service"/> no other test of this fixture uses (field values as typed).</summary>
    public IReadOnlyDictionary<string, string> NewAccount(string service) =>
        DemoAccounts.Create(Service(service), Interlocked.Increment(ref _accounts));

    /// <summary>The payment service ID of <paramref name="fields"/>, normalised as the platform keeps it.</summary>
    public string NormalisedId(string service, IReadOnlyDictionary<string, string> fields)
    {
        var field = Service(service).AccountIdField;
        return FieldValidation.Check(field, fields[field.Name]).Value!;
    }

    /// <summary>Row counts of every table applying and registering touch.</summary>
    public async Task<ApplicationCounts> CountApplicationsAsync()
    {
        await using var db = NewContext();
        return new ApplicationCounts(
            await db.Persons.CountAsync(), await db.ApplicationSubmissions.CountAsync(), await db.Applications.CountAsync(),
            await db.CampaignChoices.CountAsync(), await db.ServiceAccounts.CountAsync(), await db.ConsumedChallenges.CountAsync(),
            await db.AuditLog.CountAsync(), await db.Registrations.CountAsync());
    }

    /// <summary>A started fixture of its own, for a test that moves the clock.</summary>
    public static async Task<ApplyingFixture> StartAsync(StorageProvider provider, string anchor)
    {
        var fixture = new OwnApplyingFixture(provider, anchor);
        await fixture.InitializeAsync();
        return fixture;
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private sealed class OwnApplyingFixture(StorageProvider provider, string anchor) : ApplyingFixture(provider, anchor);
}

public sealed record ApplicationCounts(
    int Persons, int Submissions, int Applications, int Choices, int ServiceAccounts, int ConsumedChallenges, int Audit, int Registrations);

public sealed class SqliteApplyingFixture() : ApplyingFixture(StorageProvider.Sqlite);

public sealed class PostgresApplyingFixture() : ApplyingFixture(StorageProvider.Postgres);

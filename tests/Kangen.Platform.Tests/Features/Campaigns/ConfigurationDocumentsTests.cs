using System.Net;
using System.Text.Json.Nodes;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kangen.Platform.Tests.Features.Campaigns;

/// <summary>
/// The administrator's saved campaign and catalogue: checked by the loading parsers, saved as versions, in force at
/// once on the replica that saved and within a poll on the others, demo-shifted like the files; SQLite and PostgreSQL.
/// </summary>
public abstract class ConfigurationDocumentsTests<TFixture>(TFixture fixture) where TFixture : PlatformFixture
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(20);

    private async Task<(ConfigurationVersion? Saved, IReadOnlyList<DocumentProblem> Problems, string? Code)> SaveAsync(
        WebApplicationFactory<Program> host, string kind, string content)
    {
        using var scope = host.Services.CreateScope();
        var documents = scope.ServiceProvider.GetRequiredService<ConfigurationDocuments>();
        var (saved, problem, problems) = await documents.SaveAsync(scope.ServiceProvider.GetRequiredService<KangenDbContext>(),
            scope.ServiceProvider.GetRequiredService<WriteGate>(), fixture.Time, kind, content, "test-admin", CancellationToken.None);
        return (saved, problems, problem?.Code);
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + PollTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "the replica did not pick up the saved version in time");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_saved_campaign_is_in_force_at_once_here_and_on_another_replica_after_its_poll_demo_shifted_like_the_file()
    {
        using var replica = fixture.StartReplica();
        var here = fixture.Factory.Services.GetRequiredService<CampaignProvider>();
        var there = replica.Services.GetRequiredService<CampaignProvider>();
        Assert.NotEqual(0, here.ShiftDays);
        var deadline = new DateOnly(2023, 3, 1).AddDays(Random.Shared.Next(1, 28));
        var document = JsonNode.Parse(CampaignText(here))!;
        document["pointApplicationDeadline"] = deadline.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var auditBefore = (await fixture.CountAsync()).Audit;

        var (saved, problems, code) = await SaveAsync(fixture.Factory, ConfigurationKinds.Campaign, document.ToJsonString());

        Assert.Null(code);
        Assert.Empty(problems);
        Assert.NotNull(saved);
        Assert.Equal(ConfigurationDocuments.Hash(document.ToJsonString()), saved.Sha256);
        Assert.Equal(deadline.AddDays(here.ShiftDays), here.Definition.Base.PointApplicationDeadline);
        Assert.Equal(saved.Version, fixture.Factory.Services.GetRequiredService<ConfigurationDocuments>().AppliedVersion(ConfigurationKinds.Campaign));
        var thereDocuments = replica.Services.GetRequiredService<ConfigurationDocuments>();
        await EventuallyAsync(() => thereDocuments.AppliedVersion(ConfigurationKinds.Campaign) == saved.Version);
        Assert.Equal(deadline.AddDays(there.ShiftDays), there.Definition.Base.PointApplicationDeadline);
        // A replica started afterwards loads it before serving.
        using (var late = fixture.StartReplica())
            Assert.Equal(saved.Version, late.Services.GetRequiredService<ConfigurationDocuments>().AppliedVersion(ConfigurationKinds.Campaign));
        await using var db = fixture.NewContext();
        var row = await db.ConfigurationDocuments.SingleAsync(d => d.Kind == ConfigurationKinds.Campaign && d.Version == saved.Version);
        Assert.Equal("test-admin", row.SavedBy);
        var entry = await db.AuditLog.OrderByDescending(a => a.Sequence).FirstAsync();
        Assert.Equal("configuration.saved", entry.Action);
        Assert.Equal("configuration:campaign", entry.Subject);
        Assert.Equal(auditBefore + 1, (await fixture.CountAsync()).Audit);
    }

    [Fact]
    public async Task A_campaign_that_does_not_parse_is_refused_with_its_paths_and_nothing_is_saved()
    {
        var here = fixture.Factory.Services.GetRequiredService<CampaignProvider>();
        var inForce = here.Definition;
        var document = JsonNode.Parse(CampaignText(here))!;
        document["totalCap"] = -5;
        document["programs"]![0]!["kind"] = "lottery";
        await using var db = fixture.NewContext();
        var before = await db.ConfigurationDocuments.CountAsync();

        var (saved, problems, code) = await SaveAsync(fixture.Factory, ConfigurationKinds.Campaign, document.ToJsonString());
        var (_, jsonProblems, jsonCode) = await SaveAsync(fixture.Factory, ConfigurationKinds.Campaign, "{ \"schemaVersion\": ");

        Assert.Null(saved);
        Assert.Equal("configuration.invalid", code);
        Assert.Contains(problems, p => p.Path.Contains("totalCap", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Path.Contains("programs[0].kind", StringComparison.Ordinal));
        Assert.Equal("configuration.invalid", jsonCode);
        Assert.Contains("not valid JSON", Assert.Single(jsonProblems).Message, StringComparison.Ordinal);
        Assert.Equal(before, await db.ConfigurationDocuments.CountAsync());
        Assert.Same(inForce, here.Definition);
    }

    [Fact]
    public async Task A_saved_catalogue_replaces_the_services_every_replica_serves()
    {
        using var replica = fixture.StartReplica();
        var catalogue = fixture.Factory.Services.GetRequiredService<ServiceCatalogue>();
        var code = catalogue.All[0].Code.Value;
        var name = "Edited " + Guid.NewGuid().ToString("N")[..6];
        var document = JsonNode.Parse(EmbeddedCatalogue())!;
        var service = document["services"]!.AsArray().First(s => (string?)s!["code"] == code)!;
        service["name"]!["en"] = name;
        var firstTerms = service["terms"]!.AsArray().Select(t => DateOnly.Parse((string)t!["effective"]!, System.Globalization.CultureInfo.InvariantCulture)).Min();

        var (saved, problems, _) = await SaveAsync(fixture.Factory, ConfigurationKinds.Catalogue, document.ToJsonString());

        Assert.Empty(problems);
        Assert.NotNull(saved);
        Assert.Equal(name, catalogue.Find(code)!.Name.En);
        // The instance the features were given is the one that changed; dates move with the demo calendar.
        var shift = fixture.Factory.Services.GetRequiredService<CampaignProvider>().ShiftDays;
        Assert.Equal(firstTerms.AddDays(shift), catalogue.Find(code)!.Terms[0].Effective);
        using var client = replica.CreateClient();
        await EventuallyAsync(() => replica.Services.GetRequiredService<ServiceCatalogue>().Find(code)!.Name.En == name);
        var response = await client.GetAsync($"/api/v1/services/{code}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(name, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // The embedded default, shared by everything else in the process, is untouched.
        Assert.NotEqual(name, ServiceCatalogue.LoadDefault().Find(code)!.Name.En);

        var (none, invalid, invalidCode) = await SaveAsync(fixture.Factory, ConfigurationKinds.Catalogue, "{\"schemaVersion\": 2, \"operators\": [], \"services\": []}");
        Assert.Null(none);
        Assert.Equal("configuration.invalid", invalidCode);
        Assert.Contains(invalid, p => p.Path == "$.schemaVersion");
        Assert.Equal(name, catalogue.Find(code)!.Name.En);
    }

    private static string CampaignText(CampaignProvider provider) => provider.FileText();

    private static string EmbeddedCatalogue()
    {
        using var stream = typeof(ServiceCatalogue).Assembly.GetManifestResourceStream(ServiceCatalogue.EmbeddedResourceName)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>A platform on the demo calendar whose replicas poll for saved documents every second.</summary>
public abstract class ConfigurationFixture(StorageProvider provider) : PlatformFixture(provider)
{
    protected override void Configure(IWebHostBuilder web)
    {
        ArgumentNullException.ThrowIfNull(web);
        web.UseSetting("Kangen:Campaign:DemoAnchor", "2022-10-15");
        web.UseSetting(ConfigurationOptions.Section + ":RefreshSeconds", "1");
    }
}

public sealed class SqliteConfigurationFixture() : ConfigurationFixture(StorageProvider.Sqlite);

public sealed class PostgresConfigurationFixture() : ConfigurationFixture(StorageProvider.Postgres);

public sealed class SqliteConfigurationDocumentsTests(SqliteConfigurationFixture fixture)
    : ConfigurationDocumentsTests<SqliteConfigurationFixture>(fixture), IClassFixture<SqliteConfigurationFixture>;

public sealed class PostgresConfigurationDocumentsTests(PostgresConfigurationFixture fixture)
    : ConfigurationDocumentsTests<PostgresConfigurationFixture>(fixture), IClassFixture<PostgresConfigurationFixture>;

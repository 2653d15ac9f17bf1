using Kangen.Cli.Features.Bench;
using Kangen.Cli.Features.Bench.Generate;
using Kangen.Cli.Features.Demo;
using Kangen.Platform.Features.Applications;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kangen.Cli.Tests.Features.Bench;

public sealed class GenerateCommandTests : IDisposable
{
    private const int People = 2000;

    private readonly string _data = Directory.CreateTempSubdirectory("kangen-generate-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private string Folder(string name) => GeneratedDatabase.FolderOf(BenchCommand.Folder(_data), name);

    [Fact]
    public async Task Generated_people_on_sqlite_keep_the_invariants_and_a_real_citizen_can_still_apply()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "bench", "generate", "--people", People.ToString(), "--name", "t1", "--data", _data);

        Assert.True(code == ExitCodes.Ok, output);
        Assert.Contains("people/s", output);
        var (database, exists, error) = await GeneratedDatabase.LocateAsync(BenchCommand.Folder(_data), "t1", null, CancellationToken.None);
        Assert.Null(error);
        Assert.True(exists);
        await CheckAsync(database!);
    }

    [Fact]
    public async Task Generated_people_on_postgres_keep_the_invariants_and_a_real_citizen_can_still_apply()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..10];
        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "bench", "generate", "--people", People.ToString(), "--name", name,
            "--postgres", PostgresServer, "--data", _data);
        var (database, exists, error) = await GeneratedDatabase.LocateAsync(BenchCommand.Folder(_data), name, PostgresServer, CancellationToken.None);
        try
        {
            Assert.True(code == ExitCodes.Ok, output);
            Assert.Null(error);
            Assert.True(exists);
            await CheckAsync(database!);
        }
        finally
        {
            await database!.DropAsync();
        }
    }

    private static async Task CheckAsync(GeneratedDatabase database)
    {
        await using (var db = KangenStorage.CreateContext(database.Provider, database.ConnectionString + ";Pooling=false"))
        {
            var audit = await AuditVerifier.VerifyAsync(db);
            Assert.True(audit.IsIntact, audit.Detail);
            // Four entries per person (first login, session, application, session end) and one per operator and batch of grants.
            Assert.True(audit.Count > 4L * People, $"{audit.Count} audit entries");

            Assert.Equal(People, await db.Persons.CountAsync());
            Assert.Equal(People, await db.Certificates.CountAsync(c => c.Serial.StartsWith(Population.SerialPrefix)));
            Assert.Equal(People, await db.ApplicationSubmissions.CountAsync());
            Assert.Equal(People, await db.ServiceAccounts.CountAsync());
            Assert.Equal(People, await db.OperatorPseudonyms.CountAsync());
            Assert.Equal(await db.Applications.CountAsync(), await db.EnrolmentEvents.CountAsync());

            // Invariant 1: one choice per person and campaign, and every application under the chosen service.
            Assert.Equal(People, await db.CampaignChoices.CountAsync());
            Assert.Equal(People, await db.CampaignChoices.Select(c => c.PersonId).Distinct().CountAsync());
            Assert.Equal(0, await db.Applications.CountAsync(a => !db.CampaignChoices.Any(c => c.PersonId == a.PersonId && c.Campaign == a.Campaign && c.Service == a.Service)));
            Assert.Equal(0, await db.Persons.CountAsync(p => !db.Applications.Any(a => a.PersonId == p.Id)));
            // Invariant 2: each account bound to the person whose choice names it.
            Assert.Equal(0, await db.ServiceAccounts.CountAsync(s => !db.CampaignChoices.Any(c => c.PersonId == s.PersonId && c.Service == s.Service && c.AccountReference == s.AccountReference)));
            // Invariant 3 and 8: totals within the caps (5,000 / 7,500 / 7,500, 20,000 in all) and equal to the ledger, whole points.
            Assert.True(await db.GrantTotals.CountAsync() > People / 4);
            Assert.Equal(0, await db.GrantTotals.CountAsync(t => t.CardAcquisition > 5000 || t.HealthInsurance > 7500 || t.PublicFundAccount > 7500
                || t.CardAcquisition + t.HealthInsurance + t.PublicFundAccount > 20000));
            Assert.Equal(0, await db.GrantTotals.CountAsync(t => t.CardAcquisition + t.HealthInsurance + t.PublicFundAccount
                != db.Grants.Where(g => g.PersonId == t.PersonId).Sum(g => g.Points)));
            Assert.Equal(await db.Grants.SumAsync(g => g.Points),
                await db.GrantTotals.SumAsync(t => t.CardAcquisition + t.HealthInsurance + t.PublicFundAccount));
            Assert.True(await db.Grants.CountAsync(g => g.Status == "partial" || g.Status == "refused") > 0, "some generated grants reach a cap");
            Assert.Equal(0, await db.Grants.CountAsync(g => !db.Applications.Any(a => a.PersonId == g.PersonId && a.Program == g.Program)));

            // Service IDs sealed with the data folder's keys open to the demo operator's account behind the reference.
            var box = new SecretBox(SecretKeys.Read(database.KeyFile));
            var catalogue = ServiceCatalogue.LoadDefault();
            foreach (var submission in await db.ApplicationSubmissions.AsNoTracking().Take(20).ToListAsync())
            {
                Assert.True(box.TryOpen(ApplicationRecorder.ServiceIdPurpose, submission.SealedServiceId, out var accountId));
                Assert.Equal(submission.AccountReference, DemoDerivation.AccountReference(catalogue.Find(submission.Service)!, accountId));
            }
        }

        await RealCitizenAppliesAsync(database);
    }

    /// <summary>A citizen with an emulated card applies on the platform started on the generated database; the chain still verifies.</summary>
    private static async Task RealCitizenAppliesAsync(GeneratedDatabase database)
    {
        var context = new CliContext(new Spectre.Console.Testing.TestConsole(), TimeProvider.System);
        var cards = Path.Combine(database.Folder, "..", "..", "cards");
        var card = BenchCards.Ensure(cards, 1, TimeProvider.System, new BenchProgress().Add("cards", 1))[0];
        var staff = DemoStaff.Create();
        var site = await DemoPlatform.StartAsync(context, database.Folder, "http://127.0.0.1:0", staff,
            [.. database.PlatformSettings, "--Kangen:Trust:IssuerDirectory=" + BenchCards.IssuerDirectory(cards), "--Kangen:Admission:Enabled=false"], CancellationToken.None);
        await using (site)
        {
            using var http = new HttpClient { BaseAddress = new Uri(site.Url.TrimEnd('/') + "/") };
            var campaign = site.Platform.Services.GetRequiredService<CampaignProvider>().Definition.Id.Value;
            var service = site.Platform.Services.GetRequiredService<ServiceCatalogue>().Find(RushScenario.Service)!;
            var phase = new BenchPhase("citizen", TimeProvider.System);
            phase.Start();
            var flow = new CitizenFlow([http], phase, campaign, RushScenario.Service, admission: false, null, CancellationToken.None);
            var outcome = await flow.RunAsync(card, DemoAccounts.Create(service, 0), () => { }, Task.CompletedTask);
            phase.End();
            Assert.True(outcome.Served, string.Join("; ", phase.Summarise().ErrorSamples));
            Assert.Equal(0, phase.Errors);

            await using var scope = site.Platform.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
            Assert.Equal(People + 1, await db.Persons.CountAsync());
            var audit = await AuditVerifier.VerifyAsync(db);
            Assert.True(audit.IsIntact, audit.Detail);
        }
    }

    [Fact]
    public async Task Negative_people_is_a_usage_error_and_creates_nothing()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "bench", "generate", "--people", "-5", "--data", _data);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--people", output);
        Assert.False(Directory.Exists(BenchCommand.Folder(_data)));
    }

    [Fact]
    public async Task An_unreachable_server_is_a_readable_failure_and_creates_nothing()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "bench", "generate", "--people", "10",
            "--postgres", "Host=127.0.0.1;Port=1;Username=nobody;Timeout=3", "--data", _data);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("cannot be reached", output);
        Assert.False(Directory.Exists(BenchCommand.Folder(_data)));
    }

    [Fact]
    public async Task A_name_already_generated_is_refused_without_replace_and_kept_as_it_was()
    {
        Assert.Equal(ExitCodes.Ok, (await CliRun.RunAsync(TimeProvider.System, "bench", "generate", "--people", "30", "--name", "twice", "--data", _data)).ExitCode);
        var file = Path.Combine(Folder("twice"), "kangen.db");
        var before = File.GetLastWriteTimeUtc(file);

        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "bench", "generate", "--people", "40", "--name", "twice", "--data", _data);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("--replace", output);
        Assert.Equal(before, File.GetLastWriteTimeUtc(file));
        Assert.Equal(ExitCodes.Ok, (await CliRun.RunAsync(TimeProvider.System, "bench", "generate", "--people", "40", "--name", "twice", "--replace", "--data", _data)).ExitCode);
        await using var db = KangenStorage.CreateContext(StorageProvider.Sqlite, $"Data Source={file};Pooling=false");
        Assert.Equal(40, await db.Persons.CountAsync());
    }

    /// <summary>The PostgreSQL server of scripts/postgres.sh; a test that needs it fails (never skips) without it.</summary>
    internal static string PostgresServer =>
        Environment.GetEnvironmentVariable("KANGEN_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("KANGEN_TEST_POSTGRES is not set: run scripts/postgres.sh start and export KANGEN_TEST_POSTGRES=\"$(scripts/postgres.sh url)\" (scripts/test.sh does this).");
}

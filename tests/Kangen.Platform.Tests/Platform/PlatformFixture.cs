using Kangen.Platform.Features.Identity.Certificates;
using Kangen.Platform.Storage;
using Kangen.SmartCard;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Platform;

/// <summary>
/// The platform over HTTP on a real database with real emulated cards: one issuer in the fixture's data
/// folder (the platform trusts it by default, as <c>kangen serve</c> does), a second issuer the platform does
/// not trust, and a fake clock shared by the issuer and the server.
/// </summary>
public abstract class PlatformFixture(StorageProvider provider) : IAsyncLifetime
{
    public const string Pin = "1234";
    public static readonly DateTimeOffset Start = new(2026, 4, 1, 3, 0, 0, TimeSpan.Zero);
    private static readonly CardHolder Holder = new("見本 花子", new DateOnly(1990, 6, 15), CardHolderSex.Female, "東京都千代田区霞が関2-1-2");

    private WebApplicationFactory<Program>? _factory;
    private TestDatabase? _database;

    public StorageProvider Provider { get; } = provider;
    public FakeTimeProvider Time { get; } = new(Start);
    public string Root { get; } = Directory.CreateTempSubdirectory("kangen-platform-tests-").FullName;
    public string DataDirectory => System.IO.Path.Combine(Root, "data");
    public CardIssuer Issuer { get; private set; } = null!;
    public CardIssuer OtherIssuer { get; private set; } = null!;
    public TestDatabase Database => _database!;
    public WebApplicationFactory<Program> Factory => _factory!;
    public TrustStore Trust => Factory.Services.GetRequiredService<TrustStore>();

    /// <summary>What the platform (and every replica) logged at Error and above, for a failing test's message.</summary>
    public ServerErrors ServerErrors { get; } = new();

    public async Task InitializeAsync()
    {
        Issuer = CardIssuer.Open(DataDirectory, Time);
        OtherIssuer = CardIssuer.Open(System.IO.Path.Combine(Root, "other-issuer"), Time);
        _database = await TestDatabase.CreateAsync(Provider, Provider == StorageProvider.Sqlite ? DataDirectory : null);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(ConfigureHost);
        _ = _factory.Server; // start: migrations run before the first request
        await using var db = NewContext();
        await db.AuditHead.CountAsync();
    }

    private void ConfigureHost(IWebHostBuilder web)
    {
        web.UseSetting("Kangen:Data", DataDirectory);
        web.UseSetting("Kangen:Storage:Provider", Provider.ToString().ToLowerInvariant());
        web.UseSetting("Kangen:Storage:ConnectionString", Database.ConnectionString);
        // Tests move the fake clock by hours; background pruning would then change row counts mid-test.
        // Pruning has its own test (HousekeepingTests).
        web.UseSetting("Kangen:Sessions:PruneEveryMinutes", "0");
        // The built-in demo operators verify the tests' accounts (off by default: OperatorConnectionTests).
        web.UseSetting(Kangen.Platform.Features.Services.ServicesRegistration.DemoOperatorsKey, "true");
        web.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time));
        web.ConfigureLogging(logging => logging.AddProvider(ServerErrors));
        Configure(web);
    }

    /// <summary>
    /// A second platform instance (a replica) with the same settings (and <paramref name="settings"/> over them), data
    /// folder (so the same data keys), clock and database as <see cref="Factory"/>, started; the caller disposes it.
    /// </summary>
    public WebApplicationFactory<Program> StartReplica(params (string Key, string Value)[] settings) => StartReplica(_ => { }, settings);

    /// <summary>A replica as <see cref="StartReplica(ValueTuple{string, string}[])"/>, with <paramref name="services"/> over its services.</summary>
    public WebApplicationFactory<Program> StartReplica(Action<IServiceCollection> services, params (string Key, string Value)[] settings)
    {
        var replica = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            ConfigureHost(web);
            foreach (var (key, value) in settings)
                web.UseSetting(key, value);
            web.ConfigureTestServices(services);
        });
        try
        {
            _ = replica.Server;
        }
        catch
        {
            replica.Dispose();
            throw;
        }
        return replica;
    }

    /// <summary>Settings of a derived fixture (e.g. the campaign's demo anchor), applied after the common ones.</summary>
    protected virtual void Configure(IWebHostBuilder web)
    {
    }

    public HttpClient CreateClient() => Factory.CreateClient();

    public KangenDbContext NewContext() => Database.NewContext();

    /// <summary>The signing password of cards issued without one given.</summary>
    public const string SigningPassword = "SIGN1234";

    /// <summary>The holder of cards issued without a birth date given (only their signing certificate carries it).</summary>
    public static CardHolder DefaultHolder => Holder;

    /// <summary>
    /// A card of its own from the trusted issuer (or the untrusted one); <paramref name="birthDate"/> gives another
    /// holder's birth date (a child's card, for applications by a legal representative).
    /// </summary>
    public TestCard IssueCard(bool trusted = true, DateOnly? validUntil = null, DateOnly? birthDate = null, string signingPassword = SigningPassword)
    {
        var path = System.IO.Path.Combine(Root, "cards", Guid.NewGuid().ToString("N") + ".card.json");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var holder = birthDate is { } born ? Holder with { BirthDate = born } : Holder;
        var issued = (trusted ? Issuer : OtherIssuer).Issue(path, holder, Pin, signingPassword, validUntil);
        return new TestCard(path, Pin, issued.AuthenticationSerial, signingPassword);
    }

    /// <summary>Row counts of every identity table and the audit log.</summary>
    public async Task<Counts> CountAsync()
    {
        await using var db = NewContext();
        return new Counts(
            await db.Persons.CountAsync(), await db.Certificates.CountAsync(), await db.Sessions.CountAsync(),
            await db.ConsumedChallenges.CountAsync(), await db.AuditLog.CountAsync());
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
            await _factory.DisposeAsync();
        Issuer?.Dispose();
        OtherIssuer?.Dispose();
        if (_database is not null)
            await _database.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public sealed record Counts(int Persons, int Certificates, int Sessions, int ConsumedChallenges, int Audit);

public sealed class SqlitePlatformFixture() : PlatformFixture(StorageProvider.Sqlite);

public sealed class PostgresPlatformFixture() : PlatformFixture(StorageProvider.Postgres);

using System.Globalization;
using Kangen.Cli.Features.Demo;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kangen.Cli.Features.Bench;

/// <summary>
/// The platform a load scenario runs against: one or more instances hosted in this process on loopback ports, as
/// <c>kangen demo</c> hosts it (demo dates, the built-in demo operators), trusting the bench's card issuer, on a fresh
/// SQLite folder or a fresh PostgreSQL database of the run's own (dropped at the end). Instances after the first share
/// the database and the data folder, as replicas behind a load balancer do.
/// </summary>
internal sealed class BenchPlatform : IAsyncDisposable
{
    private readonly List<DemoSite> _sites = [];
    private readonly List<HttpClient> _clients = [];

    private BenchPlatform(BenchDatabase? database, string storage)
    {
        Database = database;
        Storage = storage;
    }

    /// <summary>The PostgreSQL database of the run (dropped at the end), or null on SQLite or a generated database.</summary>
    public BenchDatabase? Database { get; }

    /// <summary>The database's name as the results show it.</summary>
    public string Storage { get; }

    /// <summary>A client per instance, in order.</summary>
    public IReadOnlyList<HttpClient> Clients => _clients;

    /// <summary>The first instance's client: the bench's own questions go there.</summary>
    public HttpClient Http => _clients[0];

    /// <summary>The first instance's services (they read the shared database).</summary>
    public IServiceProvider Services => _sites[0].Platform.Services;

    /// <summary>The campaign the platform runs today.</summary>
    public string Campaign => Services.GetRequiredService<CampaignProvider>().Definition.Id.Value;

    /// <summary>
    /// Starts <paramref name="replicas"/> instances on a fresh database (PostgreSQL on <paramref name="postgres"/> when
    /// given), the data folder <paramref name="folder"/> emptied first, the issuer of <paramref name="cardCache"/> trusted;
    /// <paramref name="settings"/> come after the bench's own and so win. Each started instance bumps <paramref name="starting"/>.
    /// With <paramref name="generated"/>, on that generated database and its data folder instead, both kept as they are.
    /// </summary>
    public static async Task<BenchPlatform> StartAsync(CliContext context, string folder, string cardCache, string? postgres, int replicas,
        DemoStaff staff, IEnumerable<string> settings, BenchCounter starting, Generate.GeneratedDatabase? generated, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(starting);
        if (generated is not null)
            folder = generated.Folder;
        else
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
            Directory.CreateDirectory(folder);
        }
        var database = postgres is null || generated is not null ? null : await BenchDatabase.CreateAsync(postgres, cancellationToken);
        var platform = new BenchPlatform(database, generated is not null ? generated.PostgresName ?? generated.Folder : database?.Name ?? "sqlite");
        try
        {
            List<string> arguments = ["--Kangen:Trust:IssuerDirectory=" + BenchCards.IssuerDirectory(cardCache)];
            if (generated is not null)
                arguments.AddRange(generated.PlatformSettings);
            else if (database is not null)
            {
                // Later arguments win: these replace the demo host's SQLite.
                arguments.Add("--Kangen:Storage:Provider=postgres");
                arguments.Add("--Kangen:Storage:ConnectionString=" + database.ConnectionString);
                // Replicas on one database must seal and hash with the same keys; written once here, named to every
                // replica as a deployment does, rather than left to whichever replica first needs them.
                SecretKeys.Load(null, folder);
                arguments.Add("--Kangen:Secrets:KeyFile=" + SecretKeys.DefaultPath(folder));
            }
            arguments.AddRange(settings);
            // One after the other, as a deployment rolls out: the first migrates the database, the others start on it as
            // replicas started after `kangen admin migrate` do. All share the data folder, so the Data Protection key ring
            // that signs tickets and the platform's keys are one for all of them.
            for (var replica = 0; replica < replicas; replica++)
            {
                var site = await DemoPlatform.StartAsync(context, folder, "http://127.0.0.1:0", staff,
                    replica == 0 ? arguments : [.. arguments, "--Kangen:Storage:MigrateOnStart=false"], cancellationToken);
                platform._sites.Add(site);
                platform._clients.Add(BenchHttp.Client(site.Url));
                starting.Increment();
            }
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The demo operator's account fields for <paramref name="count"/> citizens of <paramref name="service"/>, citizen i the
    /// (<paramref name="first"/> + i)-th, so the citizens of a run on a kept database take accounts no earlier run took.
    /// </summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Accounts(string service, int count, int first = 0)
    {
        var found = Services.GetRequiredService<ServiceCatalogue>().Find(service)
            ?? throw new InvalidOperationException($"The service catalogue has no {service}.");
        return [.. Enumerable.Range(first, count).Select(i => DemoAccounts.Create(found, i))];
    }

    /// <summary>A count read from the shared database.</summary>
    public async Task<long> CountAsync(Func<KangenDbContext, CancellationToken, Task<long>> count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(count);
        await using var scope = Services.CreateAsyncScope();
        return await count(scope.ServiceProvider.GetRequiredService<KangenDbContext>(), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
            client.Dispose();
        await Task.WhenAll(_sites.Select(s => s.DisposeAsync().AsTask()));
        // Dropped only once no instance holds a connection to it.
        if (Database is not null)
            await Database.DisposeAsync();
    }

    /// <summary>An integer as a setting's value.</summary>
    public static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>An integer for people to read: thousands grouped, the same in every culture.</summary>
    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

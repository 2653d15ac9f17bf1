using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Kangen.Cli.Features.Demo;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Cli.Features.Bench.Generate;

/// <summary>
/// The prepare phase shared by the operator-side scenarios (grants, feed): a generated database (made now, or reused
/// by name), the demo platform hosted in this process on it, and one operator registered by the administrator through
/// the admin API with a key pair made for this run, as <c>kangen admin operator add</c> / <c>key-add</c> do. The
/// operator's client signs every request with that key.
/// </summary>
internal sealed class GeneratedPlatform : IAsyncDisposable
{
    private readonly ECDsa _key;

    private GeneratedPlatform(GeneratedDatabase database, DemoSite site, HttpClient admin, HttpClient operatorClient, ECDsa key, long people)
    {
        Database = database;
        Site = site;
        Admin = admin;
        Operator = operatorClient;
        _key = key;
        People = people;
    }

    public GeneratedDatabase Database { get; }

    public DemoSite Site { get; }

    /// <summary>Plain client of the platform (the administrator's token is added per request).</summary>
    public HttpClient Admin { get; }

    /// <summary>The operator's client: every request signed with its key.</summary>
    public HttpClient Operator { get; }

    /// <summary>Generated people in the database.</summary>
    public long People { get; }

    /// <summary>Generates <paramref name="people"/> into <paramref name="database"/> unless it exists, starts the platform on it and registers <paramref name="operatorCode"/>.</summary>
    public static async Task<GeneratedPlatform> StartAsync(CliContext context, GeneratedDatabase database, bool exists, long people, string operatorCode,
        BenchProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(progress);
        var generating = progress.Add(exists ? $"Database {database.Name}: reused" : $"Database: {people:N0} generated people ({database.Provider})", exists ? 1 : people);
        var starting = progress.Add("Platform on it, operator " + operatorCode + " registered with a new key", 2);
        if (exists)
            generating.Complete();
        else
        {
            await database.CreateAsync(cancellationToken);
            var (_, error) = await DataGenerator.GenerateAsync(database, new GenerateSettings(people), context.Time, generating, cancellationToken);
            if (error is not null)
                throw new InvalidOperationException(error);
        }
        long count;
        await using (var db = KangenStorage.CreateContext(database.Provider, database.ConnectionString + ";Pooling=false"))
            (count, _) = await Population.CountPeopleAsync(db, cancellationToken);

        var staff = DemoStaff.Create();
        var site = await DemoPlatform.StartAsync(context, database.Folder, "http://127.0.0.1:0", staff, database.PlatformSettings, cancellationToken);
        starting.Increment();
        var baseAddress = new Uri(site.Url.TrimEnd('/') + "/");
        var admin = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(10) };
        var key = SigningKeys.Create();
#pragma warning disable CA2000 // The handler belongs to the client, disposed with it.
        var operatorClient = new HttpClient(new SigningHandler(key, context.Time) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromMinutes(10),
        };
#pragma warning restore CA2000
        var platform = new GeneratedPlatform(database, site, admin, operatorClient, key, count);
        try
        {
            // No verification endpoint: nobody applies during these scenarios. A database reused after a run already has
            // the operator (409); it gets one more key.
            await platform.AdminAsync(staff, "api/v1/admin/operators", new { code = operatorCode }, HttpStatusCode.Conflict, cancellationToken);
            await platform.AdminAsync(staff, $"api/v1/admin/operators/{operatorCode}/keys", new KeyRegistration(SigningKeys.PublicPem(key)), null, cancellationToken);
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
        starting.Increment();
        return platform;
    }

    private async Task AdminAsync(DemoStaff staff, string path, object body, HttpStatusCode? alsoFine, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Staff", staff.Admin);
        using var response = await Admin.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode && response.StatusCode != alsoFine)
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }

    /// <summary>A context on the database for the checks; unpooled, so nothing holds the database open afterwards.</summary>
    public KangenDbContext OpenDatabase() => KangenStorage.CreateContext(Database.Provider, Database.ConnectionString + ";Pooling=false");

    public async ValueTask DisposeAsync()
    {
        Operator.Dispose();
        Admin.Dispose();
        _key.Dispose();
        await Site.DisposeAsync();
        await Database.DisposeAsync();
    }
}

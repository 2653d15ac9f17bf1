using System.Net.Http.Headers;
using System.Net.Http.Json;
using Kangen.Cli.Features.Demo;
using Kangen.Operator.Accounts;
using Kangen.Operator.Hosting;
using Kangen.Operator.Services;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Operators;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Kangen.Rules;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kangen.Cli.Features.Bench.Soak;

/// <summary>
/// What one fault runs against, set up as a deployment is: <c>kangen serve</c> replicas as child processes on one
/// database (a fresh PostgreSQL database created for the fault and dropped after it, or SQLite in a fresh data folder,
/// served by one process), all sharing the data folder and naming the same secret and signing key files; the payment
/// operator <c>kangen-demo</c> (a <see cref="OperatorHost"/> in this process, running only its verification endpoint)
/// with customer accounts of its own, registered by an administrator with its verification endpoint and public key.
/// The fault's client then applies as citizens and reports grants signed with the operator's key.
/// </summary>
internal sealed class SoakEnvironment : IAsyncDisposable
{
    public const string OperatorCode = "kangen-demo";

    /// <summary>The service every citizen applies with (the operator's QR app).</summary>
    public const string Service = "demo-pay";

    private readonly List<ServeProcess> _replicas = [];
    private readonly List<HttpClient> _clients = [];
    private readonly List<HttpClient> _operatorClients = [];
    private readonly List<IReadOnlyDictionary<string, string>> _accounts = [];
    private readonly DemoStaff _staff = DemoStaff.Create();
    private BenchDatabase? _database;
    private WebApplication? _operator;
    private System.Security.Cryptography.ECDsa? _operatorKey;

    private SoakEnvironment(string folder, TimeProvider time)
    {
        Folder = folder;
        Time = time;
    }

    /// <summary>The fault's folder: <c>platform</c> (the replicas' shared data folder) and <c>operator</c>.</summary>
    public string Folder { get; }

    public TimeProvider Time { get; }

    public string PlatformFolder => Path.Combine(Folder, "platform");

    public StorageProvider Provider { get; private set; }

    /// <summary>The platform database (for the checks; the replicas have their own connections).</summary>
    public string ConnectionString { get; private set; } = "";

    public IReadOnlyList<ServeProcess> Replicas => _replicas;

    /// <summary>One plain client per replica, for citizens.</summary>
    public IReadOnlyList<HttpClient> Clients => _clients;

    /// <summary>One client per replica signing every request with the operator's key.</summary>
    public IReadOnlyList<HttpClient> OperatorClients => _operatorClients;

    /// <summary>The operator's customer accounts: the fields a citizen types, account <c>i</c> for citizen <c>i</c>.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Accounts => _accounts;

    /// <summary>The campaign's id, which every application statement names.</summary>
    public string Campaign { get; private set; } = "";

    /// <summary>The part 1 (card acquisition) cap per person, in points.</summary>
    public long Cap { get; private set; }

    /// <summary>
    /// Sets everything up: <paramref name="replicas"/> processes on a fresh database of <paramref name="postgres"/> (a
    /// server's connection string) or, when null, on SQLite; <paramref name="accounts"/> customer accounts at the operator.
    /// </summary>
    public static async Task<SoakEnvironment> StartAsync(TimeProvider time, string folder, string issuerDirectory, string? postgres, int replicas,
        int accounts, CancellationToken cancellationToken)
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        var environment = new SoakEnvironment(folder, time);
        try
        {
            await environment.StartAsync(issuerDirectory, postgres, replicas, accounts, cancellationToken);
            return environment;
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync(string issuerDirectory, string? postgres, int replicas, int accounts, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(PlatformFolder);
        var campaign = new CampaignProvider(Options.Create(new CampaignOptions { DemoAnchor = DemoPlatform.DemoAnchor }), Time).At(Time.GetUtcNow());
        Campaign = campaign.Id.Value;
        Cap = campaign.Program(ProgramKind.CardAcquisition)?.Points.Cap.Amount
            ?? throw new InvalidOperationException("The campaign has no card acquisition program.");

        // Written once before any replica starts, named to every replica, as a deployment does: replicas on one database
        // must seal, hash and sign with the same keys.
        var secrets = SecretKeys.DefaultPath(PlatformFolder);
        SecretKeys.Load(null, PlatformFolder);
        using var signing = PlatformSigningKey.Load(null, PlatformFolder);
        List<string> arguments =
        [
            "--data", PlatformFolder, "--demo-dates", "--demo-operators",
            "--Kangen:Trust:IssuerDirectory=" + issuerDirectory,
            "--Kangen:Secrets:KeyFile=" + secrets,
            "--" + PlatformSigningKey.FileKey + "=" + signing.Path,
            "--Kangen:Admission:Enabled=false",
            // The operator registered below is seen by every replica at once.
            "--Kangen:Operators:Verification:CacheSeconds=0",
            .. _staff.Settings(),
        ];
        var variables = new Dictionary<string, string>();
        if (postgres is not null)
        {
            _database = await BenchDatabase.CreateAsync(postgres, cancellationToken, durableCommits: true);
            Provider = StorageProvider.Postgres;
            ConnectionString = _database.ConnectionString;
            arguments.AddRange(["--provider", "postgres"]);
            // Through the environment, as a deployment passes it: a password on a command line shows in every process list.
            variables[Kangen.Cli.Features.Serve.PlatformCli.ConnectionVariable] = ConnectionString;
        }
        else
        {
            Provider = StorageProvider.Sqlite;
            ConnectionString = new StorageOptions { Provider = "sqlite" }.ResolveConnectionString(PlatformFolder);
            arguments.AddRange(["--provider", "sqlite"]);
        }

        // The first migrates the database; the others start on it as replicas started after `kangen admin migrate` do.
        for (var i = 0; i < replicas; i++)
            _replicas.Add(new ServeProcess(i, i == 0 ? arguments : [.. arguments, "--Kangen:Storage:MigrateOnStart=false"], variables));
        await _replicas[0].StartAsync(cancellationToken);
        await Task.WhenAll(_replicas.Skip(1).Select(r => r.StartAsync(cancellationToken)));

        _operatorKey = Kangen.Protocol.SigningKeys.Create();
        foreach (var replica in _replicas)
        {
            _clients.Add(new HttpClient { BaseAddress = new Uri(replica.Url + "/"), Timeout = TimeSpan.FromSeconds(30) });
#pragma warning disable CA2000 // The handlers belong to the client, disposed with it.
            _operatorClients.Add(new HttpClient(new SigningHandler(_operatorKey, Time) { InnerHandler = new SocketsHttpHandler() })
            {
                BaseAddress = new Uri(replica.Url + "/"),
                Timeout = TimeSpan.FromSeconds(30),
            });
#pragma warning restore CA2000
        }
        await StartOperatorAsync(signing.PublicPem, accounts, cancellationToken);
    }

    private async Task StartOperatorAsync(string platformPublicKey, int accounts, CancellationToken cancellationToken)
    {
        var data = Path.Combine(Folder, "operator");
        _operator = OperatorHost.Build(["--urls=http://127.0.0.1:0"], new OperatorOptions
        {
            Code = OperatorCode,
            Data = data,
            PlatformKeyPem = platformPublicKey,
            // Only the verification endpoint: the fault's client reports the grants itself, so it knows every key it meant.
            Background = false,
        }, builder =>
        {
            builder.Services.AddSingleton(Time);
            builder.Logging.SetMinimumLevel(LogLevel.Error);
        });
        await _operator.StartAsync(cancellationToken);

        var service = OperatorServices.Load(OperatorCode).Find(Service) ?? throw new InvalidOperationException($"{OperatorCode} has no {Service}.");
        var store = new Kangen.Operator.Storage.OperatorStore(data, OperatorCode);
        await using (var db = store.Open())
        {
            // A fixed seed: the same accounts every run, so a failing run can be read again.
            var opened = await AccountBook.OpenAsync(db, service, Math.Max(1, accounts), new Random(2022), Time.GetUtcNow(), cancellationToken);
            _accounts.AddRange(opened.Select(a => a.Fields));
        }

        var admin = _clients[0];
        await AdminAsync(admin, HttpMethod.Post, "api/v1/admin/operators",
            new { code = OperatorCode, verificationUrl = _operator.Urls.First().TrimEnd('/') + "/kangen/verify" }, cancellationToken);
        await AdminAsync(admin, HttpMethod.Post, $"api/v1/admin/operators/{OperatorCode}/keys",
            new KeyRegistration(Kangen.Protocol.SigningKeys.PublicPem(_operatorKey!)), cancellationToken);
    }

    private async Task AdminAsync(HttpClient http, HttpMethod method, string path, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Staff", _staff.Admin);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }

    /// <summary>
    /// A context on the platform database, for the checks. Unpooled: a pooled connection would outlive a database restart
    /// and fail its next use, and would hold the SQLite file or the PostgreSQL database open.
    /// </summary>
    public KangenDbContext OpenDatabase() => KangenStorage.CreateContext(Provider, ConnectionString + ";Pooling=false");

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Concat(_operatorClients))
            client.Dispose();
        foreach (var replica in _replicas)
            await replica.DisposeAsync();
        if (_operator is not null)
            await _operator.DisposeAsync();
        _operatorKey?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // Dropped only once no replica holds a connection to it.
        if (_database is not null)
            await _database.DisposeAsync();
    }
}

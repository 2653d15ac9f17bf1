using System.Globalization;
using System.Security.Cryptography;
using Kangen.Platform.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Kangen.Cli.Features.Bench.Limits;

/// <summary>
/// One limit of this machine as measured in this run: how many of the simplest possible operations per second it does
/// right now. A scenario's figure divided by it says how close the platform comes to the machine, which means something
/// on a shared, noisy machine where the figure alone does not.
/// </summary>
/// <param name="Name">The limit's name, as a <see cref="BenchFigure.Limit"/> refers to it.</param>
/// <param name="Value">Operations per second.</param>
/// <param name="Unit">The unit of <paramref name="Value"/>.</param>
/// <param name="Operations">Operations done during the probe.</param>
/// <param name="Errors">Operations that failed (a probe with errors measured something else than the limit).</param>
/// <param name="Seconds">How long the probe ran.</param>
/// <param name="Description">What exactly was done, in a sentence.</param>
internal sealed record MachineLimit(string Name, double Value, string Unit, long Operations, long Errors, double Seconds, string Description);

/// <summary>The settings of the machine-limit probes.</summary>
/// <param name="Folder">Where the probes' SQLite files go (the bench folder; they are deleted afterwards).</param>
/// <param name="Each">How long each probe runs.</param>
internal sealed record LimitsSettings(string Folder, TimeSpan Each)
{
    /// <summary>A few seconds: long enough to average over the machine's other work, short enough to add to every run.</summary>
    public static readonly TimeSpan DefaultEach = TimeSpan.FromSeconds(3);
}

/// <summary>
/// The machine-limit probes of <c>kangen bench</c> (issue 10): SQLite single-row commits, RSA-2048 verifications on
/// every core, a trivial endpoint on loopback and a bare endpoint doing one verification and one insert per request.
/// Each runs <see cref="LimitsSettings.Each"/> after the others, in the same process a scenario ran in.
/// </summary>
internal static class MachineLimits
{
    public const string SqliteCommits = "sqlite commits";
    public const string SqliteCommitsNormal = "sqlite commits (synchronous=NORMAL)";
    public const string RsaVerifications = "rsa-2048 verifications";
    public const string TrivialEndpoint = "trivial endpoint";
    public const string BareEndpoint = "bare endpoint";

    /// <summary>
    /// Clients of the endpoint probes: the scenarios' default, so a scenario's throughput and the trivial endpoint's are
    /// measured at the same concurrency.
    /// </summary>
    public const int Workers = 32;

    /// <summary>Requests sent before an endpoint probe's clock starts: JIT and connections, not the machine.</summary>
    private const int WarmUpRequests = 200;

    /// <summary>
    /// The journal mode and synchronous setting the platform gives its SQLite: WAL (set by migration) and
    /// <c>Kangen:Storage:SqliteSynchronous</c>'s default.
    /// </summary>
    public static string PlatformSynchronous =>
        string.Equals(new StorageOptions().SqliteSynchronous.Trim(), "normal", StringComparison.OrdinalIgnoreCase) ? "NORMAL" : "FULL";

    /// <summary>Runs every probe, one after the other, each counted on <paramref name="progress"/>.</summary>
    public static async Task<IReadOnlyList<MachineLimit>> MeasureAsync(LimitsSettings settings, TimeProvider time, BenchProgress progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        var seconds = settings.Each.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        var sqlite = progress.Add($"Machine limit: SQLite single-row commits, synchronous={PlatformSynchronous} ({seconds} s)", 1);
        var normal = progress.Add($"Machine limit: SQLite single-row commits, synchronous=NORMAL ({seconds} s)", 1);
        var rsa = progress.Add($"Machine limit: RSA-2048 verifications on {Environment.ProcessorCount} threads ({seconds} s)", 1);
        var trivial = progress.Add($"Machine limit: trivial endpoint on loopback ({seconds} s)", 1);
        var bare = progress.Add($"Machine limit: bare endpoint, one verification + one insert ({seconds} s)", 1);
        Directory.CreateDirectory(settings.Folder);

        var limits = new List<MachineLimit>
        {
            await Task.Run(() => MeasureSqliteCommits(SqliteCommits, PlatformSynchronous, settings, time), cancellationToken),
        };
        sqlite.Complete();
        // The same without an fsync per commit: what the disk's flush costs, and the figure DESIGN.md's ~10,000 rows/s is comparable to.
        limits.Add(await Task.Run(() => MeasureSqliteCommits(SqliteCommitsNormal, "NORMAL", settings, time), cancellationToken));
        normal.Complete();
        limits.Add(await Task.Run(() => MeasureRsaVerifications(settings.Each, time), cancellationToken));
        rsa.Complete();
        limits.Add(await MeasureTrivialEndpointAsync(settings.Each, time, cancellationToken));
        trivial.Complete();
        limits.Add(await MeasureBareEndpointAsync(settings, time, cancellationToken));
        bare.Complete();
        return limits;
    }

    /// <summary>One row per transaction on one connection, WAL and <paramref name="synchronous"/>, on a fresh file.</summary>
    private static MachineLimit MeasureSqliteCommits(string name, string synchronous, LimitsSettings settings, TimeProvider time)
    {
        using var store = new ProbeDatabase(settings.Folder, synchronous);
        var payload = RandomNumberGenerator.GetBytes(200);
        var rows = 0L;
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < settings.Each)
        {
            store.Insert(payload, time);
            rows++;
        }
        var elapsed = time.GetElapsedTime(started);
        var whose = synchronous == PlatformSynchronous ? " (the platform's default)" : "";
        return new MachineLimit(name, Rate(rows, elapsed), "rows/s", rows, 0, Round(elapsed.TotalSeconds),
            $"SQLite single-row commits: one INSERT of a 200-byte row per transaction, one connection, journal_mode=WAL, synchronous={synchronous}{whose}, a fresh file in the bench folder");
    }

    /// <summary>
    /// PKCS#1 v1.5 SHA-256 verifications of one signature with a key imported once, on one thread per processor, each
    /// with its own key object (so no lock is shared); the rate is the sum of the threads' rates.
    /// </summary>
    private static MachineLimit MeasureRsaVerifications(TimeSpan each, TimeProvider time)
    {
        using var signer = RSA.Create(2048);
        var message = RandomNumberGenerator.GetBytes(64);
        var signature = signer.SignData(message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var key = signer.ExportParameters(includePrivateParameters: false);
        var threads = Environment.ProcessorCount;
        var counts = new long[threads];
        var failures = new long[threads];
        var elapsed = new TimeSpan[threads];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            using var rsa = RSA.Create(key);
            var started = time.GetTimestamp();
            while (time.GetElapsedTime(started) < each)
            {
                // A batch between clock reads, so reading the clock is not part of the figure.
                for (var i = 0; i < 16; i++)
                {
                    if (!rsa.VerifyData(message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                        failures[t]++;
                    counts[t]++;
                }
            }
            elapsed[t] = time.GetElapsedTime(started);
        }) { IsBackground = true, Name = "limits-rsa-" + t.ToString(CultureInfo.InvariantCulture) }).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var rate = Enumerable.Range(0, threads).Sum(t => counts[t] / elapsed[t].TotalSeconds);
        return new MachineLimit(RsaVerifications, Math.Round(rate, 1), "verifications/s", counts.Sum(), failures.Sum(), Round(elapsed.Max().TotalSeconds),
            $"RSA-2048 PKCS#1 v1.5 SHA-256 verifications with a key imported once (System.Security.Cryptography, OpenSSL), one thread per processor ({threads})");
    }

    /// <summary>A minimal Kestrel app in this process answering a tiny GET, driven by <see cref="BenchLoad"/>.</summary>
    private static async Task<MachineLimit> MeasureTrivialEndpointAsync(TimeSpan each, TimeProvider time, CancellationToken cancellationToken)
    {
        await using var app = await StartAsync(app => app.MapGet("/limits/ping", () => "ok"), cancellationToken);
        using var client = BenchHttp.Client(app.Urls.First());
        Task<BenchOutcome> Send(long _, CancellationToken token) => SendAsync(client, () => new HttpRequestMessage(HttpMethod.Get, "limits/ping"), token);
        var phase = await LoadAsync(Send, each, time, cancellationToken);
        return Endpoint(TrivialEndpoint, phase,
            $"GET of a 2-byte text answer from a minimal ASP.NET Core app (Kestrel, loopback) in this process, {Workers} closed-loop clients with the scenarios' HttpClient");
    }

    /// <summary>
    /// The endpoint the application target is compared to (DESIGN.md: about three quarters of it): each request carries an
    /// RSA-2048 signature the server verifies with a loaded key, then one row is inserted and committed by a single writer
    /// (one connection behind a gate, as the platform's write gate does on SQLite), with the platform's SQLite settings.
    /// </summary>
    private static async Task<MachineLimit> MeasureBareEndpointAsync(LimitsSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        using var signer = RSA.Create(2048);
        var messages = Enumerable.Range(0, 64).Select(_ => RandomNumberGenerator.GetBytes(32)).ToArray();
        var signatures = messages.Select(m => signer.SignData(m, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)).ToArray();
        var key = signer.ExportParameters(includePrivateParameters: false);
        // One key object per thread: the same key, imported once per thread, never shared between two verifications at once.
        using var keys = new ThreadLocal<RSA>(() => RSA.Create(key), trackAllValues: true);
        using var store = new ProbeDatabase(settings.Folder, PlatformSynchronous);
        using var writer = new SemaphoreSlim(1, 1);
        try
        {
            await using var app = await StartAsync(app => app.MapPost("/limits/verify-insert", async (HttpRequest request, int m, CancellationToken token) =>
            {
                using var body = new MemoryStream(256);
                await request.Body.CopyToAsync(body, token);
                var signature = body.ToArray();
                if (m < 0 || m >= messages.Length || !keys.Value!.VerifyData(messages[m], signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                    return Results.BadRequest();
                await writer.WaitAsync(token);
                try
                {
                    store.Insert(signature, time);
                }
                finally
                {
                    writer.Release();
                }
                return Results.NoContent();
            }), cancellationToken);
            using var client = BenchHttp.Client(app.Urls.First());
            Task<BenchOutcome> Send(long i, CancellationToken token) => SendAsync(client, () =>
                new HttpRequestMessage(HttpMethod.Post, "limits/verify-insert?m=" + (i % messages.Length).ToString(CultureInfo.InvariantCulture))
                {
                    Content = new ByteArrayContent(signatures[i % messages.Length]),
                }, token);
            var phase = await LoadAsync(Send, settings.Each, time, cancellationToken);
            return Endpoint(BareEndpoint, phase,
                $"POST of an RSA-2048 signature the server verifies with a loaded key, then one row inserted and committed by a single SQLite writer (WAL, synchronous={PlatformSynchronous}), {Workers} closed-loop clients");
        }
        finally
        {
            foreach (var rsa in keys.Values)
                rsa.Dispose();
        }
    }

    private static async Task<WebApplication> StartAsync(Action<WebApplication> map, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return app;
    }

    /// <summary>A warm-up that is not recorded, then the probe's phase for <paramref name="each"/>.</summary>
    private static async Task<BenchPhase> LoadAsync(Func<long, CancellationToken, Task<BenchOutcome>> send, TimeSpan each, TimeProvider time,
        CancellationToken cancellationToken)
    {
        await BenchLoad.RunAsync(new BenchPhase("warm-up", time), "warm-up", Workers, WarmUpRequests, send, null, cancellationToken);
        var phase = new BenchPhase("limit", time);
        phase.Start();
        await BenchLoad.RunForAsync(phase, "request", Workers, each, send, cancellationToken);
        phase.End();
        return phase;
    }

    private static async Task<BenchOutcome> SendAsync(HttpClient client, Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        using var request = create();
        using var response = await client.SendAsync(request, cancellationToken);
        return await BenchLoad.JudgeAsync(response, cancellationToken);
    }

    private static MachineLimit Endpoint(string name, BenchPhase phase, string description)
    {
        var summary = phase.Summarise();
        var requests = summary.Operations.Sum(o => o.Requests);
        return new MachineLimit(name, Rate(requests, phase.Duration), "requests/s", requests, phase.Errors, Round(phase.Duration.TotalSeconds), description);
    }

    private static double Rate(long operations, TimeSpan elapsed) => elapsed > TimeSpan.Zero ? Math.Round(operations / elapsed.TotalSeconds, 1) : 0;

    private static double Round(double seconds) => Math.Round(seconds, 3);

    /// <summary>A fresh SQLite file in the bench folder with one table, as the platform sets it up; deleted when disposed.</summary>
    private sealed class ProbeDatabase : IDisposable
    {
        private readonly string _file;
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _insert;
        private readonly SqliteParameter _at;
        private readonly SqliteParameter _payload;

        public ProbeDatabase(string folder, string synchronous)
        {
            _file = Path.Combine(folder, "limits-" + Guid.NewGuid().ToString("N") + ".db");
            // No pool: the file is deleted at the end, which a pooled connection would keep open.
            _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _file, Pooling = false }.ToString());
            _connection.Open();
            Execute("PRAGMA journal_mode=WAL;");
            Execute($"PRAGMA synchronous={synchronous};");
            Execute("CREATE TABLE probe_rows (id INTEGER PRIMARY KEY, at TEXT NOT NULL, payload BLOB NOT NULL);");
            _insert = _connection.CreateCommand();
            _insert.CommandText = "INSERT INTO probe_rows (at, payload) VALUES ($at, $payload);";
            _at = _insert.Parameters.Add("$at", SqliteType.Text);
            _payload = _insert.Parameters.Add("$payload", SqliteType.Blob);
        }

        /// <summary>Inserts and commits one row (its own transaction). Not thread-safe: one writer at a time.</summary>
        public void Insert(byte[] payload, TimeProvider time)
        {
            using var transaction = _connection.BeginTransaction();
            _insert.Transaction = transaction;
            _at.Value = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
            _payload.Value = payload;
            _insert.ExecuteNonQuery();
            transaction.Commit();
        }

        private void Execute(string sql)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        public void Dispose()
        {
            _insert.Dispose();
            _connection.Dispose();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                File.Delete(_file + suffix);
        }
    }
}

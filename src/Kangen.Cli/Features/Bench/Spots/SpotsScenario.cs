using System.Globalization;
using System.Text.Json;
using Kangen.Cli.Features.Bench.Limits;
using Kangen.Cli.Features.Demo;
using Kangen.Platform.Features.ReferenceData;
using Kangen.Platform.Features.Spots;
using Microsoft.Extensions.DependencyInjection;

namespace Kangen.Cli.Features.Bench.Spots;

/// <summary>The settings of <c>kangen bench spots</c>.</summary>
/// <param name="Folder">The bench folder; the platform's data goes to <c>spots-platform</c> in it (fresh every run).</param>
/// <param name="Requests">Searches sent over HTTP in the measured phase.</param>
/// <param name="Workers">Closed-loop clients sending them.</param>
/// <param name="Searches">Searches timed one by one in process after <see cref="WarmUpSearches"/> untimed ones.</param>
/// <param name="WarmUpRequests">
/// Searches over HTTP before the measured ones, not measured: connections, and the request path compiled and optimised
/// (the runtime recompiles a hot method optimised on a background thread, seconds after it is first used).
/// </param>
internal sealed record SpotsSettings(string Folder, int Requests, int Workers, int Searches, int WarmUpRequests)
{
    /// <summary>
    /// Warm-up searches over HTTP by default. After 200 (the earlier default) 30,000 measured searches ran at 3,435/s, and
    /// 200,000 at 7,244/s on the same build; after 20,000 the measured phase still compiled 1,920 methods (0.13 ms of its
    /// 0.41 ms of processor time per search); after 100,000, 163 methods (0.013 ms of 0.156 ms), at 12,572/s. 100,000
    /// take about ten seconds here.
    /// </summary>
    public const int DefaultWarmUpRequests = 100_000;

    /// <summary>A fifth of the timed searches, at least 1,000: JIT and caches, as the script this scenario replaced (scripts/spot-search-p99.cs) did.</summary>
    public int WarmUpSearches => Math.Max(1_000, Searches / 5);
}

/// <summary>
/// <c>kangen bench spots</c> (issue 10, DESIGN flow 8): nearest-spot search over the generated ~90,000 spots. Measured:
/// the search itself in process, one query at a time (the figure DESIGN.md's "p99 under 1 ms" is about), then
/// <c>GET /api/v1/spots</c> over loopback with the closed-loop load generator. Every HTTP answer is compared with the
/// same query run in process, so an answer that is quick but wrong (or empty where spots exist) is an error.
/// </summary>
internal sealed class SpotsScenario(CliContext context, SpotsSettings settings) : BenchScenario
{
    /// <summary>Distinct queries the HTTP phase cycles through (answers known in advance).</summary>
    private const int QueryPool = 4_096;

    /// <summary>Neighbours asked for, as the API's default.</summary>
    private const int K = SpotDirectory.DefaultK;

    public const string HttpOperation = "GET /api/v1/spots";
    public const string SearchOperation = "search (in process)";

    private static readonly SpotOperations?[] Operations = [null, SpotOperations.Reserve, SpotOperations.Apply, SpotOperations.HealthInsurance];

    // A Friday morning in the campaign (JST); opening-time filters fall anywhere in the week after it.
    private static readonly DateTimeOffset Friday = new(2022, 7, 1, 10, 0, 0, TimeSpan.FromHours(9));

    private DemoSite? _site;
    private HttpClient? _client;
    private SpotDirectory? _spots;
    private Query[] _queries = [];
    private long[] _searchTicks = [];
    private long _mismatches;
    private long _emptyWhereSpotsExist;
    private long _expectedNonEmpty;

    public override string Name => "spots";

    public override IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>
    {
        ["requests"] = BenchPlatform.I(settings.Requests),
        ["workers"] = BenchPlatform.I(settings.Workers),
        ["searches"] = BenchPlatform.I(settings.Searches),
        ["warmUpSearches"] = BenchPlatform.I(settings.WarmUpSearches),
        ["warmUpRequests"] = BenchPlatform.I(settings.WarmUpRequests),
        ["k"] = BenchPlatform.I(K),
        ["queryPool"] = BenchPlatform.I(QueryPool),
        ["spots"] = BenchPlatform.I(_spots?.Spots.Count ?? 0),
        ["source"] = _spots?.Source ?? "",
    };

    private string PlatformFolder => Path.Combine(settings.Folder, "spots-platform");

    /// <summary>One query of the HTTP phase: its path and how many spots the same search finds in process.</summary>
    private sealed record Query(string Path, int Expected);

    public override async Task PrepareAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        var starting = progress.Add("Platform: fresh SQLite, the generated spots", 1);
        var querying = progress.Add($"Queries: {QueryPool} mixed searches answered in process first", QueryPool);
        // No bar for no warm-up; the warm-up then sends nothing.
        var warming = settings.WarmUpRequests > 0 ? progress.Add($"Warm-up: {settings.WarmUpRequests:N0} searches over HTTP (not measured)", settings.WarmUpRequests) : null;
        if (Directory.Exists(PlatformFolder))
            Directory.Delete(PlatformFolder, recursive: true);
        Directory.CreateDirectory(PlatformFolder);
        _site = await DemoPlatform.StartAsync(context, PlatformFolder, "http://127.0.0.1:0", DemoStaff.Create(),
            ["--Kangen:Admission:Enabled=false"], cancellationToken);
        _client = BenchHttp.Client(_site.Url);
        // The host's own directory: the HTTP answers and the in-process searches are over the same spots.
        _spots = _site.Platform.Services.GetRequiredService<SpotDirectory>();
        starting.Increment();

        var random = new Random(1);
        var queries = new List<Query>(QueryPool);
        while (queries.Count < QueryPool)
        {
            var (origin, kind, operation, openAt) = RandomQuery(random);
            var request = new SpotSearchRequest(
                origin.Lat.ToString("R", CultureInfo.InvariantCulture), origin.Lng.ToString("R", CultureInfo.InvariantCulture),
                Operation: operation?.Slugs()[0], OpenAt: openAt?.ToString("yyyy-MM-dd'T'HH:mmzzz", CultureInfo.InvariantCulture),
                K: BenchPlatform.I(K), Kind: kind?.Slug());
            var outcome = _spots.Search(request);
            // A kind that never offers the operation is a 400 by design; the bench measures searches.
            if (!outcome.IsSuccess)
                continue;
            queries.Add(new Query(PathOf(request), outcome.Matches.Count));
            querying.Increment();
        }
        _queries = [.. queries];
        _expectedNonEmpty = _queries.Count(q => q.Expected > 0);

        await BenchLoad.RunAsync(new BenchPhase("warm-up", context.Time), HttpOperation, settings.Workers, settings.WarmUpRequests, SendAsync, warming, cancellationToken);
    }

    public override async Task<IReadOnlyList<BenchPhase>> MeasureAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        var spots = _spots ?? throw new InvalidOperationException("Prepare first.");
        var searching = progress.Add($"In process: {settings.WarmUpSearches:N0} warm-up + {settings.Searches:N0} timed searches, one at a time", settings.WarmUpSearches + settings.Searches);
        var sending = progress.Add($"HTTP: {settings.Requests:N0} searches, {settings.Workers} clients", settings.Requests);

        var inProcess = new BenchPhase("search in process", context.Time);
        inProcess.Start();
        _searchTicks = await Task.Run(() => TimeSearches(spots, inProcess, searching), cancellationToken);
        inProcess.End();

        var http = new BenchPhase("search over http", context.Time);
        http.Start();
        await BenchLoad.RunAsync(http, HttpOperation, settings.Workers, settings.Requests, SendAsync, sending, cancellationToken);
        http.End();
        return [inProcess, http];
    }

    /// <summary>
    /// The searches of the former scripts/spot-search-p99.cs: a fresh random query each time (origin near a municipality with a
    /// counter, kind one time in four, operation or none, an opening time half the time), k = 10, each timed alone.
    /// </summary>
    private long[] TimeSearches(SpotDirectory spots, BenchPhase phase, BenchCounter progress)
    {
        var time = context.Time;
        var random = new Random(2);
        var ticks = new long[settings.Searches];
        for (var i = 0; i < settings.WarmUpSearches + settings.Searches; i++)
        {
            var (origin, kind, operation, openAt) = RandomQuery(random);
            var started = time.GetTimestamp();
            spots.Nearest(origin, K, kind, operation, openAt);
            var elapsed = time.GetElapsedTime(started);
            if (i >= settings.WarmUpSearches)
            {
                ticks[i - settings.WarmUpSearches] = elapsed.Ticks;
                phase.Record(SearchOperation, elapsed, error: false);
            }
            progress.Increment();
        }
        Array.Sort(ticks);
        return ticks;
    }

    private static (GeoPoint Origin, SpotKind? Kind, SpotOperations? Operation, DateTimeOffset? OpenAt) RandomQuery(Random random)
    {
        var places = Places;
        var p = places[random.Next(places.Length)].Point;
        var origin = GeoPoint.TryCreate(p.Lat + (random.NextDouble() - 0.5) * 0.2, p.Lng + (random.NextDouble() - 0.5) * 0.2)!.Value;
        SpotKind? kind = random.Next(4) == 0 ? (SpotKind)random.Next(SpotSlugs.KindSlugs.Count) : null;
        DateTimeOffset? openAt = random.Next(2) == 0 ? Friday.AddMinutes(random.Next(0, 7 * 24 * 60)) : null;
        return (origin, kind, Operations[random.Next(Operations.Length)], openAt);
    }

    private static readonly Municipality[] Places = [.. ReferenceDataSet.Municipalities.All.Where(m => m.HasCounter)];

    private static string PathOf(SpotSearchRequest r)
    {
        var query = new List<string> { "lat=" + r.Lat, "lng=" + r.Lng, "k=" + r.K };
        if (r.Operation is not null)
            query.Add("operation=" + r.Operation);
        if (r.Kind is not null)
            query.Add("kind=" + r.Kind);
        if (r.OpenAt is not null)
            query.Add("openAt=" + Uri.EscapeDataString(r.OpenAt));
        return "api/v1/spots?" + string.Join('&', query);
    }

    /// <summary>Sends query <paramref name="i"/> of the pool and compares the answer's count with the in-process search's.</summary>
    private async Task<BenchOutcome> SendAsync(long i, CancellationToken cancellationToken)
    {
        var query = _queries[i % _queries.Length];
        using var response = await _client!.GetAsync(query.Path, cancellationToken);
        if (!response.IsSuccessStatusCode)
            return await BenchLoad.JudgeAsync(response, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var answer = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        var count = answer.RootElement.TryGetProperty("spots", out var spots) && spots.ValueKind == JsonValueKind.Array ? spots.GetArrayLength() : -1;
        if (count == query.Expected)
            return BenchOutcome.Success;
        Interlocked.Increment(ref _mismatches);
        if (count == 0 && query.Expected > 0)
            Interlocked.Increment(ref _emptyWhereSpotsExist);
        return BenchOutcome.Failed($"{query.Path}: {count} spots over HTTP, {query.Expected} in process");
    }

    public override Task<(IReadOnlyList<BenchFigure> Figures, IReadOnlyList<BenchCheck> Checks)> JudgeAsync(
        IReadOnlyList<BenchPhase> phases, CancellationToken cancellationToken)
    {
        var http = phases.Single(p => p.Name == "search over http").Summarise().Operations.Single();
        var ticks = _searchTicks;
        var figures = new List<BenchFigure>
        {
            new("spots", _spots?.Spots.Count ?? 0, "spots", "Spots the platform searched (the generated list unless the data folder holds an imported one)"),
            new("search p50 (in process)", Micro(BenchPhase.Percentile(ticks, 0.50)), "µs", "Median time of one nearest-10 search in process (SpotDirectory.Nearest), random mixed queries, one at a time"),
            new("search p99 (in process)", Micro(BenchPhase.Percentile(ticks, 0.99)), "µs", "99th percentile of the same: DESIGN.md's target is under 1 ms (1,000 µs)"),
            new("search p99.9 (in process)", Micro(BenchPhase.Percentile(ticks, 0.999)), "µs", "99.9th percentile of the same"),
            new("search max (in process)", Micro(ticks.Length == 0 ? 0 : ticks[^1]), "µs", "The slowest search: on a shared machine a pause of the process or of the machine, not the search"),
            new("http throughput", http.ThroughputPerSecond, "requests/s", $"Searches answered over loopback HTTP per second by {settings.Workers} closed-loop clients", MachineLimits.TrivialEndpoint),
            new("http p99", http.P99Ms, "ms", "99th percentile of a search's latency as the client saw it (send to body read)"),
            new("queries expecting spots", _expectedNonEmpty, "queries", $"Of the {_queries.Length} distinct queries sent, those whose in-process search finds spots (the others filter every spot out)"),
        };
        var errors = phases.Sum(p => p.Errors);
        BenchCheck[] checks =
        [
            new("errors", errors, 0, errors == 0, "Answers that were not 200, answers that differ from the same search in process, and requests with no answer"),
            new("answers as in process", Interlocked.Read(ref _mismatches), 0, _mismatches == 0, "HTTP answers (the warm-up's included) whose number of spots differs from the same query run in process"),
            new("empty where spots exist", Interlocked.Read(ref _emptyWhereSpotsExist), 0, _emptyWhereSpotsExist == 0, "HTTP answers (the warm-up's included) with no spot to a query whose in-process search finds some"),
            new("searches timed", ticks.Length, settings.Searches, ticks.Length == settings.Searches, "In-process searches timed one by one"),
        ];
        return Task.FromResult<(IReadOnlyList<BenchFigure>, IReadOnlyList<BenchCheck>)>((figures, checks));
    }

    public override async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_site is not null)
            await _site.DisposeAsync();
    }

    private static double Micro(long ticks) => Math.Round(TimeSpan.FromTicks(ticks).TotalMicroseconds, 1);

}

using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kangen.Cli.Features.Bench.Limits;
using Kangen.Cli.Features.Demo;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Services;
using Kangen.Rules;
using Microsoft.Extensions.DependencyInjection;

namespace Kangen.Cli.Features.Bench.Status;

/// <summary>The settings of <c>kangen bench status</c>.</summary>
/// <param name="Folder">The bench folder: <c>cards</c> (the card cache, shared with the other scenarios) and <c>status-platform</c> (fresh every run).</param>
/// <param name="Citizens">Citizens who apply in the prepare phase and then look up their status.</param>
/// <param name="Requests">Status lookups in the measured phase, spread over the citizens in turn.</param>
/// <param name="Workers">Closed-loop clients sending them.</param>
/// <param name="WarmUpRequests">
/// Lookups before the measured ones, not measured: connections, and the request path compiled and optimised (the
/// runtime recompiles a hot method optimised on a background thread, seconds after it is first used).
/// </param>
internal sealed record StatusSettings(string Folder, int Citizens, int Requests, int Workers, int WarmUpRequests)
{
    /// <summary>
    /// Warm-up lookups by default. After 10,000 the measured phase still compiled 1,957 methods (0.22 ms of its 1.62 ms of
    /// processor time per lookup, 1,208/s); after 40,000, 0.003 ms of 1.23 ms, at 1,593/s. 40,000 take about half a
    /// minute here.
    /// </summary>
    public const int DefaultWarmUpRequests = 40_000;
}

/// <summary>
/// <c>kangen bench status</c> (issue 10, DESIGN flow 7): <c>GET /api/v1/me/status</c> by citizens who applied. Prepared,
/// not measured: each citizen applies through the real flow with its card (<see cref="CitizenFlow"/>, as the rush's
/// citizens do), then opens a session with a fresh challenge signed by the card. Measured: status lookups with those
/// sessions from closed-loop clients; every answer must show the citizen's application with the service chosen.
/// </summary>
internal sealed class StatusScenario(CliContext context, StatusSettings settings) : BenchScenario
{
    public const string Operation = "GET /api/v1/me/status";

    /// <summary>Citizens applying or signing in at once while preparing: enough to keep both cores busy, few enough not to queue for long.</summary>
    private const int PrepareConcurrency = 8;

    private static readonly string AppliedProgram = ProgramKind.CardAcquisition.ToCode();

    private BenchPlatform? _platform;
    private string[] _sessions = [];
    private long _showingApplication;

    public override string Name => "status";

    public override IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>
    {
        ["citizens"] = BenchPlatform.I(settings.Citizens),
        ["requests"] = BenchPlatform.I(settings.Requests),
        ["workers"] = BenchPlatform.I(settings.Workers),
        ["warmUpRequests"] = BenchPlatform.I(settings.WarmUpRequests),
        ["service"] = RushScenario.Service,
        ["storage"] = "sqlite",
        ["cardCache"] = CardCache,
    };

    private string CardCache => Path.Combine(settings.Folder, "cards");

    private string PlatformFolder => Path.Combine(settings.Folder, "status-platform");

    private HttpClient Http => _platform?.Http ?? throw new InvalidOperationException("Prepare first.");

    public override async Task PrepareAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        var issuing = progress.Add($"Cards: {settings.Citizens} (cached; new ones certify a pool of key pairs)", settings.Citizens);
        var starting = progress.Add("Platform: fresh SQLite, no admission control, demo operators", 1);
        var applying = progress.Add($"Citizens apply with {RushScenario.Service} (the whole flow, not measured)", settings.Citizens);
        var signing = progress.Add("Citizens sign in again (a session each)", settings.Citizens);
        // No bar for no warm-up; the warm-up then sends nothing.
        var warming = settings.WarmUpRequests > 0 ? progress.Add($"Warm-up: {settings.WarmUpRequests:N0} status lookups (not measured)", settings.WarmUpRequests) : null;

        var cards = await Task.Run(() => BenchCards.Ensure(CardCache, settings.Citizens, context.Time, issuing), cancellationToken);
        _platform = await BenchPlatform.StartAsync(context, PlatformFolder, CardCache, postgres: null, replicas: 1, DemoStaff.Create(),
            ["--Kangen:Admission:Enabled=false"], starting, generated: null, cancellationToken);
        var campaign = _platform.Campaign;
        var accounts = _platform.Accounts(RushScenario.Service, settings.Citizens);
        var applications = new BenchPhase("applications (prepare)", context.Time);
        var flow = new CitizenFlow([Http], applications, campaign, RushScenario.Service, admission: false, admitted: null, cancellationToken);
        var served = 0;
        await Parallel.ForEachAsync(cards, new ParallelOptions { MaxDegreeOfParallelism = PrepareConcurrency, CancellationToken = cancellationToken }, async (card, _) =>
        {
            var outcome = await flow.RunAsync(card, accounts[card.Index], () => { }, Task.CompletedTask);
            if (outcome.Served)
                Interlocked.Increment(ref served);
            applying.Increment();
        });
        // Without every application the lookups would measure something else; this is the bench's environment failing.
        if (served != settings.Citizens)
            throw new InvalidOperationException($"Only {served} of {settings.Citizens} citizens could apply: " +
                string.Join("; ", applications.Summarise().ErrorSamples.Take(3)));

        var sessions = new string[cards.Count];
        await Parallel.ForEachAsync(cards, new ParallelOptions { MaxDegreeOfParallelism = PrepareConcurrency, CancellationToken = cancellationToken }, async (card, token) =>
        {
            sessions[card.Index] = await SignInAsync(card, token);
            signing.Increment();
        });
        _sessions = sessions;

        await BenchLoad.RunAsync(new BenchPhase("warm-up", context.Time), Operation, settings.Workers, settings.WarmUpRequests, SendAsync, warming, cancellationToken);
        Interlocked.Exchange(ref _showingApplication, 0);
    }

    /// <summary>A session for <paramref name="card"/>: a session challenge, signed by the card, exchanged for a token.</summary>
    private async Task<string> SignInAsync(BenchCard card, CancellationToken cancellationToken)
    {
        using var challengeAnswer = await Http.PostAsJsonAsync("api/v1/challenges", new { purpose = "session" }, cancellationToken);
        var challenge = await ReadAsync(challengeAnswer, "challenge", cancellationToken);
        var (certificate, signature) = card.Sign(Encoding.UTF8.GetBytes(challenge));
        using var sessionAnswer = await Http.PostAsJsonAsync("api/v1/sessions", BenchApplication.Session(challenge, certificate, signature), cancellationToken);
        return await ReadAsync(sessionAnswer, "token", cancellationToken);
    }

    private static async Task<string> ReadAsync(HttpResponseMessage response, string property, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text[..Math.Min(text.Length, 200)]}");
        using var body = JsonDocument.Parse(text);
        return BenchReply.TextAt(body.RootElement, property)
            ?? throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: the answer has no {property}: {text[..Math.Min(text.Length, 200)]}");
    }

    public override async Task<IReadOnlyList<BenchPhase>> MeasureAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        var sending = progress.Add($"Status lookups: {settings.Requests:N0} by {settings.Citizens} citizens, {settings.Workers} clients", settings.Requests);
        var phase = new BenchPhase("status lookups", context.Time);
        phase.Start();
        await BenchLoad.RunAsync(phase, Operation, settings.Workers, settings.Requests, SendAsync, sending, cancellationToken);
        phase.End();
        return [phase];
    }

    /// <summary>Lookup <paramref name="i"/>, by citizen i mod citizens; a success only when the answer shows that citizen's application.</summary>
    private async Task<BenchOutcome> SendAsync(long i, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/me/status");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _sessions[i % _sessions.Length]);
        using var response = await Http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            return await BenchLoad.JudgeAsync(response, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var body = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        if (!ShowsApplication(body.RootElement))
        {
            var text = body.RootElement.GetRawText();
            return BenchOutcome.Failed($"the status shows no {AppliedProgram} application with {RushScenario.Service}: {text[..Math.Min(text.Length, 200)]}");
        }
        Interlocked.Increment(ref _showingApplication);
        return BenchOutcome.Success;
    }

    /// <summary>True when the answer's own programs list the card-acquisition program as applied with the bench's service.</summary>
    public static bool ShowsApplication(JsonElement status) =>
        status.ValueKind == JsonValueKind.Object
        && status.TryGetProperty("me", out var me) && me.TryGetProperty("programs", out var programs) && programs.ValueKind == JsonValueKind.Array
        && programs.EnumerateArray().Any(p =>
            BenchReply.TextAt(p, "program") == AppliedProgram
            && p.TryGetProperty("applied", out var applied) && applied.ValueKind == JsonValueKind.True
            && BenchReply.TextAt(p, "service.code") == RushScenario.Service);

    public override Task<(IReadOnlyList<BenchFigure> Figures, IReadOnlyList<BenchCheck> Checks)> JudgeAsync(
        IReadOnlyList<BenchPhase> phases, CancellationToken cancellationToken)
    {
        var lookups = phases.Single().Summarise().Operations.Single();
        var showing = Interlocked.Read(ref _showingApplication);
        BenchFigure[] figures =
        [
            new("citizens", settings.Citizens, "citizens", "Citizens who applied and looked up their status, each with a session of its own"),
            new("lookup throughput", lookups.ThroughputPerSecond, "requests/s", $"Status lookups answered per second by {settings.Workers} closed-loop clients", MachineLimits.TrivialEndpoint),
            new("lookup p99", lookups.P99Ms, "ms", "99th percentile of a lookup's latency as the client saw it (send to body read)"),
        ];
        var errors = phases.Sum(p => p.Errors);
        BenchCheck[] checks =
        [
            new("errors", errors, 0, errors == 0, "Answers that were not 200 or did not show the application, and requests with no answer"),
            new("answers showing the application", showing, settings.Requests, showing == settings.Requests,
                $"Answers listing {AppliedProgram} as applied with {RushScenario.Service}"),
        ];
        return Task.FromResult<(IReadOnlyList<BenchFigure>, IReadOnlyList<BenchCheck>)>((figures, checks));
    }

    public override async ValueTask DisposeAsync()
    {
        if (_platform is not null)
            await _platform.DisposeAsync();
    }

}

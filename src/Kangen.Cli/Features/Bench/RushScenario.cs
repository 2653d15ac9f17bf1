using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Kangen.Cli.Features.Demo;
using Kangen.Platform.Features.Admission;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kangen.Cli.Features.Bench;

/// <summary>The settings of <c>kangen bench rush</c>.</summary>
/// <param name="Capacity">People in the apply flow at once (<c>Kangen:Admission:Capacity</c>).</param>
/// <param name="Factor">The rush brings <c>Factor * Capacity</c> citizens at once.</param>
/// <param name="TickMilliseconds">How often the platform advances the queue (<c>Kangen:Admission:TickMilliseconds</c>).</param>
/// <param name="Folder">The bench folder: <c>cards</c> (the card cache, kept) and <c>platform</c> (fresh every run).</param>
/// <param name="Admission">False to run the same citizens with admission control off: what a rush does without a waiting room.</param>
/// <param name="Replicas">Platform instances in this process, on their own loopback ports, sharing the database and the data folder.</param>
/// <param name="Postgres">
/// A connection string to a PostgreSQL server where the run creates (and at the end drops) a database of its own; null for
/// SQLite in the platform folder, which only one process can serve.
/// </param>
internal sealed record RushSettings(int Capacity, int Factor, int TickMilliseconds, string Folder, bool Admission = true, int Replicas = 1,
    string? Postgres = null)
{
    /// <summary>
    /// Citizens of the baseline phase: exactly the capacity, so the flow is as full as during the rush and nobody waits;
    /// the rush's admitted requests are then compared with requests under the same load.
    /// </summary>
    public int BaselineCitizens => Capacity;

    public int RushCitizens => Capacity * Factor;
}

/// <summary>
/// <c>kangen bench rush</c> (issue 11): the platform with admission control at a capacity, a baseline of the
/// capacity's citizens (a full flow, nobody waits), then <c>factor</c> times the capacity's citizens at once. Shows that admitted
/// requests keep their latency, nobody gets an error, everyone is served, in ticket order.
/// </summary>
internal sealed class RushScenario(CliContext context, RushSettings settings) : BenchScenario
{
    /// <summary>The service every citizen applies with; the platform's built-in demo operator confirms its accounts.</summary>
    public const string Service = "demo-pay";

    /// <summary>The requests of the apply flow proper, whose latency the rush must keep.</summary>
    public static readonly string[] FlowOperations =
        ["session challenge", "session", "verify account", "app challenge", "application", "session end"];

    private readonly DemoStaff _staff = DemoStaff.Create();
    private BenchPlatform? _platform;
    private IReadOnlyList<BenchCard> _cards = [];
    private IReadOnlyList<IReadOnlyDictionary<string, string>> _accounts = [];
    private string _campaign = "";
    private readonly List<CitizenOutcome> _baseline = [];
    private readonly List<CitizenOutcome> _rush = [];
    private long _recordedBeforeRush;
    private long _recordedAfterRush;

    public override string Name => "rush";

    public override IReadOnlyDictionary<string, string> Parameters => _platform?.Database is not { } database ? Common : new Dictionary<string, string>(Common)
    {
        ["database"] = database.Name,
    };

    private Dictionary<string, string> Common => new()
    {
        ["capacity"] = BenchPlatform.I(settings.Capacity),
        ["factor"] = BenchPlatform.I(settings.Factor),
        ["tickMilliseconds"] = BenchPlatform.I(settings.TickMilliseconds),
        ["baselineCitizens"] = BenchPlatform.I(settings.BaselineCitizens),
        ["rushCitizens"] = BenchPlatform.I(settings.RushCitizens),
        ["admission"] = settings.Admission ? "on" : "off",
        ["storage"] = settings.Postgres is null ? "sqlite" : "postgres",
        ["replicas"] = BenchPlatform.I(settings.Replicas),
        ["service"] = Service,
        ["cardCache"] = CardCache,
    };

    private string CardCache => Path.Combine(settings.Folder, "cards");

    private string PlatformFolder => Path.Combine(settings.Folder, "platform");

    private BenchPlatform Platform => _platform ?? throw new InvalidOperationException("Prepare first.");

    public override async Task PrepareAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        // One warm-up citizen, then the baseline's, then the rush's: each applies once, so each has its own card.
        var total = 1 + settings.BaselineCitizens + settings.RushCitizens;
        var issuing = progress.Add($"Cards: {total} (cached; new ones certify a pool of key pairs)", total);
        var storage = settings.Postgres is null ? "fresh SQLite" : "a fresh PostgreSQL database";
        var replicas = settings.Replicas == 1 ? "Platform" : $"Platform: {settings.Replicas} replicas";
        var starting = progress.Add($"{replicas}: {storage}, admission control {(settings.Admission ? "on" : "off")}, demo operators", settings.Replicas);
        var warming = progress.Add("Warm-up: one citizen's whole flow (not measured)", 1);

        _cards = await Task.Run(() => BenchCards.Ensure(CardCache, total, context.Time, issuing), cancellationToken);

        _platform = await BenchPlatform.StartAsync(context, PlatformFolder, CardCache, settings.Postgres, settings.Replicas, _staff,
        [
            "--Kangen:Admission:Enabled=" + (settings.Admission ? "true" : "false"),
            "--Kangen:Admission:Capacity=" + BenchPlatform.I(settings.Capacity),
            "--Kangen:Admission:TickMilliseconds=" + BenchPlatform.I(settings.TickMilliseconds),
        ], starting, generated: null, cancellationToken);
        _campaign = Platform.Campaign;
        _accounts = Platform.Accounts(Service, total);

        // JIT, connection pools and the first SQLite pages warm up here, so the baseline measures a running platform.
        var warmUp = await RunCitizensAsync(new BenchPhase("warm-up", context.Time), 0, 1, null, cancellationToken);
        if (!warmUp.Single().Served)
            throw new InvalidOperationException("The warm-up citizen could not apply; the platform does not work as the bench expects.");
        await WaitForEmptyFlowAsync(cancellationToken);
        warming.Complete();
    }

    public override async Task<IReadOnlyList<BenchPhase>> MeasureAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        var baseline = new BenchPhase("baseline", context.Time);
        var baselineAdmitted = progress.Add($"Baseline: {settings.BaselineCitizens} citizens admitted (a full flow)", settings.BaselineCitizens);
        var baselineServed = progress.Add("Baseline: served", settings.BaselineCitizens);
        _baseline.AddRange(await RunCitizensAsync(baseline, 1, settings.BaselineCitizens, (baselineAdmitted, baselineServed), cancellationToken));
        // The rush starts on an empty flow, as a launch morning does.
        await WaitForEmptyFlowAsync(cancellationToken);

        var rush = new BenchPhase("rush", context.Time);
        var rushAdmitted = progress.Add($"Rush: {settings.RushCitizens} citizens admitted ({settings.Factor} x capacity {settings.Capacity})", settings.RushCitizens);
        var rushServed = progress.Add("Rush: served", settings.RushCitizens);
        _recordedBeforeRush = await RecordedApplicationsAsync(cancellationToken);
        _rush.AddRange(await RunCitizensAsync(rush, 1 + settings.BaselineCitizens, settings.RushCitizens, (rushAdmitted, rushServed), cancellationToken));
        _recordedAfterRush = await RecordedApplicationsAsync(cancellationToken);
        return [baseline, rush];
    }

    /// <summary>Citizens <paramref name="first"/> .. first + count - 1 run the flow at once, timed into <paramref name="phase"/>.</summary>
    private async Task<IReadOnlyList<CitizenOutcome>> RunCitizensAsync(BenchPhase phase, int first, int count,
        (BenchCounter Admitted, BenchCounter Served)? counters, CancellationToken cancellationToken)
    {
        var flow = new CitizenFlow(Platform.Clients, phase, _campaign, Service, settings.Admission, counters?.Admitted, cancellationToken);
        var remaining = count;
        var everyoneDrawn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Drawn()
        {
            if (Interlocked.Decrement(ref remaining) == 0)
                everyoneDrawn.TrySetResult();
        }
        phase.Start();
        var outcomes = await Task.WhenAll(Enumerable.Range(first, count).Select(async i =>
        {
            // Each citizen on its own task from the start, so a thousand of them really arrive at once.
            await Task.Yield();
            var outcome = await flow.RunAsync(_cards[i], _accounts[i], Drawn, everyoneDrawn.Task);
            counters?.Served.Increment();
            return outcome;
        }));
        phase.End();
        return outcomes;
    }

    public override async Task<(IReadOnlyList<BenchFigure> Figures, IReadOnlyList<BenchCheck> Checks)> JudgeAsync(
        IReadOnlyList<BenchPhase> phases, CancellationToken cancellationToken)
    {
        var time = context.Time;
        var figures = new List<BenchFigure>
        {
            new("replicas", settings.Replicas, "", settings.Replicas == 1
                ? "Platform instances serving the citizens"
                : "Platform instances sharing the database; each citizen's requests go to them in turn"),
        };
        var summaries = phases.ToDictionary(p => p.Name, p => p.Summarise().Operations.ToDictionary(o => o.Operation));
        foreach (var operation in FlowOperations)
        {
            if (summaries["baseline"].TryGetValue(operation, out var before) && summaries["rush"].TryGetValue(operation, out var during) && before.P99Ms > 0)
                figures.Add(new BenchFigure($"p99 rush/baseline: {operation}", Math.Round(during.P99Ms / before.P99Ms, 2), "x",
                    $"p99 {during.P99Ms:0.00} ms in the rush against {before.P99Ms:0.00} ms in the baseline"));
        }

        // Without admission control nobody draws a ticket: there is no wait or order to report.
        if (settings.Admission)
        {
            var admitted = _rush.Where(c => c.AdmittedAt is not null).ToList();
            var waits = admitted.Select(c => time.GetElapsedTime(c.DrawnAt, c.AdmittedAt!.Value).Ticks).Order().ToArray();
            figures.Add(new BenchFigure("wait p50", Seconds(BenchPhase.Percentile(waits, 0.5)), "s", "Time from drawing a ticket to the first 'admitted' answer, median citizen of the rush"));
            figures.Add(new BenchFigure("wait max", Seconds(waits.Length == 0 ? 0 : waits[^1]), "s", "The longest wait of a rush citizen"));
            figures.Add(new BenchFigure("queued citizens", _rush.Count(c => c.InitialPosition > 0), "citizens", "Rush citizens whose ticket had a position behind others when drawn"));
            figures.Add(new BenchFigure("largest position", _rush.Max(c => c.InitialPosition ?? 0), "", "The largest queue position a rush ticket was drawn at"));
            if (admitted.Count > 0)
            {
                var span = time.GetElapsedTime(_rush.Min(c => c.DrawnAt), admitted.Max(c => c.AdmittedAt!.Value));
                figures.Add(new BenchFigure("admitted rate", span > TimeSpan.Zero ? Math.Round(admitted.Count / span.TotalSeconds, 1) : admitted.Count, "citizens/s",
                    "Rush citizens admitted per second, from the first ticket to the last admission"));
            }
            if (settings.Replicas > 1)
            {
                var (stale, lag) = StaleWaits(_rush);
                figures.Add(new BenchFigure("waits behind another replica", stale, "citizens",
                    "Rush citizens told to wait by one replica after another had admitted a larger ticket: each replica re-reads the shared watermark once per advance interval"));
                figures.Add(new BenchFigure("replica lag max", Seconds(time.GetElapsedTime(0, lag).Ticks), "s",
                    "The longest such lag: from the larger ticket's admission to the last 'waiting' answer of the smaller one"));
            }
        }
        if (await AdmissionLiveAsync(cancellationToken) is { } live)
            figures.Add(new BenchFigure("platform admitted", live.Admitted, "citizens", "The platform's own count of admissions (warm-up, baseline and rush)"));

        var errors = phases.Sum(p => p.Errors);
        var everyone = _baseline.Concat(_rush).ToList();
        var violations = OrderViolations(_baseline) + OrderViolations(_rush);
        var recorded = _recordedAfterRush - _recordedBeforeRush;
        BenchCheck[] checks =
        [
            new("errors", errors, 0, errors == 0, "Answers that were neither a success nor the queue's 429 admission.queued, and requests that got no answer"),
            new("baseline served", _baseline.Count(c => c.Served), settings.BaselineCitizens, _baseline.All(c => c.Served), "Baseline citizens whose application was recorded"),
            new("served", _rush.Count(c => c.Served), settings.RushCitizens, _rush.Count(c => c.Served) == settings.RushCitizens, "Rush citizens whose application was recorded"),
            new("applications recorded", recorded, settings.RushCitizens, recorded == settings.RushCitizens, "Applications the platform's database gained during the rush"),
            new("order violations", violations, 0, violations == 0, "Citizens told to wait by a replica after it had admitted a citizen with a larger ticket number"),
            new("requeued", everyone.Sum(c => c.Requeued), 0, everyone.All(c => c.Requeued == 0), "Gated requests of admitted citizens answered with a new ticket (an admitted person is never thrown out)"),
        ];
        return (figures, checks);
    }

    /// <summary>
    /// Citizens told to wait by a replica after that same replica had admitted someone with a larger ticket number. Judged
    /// on the platform's own answers: a "waiting" request sent after an "admitted" answer had arrived. Tickets admitted in
    /// the same queue advance are never told apart, whatever order their polls came in, so ties within one advance never
    /// count. Judged per replica because each answers from its own copy of the shared watermark, re-read every advance
    /// interval: another replica's fresher copy is a lag (<see cref="StaleWaits"/>), not someone overtaking in the queue.
    /// </summary>
    public static int OrderViolations(IEnumerable<CitizenOutcome> citizens)
    {
        var violations = 0;
        var earliestAdmissionOfLargerBy = new Dictionary<int, long>();
        foreach (var citizen in citizens.Where(c => c.Number is not null).OrderByDescending(c => c.Number))
        {
            if (citizen.LastWaitingSentAtBy.Any(w => earliestAdmissionOfLargerBy.TryGetValue(w.Key, out var admitted) && w.Value > admitted))
                violations++;
            if (citizen.AdmittedAt is { } at)
                earliestAdmissionOfLargerBy[citizen.AdmittedBy] = Math.Min(earliestAdmissionOfLargerBy.GetValueOrDefault(citizen.AdmittedBy, long.MaxValue), at);
        }
        return violations;
    }

    /// <summary>
    /// Citizens told to wait (by any replica) after someone with a larger ticket number was admitted (by any replica), and
    /// the longest such lag in timestamp ticks: with one replica the same as <see cref="OrderViolations"/>; with several,
    /// how far a replica's copy of the watermark trailed another's.
    /// </summary>
    public static (int Citizens, long MaxLag) StaleWaits(IEnumerable<CitizenOutcome> citizens)
    {
        var count = 0;
        var maxLag = 0L;
        var earliestAdmissionOfLarger = long.MaxValue;
        foreach (var citizen in citizens.Where(c => c.Number is not null).OrderByDescending(c => c.Number))
        {
            if (citizen.LastWaitingSentAt is { } waited && waited > earliestAdmissionOfLarger)
            {
                count++;
                maxLag = Math.Max(maxLag, waited - earliestAdmissionOfLarger);
            }
            if (citizen.AdmittedAt is { } at)
                earliestAdmissionOfLarger = Math.Min(earliestAdmissionOfLarger, at);
        }
        return (count, maxLag);
    }

    /// <summary>Waits (at most a minute) until the platform counts nobody in the flow: ended sessions free their places.</summary>
    private async Task WaitForEmptyFlowAsync(CancellationToken cancellationToken)
    {
        var deadline = context.Time.GetUtcNow().AddMinutes(1);
        while (context.Time.GetUtcNow() < deadline)
        {
            if (await AdmissionLiveAsync(cancellationToken) is not { } live || live.InFlow == 0)
                return;
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, settings.TickMilliseconds)), context.Time, cancellationToken);
        }
    }

    /// <summary>The <c>live</c> figures of the admin admission API, or null when the platform has none.</summary>
    private async Task<AdmissionLive?> AdmissionLiveAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, AdmissionHttp.AdminRoute.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Staff", _staff.Admin);
        using var response = await Platform.Http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            return null;
        return (await response.Content.ReadFromJsonAsync<AdmissionView>(JsonSerializerOptions.Web, cancellationToken))?.Live;
    }

    private Task<long> RecordedApplicationsAsync(CancellationToken cancellationToken) =>
        Platform.CountAsync((db, token) => db.ApplicationSubmissions.LongCountAsync(token), cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        if (_platform is not null)
            await _platform.DisposeAsync();
    }

    private static double Seconds(long ticks) => Math.Round(TimeSpan.FromTicks(ticks).TotalSeconds, 2);

}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kangen.Cli.Features.Demo;
using Kangen.Platform.Features.Applications;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;

namespace Kangen.Cli.Features.Bench;

/// <summary>The settings of <c>kangen bench apply</c>.</summary>
/// <param name="Citizens">Distinct citizens (cards), each opening a session and applying once in the measured phases.</param>
/// <param name="WarmUp">
/// Further citizens whose sessions and applications are sent at the end of the prepare phase, not measured, so that the
/// measured phases find the paths compiled and optimised (see <see cref="ApplyScenario.DefaultWarmUp"/>).
/// </param>
/// <param name="Workers">Requests in flight at once during the measured phases (closed loop).</param>
/// <param name="Folder">The bench folder: <c>cards</c> (the card cache, kept) and <c>platform</c> (fresh every run).</param>
/// <param name="Postgres">A PostgreSQL server's connection string (a database of the run's own), or null for SQLite.</param>
/// <param name="Generated">
/// A generated database to apply on (<c>--name</c>), kept with this run's citizens in it, or null for a fresh database.
/// </param>
internal sealed record ApplySettings(int Citizens, int WarmUp, int Workers, string Folder, string? Postgres, Generate.GeneratedDatabase? Generated = null)
{
    /// <summary>Every citizen the run prepares: the measured ones, then the warm-up's.</summary>
    public int Prepared => Citizens + WarmUp;
}

/// <summary>
/// <c>kangen bench apply</c>: complete authenticated applications from distinct citizens, the platform's main load.
/// Signing is the card's cost, not the server's, so the prepare phase (not measured) does for every citizen what comes
/// before: a first session (the person is created), the operator's account verification, an application challenge and
/// the card's signature over the application statement, and a fresh session challenge signed by the card. The measured
/// phases then send only what the platform must check and record: every citizen's session (certificate checked,
/// signature verified, session stored), then every citizen's application (certificate and signature verified again,
/// the rules applied, the application, its choice, account binding, enrolment records and audit entries recorded in one
/// durable transaction). The verifier's cache is off, so each certificate is checked cold: the worst case, a citizen
/// whose certificate the instance has not seen.
/// </summary>
internal sealed class ApplyScenario(CliContext context, ApplySettings settings) : BenchScenario
{
    /// <summary>The service every citizen applies with; the built-in demo operator confirms its accounts.</summary>
    public const string Service = "demo-pay";

    /// <summary>
    /// Warm-up citizens by default. The runtime first compiles a method quickly and recompiles it optimised once it has
    /// been called often, on a background thread, seconds after a path is first used. The submission path is first used
    /// by the applications phase, so without a warm-up a short run measured that start-up as much as the path: with
    /// 5,000 citizens an application cost 1.4-1.7 ms of processor time and the phase compiled 3,300 methods (0.55-0.68 ms
    /// of compilation per application); after 5,000 warm-up citizens, 0.94-1.12 ms and 24-40 methods. 2,000 left 108-625.
    /// </summary>
    public const int DefaultWarmUp = 5_000;

    private string _service = Service;

    /// <summary>
    /// The challenges live as long as the platform allows (an hour; its default is 2 minutes): a large prepare phase takes
    /// minutes. The account verifications a citizen gets in it last <see cref="VerificationTokens.Lifetime"/> whatever the
    /// settings: the measured phases must begin within that of the prepare phase's start.
    /// </summary>
    private const int ChallengeLifetimeSeconds = 3600;

    private readonly DemoStaff _staff = DemoStaff.Create();
    private WriteGateWatch? _gate;
    private long _prepareStarted;
    private readonly Dictionary<string, WriteGateTally> _gateByPhase = [];
    private BenchPlatform? _platform;
    private Prepared[] _prepared = [];
    private long _applicationsBefore;
    private long _applicationsAfter;
    private int _firstCitizen;
    private long? _generatedPeople;
    private long? _analyzedApplications;
    private (long Sequence, string Hash)? _auditFrom;

    public override string Name => "apply";

    public override IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>
    {
        ["citizens"] = BenchPlatform.I(settings.Citizens),
        ["workers"] = BenchPlatform.I(settings.Workers),
        ["warmUpCitizens"] = BenchPlatform.I(settings.WarmUp),
        ["storage"] = settings.Generated is { Provider: StorageProvider.Postgres } || settings.Generated is null && settings.Postgres is not null ? "postgres" : "sqlite",
        ["database"] = _platform?.Storage ?? "",
        ["generatedPeople"] = _generatedPeople is { } people ? BenchPlatform.I(people) : "none (fresh database)",
        ["plannerStatistics"] = _analyzedApplications is { } analyzed ? $"gathered after the warm-up ({BenchPlatform.I(analyzed)} applications)"
            : settings.Generated is { Provider: StorageProvider.Postgres } ? "gathered by the generator" : "none gathered (SQLite plans without them)",
        ["firstCitizen"] = BenchPlatform.I(_firstCitizen),
        ["service"] = _service,
        ["certificateCache"] = "off",
        ["cardCache"] = CardCache,
    };

    private string CardCache => Path.Combine(settings.Folder, "cards");

    private BenchPlatform Platform => _platform ?? throw new InvalidOperationException("Prepare first.");

    /// <summary>What the measured phases send for one citizen, serialised in advance.</summary>
    private sealed record Prepared(byte[] Session, byte[] Application, string IdempotencyKey);

    public override async Task PrepareAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        var issuing = progress.Add($"Cards: {settings.Prepared:N0} (cached; new ones certify a pool of key pairs)", settings.Prepared);
        var starting = progress.Add($"Platform: {(settings.Generated is { } generated ? "generated database " + generated.Name
            : settings.Postgres is null ? "fresh SQLite" : "a fresh PostgreSQL database")}, certificate cache off, demo operators", 1);
        var preparing = progress.Add("Citizens: first session, account verified, application and session signed by the card", settings.Prepared);
        // No bar for no warm-up; the warm-up then sends nothing.
        var warming = settings.WarmUp > 0
            ? progress.Add($"Warm-up: {settings.WarmUp:N0} more citizens' sessions, then their applications (not measured)", 2 * settings.WarmUp)
            : null;

        _prepareStarted = context.Time.GetTimestamp();
        if (settings.Generated is { } database)
            (_generatedPeople, _firstCitizen) = await ReserveCitizensAsync(database, cancellationToken);
        var cards = await Task.Run(() => BenchCards.Ensure(CardCache, settings.Prepared, context.Time, issuing, _firstCitizen), cancellationToken);
        _platform = await BenchPlatform.StartAsync(context, Path.Combine(settings.Folder, "platform"), CardCache, settings.Postgres, 1, _staff,
        [
            "--Kangen:Admission:Enabled=false",
            "--Kangen:Trust:CacheCapacity=0",
            "--Kangen:Challenges:LifetimeSeconds=" + BenchPlatform.I(ChallengeLifetimeSeconds),
        ], starting, settings.Generated, cancellationToken);
        _gate = new WriteGateWatch(Platform.Services.GetRequiredService<IMeterFactory>());
        var campaign = Platform.Campaign;
        if (settings.Generated is not null)
            _service = await UnregisteredServiceAsync(cancellationToken);
        var accounts = Platform.Accounts(_service, settings.Prepared, _firstCitizen);
        if (settings.Generated is not null)
        {
            // Verifying tens of millions of generated entries would take far longer than the run: the check covers what this
            // run appends, from the head as it is now (`kangen admin audit verify` walks a whole database).
            await using var scope = Platform.Services.CreateAsyncScope();
            var head = await scope.ServiceProvider.GetRequiredService<KangenDbContext>().AuditHead.AsNoTracking().SingleAsync(h => h.Id == 1, cancellationToken);
            _auditFrom = (head.Sequence, head.Hash);
        }

        _prepared = new Prepared[settings.Prepared];
        var phase = new BenchPhase("prepare", context.Time);
        // Signing is CPU on this machine: as many at once as it has cores, a few more to cover the requests' waits.
        await BenchLoad.RunAsync(phase, "citizen", Environment.ProcessorCount * 4, settings.Prepared, async (i, token) =>
        {
            var (prepared, problem) = await PrepareCitizenAsync(cards[(int)i], accounts[(int)i], campaign, token);
            if (prepared is not null)
                _prepared[i] = prepared;
            return problem is null ? BenchOutcome.Success : BenchOutcome.Failed(problem);
        }, preparing, cancellationToken);
        if (phase.Errors > 0)
            throw new BenchAbortedException($"{phase.Errors} 人の準備に失敗しました / {phase.Errors} 名市民准备失败 / {phase.Errors} citizens could not be prepared; " +
                $"first: {phase.Summarise().ErrorSamples.FirstOrDefault()}");
        await WarmUpAsync(warming, cancellationToken);
        // A fresh PostgreSQL database: the statistics autovacuum would have by now (see there why they matter).
        if (Platform.Database is { } fresh)
            _analyzedApplications = await fresh.AnalyzeAsync(cancellationToken);
        _applicationsBefore = await RecordedApplicationsAsync(cancellationToken);
    }

    /// <summary>
    /// The warm-up citizens (those after the measured ones) send their sessions, then their applications, as the measured
    /// phases will; any failure stops the run, since the measured phases would meet it too.
    /// </summary>
    private async Task WarmUpAsync(BenchCounter? progress, CancellationToken cancellationToken)
    {
        var phase = new BenchPhase("warm-up", context.Time);
        await BenchLoad.RunAsync(phase, "session", settings.Workers, settings.WarmUp, (i, token) => SessionAsync(settings.Citizens + (int)i, token), progress, cancellationToken);
        await BenchLoad.RunAsync(phase, "application", settings.Workers, settings.WarmUp, (i, token) => ApplicationAsync(settings.Citizens + (int)i, token), progress, cancellationToken);
        if (phase.Errors > 0)
            throw new BenchAbortedException($"ウォームアップで {phase.Errors} 件の失敗 / 预热中有 {phase.Errors} 个请求失败 / {phase.Errors} warm-up requests failed; " +
                $"first: {phase.Summarise().ErrorSamples.FirstOrDefault()}");
    }

    private async Task<BenchOutcome> SessionAsync(int citizen, CancellationToken cancellationToken)
    {
        using var request = Json("api/v1/sessions", _prepared[citizen].Session);
        using var response = await Platform.Http.SendAsync(request, cancellationToken);
        return await BenchLoad.JudgeAsync(response, cancellationToken, HttpStatusCode.Created);
    }

    private async Task<BenchOutcome> ApplicationAsync(int citizen, CancellationToken cancellationToken)
    {
        using var request = Json("api/v1/applications", _prepared[citizen].Application);
        request.Headers.Add("Idempotency-Key", _prepared[citizen].IdempotencyKey);
        using var response = await Platform.Http.SendAsync(request, cancellationToken);
        return await BenchLoad.JudgeAsync(response, cancellationToken, HttpStatusCode.Created);
    }

    /// <summary>One citizen up to the measured requests; the problem says which step failed.</summary>
    private async Task<(Prepared?, string?)> PrepareCitizenAsync(BenchCard card, IReadOnlyDictionary<string, string> fields, string campaign,
        CancellationToken cancellationToken)
    {
        var http = Platform.Http;
        async Task<(JsonElement Body, string? Problem)> Send(string step, HttpRequestMessage request)
        {
            using (request)
            using (var response = await http.SendAsync(request, cancellationToken))
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                    return (default, $"{step}: {(int)response.StatusCode} {text[..Math.Min(200, text.Length)]}");
                using var document = JsonDocument.Parse(text);
                return (document.RootElement.Clone(), null);
            }
        }
        async Task<(string? Challenge, string? Problem)> Challenge(string purpose)
        {
            var (body, problem) = await Send(purpose + " challenge", BenchApplication.Post("api/v1/challenges", new { purpose }));
            return (body.ValueKind == JsonValueKind.Object ? BenchReply.TextAt(body, "challenge") : null, problem);
        }

        var (first, problem) = await Challenge("session");
        if (problem is not null)
            return (null, problem);
        var (certificate, signature) = card.Sign(Encoding.UTF8.GetBytes(first!));
        var (session, sessionProblem) = await Send("first session", BenchApplication.Post("api/v1/sessions", BenchApplication.Session(first!, certificate, signature)));
        if (sessionProblem is not null)
            return (null, sessionProblem);
        var verify = BenchApplication.Post("api/v1/applications/verify-account", new { service = _service, fields, forChild = false });
        verify.Headers.Authorization = new AuthenticationHeaderValue("Bearer", BenchReply.TextAt(session, "token"));
        var (verified, verifyProblem) = await Send("verify account", verify);
        if (verifyProblem is not null)
            return (null, verifyProblem);
        var verification = BenchReply.TextAt(verified, "verification")!;
        var terms = BenchReply.TextAt(verified, "terms.version")!;

        var (signed, applicationProblem) = await Challenge("application");
        if (applicationProblem is not null)
            return (null, applicationProblem);
        var application = JsonSerializer.SerializeToUtf8Bytes(
            BenchApplication.Body(bytes => card.Sign(bytes), signed!, campaign, _service, terms, verification), JsonSerializerOptions.Web);

        var (second, secondProblem) = await Challenge("session");
        if (secondProblem is not null)
            return (null, secondProblem);
        var (_, secondSignature) = card.Sign(Encoding.UTF8.GetBytes(second!));
        return (new Prepared(JsonSerializer.SerializeToUtf8Bytes(BenchApplication.Session(second!, certificate, secondSignature), JsonSerializerOptions.Web),
            application, Guid.NewGuid().ToString("N")), null);
    }

    public override async Task<IReadOnlyList<BenchPhase>> MeasureAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        var prepared = context.Time.GetElapsedTime(_prepareStarted);
        if (prepared >= VerificationTokens.Lifetime)
        {
            throw new BenchAbortedException(
                $"準備に {prepared.TotalMinutes:0} 分かかり、口座確認の有効期限 {VerificationTokens.Lifetime.TotalMinutes:0} 分を過ぎました。--citizens か --warm-up を減らしてください。/ " +
                $"准备用时 {prepared.TotalMinutes:0} 分钟，超过了账户确认的有效期 {VerificationTokens.Lifetime.TotalMinutes:0} 分钟，请减少 --citizens 或 --warm-up。/ " +
                $"The prepare phase took {prepared.TotalMinutes:0} minutes, past the {VerificationTokens.Lifetime.TotalMinutes:0} minutes an account verification lasts: lower --citizens or --warm-up.");
        }
        var gate = _gate!;
        var sessions = new BenchPhase("sessions", context.Time);
        var opened = progress.Add($"Sessions: {settings.Citizens:N0} citizens, {settings.Workers} at once", settings.Citizens);
        var before = gate.Read();
        sessions.Start();
        await BenchLoad.RunAsync(sessions, "session", settings.Workers, settings.Citizens, (i, token) => SessionAsync((int)i, token), opened, cancellationToken);
        sessions.End();
        _gateByPhase[sessions.Name] = gate.Read() - before;

        var applications = new BenchPhase("applications", context.Time);
        var applied = progress.Add($"Applications: {settings.Citizens:N0} citizens, {settings.Workers} at once", settings.Citizens);
        before = gate.Read();
        applications.Start();
        await BenchLoad.RunAsync(applications, "application", settings.Workers, settings.Citizens, (i, token) => ApplicationAsync((int)i, token), applied, cancellationToken);
        applications.End();
        _gateByPhase[applications.Name] = gate.Read() - before;
        _applicationsAfter = await RecordedApplicationsAsync(cancellationToken);
        return [sessions, applications];
    }

    public override async Task<(IReadOnlyList<BenchFigure> Figures, IReadOnlyList<BenchCheck> Checks)> JudgeAsync(
        IReadOnlyList<BenchPhase> phases, CancellationToken cancellationToken)
    {
        var sessions = phases.Single(p => p.Name == "sessions");
        var applications = phases.Single(p => p.Name == "applications");
        var both = sessions.Duration + applications.Duration;
        // Only what succeeded counts: a failed run is already failed by its checks, its rates must not say more than it did.
        var applied = settings.Citizens - applications.Errors;
        var figures = new List<BenchFigure>
        {
            new("applications/s", Rate(applied, applications.Duration), "applications/s",
                "Complete authenticated applications per second: certificate checked cold, card signature verified, the application recorded durably " +
                "(the target is 3/4 of the bare endpoint: one verification and one insert per request)", Limits.MachineLimits.BareEndpoint),
            new("sessions/s", Rate(settings.Citizens - sessions.Errors, sessions.Duration), "sessions/s",
                "Sessions opened per second: certificate checked cold, signature verified, session stored", Limits.MachineLimits.BareEndpoint),
            new("citizens/s (session + application)", Rate(applied, both), "citizens/s",
                "Citizens per second through both measured requests: every phase's time added"),
        };
        foreach (var phase in new[] { sessions, applications })
        {
            if (!_gateByPhase.TryGetValue(phase.Name, out var gate))
                continue;
            var succeeded = settings.Citizens - phase.Errors;
            if (gate.Groups > 0)
            {
                figures.Add(new BenchFigure($"requests per commit ({phase.Name})", Math.Round((double)gate.Grouped / gate.Groups, 1), "requests",
                    "Mean requests one group commit handled in one transaction (kangen.storage.group_commit.size)"));
            }
            // SQLite only: PostgreSQL has no gate, its writers wait on row locks instead.
            if (gate.Entries == 0)
                continue;
            figures.Add(new BenchFigure($"write gate held per commit ({phase.Name})", Math.Round(gate.HeldSeconds / gate.Entries * 1000, 3), "ms",
                "Mean time one write transaction (a group commit) held the SQLite write gate; every write is serial inside it"));
            figures.Add(new BenchFigure($"write gate held per request ({phase.Name})", succeeded > 0 ? Math.Round(gate.HeldSeconds / succeeded * 1000, 3) : 0, "ms",
                "The single writer's time per successful request: total time the gate was held (by every writer, mostly these requests' group commits) / requests"));
            figures.Add(new BenchFigure($"write gate wait per commit ({phase.Name})", Math.Round(gate.WaitSeconds / gate.Entries * 1000, 3), "ms",
                "Mean time a write transaction waited for the gate"));
            figures.Add(new BenchFigure($"write gate busy ({phase.Name})", Math.Round(100 * gate.HeldSeconds / phase.Duration.TotalSeconds, 1), "%",
                "Share of the phase the gate was held: near 100 % the single writer is the bound"));
            figures.Add(new BenchFigure($"writer bound ({phase.Name})", gate.HeldSeconds > 0 ? Math.Round(succeeded / gate.HeldSeconds, 1) : 0, "requests/s",
                "Requests per second the writer could take at this hold time: successful requests / total time held",
                Limits.MachineLimits.SqliteCommits));
        }
        await using var scope = Platform.Services.CreateAsyncScope();
        var audit = await AuditVerifier.VerifyAsync(scope.ServiceProvider.GetRequiredService<KangenDbContext>(), _auditFrom, cancellationToken);
        var errors = sessions.Errors + applications.Errors;
        var recorded = _applicationsAfter - _applicationsBefore;
        BenchCheck[] checks =
        [
            new("errors", errors, 0, errors == 0, "Answers other than 201 Created, and requests that got no answer"),
            new("applications recorded", recorded, settings.Citizens, recorded == settings.Citizens, "Applications the database gained in the measured phase: one per citizen"),
            new("audit chain", audit.IsIntact ? 1 : 0, 1, audit.IsIntact, _auditFrom is null
                ? "The audit log's hash chain verifies after the run"
                : "The entries this run appended verify, linked to the chain head as it was before the run and up to the head after it"),
        ];
        return (figures, checks);
    }

    /// <summary>
    /// The service the run applies with on a generated database: <see cref="Service"/> unless its operator is registered
    /// there. The grants and feed scenarios register kangen-demo to sign their requests, without a verification endpoint,
    /// and a registered operator's accounts are verified only at its endpoint; the built-in demo operators stand in for
    /// every operator that is not registered, so the run takes the first open service of those that grants card
    /// acquisition. Which service it is does not change the measured requests' work.
    /// </summary>
    private async Task<string> UnregisteredServiceAsync(CancellationToken cancellationToken)
    {
        await using var scope = Platform.Services.CreateAsyncScope();
        var registered = (await scope.ServiceProvider.GetRequiredService<KangenDbContext>().Operators.AsNoTracking().Select(o => o.Code)
            .ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        // Open as the generator judges it: on the campaign's own calendar.
        var now = context.Time.GetUtcNow();
        var campaign = Platform.Services.GetRequiredService<Kangen.Platform.Features.Campaigns.CampaignProvider>().At(now);
        return Generate.Population.OpenServices(Platform.Services.GetRequiredService<ServiceCatalogue>(), campaign, campaign.TimeZone.DateOf(now))
            .Where(s => !registered.Contains(s.Operator) && s.Accepts(Kangen.Rules.ProgramKind.CardAcquisition))
            .OrderBy(s => s.Code.Value != Service).ThenBy(s => s.Code.Value, StringComparer.Ordinal)
            .Select(s => s.Code.Value).FirstOrDefault()
            ?? throw new BenchAbortedException("この生成データベースには、カード取得の申込みを受け付けていて事業者が登録されていないサービスがありません / " +
                "该生成数据库中没有正在受理卡取得申请且运营商未注册的服务 / " +
                "No open card-acquisition service of an operator that is not registered on this generated database: the built-in demo operators could verify no account.");
    }

    /// <summary>The file in a generated database's folder that keeps the first card the next apply run there may take.</summary>
    public static string NextCardFile(Generate.GeneratedDatabase database) => Path.Combine(database.Folder, "bench-apply-next-card");

    /// <summary>
    /// The generated people of <paramref name="database"/>, and the first card this run takes, reserved with the cards after
    /// it before any is used: the higher of what earlier runs reserved (<see cref="NextCardFile"/>) and the people who are
    /// not generated (each came from a card of an earlier run that signed in, so holds a certificate: this covers a
    /// database whose file is gone). The reservation, not the count, is what keeps a run that failed halfway (some of its
    /// cards signed in, some not) from handing its used cards to the next.
    /// </summary>
    private async Task<(long Generated, int FirstCitizen)> ReserveCitizensAsync(Generate.GeneratedDatabase database, CancellationToken cancellationToken)
    {
        long generated, others;
        await using (var db = KangenStorage.CreateContext(database.Provider, database.ConnectionString + ";Pooling=false"))
            (generated, others) = await Generate.Population.CountPeopleAsync(db, cancellationToken);
        var file = NextCardFile(database);
        var reserved = File.Exists(file) && long.TryParse(await File.ReadAllTextAsync(file, cancellationToken), System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
        var first = Math.Max(reserved, others);
        // The generated people's demo accounts start at that number of each service: a card beyond it would take one.
        if (first + settings.Prepared > Generate.Population.AccountOffset)
        {
            throw new BenchAbortedException($"この生成データベースで使える市民番号は {Generate.Population.AccountOffset:N0} までで、{first:N0} 番まで使用済みです。新しく生成してください。/ " +
                $"该生成数据库可用的市民编号上限为 {Generate.Population.AccountOffset:N0}，已用到 {first:N0}，请重新生成。/ " +
                $"Bench citizens on a generated database stop at number {Generate.Population.AccountOffset:N0} (where the generated people's accounts begin) " +
                $"and {first:N0} are used: generate a new one.");
        }
        await File.WriteAllTextAsync(file + ".tmp", (first + settings.Prepared).ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        File.Move(file + ".tmp", file, overwrite: true);
        return (generated, (int)first);
    }

    private Task<long> RecordedApplicationsAsync(CancellationToken cancellationToken) =>
        Platform.CountAsync((db, token) => db.ApplicationSubmissions.LongCountAsync(token), cancellationToken);

    private static double Rate(long count, TimeSpan duration) => duration > TimeSpan.Zero ? Math.Round(count / duration.TotalSeconds, 1) : 0;

    private static HttpRequestMessage Json(string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }

    public override async ValueTask DisposeAsync()
    {
        _gate?.Dispose();
        if (_platform is not null)
            await _platform.DisposeAsync();
    }
}

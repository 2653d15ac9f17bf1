using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kangen.Cli.Features.Bench.Generate;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kangen.Cli.Features.Bench.Grants;

/// <summary>The settings of <c>kangen bench grants</c>.</summary>
/// <param name="People">People to generate when the database does not exist yet.</param>
/// <param name="Lines">Grant lines to send in the measured phase.</param>
/// <param name="BatchSize">Lines per bulk request.</param>
/// <param name="Workers">Bulk requests in flight at once.</param>
/// <param name="Database">Where the generated database is (kept when named).</param>
/// <param name="Exists">True when it already holds a generated database to reuse.</param>
/// <param name="Skip">People of the operator's feed passed over before those the lines name.</param>
internal sealed record GrantsSettings(long People, int Lines, int BatchSize, int Workers, GeneratedDatabase Database, bool Exists, int Skip = 0);

/// <summary>
/// <c>kangen bench grants</c>: grant ingestion in bulk (flow 5) the way an operator reports a day's grants: NDJSON files
/// of <see cref="GrantLine"/>s to <c>POST /api/v1/operator/grants/bulk</c>, signed, over loopback, on a generated
/// database. The operator is <c>kangen-demo</c> and its lines name the people its enrolment feed announced; each
/// person gets four card-acquisition grants of 1,500 points, so the fourth (and any beyond what the generated
/// grants left) runs into the 5,000-point cap and the cap arithmetic really decides. Then the first batch is sent again
/// with the same keys. Checks from the database: the ledger holds exactly the accepted points, nobody is over a cap,
/// the running totals equal the ledger, the resent batch granted nothing twice.
/// </summary>
internal sealed class GrantsScenario(CliContext context, GrantsSettings settings) : BenchScenario
{
    public const string OperatorCode = "kangen-demo";

    /// <summary>Card-acquisition grants per person: 4 x 1,500 = 6,000 points against a 5,000-point cap.</summary>
    public const int LinesPerPerson = 4;

    public const long PointsPerLine = 1500;

    private readonly string _run = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..4]);
    private GeneratedPlatform? _platform;
    private List<byte[]> _batches = [];
    private int _planned;
    private int _persons;
    private long _answered, _accepted, _partial, _refused, _points, _capLimited, _otherRefusals;
    private long _resentLines, _resentReplayed, _resentPoints;
    private long _ledgerBeforeResend, _ledgerAfterResend;

    public override string Name => "grants";

    public override IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>
    {
        ["people"] = (_platform?.People ?? settings.People).ToString(CultureInfo.InvariantCulture),
        ["lines"] = BenchPlatform.I(settings.Lines),
        ["batchSize"] = BenchPlatform.I(settings.BatchSize),
        ["workers"] = BenchPlatform.I(settings.Workers),
        ["storage"] = settings.Database.Provider == StorageProvider.Postgres ? "postgres" : "sqlite",
        ["database"] = settings.Database.PostgresName ?? settings.Database.Folder,
        ["reused"] = settings.Exists ? "yes" : "no",
        ["operator"] = OperatorCode,
        ["personsGranted"] = BenchPlatform.I(_persons),
        ["skipPeople"] = BenchPlatform.I(settings.Skip),
        ["run"] = _run,
    };

    private GeneratedPlatform Platform => _platform ?? throw new InvalidOperationException("Prepare first.");

    private string KeyPrefix => "bench-" + _run + "-";

    public override async Task PrepareAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        _platform = await GeneratedPlatform.StartAsync(context, settings.Database, settings.Exists, settings.People, OperatorCode, progress, cancellationToken);
        var planning = progress.Add($"Grant lines: {settings.Lines:N0} in batches of {settings.BatchSize:N0} (from the operator's enrolled people)", settings.Lines);

        // What the operator knows from its feed: pseudonym and service of each person enrolled for card acquisition. A
        // run may pass over the people earlier runs granted to, to meet people whose caps and pages nothing touched yet.
        var wanted = (int)(((long)settings.Lines + LinesPerPerson - 1) / LinesPerPerson);
        var people = new List<(string Pseudonym, string Service)>(wanted);
        await using (var db = Platform.OpenDatabase())
        {
            var enrolled = db.EnrolmentEvents.AsNoTracking()
                .Where(e => e.OperatorCode == OperatorCode && e.Kind == EnrolmentRecord.Enrolled && e.Program == "card-acquisition");
            await foreach (var e in enrolled.OrderBy(e => e.AuditSequence).ThenBy(e => e.Ordinal).Skip(settings.Skip).Take(wanted)
                               .Select(e => new { e.Pseudonym, e.Service }).AsAsyncEnumerable().WithCancellation(cancellationToken))
                people.Add((e.Pseudonym, e.Service));
            if (people.Count == 0 && settings.Skip == 0)
                throw new BenchAbortedException($"{OperatorCode} のカード取得の加入者がいません。もっと多く生成してください / 没有 {OperatorCode} 的卡取得登记者，请生成更多人。 / " +
                    $"The database has nobody enrolled with {OperatorCode} for card acquisition: generate more people.");
            // A run that skips wants people nothing granted to yet, as many as its lines need: fewer would quietly give
            // each more lines than the other runs it is compared with.
            if (settings.Skip > 0 && people.Count < wanted)
            {
                var count = await enrolled.LongCountAsync(cancellationToken);
                throw new BenchAbortedException(
                    $"{OperatorCode} のカード取得の加入者は {BenchPlatform.N(count)} 人で、先頭 {BenchPlatform.N(settings.Skip)} 人の後に {BenchPlatform.N(wanted)} 人はいません。--skip-people か --lines を減らしてください / " +
                    $"{OperatorCode} 的卡取得登记者共 {BenchPlatform.N(count)} 人，前 {BenchPlatform.N(settings.Skip)} 人之后不足 {BenchPlatform.N(wanted)} 人，请减小 --skip-people 或 --lines。 / " +
                    $"{OperatorCode} has {BenchPlatform.N(count)} people enrolled for card acquisition: fewer than {BenchPlatform.N(wanted)} after the first {BenchPlatform.N(settings.Skip)} people; lower --skip-people or --lines.");
            }
        }
        _persons = people.Count;

        // Line j goes to person j mod P: consecutive lines name different people (as a day's purchases do), and each
        // person's lines come in order of their keys. With fewer people than lines / 4, people get more lines (all past the cap).
        var grantedAt = context.Time.GetUtcNow().AddMinutes(-1);
        _batches = new List<byte[]>(settings.Lines / settings.BatchSize + 1);
        var body = new MemoryStream();
        for (var j = 0; j < settings.Lines; j++)
        {
            var (pseudonym, service) = people[j % people.Count];
            JsonSerializer.Serialize(body, new GrantLine(KeyPrefix + BenchPlatform.I(j), pseudonym, service, "card-acquisition", PointsPerLine, grantedAt), ProtocolJson.Options);
            body.WriteByte((byte)'\n');
            if ((j + 1) % settings.BatchSize == 0 || j == settings.Lines - 1)
            {
                _batches.Add(body.ToArray());
                body.SetLength(0);
            }
            planning.Increment();
        }
        _planned = settings.Lines;

        // JIT, pools and the first pages: one small file of other keys (1 point each to the first people), not measured.
        var warm = new StringBuilder();
        for (var i = 0; i < Math.Min(20, people.Count); i++)
            warm.Append(JsonSerializer.Serialize(new GrantLine(KeyPrefix + "warm-" + BenchPlatform.I(i), people[i].Pseudonym, people[i].Service, "card-acquisition", 1, grantedAt), ProtocolJson.Options)).Append('\n');
        var warmed = await SendAsync(Encoding.UTF8.GetBytes(warm.ToString()), cancellationToken);
        if (warmed.Failure is not null)
            throw new InvalidOperationException("The warm-up file was not accepted: " + warmed.Failure);
    }

    public override async Task<IReadOnlyList<BenchPhase>> MeasureAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        var phase = new BenchPhase("grants", context.Time);
        var sent = progress.Add($"Grant lines: {_planned:N0} in {_batches.Count:N0} bulk files, {settings.Workers} at once", _planned);
        var next = -1;
        phase.Start();
        await Task.WhenAll(Enumerable.Range(0, settings.Workers).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < _batches.Count)
            {
                var started = context.Time.GetTimestamp();
                var answer = await SendAsync(_batches[index], cancellationToken);
                phase.Record("bulk file", context.Time.GetElapsedTime(started), answer.Failure is not null, answer.Failure);
                Interlocked.Add(ref _answered, answer.Lines);
                Interlocked.Add(ref _accepted, answer.Accepted);
                Interlocked.Add(ref _partial, answer.Partial);
                Interlocked.Add(ref _refused, answer.Refused);
                Interlocked.Add(ref _points, answer.Points);
                Interlocked.Add(ref _capLimited, answer.CapLimited);
                Interlocked.Add(ref _otherRefusals, answer.OtherRefusals);
                sent.Add(answer.Lines);
            }
        }, cancellationToken)));
        phase.End();

        // The operator's retry of a file whose answer it lost: the same keys again.
        var resend = new BenchPhase("resend", context.Time);
        _ledgerBeforeResend = await LedgerPointsAsync(cancellationToken);
        resend.Start();
        var again = context.Time.GetTimestamp();
        var replay = await SendAsync(_batches[0], cancellationToken);
        resend.Record("bulk file (same keys)", context.Time.GetElapsedTime(again), replay.Failure is not null, replay.Failure);
        resend.End();
        (_resentLines, _resentReplayed, _resentPoints) = (replay.Lines, replay.Replayed, replay.Points);
        _ledgerAfterResend = await LedgerPointsAsync(cancellationToken);
        return [phase, resend];
    }

    public override async Task<(IReadOnlyList<BenchFigure> Figures, IReadOnlyList<BenchCheck> Checks)> JudgeAsync(
        IReadOnlyList<BenchPhase> phases, CancellationToken cancellationToken)
    {
        var seconds = phases[0].Duration.TotalSeconds;
        var campaign = Platform.Site.Platform.Services.GetRequiredService<CampaignProvider>().At(context.Time.GetUtcNow());
        var caps = Entitlement.Of(campaign, Phase1History.NeverApplied, GrantTotals.Of(Yen.Zero, Yen.Zero, Yen.Zero));
        long cardCap = caps.Remaining(ProgramKind.CardAcquisition).Amount, healthCap = caps.Remaining(ProgramKind.HealthInsurance).Amount,
            fundCap = caps.Remaining(ProgramKind.PublicFundAccount).Amount, totalCap = caps.RemainingTotal.Amount;
        long overCap, totalsOff, ledger;
        await using (var db = Platform.OpenDatabase())
        {
            overCap = await db.GrantTotals.LongCountAsync(t => t.CardAcquisition > cardCap || t.HealthInsurance > healthCap || t.PublicFundAccount > fundCap
                || t.CardAcquisition + t.HealthInsurance + t.PublicFundAccount > totalCap, cancellationToken);
            // Correlated per person: the ledger's person index answers each total.
            totalsOff = await db.GrantTotals.LongCountAsync(t => t.CardAcquisition != db.Grants
                .Where(g => g.PersonId == t.PersonId && g.Campaign == t.Campaign && g.Program == "card-acquisition").Sum(g => g.Points), cancellationToken);
            ledger = await RunLedgerAsync(db, cancellationToken);
        }
        var errors = phases.Sum(p => p.Errors);
        BenchFigure[] figures =
        [
            new("lines per minute", Math.Round(seconds > 0 ? _answered / seconds * 60 : 0), "lines/min", "Grant lines answered per minute in the measured phase (target: at least 1,000,000 with cap enforcement)"),
            new("lines per second", Math.Round(seconds > 0 ? _answered / seconds : 0, 1), "lines/s", "The same per second"),
            new("accepted", _accepted, "lines", "Lines granted in full"),
            new("partial", _partial, "lines", "Lines granted up to the cap"),
            new("refused", _refused, "lines", "Lines refused"),
            new("cap-limited", _capLimited, "lines", "Partial or refused lines whose reason is a cap (program or total): the enforcement at work"),
            new("points granted", _points, "points", "Points the answers accepted"),
            new("people", Platform.People, "people", "Generated people in the database"),
            new("persons granted", _persons, "people", $"People of {OperatorCode} the lines named"),
        ];
        BenchCheck[] checks =
        [
            new("errors", errors, 0, errors == 0, "Bulk files that got no answer, a failure status, or an answer without one result per line"),
            new("lines answered", _answered, _planned, _answered == _planned, "Result lines received, one per line sent"),
            new("cap enforced", _capLimited, 1, _capLimited > 0, "Lines limited by a cap (at least one: the scenario sends 6,000 points per person against a 5,000 cap)"),
            new("other refusals", _otherRefusals, 0, _otherRefusals == 0, "Lines refused for anything but a cap (every line names an enrolled person and their service)"),
            new("ledger equals accepted", ledger, _points, ledger == _points, "Points in the ledger under this run's keys against the points the answers accepted"),
            new("nobody over a cap", overCap, 0, overCap == 0, "People whose running totals exceed a program's cap or the campaign total"),
            new("totals equal the ledger", totalsOff, 0, totalsOff == 0, "People whose card-acquisition running total differs from the sum of their ledger lines"),
            new("resend replayed", _resentReplayed, _resentLines, _resentReplayed == _resentLines && _resentLines > 0, "Lines of the resent file answered as replays of the recorded keys"),
            new("resend granted nothing", _ledgerAfterResend - _ledgerBeforeResend + _resentPoints, 0, _ledgerAfterResend == _ledgerBeforeResend && _resentPoints == 0,
                "Points added to the ledger (and reported as new) by the resent file"),
        ];
        return (figures, checks);
    }

    private async Task<long> LedgerPointsAsync(CancellationToken cancellationToken)
    {
        await using var db = Platform.OpenDatabase();
        return await RunLedgerAsync(db, cancellationToken);
    }

    // This run's measured lines only (the warm-up's keys have their own prefix).
    private Task<long> RunLedgerAsync(KangenDbContext db, CancellationToken cancellationToken)
    {
        var prefix = KeyPrefix;
        var warm = KeyPrefix + "warm-";
        return db.Grants.Where(g => g.OperatorCode == OperatorCode && g.Key.StartsWith(prefix) && !g.Key.StartsWith(warm)).SumAsync(g => g.Points, cancellationToken);
    }

    private sealed record BulkAnswer(long Lines, long Accepted, long Partial, long Refused, long Points, long CapLimited, long OtherRefusals, long Replayed, string? Failure);

    private static readonly HashSet<string> CapCodes = new(StringComparer.Ordinal)
    {
        RuleCodes.GrantExceedsCap.Code, RuleCodes.GrantExceedsTotal.Code,
    };

    /// <summary>Posts one bulk file and reads its NDJSON answer: a result per line, then the summary.</summary>
    private async Task<BulkAnswer> SendAsync(byte[] file, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue(OperatorRoutes.Ndjson);
        using var request = new HttpRequestMessage(HttpMethod.Post, OperatorRoutes.GrantsBulk.TrimStart('/')) { Content = content };
        try
        {
            using var response = await Platform.Operator.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return new BulkAnswer(0, 0, 0, 0, 0, 0, 0, 0, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            long lines = 0, accepted = 0, partial = 0, refused = 0, capLimited = 0, other = 0, replayed = 0;
            BulkSummary? summary = null;
            while (await reader.ReadLineAsync(cancellationToken) is { } text)
            {
                if (text.Length == 0)
                    continue;
                if (text.StartsWith("{\"summary\"", StringComparison.Ordinal))
                {
                    summary = JsonSerializer.Deserialize<BulkSummaryLine>(text, ProtocolJson.Options)?.Summary;
                    continue;
                }
                lines++;
                var result = JsonSerializer.Deserialize<GrantResult>(text, ProtocolJson.Options)!;
                if (result.Replayed)
                    replayed++;
                switch (result.Status)
                {
                    case GrantResult.AcceptedStatus: accepted++; break;
                    case GrantResult.PartialStatus: partial++; break;
                    default: refused++; break;
                }
                if (result.Status != GrantResult.AcceptedStatus)
                {
                    if (result.Reason is { } reason && CapCodes.Contains(reason))
                        capLimited++;
                    else
                        other++;
                }
            }
            var expected = file.Count(b => b == (byte)'\n');
            if (summary is null || lines != expected)
                return new BulkAnswer(lines, accepted, partial, refused, summary?.Points ?? 0, capLimited, other, replayed,
                    $"{lines} results for {expected} lines{(summary is null ? ", no summary" : "")}");
            return new BulkAnswer(lines, accepted, partial, refused, summary.Points, capLimited, other, replayed, null);
        }
        catch (HttpRequestException e)
        {
            return new BulkAnswer(0, 0, 0, 0, 0, 0, 0, 0, "no answer: " + e.Message);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_platform is not null)
            await _platform.DisposeAsync();
        else
            await settings.Database.DisposeAsync();
    }

}

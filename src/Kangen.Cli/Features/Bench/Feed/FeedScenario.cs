using System.Globalization;
using Kangen.Cli.Features.Bench.Generate;
using Kangen.Platform.Features.Operators;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Cli.Features.Bench.Feed;

/// <summary>The settings of <c>kangen bench feed</c>.</summary>
/// <param name="People">People to generate when the database does not exist yet.</param>
/// <param name="PageSize">Records per feed request (the platform's limit parameter, at most 100,000).</param>
/// <param name="Database">Where the generated database is (kept when named).</param>
/// <param name="Exists">True when it already holds a generated database to reuse.</param>
internal sealed record FeedSettings(long People, int PageSize, GeneratedDatabase Database, bool Exists);

/// <summary>
/// <c>kangen bench feed</c>: the enrolment feed (flow 3's other end) streamed to the operator <c>kangen-demo</c> over
/// loopback on a generated database, from the start, page after page (<c>GET /api/v1/operator/enrolments?after=&amp;limit=</c>,
/// signed) until a page comes back short, as an operator catching up does. Figures: records/s, time to the first
/// record. Checks: every record of the operator in the database arrived, once, in cursor order.
/// </summary>
internal sealed class FeedScenario(CliContext context, FeedSettings settings) : BenchScenario
{
    public const string OperatorCode = "kangen-demo";

    private GeneratedPlatform? _platform;
    private long _expected;
    private long _received, _outOfOrder, _pages;
    private TimeSpan _firstRecord;

    public override string Name => "feed";

    public override IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>
    {
        ["people"] = (_platform?.People ?? settings.People).ToString(CultureInfo.InvariantCulture),
        ["pageSize"] = settings.PageSize.ToString(CultureInfo.InvariantCulture),
        ["storage"] = settings.Database.Provider == StorageProvider.Postgres ? "postgres" : "sqlite",
        ["database"] = settings.Database.PostgresName ?? settings.Database.Folder,
        ["reused"] = settings.Exists ? "yes" : "no",
        ["operator"] = OperatorCode,
    };

    private GeneratedPlatform Platform => _platform ?? throw new InvalidOperationException("Prepare first.");

    public override async Task PrepareAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        _platform = await GeneratedPlatform.StartAsync(context, settings.Database, settings.Exists, settings.People, OperatorCode, progress, cancellationToken);
        await using (var db = Platform.OpenDatabase())
            _expected = await db.EnrolmentEvents.LongCountAsync(e => e.OperatorCode == OperatorCode, cancellationToken);
        // JIT and the first pages of the index: a page of ten records, not measured.
        var warm = await ReadPageAsync("", 10, null, null, cancellationToken);
        if (warm.Failure is not null)
            throw new InvalidOperationException("The feed's warm-up page failed: " + warm.Failure);
    }

    public override async Task<IReadOnlyList<BenchPhase>> MeasureAsync(BenchProgress progress, CancellationToken cancellationToken)
    {
        var phase = new BenchPhase("feed", context.Time);
        var counter = progress.Add($"Enrolment records of {OperatorCode}: {_expected:N0}, {settings.PageSize:N0} per request", _expected);
        var cursor = "";
        (long, int) last = (0, -1);
        phase.Start();
        var started = context.Time.GetTimestamp();
        while (true)
        {
            var sent = context.Time.GetTimestamp();
            var page = await ReadPageAsync(cursor, settings.PageSize, counter, _pages == 0 ? started : null, cancellationToken, last);
            phase.Record("feed page", context.Time.GetElapsedTime(sent), page.Failure is not null, page.Failure);
            _pages++;
            _received += page.Records;
            _outOfOrder += page.OutOfOrder;
            if (_pages == 1)
                _firstRecord = page.FirstRecord;
            if (page.Failure is not null || page.Records < settings.PageSize || page.LastCursor is null)
                break;
            cursor = page.LastCursor;
            last = page.Last;
        }
        phase.End();
        return [phase];
    }

    public override Task<(IReadOnlyList<BenchFigure> Figures, IReadOnlyList<BenchCheck> Checks)> JudgeAsync(
        IReadOnlyList<BenchPhase> phases, CancellationToken cancellationToken)
    {
        var seconds = phases[0].Duration.TotalSeconds;
        var errors = phases.Sum(p => p.Errors);
        IReadOnlyList<BenchFigure> figures =
        [
            new("records per second", Math.Round(seconds > 0 ? _received / seconds : 0), "records/s", "Enrolment records received per second, first request to last record (target: at least 100,000)"),
            new("time to first record", Math.Round(_firstRecord.TotalMilliseconds, 2), "ms", "From sending the first request to reading its first record"),
            new("records", _received, "records", "Records received"),
            new("pages", _pages, "requests", "Feed requests made"),
            new("people", Platform.People, "people", "Generated people in the database"),
        ];
        IReadOnlyList<BenchCheck> checks =
        [
            new("errors", errors, 0, errors == 0, "Feed requests that failed or returned a line that is not a record"),
            new("every record", _received, _expected, _received == _expected, $"Records received against the operator's records in the database"),
            new("in order, once", _outOfOrder, 0, _outOfOrder == 0, "Records whose cursor was not after the one before (a repeat or a reordering)"),
        ];
        return Task.FromResult((figures, checks));
    }

    private sealed record Page(long Records, long OutOfOrder, string? LastCursor, (long, int) Last, TimeSpan FirstRecord, string? Failure);

    /// <summary>Reads one page as a stream, line by line, checking each cursor comes after the previous one.</summary>
    private async Task<Page> ReadPageAsync(string after, int limit, BenchCounter? counter, long? startedAt, CancellationToken cancellationToken, (long, int)? previous = null)
    {
        var path = OperatorRoutes.Enrolments.TrimStart('/') + "?after=" + Uri.EscapeDataString(after) + "&limit=" + limit.ToString(CultureInfo.InvariantCulture);
        var begun = startedAt ?? context.Time.GetTimestamp();
        try
        {
            using var response = await Platform.Operator.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return new Page(0, 0, null, default, default, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            long records = 0, outOfOrder = 0;
            var last = previous ?? (0, -1);
            string? lastCursor = null;
            TimeSpan first = default;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0)
                    continue;
                // The cursor is the first member of every record ({"cursor":"<sequence>.<ordinal>",...}): read it without parsing the rest.
                const string head = "{\"cursor\":\"";
                var end = line.IndexOf('"', head.Length);
                if (!line.StartsWith(head, StringComparison.Ordinal) || end < 0
                    || !EnrolmentFeed.TryParseCursor(line[head.Length..end], out var sequence, out var ordinal))
                    return new Page(records, outOfOrder, lastCursor, last, first, "not a feed record: " + (line.Length > 80 ? line[..80] : line));
                if (records == 0)
                    first = context.Time.GetElapsedTime(begun);
                if (sequence < last.Item1 || (sequence == last.Item1 && ordinal <= last.Item2))
                    outOfOrder++;
                last = (sequence, ordinal);
                lastCursor = line[head.Length..end];
                records++;
                counter?.Increment();
            }
            return new Page(records, outOfOrder, lastCursor, last, first, null);
        }
        catch (HttpRequestException e)
        {
            return new Page(0, 0, null, default, default, "no answer: " + e.Message);
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

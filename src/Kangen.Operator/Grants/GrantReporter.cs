using System.Text;
using System.Text.Json;
using Kangen.Operator.Rebates;
using Kangen.Operator.Storage;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Operator.Grants;

/// <summary>What one reporting run did.</summary>
/// <param name="Sent">Grant lines sent (replays included).</param>
/// <param name="Accepted">Lines fully accepted.</param>
/// <param name="Partial">Lines partly accepted.</param>
/// <param name="Refused">Lines refused.</param>
/// <param name="Points">Points the platform recorded for them.</param>
/// <param name="Cancellations">Cancellations sent.</param>
/// <param name="Error">Why the run stopped early (the rest stays in the outbox), or null.</param>
public sealed record ReportSummary(int Sent, int Accepted, int Partial, int Refused, long Points, int Cancellations, string? Error)
{
    /// <summary>Adds two runs.</summary>
    public ReportSummary Plus(ReportSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Sent + other.Sent, Accepted + other.Accepted, Partial + other.Partial, Refused + other.Refused,
            Points + other.Points, Cancellations + other.Cancellations, other.Error ?? Error);
    }

    /// <summary>Nothing done.</summary>
    public static ReportSummary None { get; } = new(0, 0, 0, 0, 0, 0, null);
}

/// <summary>
/// Sends the outbox: cancellations of grants already answered, pending grants in batches (or one bulk NDJSON file
/// for a large backlog), then the remaining cancellations, and records each answer as the truth. A person's part 1 is marked exhausted when the platform
/// answers partial, refuses for a cap, or says nothing remains. Lines of suspended people stay in the outbox.
/// </summary>
/// <param name="client">The platform.</param>
/// <param name="time">The clock.</param>
/// <param name="batchSize">Lines per batch (at most <see cref="GrantLimits.BatchLines"/>).</param>
/// <param name="bulkThreshold">From this many pending lines on, send one bulk file instead of batches.</param>
public sealed class GrantReporter(PlatformClient client, TimeProvider time, int batchSize = 500, int bulkThreshold = 5000)
{
    /// <summary>Sends everything pending; <paramref name="progress"/> gets the lines answered so far.</summary>
    public async Task<ReportSummary> ReportAsync(OperatorDb db, string dataFolder, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var summary = ReportSummary.None;
        var suspended = await db.People.Where(p => p.Suspended).Select(p => p.Person).ToListAsync(cancellationToken);
        var pending = await db.Grants.CountAsync(g => g.Status == GrantStatus.Pending && !suspended.Contains(g.Person), cancellationToken);
        try
        {
            // Cancellations of answered grants go first, so points a return gave back are free for the new grants.
            summary = summary.Plus(await SendCancellationsAsync(db, cancellationToken));
            if (pending >= bulkThreshold)
                summary = summary.Plus(await SendBulkAsync(db, dataFolder, suspended, cancellationToken));
            while (true)
            {
                var batch = await db.Grants
                    .Where(g => g.Status == GrantStatus.Pending && !suspended.Contains(g.Person))
                    .OrderBy(g => g.Key)
                    .Take(Math.Clamp(batchSize, 1, GrantLimits.BatchLines))
                    .ToListAsync(cancellationToken);
                if (batch.Count == 0)
                    break;
                // The attempt is counted before sending: the keys are already on disk, so a crash here resends them.
                foreach (var g in batch)
                    g.Attempts++;
                await db.SaveChangesAsync(cancellationToken);
                var answer = await client.PostJsonAsync<GrantBatch, GrantBatchResult>(
                    OperatorRoutes.Grants, new GrantBatch(batch.Select(ToLine).ToArray()), cancellationToken);
                summary = summary.Plus(await RecordAsync(db, batch, answer.Results, cancellationToken));
                progress?.Report(summary.Sent);
            }
            summary = summary.Plus(await SendCancellationsAsync(db, cancellationToken));
        }
        catch (Exception e) when (e is PlatformException or HttpRequestException or Polly.Timeout.TimeoutRejectedException or JsonException)
        {
            summary = summary with { Error = e.Message };
        }
        return summary;
    }

    private async Task<ReportSummary> SendBulkAsync(OperatorDb db, string dataFolder, List<string> suspended, CancellationToken cancellationToken)
    {
        var lines = await db.Grants.Where(g => g.Status == GrantStatus.Pending && !suspended.Contains(g.Person)).OrderBy(g => g.Key).ToListAsync(cancellationToken);
        foreach (var g in lines)
            g.Attempts++;
        await db.SaveChangesAsync(cancellationToken);
        var folder = Path.Combine(dataFolder, "outbox");
        Directory.CreateDirectory(folder);
        // The second's resolution alone would let two sends in one second (or under a test's stopped clock) share a file.
        var file = Path.Combine(folder, $"grants-{time.GetUtcNow():yyyyMMddTHHmmss}-{Guid.NewGuid():N}.ndjson");
        await using (var writer = new StreamWriter(file, false, new UTF8Encoding(false)))
        {
            foreach (var g in lines)
                await writer.WriteLineAsync(JsonSerializer.Serialize(ToLine(g), ProtocolJson.Options).AsMemory(), cancellationToken);
        }
        var text = await client.PostFileAsync(OperatorRoutes.GrantsBulk, file, cancellationToken);
        var results = new List<GrantResult>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("summary", out _))
                continue;
            results.Add(doc.RootElement.Deserialize<GrantResult>(ProtocolJson.Options)!);
        }
        var recorded = await RecordAsync(db, lines, results, cancellationToken);
        File.Delete(file);
        return recorded;
    }

    private async Task<ReportSummary> RecordAsync(OperatorDb db, List<GrantRow> sent, IReadOnlyList<GrantResult> results, CancellationToken cancellationToken)
    {
        var byKey = sent.ToDictionary(g => g.Key, StringComparer.Ordinal);
        int accepted = 0, partial = 0, refused = 0;
        long points = 0;
        var now = time.GetUtcNow();
        foreach (var result in results)
        {
            if (result.Key is null || !byKey.TryGetValue(result.Key, out var grant))
                continue;
            grant.Status = result.Status switch
            {
                GrantResult.AcceptedStatus => GrantStatus.Accepted,
                GrantResult.PartialStatus => GrantStatus.Partial,
                _ => GrantStatus.Refused,
            };
            grant.Accepted = result.Accepted;
            grant.Reason = result.Reason;
            grant.AnsweredAt = now;
            points += result.Accepted;
            switch (grant.Status)
            {
                case GrantStatus.Accepted: accepted++; break;
                case GrantStatus.Partial: partial++; break;
                default: refused++; break;
            }
            if (grant.Program == "card-acquisition")
            {
                var person = await OperatorLedger.PersonAsync(db, grant.Person, cancellationToken);
                // The platform's answer is the truth: what it did not accept is no longer committed.
                if (!grant.Cancelled)
                    person.CardAcquisitionCommitted -= grant.Points - result.Accepted;
                if (grant.Status == GrantStatus.Partial
                    || (grant.Status == GrantStatus.Refused && result.Reason is { } r && (r.Contains("cap", StringComparison.Ordinal) || r.Contains("total", StringComparison.Ordinal)))
                    || result.Remaining is { Program: 0 } || result.Remaining is { Total: 0 })
                    person.CapReached = true;
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        return new ReportSummary(results.Count, accepted, partial, refused, points, 0, null);
    }

    private async Task<ReportSummary> SendCancellationsAsync(OperatorDb db, CancellationToken cancellationToken)
    {
        var count = 0;
        while (true)
        {
            // A cancellation goes only after its grant was answered, so the platform knows the grant.
            var answered = db.Grants.Where(g => g.Status != GrantStatus.Pending).Select(g => g.Key);
            var batch = await db.Cancellations.Where(c => c.Status == GrantStatus.Pending && answered.Contains(c.GrantKey))
                .OrderBy(c => c.Key).Take(GrantLimits.BatchLines).ToListAsync(cancellationToken);
            if (batch.Count == 0)
                return ReportSummary.None with { Cancellations = count };
            var answer = await client.PostJsonAsync<CancellationBatch, CancellationBatchResult>(
                OperatorRoutes.Cancellations,
                new CancellationBatch(batch.Select(c => new CancellationLine(c.Key, c.GrantKey, c.CancelledAt)).ToArray()),
                cancellationToken);
            var byKey = batch.ToDictionary(c => c.Key, StringComparer.Ordinal);
            foreach (var result in answer.Results)
            {
                if (!byKey.TryGetValue(result.Key, out var row))
                    continue;
                row.Status = result.Status is GrantStatus.Cancelled or GrantStatus.Refund ? result.Status : GrantStatus.Refused;
                row.Points = result.Points;
                row.Reason = result.Reason;
            }
            // A cancellation the platform did not answer would be resent forever; mark it refused so it shows in status.
            foreach (var row in batch.Where(c => c.Status == GrantStatus.Pending))
            {
                row.Status = GrantStatus.Refused;
                row.Reason = "operator.no-answer";
            }
            await db.SaveChangesAsync(cancellationToken);
            count += batch.Count;
        }
    }

    /// <summary>The wire line of an outbox row.</summary>
    public static GrantLine ToLine(GrantRow g)
    {
        ArgumentNullException.ThrowIfNull(g);
        return new GrantLine(g.Key, g.Person, g.Service, g.Program, g.Points, g.GrantedAt);
    }
}

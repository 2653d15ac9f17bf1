using System.Globalization;
using System.Text;
using System.Text.Json;
using Kangen.Operator.Grants;
using Kangen.Operator.Storage;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Operator.Settlement;

/// <summary>The outcome of a settlement check.</summary>
/// <param name="Month">yyyy-MM.</param>
/// <param name="EnvelopeState">The envelope's state before the check.</param>
/// <param name="Outcome"><c>confirmed</c> (this check confirmed it), <c>matches</c> (nothing to confirm: an estimate, or confirmed before) or <c>differences</c>.</param>
/// <param name="LocalCount">Lines in the operator's ledger for the month.</param>
/// <param name="LocalPoints">Net points in the operator's ledger.</param>
/// <param name="PlatformCount">The envelope's control total of lines.</param>
/// <param name="PlatformPoints">The envelope's control total of points.</param>
/// <param name="Differences">What differs, per key (reconciliation's answer when there were differences).</param>
public sealed record SettlementCheckResult(
    string Month, string EnvelopeState, string Outcome, long LocalCount, long LocalPoints, long PlatformCount, long PlatformPoints,
    IReadOnlyList<ReconciliationDifference> Differences);

/// <summary>
/// Compares a month's settlement with the operator's own ledger: the envelope's control totals and its lines
/// (key and points) against the local lines of the envelope (<see cref="LocalLinesAsync"/>). Equal: a final
/// envelope is confirmed with the totals. Different: the local lines go to reconciliation and its differences are
/// reported. Every check is recorded.
/// </summary>
public sealed class SettlementChecker(PlatformClient client, TimeProvider time)
{
    /// <summary>Checks <paramref name="month"/> (yyyy-MM).</summary>
    /// <exception cref="ArgumentException">When the month is not yyyy-MM.</exception>
    public async Task<SettlementCheckResult> CheckAsync(OperatorDb db, string month, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
            throw new ArgumentException($"The month must be yyyy-MM, not '{month}'.", nameof(month));
        var local = await LocalLinesAsync(db, first.Year * 100 + first.Month, cancellationToken);
        var envelope = await client.GetJsonAsync<SettlementEnvelope>($"{OperatorRoutes.Settlements}/{month}", cancellationToken);
        var csv = await client.GetTextAsync($"{OperatorRoutes.Settlements}/{month}/lines", cancellationToken);
        var platform = ParseLines(csv);
        var differences = Compare(local, platform);
        var localCount = local.Count;
        var localPoints = local.Values.Sum();
        var totalsMatch = localCount == envelope.Count && localPoints == envelope.Points;
        string outcome;
        if (differences.Count == 0 && totalsMatch)
        {
            if (envelope.State == SettlementEnvelope.Final)
            {
                await client.PostJsonAsync<SettlementConfirmation, SettlementEnvelope>(
                    $"{OperatorRoutes.Settlements}/{month}/confirm", new SettlementConfirmation(localCount, localPoints), cancellationToken);
                outcome = "confirmed";
                await MarkSettledAsync(db, local.Keys, month, cancellationToken);
            }
            else
            {
                outcome = "matches";
                if (envelope.State == SettlementEnvelope.Confirmed)
                    await MarkSettledAsync(db, local.Keys, month, cancellationToken);
            }
        }
        else
        {
            var ndjson = new StringBuilder();
            foreach (var (key, points) in local.OrderBy(l => l.Key, StringComparer.Ordinal))
                ndjson.Append(JsonSerializer.Serialize(new ReconciliationLine(key, points), ProtocolJson.Options)).Append('\n');
            var answer = await client.PostNdjsonAsync($"{OperatorRoutes.Settlements}/{month}/reconcile", ndjson.ToString(), cancellationToken);
            var reported = ProtocolJson.ReadLines<ReconciliationDifference>(answer).Where(d => d.Key is not null).ToList();
            // The platform's reconciliation is authoritative; the local comparison stands when it found nothing
            // (e.g. only the control totals differ).
            if (reported.Count > 0)
                differences = reported;
            outcome = "differences";
        }
        db.SettlementChecks.Add(new SettlementCheckRow
        {
            Month = month,
            CheckedAt = time.GetUtcNow(),
            EnvelopeState = envelope.State,
            Outcome = outcome,
            LocalCount = localCount,
            LocalPoints = localPoints,
            PlatformCount = envelope.Count,
            PlatformPoints = envelope.Points,
            Differences = differences.Count,
        });
        await db.SaveChangesAsync(cancellationToken);
        return new SettlementCheckResult(month, envelope.State, outcome, localCount, localPoints, envelope.Count, envelope.Points, differences);
    }

    /// <summary>
    /// The operator's ledger lines of a month's envelope, as the platform builds it: every line of that month or an
    /// earlier one not yet confirmed in an earlier settlement (a late grant or a cancellation after a close goes into
    /// the next envelope): grants with accepted points, and cancellations the platform took (negative points;
    /// a cancelled grant and its cancellation are two lines that net to zero).
    /// </summary>
    public static async Task<Dictionary<string, long>> LocalLinesAsync(OperatorDb db, int month, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var grants = await db.Grants
            .Where(g => g.Month <= month && g.Accepted > 0 && g.SettledIn == null)
            .Select(g => new { g.Key, g.Accepted })
            .ToListAsync(cancellationToken);
        var cancellations = await db.Cancellations
            .Where(c => c.Month <= month && (c.Status == GrantStatus.Cancelled || c.Status == GrantStatus.Refund) && c.SettledIn == null)
            .Select(c => new { c.Key, c.Points })
            .ToListAsync(cancellationToken);
        var lines = grants.ToDictionary(g => g.Key, g => g.Accepted, StringComparer.Ordinal);
        foreach (var c in cancellations)
            lines[c.Key] = -Math.Abs(c.Points);
        return lines;
    }

    /// <summary>Marks lines as confirmed in <paramref name="month"/>'s settlement, so later envelopes do not expect them.</summary>
    public static async Task MarkSettledAsync(OperatorDb db, IEnumerable<string> keys, string month, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var set = keys.ToHashSet(StringComparer.Ordinal);
        foreach (var chunk in set.Chunk(500))
        {
            foreach (var g in await db.Grants.Where(g => chunk.Contains(g.Key)).ToListAsync(cancellationToken))
                g.SettledIn = month;
            foreach (var c in await db.Cancellations.Where(c => chunk.Contains(c.Key)).ToListAsync(cancellationToken))
                c.SettledIn = month;
        }
    }

    /// <summary>
    /// The platform's lines from its CSV (<c>key, kind, person, service, program, points, occurred_at, month, status</c>,
    /// columns found by name): net points per key, a cancellation negative whatever sign it is written with.
    /// </summary>
    public static Dictionary<string, long> ParseLines(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var lines = new Dictionary<string, long>(StringComparer.Ordinal);
        var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (rows.Length == 0)
            return lines;
        var header = rows[0].Split(',').Select(h => h.Trim('"')).ToList();
        int key = header.IndexOf("key"), kind = header.IndexOf("kind"), points = header.IndexOf("points");
        if (key < 0 || points < 0)
            throw new FormatException("The settlement lines have no key or points column.");
        foreach (var row in rows.Skip(1))
        {
            var cells = row.Split(',').Select(c => c.Trim('"')).ToArray();
            var value = long.Parse(cells[points], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            if (kind >= 0 && cells[kind] == "cancellation")
                value = -Math.Abs(value);
            lines[cells[key]] = value;
        }
        return lines;
    }

    /// <summary>The per-key differences between the local and platform lines.</summary>
    public static List<ReconciliationDifference> Compare(IReadOnlyDictionary<string, long> local, IReadOnlyDictionary<string, long> platform)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(platform);
        var differences = new List<ReconciliationDifference>();
        foreach (var (key, points) in local)
        {
            if (!platform.TryGetValue(key, out var theirs))
                differences.Add(new ReconciliationDifference(key, "missing-at-platform", null, points));
            else if (theirs != points)
                differences.Add(new ReconciliationDifference(key, "points-differ", theirs, points));
        }
        foreach (var (key, points) in platform)
        {
            if (!local.ContainsKey(key))
                differences.Add(new ReconciliationDifference(key, "missing-at-operator", points, null));
        }
        return [.. differences.OrderBy(d => d.Key, StringComparer.Ordinal)];
    }
}

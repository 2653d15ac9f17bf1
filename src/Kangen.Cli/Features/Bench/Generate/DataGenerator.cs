using System.Diagnostics;
using System.Threading.Channels;
using Kangen.Cli.Features.Demo;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Grants;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kangen.Cli.Features.Bench.Generate;

/// <summary>What a generation wrote and how fast.</summary>
/// <param name="People">People generated.</param>
/// <param name="Rows">Rows written, every table.</param>
/// <param name="RowsPerTable">Rows per table.</param>
/// <param name="Elapsed">From the first batch to the last commit (migrations, and PostgreSQL's final ANALYZE, not included).</param>
/// <param name="SizeBytes">The database's size afterwards.</param>
internal sealed record GenerateSummary(long People, long Rows, IReadOnlyDictionary<string, long> RowsPerTable, TimeSpan Elapsed, long SizeBytes)
{
    public double PeoplePerSecond => Elapsed > TimeSpan.Zero ? People / Elapsed.TotalSeconds : 0;

    public double RowsPerSecond => Elapsed > TimeSpan.Zero ? Rows / Elapsed.TotalSeconds : 0;
}

/// <summary>The settings of a generation.</summary>
/// <param name="People">How many people.</param>
/// <param name="Seed">The random seed (the same seed, the same people).</param>
/// <param name="BatchPeople">People per transaction.</param>
/// <param name="GrantShare">The share of people who have received grants.</param>
internal sealed record GenerateSettings(long People, int Seed = 2022, int BatchPeople = 5000, double GrantShare = 0.4);

/// <summary>
/// The data generator of <c>kangen bench</c>: fills a platform database with people who applied (and some who got
/// grants), as <see cref="Population"/> describes, streamed in batches: one thread makes the rows (sealing, hashing
/// the audit chain), another writes them (<see cref="RowSink"/>), with at most two batches between them, so memory
/// stays flat whatever the number of people. Scenarios call it in their prepare phase; <c>kangen bench generate</c>
/// is the same with a name to keep the database under.
/// </summary>
internal static class DataGenerator
{
    /// <summary>
    /// Migrates <paramref name="target"/> and adds <paramref name="settings"/>.People people after whatever the audit chain
    /// already holds. Refuses (an error value, nothing written) a database that already holds generated people.
    /// </summary>
    public static async Task<(GenerateSummary? Summary, string? Error)> GenerateAsync(GeneratedDatabase target, GenerateSettings settings, TimeProvider time,
        BenchCounter? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(settings);
        await using var db = KangenStorage.CreateContext(target.Provider, target.ConnectionString);
        await KangenStorage.MigrateAsync(db, cancellationToken);
        if (await db.Certificates.AnyAsync(c => c.Serial.StartsWith(Population.SerialPrefix), cancellationToken))
            return (null, $"{target.Name} already holds generated people; generate into a new name, or --replace it.");
        var head = await db.AuditHead.AsNoTracking().SingleAsync(h => h.Id == 1, cancellationToken);

        // The campaign and services exactly as the demo platform runs them (demo dates: today is the campaign's 2022-10-15).
        var campaigns = new CampaignProvider(Options.Create(new CampaignOptions { DemoAnchor = DemoPlatform.DemoAnchor }), time);
        var catalogue = ServiceCatalogue.LoadDefault().ShiftedBy(campaigns.ShiftDays);
        var box = new SecretBox(SecretKeys.Load(null, target.Folder), time);
        var now = time.GetUtcNow();
        var population = new Population(campaigns.Definition, catalogue, box, now, settings.People, settings.Seed);
        var campaignId = campaigns.Definition.Id.Value;

        var perTable = GeneratedBatch.Order.ToDictionary(t => t, _ => 0L);
        var rows = 0L;
        var watch = Stopwatch.StartNew();
        await using (var sink = await RowSink.OpenAsync(db, target.Provider, target.ConnectionString, cancellationToken))
        {
            var batches = Channel.CreateBounded<GeneratedBatch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
            var producing = Task.Run(() =>
            {
                try
                {
                    var chain = new AuditCursor(head.Sequence, head.Hash);
                    var random = new Random(settings.Seed ^ 0x5eed);
                    for (long first = 0; first < settings.People; first += settings.BatchPeople)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var batch = new GeneratedBatch();
                        var count = (int)Math.Min(settings.BatchPeople, settings.People - first);
                        var grants = new List<GrantEntry>();
                        for (var i = 0; i < count; i++)
                        {
                            var totals = random.NextDouble() < settings.GrantShare ? new GrantTotal { Campaign = campaignId } : null;
                            var personGrants = population.Add(first + i, batch, chain, totals);
                            if (totals is not null && personGrants.Count > 0)
                            {
                                totals.PersonId = personGrants[0].Entry.PersonId!.Value;
                                batch.Add(totals);
                                grants.AddRange(personGrants.Select(g => g.Entry));
                            }
                        }
                        AddGrantChunks(batch, chain, grants, now);
                        batch.People = count;
                        // Synchronous write into a bounded channel: the producer waits while two batches are queued.
                        while (!batches.Writer.TryWrite(batch))
                        {
                            // False once the writer gave up (its error is the one reported): stop making rows.
                            if (!batches.Writer.WaitToWriteAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
                                return;
                        }
                    }
                    batches.Writer.Complete();
                }
                catch (Exception e)
                {
                    batches.Writer.Complete(e);
                    throw;
                }
            }, cancellationToken);
            try
            {
                await foreach (var batch in batches.Reader.ReadAllAsync(cancellationToken))
                {
                    await sink.WriteAsync(batch, cancellationToken);
                    foreach (var type in GeneratedBatch.Order)
                        perTable[type] += batch.Rows(type).Count;
                    rows += batch.RowCount;
                    progress?.Add(batch.People);
                }
            }
            finally
            {
                // A failed write must not leave the producer waiting for room forever.
                batches.Writer.TryComplete();
            }
            await producing;
            watch.Stop();
        }
        var names = GeneratedBatch.Order.ToDictionary(t => db.Model.FindEntityType(t)!.GetTableName()!, t => perTable[t]);
        return (new GenerateSummary(settings.People, rows, names, watch.Elapsed, await target.SizeAsync(cancellationToken)), null);
    }

    /// <summary>
    /// The batch's grants as their operators' reports would have recorded them: per operator, one chunk of ledger lines
    /// and one <c>grants.recorded</c> audit entry with the figures <see cref="GrantLedger"/> writes.
    /// </summary>
    private static void AddGrantChunks(GeneratedBatch batch, AuditCursor chain, List<GrantEntry> grants, DateTimeOffset now)
    {
        if (grants.Count == 0)
            return;
        var latest = grants.Max(g => g.OccurredAt).AddMinutes(2);
        var at = Population.Milliseconds(latest < now ? latest : now.AddMinutes(-1));
        foreach (var chunk in grants.GroupBy(g => g.OperatorCode, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var entries = chunk.ToArray();
            foreach (var entry in entries)
            {
                entry.RecordedAt = at;
                batch.Add(entry);
            }
            chain.Append(batch, at, "operator:" + chunk.Key, "grants.recorded", "operator:" + chunk.Key, new
            {
                lines = entries.Length,
                accepted = entries.Count(e => e.Status == Kangen.Protocol.GrantResult.AcceptedStatus),
                partial = entries.Count(e => e.Status == Kangen.Protocol.GrantResult.PartialStatus),
                refused = entries.Count(e => e.Status == Kangen.Protocol.GrantResult.RefusedStatus),
                points = entries.Sum(e => e.Points),
                keys = GrantRules.KeysHash(entries.Select(e => e.Key)),
            });
        }
    }

}

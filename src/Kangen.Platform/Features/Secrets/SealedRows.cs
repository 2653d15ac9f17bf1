using Kangen.Platform.Features.Applications;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Registrations;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Secrets;

/// <summary>How many rows of a sealed column are sealed with one key id.</summary>
/// <param name="Column">The column, <c>table.column</c>.</param>
/// <param name="KeyId">The key id in front of the sealed value.</param>
/// <param name="Rows">The number of rows.</param>
public sealed record SealedCount(string Column, string KeyId, long Rows);

/// <summary>What a reseal did, per key id the rows were sealed with before.</summary>
public sealed class ResealSummary
{
    /// <summary>Rows now sealed with the current key, per former key id.</summary>
    public SortedDictionary<string, long> Resealed { get; } = new(StringComparer.Ordinal);

    /// <summary>Rows that did not open (a key id missing from the file, or an altered value), per key id; left as they are.</summary>
    public SortedDictionary<string, long> Unopenable { get; } = new(StringComparer.Ordinal);

    /// <summary>Rows changed by the platform between the read and the update (already sealed anew by it); left as they are.</summary>
    public long Changed { get; set; }

    internal static void Add(SortedDictionary<string, long> counts, string keyId) =>
        counts[keyId] = counts.GetValueOrDefault(keyId) + 1;
}

/// <summary>
/// The database's sealed values (invariant 5): <c>application_submissions.sealed_service_id</c> and
/// <c>registrations.sealed</c>. Counts them per key id and re-seals those under an older key with the current one.
/// </summary>
/// <remarks>
/// Resealing runs beside serving replicas: rows are read in key order in batches (a keyset, so each batch costs the
/// same however far it is) and each row is updated only while it still holds the exact sealed text that was read, so
/// a registration replaced meanwhile keeps its new value. It is resumable: a second run finds only what is left.
/// The plain value never leaves this process and the stored value is the same after it, so it is not a change of
/// state of the application (invariant 1); one audit entry records the run.
/// </remarks>
public sealed class SealedRows(KangenDbContext db, SecretBox box, TimeProvider time)
{
    /// <summary>The submissions' sealed payment service IDs.</summary>
    public const string SubmissionsColumn = "application_submissions.sealed_service_id";

    /// <summary>The registrations' sealed details.</summary>
    public const string RegistrationsColumn = "registrations.sealed";

    /// <summary>Every sealed column.</summary>
    public static readonly IReadOnlyList<string> Columns = [SubmissionsColumn, RegistrationsColumn];

    /// <summary>Rows per key id in each sealed column (key ids that seal nothing are absent).</summary>
    public async Task<IReadOnlyList<SealedCount>> CountAsync(CancellationToken cancellationToken)
    {
        var submissions = await db.ApplicationSubmissions.AsNoTracking()
            .GroupBy(a => a.SealedServiceId.Substring(0, a.SealedServiceId.IndexOf(":")))
            .Select(g => new { KeyId = g.Key, Rows = g.LongCount() }).ToListAsync(cancellationToken);
        var registrations = await db.Registrations.AsNoTracking()
            .GroupBy(r => r.Sealed.Substring(0, r.Sealed.IndexOf(":")))
            .Select(g => new { KeyId = g.Key, Rows = g.LongCount() }).ToListAsync(cancellationToken);
        return submissions.Select(c => new SealedCount(SubmissionsColumn, c.KeyId, c.Rows))
            .Concat(registrations.Select(c => new SealedCount(RegistrationsColumn, c.KeyId, c.Rows)))
            .OrderBy(c => c.Column, StringComparer.Ordinal).ThenBy(c => c.KeyId, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Rows sealed with <paramref name="keyId"/>, all columns together.</summary>
    public async Task<long> CountWithAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        var prefix = keyId + ":";
        return await db.ApplicationSubmissions.LongCountAsync(a => a.SealedServiceId.StartsWith(prefix), cancellationToken)
            + await db.Registrations.LongCountAsync(r => r.Sealed.StartsWith(prefix), cancellationToken);
    }

    /// <summary>Rows not sealed with the current key, all columns together (the work a reseal has before it).</summary>
    public async Task<long> CountOldAsync(CancellationToken cancellationToken)
    {
        var prefix = box.Keys.CurrentSealingKeyId + ":";
        return await db.ApplicationSubmissions.LongCountAsync(a => !a.SealedServiceId.StartsWith(prefix), cancellationToken)
            + await db.Registrations.LongCountAsync(r => !r.Sealed.StartsWith(prefix), cancellationToken);
    }

    /// <summary>
    /// Seals every value not sealed with the current key again with it, <paramref name="batchSize"/> rows per
    /// transaction; <paramref name="progress"/> hears the rows looked at after each batch. Appends one audit entry
    /// (<c>secrets.resealed</c>) when anything was resealed.
    /// </summary>
    public async Task<ResealSummary> ResealAsync(int batchSize, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var summary = new ResealSummary();
        var current = box.Keys.CurrentSealingKeyId;
        var prefix = current + ":";

        Guid? afterId = null;
        while (true)
        {
            var query = db.ApplicationSubmissions.AsNoTracking().Where(a => !a.SealedServiceId.StartsWith(prefix));
            if (afterId is { } last)
                query = query.Where(a => a.Id.CompareTo(last) > 0);
            var batch = await query.OrderBy(a => a.Id).Select(a => new { a.Id, a.SealedServiceId }).Take(batchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
                break;
            await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                foreach (var row in batch)
                {
                    if (Reseal(ApplicationRecorder.ServiceIdPurpose, row.SealedServiceId, summary) is not { } resealed)
                        continue;
                    var updated = await db.ApplicationSubmissions.Where(a => a.Id == row.Id && a.SealedServiceId == row.SealedServiceId)
                        .ExecuteUpdateAsync(u => u.SetProperty(a => a.SealedServiceId, resealed), cancellationToken);
                    Count(updated, row.SealedServiceId, summary);
                }
                await transaction.CommitAsync(cancellationToken);
            }
            afterId = batch[^1].Id;
            progress?.Report(batch.Count);
        }

        (Guid Person, string Kind)? after = null;
        while (true)
        {
            var query = db.Registrations.AsNoTracking().Where(r => !r.Sealed.StartsWith(prefix));
            if (after is var (person, kind))
                query = query.Where(r => r.PersonId.CompareTo(person) > 0 || (r.PersonId == person && string.Compare(r.Kind, kind) > 0));
            var batch = await query.OrderBy(r => r.PersonId).ThenBy(r => r.Kind).Select(r => new { r.PersonId, r.Kind, r.Sealed })
                .Take(batchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
                break;
            await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                foreach (var row in batch)
                {
                    if (Reseal(BuiltInRegistry.Purpose(row.Kind), row.Sealed, summary) is not { } resealed)
                        continue;
                    // Only the sealed text: the registration was not changed by anyone, so its times and fingerprint stay.
                    var updated = await db.Registrations.Where(r => r.PersonId == row.PersonId && r.Kind == row.Kind && r.Sealed == row.Sealed)
                        .ExecuteUpdateAsync(u => u.SetProperty(r => r.Sealed, resealed), cancellationToken);
                    Count(updated, row.Sealed, summary);
                }
                await transaction.CommitAsync(cancellationToken);
            }
            after = (batch[^1].PersonId, batch[^1].Kind);
            progress?.Report(batch.Count);
        }

        if (summary.Resealed.Count > 0)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
            await AuditIntent.AppendAllAsync(db, now,
                [new AuditIntent("admin:cli", "secrets.resealed", "key:" + current, new { key = current, from = summary.Resealed })], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        return summary;
    }

    /// <summary>Records that <paramref name="keyId"/> was removed from the key file (<c>kangen admin secrets retire</c>).</summary>
    public async Task AuditRetiredAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        await AuditIntent.AppendAllAsync(db, now, [new AuditIntent("admin:cli", "secrets.key-retired", "key:" + keyId, new { key = keyId })], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private string? Reseal(string purpose, string sealedValue, ResealSummary summary)
    {
        if (box.TryOpen(purpose, sealedValue, out var plain))
            return box.Seal(purpose, plain);
        ResealSummary.Add(summary.Unopenable, SecretBox.KeyIdOf(sealedValue) ?? "(none)");
        return null;
    }

    private static void Count(int updated, string sealedValue, ResealSummary summary)
    {
        if (updated == 1)
            ResealSummary.Add(summary.Resealed, SecretBox.KeyIdOf(sealedValue) ?? "(none)");
        else
            summary.Changed++;
    }
}

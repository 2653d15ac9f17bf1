using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Audit;

/// <summary>What verifying the audit log found.</summary>
/// <param name="Count">Entries read.</param>
/// <param name="HeadHash">The hash of the last good entry.</param>
/// <param name="ProblemCode">Null when the chain is intact; else <c>audit.entry-edited</c>, <c>audit.entry-removed</c>, <c>audit.entry-reordered</c> or <c>audit.head-mismatch</c>.</param>
/// <param name="ProblemSequence">The sequence number where the chain first breaks.</param>
/// <param name="Detail">What was expected and found (English).</param>
public sealed record AuditVerification(long Count, string HeadHash, string? ProblemCode, long? ProblemSequence, string? Detail)
{
    /// <summary>True when every entry is as written and in its place.</summary>
    public bool IsIntact => ProblemCode is null;
}

/// <summary>Walks the audit log in sequence order, streaming (never the whole table in memory).</summary>
public static class AuditVerifier
{
    /// <summary>Checks every entry's hash, its link to the previous one, the absence of gaps, and the chain head.</summary>
    public static async Task<AuditVerification> VerifyAsync(KangenDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        long expected = 1, count = 0;
        var previous = AuditChain.GenesisHash;
        await foreach (var entry in db.AuditLog.AsNoTracking().OrderBy(e => e.Sequence).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (entry.Sequence != expected)
                return new(count, previous, "audit.entry-removed", expected,
                    $"expected entry {expected}, found {entry.Sequence}: entries are missing");
            if (!string.Equals(entry.PreviousHash, previous, StringComparison.Ordinal))
                return new(count, previous, "audit.entry-reordered", entry.Sequence,
                    $"entry {entry.Sequence} does not follow entry {entry.Sequence - 1}: it links to {entry.PreviousHash}, the chain is at {previous} (moved, replaced or its predecessor rewritten)");
            var hash = AuditChain.ComputeHash(entry);
            if (!string.Equals(entry.Hash, hash, StringComparison.Ordinal))
                return new(count, previous, "audit.entry-edited", entry.Sequence,
                    $"entry {entry.Sequence} ({entry.Action}) hashes to {hash}, recorded {entry.Hash}: its content was changed");
            previous = entry.Hash;
            count++;
            expected++;
        }
        var head = await db.AuditHead.AsNoTracking().SingleOrDefaultAsync(h => h.Id == 1, cancellationToken);
        if (head is null)
            return new(count, previous, "audit.head-mismatch", null, "the audit chain head row is missing");
        if (head.Sequence != count || !string.Equals(head.Hash, previous, StringComparison.Ordinal))
            return new(count, previous, head.Sequence > count ? "audit.entry-removed" : "audit.head-mismatch", count + 1,
                $"the chain head records entry {head.Sequence} with hash {head.Hash}, the log ends at entry {count} with {previous}");
        return new(count, previous, null, null, null);
    }
}

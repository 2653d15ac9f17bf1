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
    public static Task<AuditVerification> VerifyAsync(KangenDbContext db, CancellationToken cancellationToken = default) =>
        VerifyAsync(db, null, cancellationToken);

    /// <summary>
    /// Checks the entries after <paramref name="after"/> (a position read from the chain head earlier, or null for the whole
    /// chain): each one's hash, the first one's link to <paramref name="after"/>'s hash and every later one's to its
    /// predecessor, the absence of gaps, and the chain head. On a database of tens of millions of entries this verifies what
    /// one run appended in the time that run took, not the time the whole log takes; <c>Count</c> is then the entries after
    /// the position.
    /// </summary>
    public static async Task<AuditVerification> VerifyAsync(KangenDbContext db, (long Sequence, string Hash)? after, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var (from, previous) = after ?? (0, AuditChain.GenesisHash);
        long expected = from + 1, count = 0;
        await foreach (var entry in db.AuditLog.AsNoTracking().Where(e => e.Sequence > from).OrderBy(e => e.Sequence).AsAsyncEnumerable().WithCancellation(cancellationToken))
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
        var last = from + count;
        if (head.Sequence != last || !string.Equals(head.Hash, previous, StringComparison.Ordinal))
            return new(count, previous, head.Sequence > last ? "audit.entry-removed" : "audit.head-mismatch", last + 1,
                $"the chain head records entry {head.Sequence} with hash {head.Hash}, the log ends at entry {last} with {previous}");
        return new(count, previous, null, null, null);
    }
}

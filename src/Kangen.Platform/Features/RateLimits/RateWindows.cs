using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.RateLimits;

/// <summary>
/// Fixed-window counters in the database, so a limit holds across every replica (an in-memory limiter would give
/// each replica its own allowance, and a caller could multiply it by spreading requests).
/// </summary>
public static class RateWindows
{
    /// <summary>
    /// Counts one event for <paramref name="key"/> in the current window of <paramref name="window"/> and says whether
    /// it is within <paramref name="limit"/>; when not, also when the window ends. Call inside the caller's
    /// transaction (and write gate), so the count commits or rolls back with the request's other writes.
    /// </summary>
    public static async Task<(bool Allowed, TimeSpan RetryAfter)> HitAsync(
        KangenDbContext db, string key, TimeSpan window, int limit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var seconds = (long)window.TotalSeconds;
        var nowSeconds = now.ToUnixTimeSeconds();
        var start = nowSeconds - nowSeconds % seconds;
        // One statement that inserts the window's first event or counts the next one, so two replicas (or requests)
        // hitting a new window at the same moment both count: an insert-then-update in two steps made the loser fail
        // on the primary key (a 500 on PostgreSQL, where the failed insert also aborts the caller's transaction).
        // EF Core has no upsert, hence the SQL; it is the same on SQLite (3.35+) and PostgreSQL. Not composed over
        // (ToListAsync), since an INSERT cannot be a subquery.
        var counts = await db.Database.SqlQuery<int>(
            $"""
            INSERT INTO rate_windows ("key", window_start, "count") VALUES ({key}, {start}, 1)
            ON CONFLICT ("key", window_start) DO UPDATE SET "count" = rate_windows."count" + 1
            RETURNING "count" AS "Value"
            """).ToListAsync(cancellationToken);
        var count = counts.Single();
        return count <= limit ? (true, TimeSpan.Zero) : (false, TimeSpan.FromSeconds(start + seconds - nowSeconds));
    }

    /// <summary>Deletes windows that ended before <paramref name="before"/> (housekeeping).</summary>
    public static Task<int> PruneAsync(KangenDbContext db, DateTimeOffset before, CancellationToken cancellationToken) =>
        db.RateWindows.Where(r => r.WindowStart < before.ToUnixTimeSeconds() - 86_400).ExecuteDeleteAsync(cancellationToken);
}

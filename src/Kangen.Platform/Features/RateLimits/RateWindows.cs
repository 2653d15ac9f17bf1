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
        var updated = await db.RateWindows.Where(r => r.Key == key && r.WindowStart == start)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.Count, r => r.Count + 1), cancellationToken);
        int count;
        if (updated == 0)
        {
            // First event of the window. A concurrent first insert on another replica fails on the primary key: the
            // caller's retry then takes the update path.
            db.RateWindows.Add(new RateWindow { Key = key, WindowStart = start, Count = 1 });
            await db.SaveChangesAsync(cancellationToken);
            count = 1;
        }
        else
            count = await db.RateWindows.Where(r => r.Key == key && r.WindowStart == start).Select(r => r.Count).SingleAsync(cancellationToken);
        return count <= limit ? (true, TimeSpan.Zero) : (false, TimeSpan.FromSeconds(start + seconds - nowSeconds));
    }

    /// <summary>Deletes windows that ended before <paramref name="before"/> (housekeeping).</summary>
    public static Task<int> PruneAsync(KangenDbContext db, DateTimeOffset before, CancellationToken cancellationToken) =>
        db.RateWindows.Where(r => r.WindowStart < before.ToUnixTimeSeconds() - 86_400).ExecuteDeleteAsync(cancellationToken);
}

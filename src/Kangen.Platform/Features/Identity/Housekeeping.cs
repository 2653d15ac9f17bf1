using Kangen.Platform.Features.Audit;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Identity;

/// <summary>
/// Deletes consumed challenges once they could no longer be replayed anyway (their expiry has passed, so the
/// MAC check refuses them first), sessions a day after they expired and rate-limit windows a day after they
/// ended, so these tables stay small.
/// </summary>
internal sealed class Housekeeping(IServiceScopeFactory scopes, TimeProvider time, IOptions<SessionOptions> options, ILogger<Housekeeping> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.PruneEveryMinutes <= 0)
            return;
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.Value.PruneEveryMinutes), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await using var scope = scopes.CreateAsyncScope();
            var (challenges, sessions) = await PruneAsync(
                scope.ServiceProvider.GetRequiredService<KangenDbContext>(), scope.ServiceProvider.GetRequiredService<WriteGate>(), time.GetUtcNow(), stoppingToken);
            if (challenges + sessions > 0)
                log.LogInformation("Pruned {Challenges} consumed challenges and {Sessions} expired sessions.", challenges, sessions);
        }
    }

    /// <summary>One pruning pass; audited when it deleted anything.</summary>
    internal static async Task<(int Challenges, int Sessions)> PruneAsync(KangenDbContext db, WriteGate gate, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var _ = await gate.EnterAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var challengeCutoff = now.AddMinutes(-1);
        var sessionCutoff = now.AddDays(-1);
        var challenges = await db.ConsumedChallenges.Where(c => c.ExpiresAt < challengeCutoff).ExecuteDeleteAsync(cancellationToken);
        var sessions = await db.Sessions.Where(s => s.ExpiresAt < sessionCutoff).ExecuteDeleteAsync(cancellationToken);
        // Rate-limit counters of past windows are bookkeeping, not state: dropped without an audit entry.
        await RateLimits.RateWindows.PruneAsync(db, now, cancellationToken);
        if (challenges + sessions > 0)
            await AuditIntent.AppendAllAsync(db, now,
                [new AuditIntent("system", "housekeeping.pruned", "identity", new { consumedChallenges = challenges, expiredSessions = sessions })], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (challenges, sessions);
    }
}

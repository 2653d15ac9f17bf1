using Kangen.Operator.Storage;
using Kangen.Operator.Verification;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kangen.Operator.Hosting;

/// <summary>
/// Builds a payment operator's app: the verification endpoint (<see cref="OperatorOptions.VerifyPath"/>),
/// <c>GET /health</c>, <c>GET /kangen/status</c> (counts, no personal data), and a background worker that pulls
/// the enrolment feed, closes ended months and sends the grant outbox. Hostable in-process (several operators
/// in one process, each with its own data folder and URL) or as its own process.
/// </summary>
public static class OperatorHost
{
    /// <summary>
    /// A ready-to-run operator app. <paramref name="args"/> are ASP.NET Core arguments (e.g. <c>--urls</c>, or
    /// <c>--Operator:Code=...</c> when <paramref name="options"/> is null); <paramref name="configure"/> may add
    /// services (e.g. a <see cref="TimeProvider"/>, or an <see cref="OperatorRuntime"/> of the same options with its
    /// own platform transport) before the operator's own.
    /// </summary>
    public static WebApplication Build(string[] args, OperatorOptions? options = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(OperatorHost).Assembly.GetName().Name,
        });
        options ??= builder.Configuration.GetSection(OperatorOptions.Section).Get<OperatorOptions>() ?? new OperatorOptions();
        configure?.Invoke(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(options);
        // TryAdd: a host in a test may have wired its own runtime in configure (e.g. with an in-process platform's transport).
        builder.Services.TryAddSingleton(s => new OperatorRuntime(options, s.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(s => s.GetRequiredService<OperatorRuntime>().Services);
        builder.Services.AddSingleton(s => s.GetRequiredService<OperatorRuntime>().Store);
        builder.Services.TryAddSingleton(s => options.PlatformKeyPem is not null
            ? PlatformKey.FromPem(options.PlatformKeyPem, s.GetRequiredService<TimeProvider>())
            : new PlatformKey(s.GetRequiredService<TimeProvider>(), options.PlatformKeyFile, options.Platform is null ? null : new Uri(options.Platform)));
        if (options.Background)
            builder.Services.AddHostedService<OperatorWorker>();
        var app = builder.Build();
        app.MapVerification(options.VerifyPath);
        app.MapGet("/health", () => Results.Text("ok"));
        app.MapGet("/kangen/status", async (OperatorStore store, CancellationToken ct) =>
        {
            await using var db = store.Open();
            return Results.Json(await OperatorStatus.ReadAsync(db, ct));
        });
        return app;
    }
}

/// <summary>Counts of an operator's store (no personal data).</summary>
/// <param name="Accounts">Accounts.</param>
/// <param name="People">People known from the feed.</param>
/// <param name="Enrolments">Program enrolments.</param>
/// <param name="Suspended">People suspended.</param>
/// <param name="Transactions">Purchases, charges and returns.</param>
/// <param name="Spent">Yen spent (purchases and charges; stays local).</param>
/// <param name="Pending">Grants waiting to be sent.</param>
/// <param name="Accepted">Grants fully accepted.</param>
/// <param name="Partial">Grants partly accepted.</param>
/// <param name="Refused">Grants refused.</param>
/// <param name="PointsProposed">Points proposed.</param>
/// <param name="PointsAccepted">Points the platform accepted.</param>
/// <param name="Cancellations">Cancellations (all states).</param>
/// <param name="AtCap">People whose part 1 is exhausted.</param>
/// <param name="Cursor">The enrolment feed cursor.</param>
/// <param name="LastPull">When the feed was last read.</param>
public sealed record OperatorStatus(
    int Accounts, int People, int Enrolments, int Suspended, int Transactions, long Spent, int Pending, int Accepted, int Partial, int Refused,
    long PointsProposed, long PointsAccepted, int Cancellations, int AtCap, string? Cursor, DateTimeOffset? LastPull)
{
    /// <summary>Reads the counts.</summary>
    public static async Task<OperatorStatus> ReadAsync(OperatorDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var grants = await db.Grants.GroupBy(g => g.Status)
            .Select(g => new { Status = g.Key, Count = g.Count(), Proposed = g.Sum(x => x.Points), Accepted = g.Sum(x => x.Accepted) })
            .ToListAsync(cancellationToken);
        int Count(string status) => grants.Where(g => g.Status == status).Sum(g => g.Count);
        var feed = await db.Feed.AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        return new OperatorStatus(
            await db.Accounts.CountAsync(cancellationToken),
            await db.People.CountAsync(cancellationToken),
            await db.Enrolments.CountAsync(cancellationToken),
            await db.People.CountAsync(p => p.Suspended, cancellationToken),
            await db.Transactions.CountAsync(cancellationToken),
            await db.Transactions.Where(t => t.Kind != "return").SumAsync(t => t.Amount, cancellationToken),
            Count(GrantStatus.Pending), Count(GrantStatus.Accepted), Count(GrantStatus.Partial), Count(GrantStatus.Refused),
            grants.Sum(g => g.Proposed), grants.Sum(g => g.Accepted),
            await db.Cancellations.CountAsync(cancellationToken),
            await db.People.CountAsync(p => p.CapReached, cancellationToken),
            feed?.Cursor, feed?.PulledAt);
    }
}

/// <summary>The background loop: pull the feed, close ended months, send the outbox; errors are logged and retried next round.</summary>
internal sealed partial class OperatorWorker(OperatorRuntime runtime, PlatformKey platformKey, ILogger<OperatorWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (runtime.Puller is null || runtime.Reporter is null)
        {
            LogNoPlatform(log, runtime.Options.Code);
            return;
        }
        try
        {
            await platformKey.LoadAsync(stoppingToken);
            LogPlatformKey(log, platformKey.KeyId ?? "?");
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or IOException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
        {
            // The endpoint loads it on the first call instead.
            LogPlatformKeyFailed(log, e.Message);
        }
        var nextPull = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = runtime.Time.GetUtcNow();
            try
            {
                // A simulate or settle on this store meanwhile: this round is skipped, the next one tries again.
                using var held = await runtime.Store.LockAsync(TimeSpan.Zero, stoppingToken);
                if (held is null)
                    LogStoreBusy(log);
                else
                    nextPull = await RoundAsync(now, nextPull, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(log, e.Message);
            }
            try
            {
                await Task.Delay(runtime.Options.ReportInterval, runtime.Time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // One round: the feed (when due), months to close, the outbox; answers when the feed is next due.
    private async Task<DateTimeOffset> RoundAsync(DateTimeOffset now, DateTimeOffset nextPull, CancellationToken stoppingToken)
    {
        await using var db = runtime.Store.Open();
        if (now >= nextPull)
        {
            var pulled = await runtime.Puller!.PullAsync(db, stoppingToken);
            if (pulled.Records > 0)
                LogPulled(log, pulled.Records, pulled.Enrolled, pulled.Suspended, pulled.Resumed, pulled.Renewed, pulled.FixedGrants);
            nextPull = now + runtime.Options.PollInterval;
        }
        var closed = await runtime.Ledger.CloseMonthsAsync(db, stoppingToken);
        if (closed > 0)
            LogClosed(log, closed);
        var report = await runtime.Reporter!.ReportAsync(db, runtime.Store.DataFolder, null, stoppingToken);
        if (report.Sent > 0 || report.Cancellations > 0)
            LogReported(log, report.Sent, report.Accepted, report.Partial, report.Refused, report.Points, report.Cancellations);
        if (report.Error is not null)
            LogReportError(log, report.Error);
        return nextPull;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Another command holds the operator's store; this round is skipped.")]
    private static partial void LogStoreBusy(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operator {Code}: no platform URL or key configured; only the verification endpoint runs.")]
    private static partial void LogNoPlatform(ILogger logger, string code);

    [LoggerMessage(Level = LogLevel.Information, Message = "Platform key {KeyId} loaded.")]
    private static partial void LogPlatformKey(ILogger logger, string keyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Platform key not loaded yet: {Error}")]
    private static partial void LogPlatformKeyFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Feed: {Records} records ({Enrolled} enrolled, {Suspended} suspended, {Resumed} resumed, {Renewed} renewed); {Fixed} fixed grants queued.")]
    private static partial void LogPulled(ILogger logger, int records, int enrolled, int suspended, int resumed, int renewed, int @fixed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed {Count} person-months of monthly services.")]
    private static partial void LogClosed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Grants: {Sent} sent, {Accepted} accepted, {Partial} partial, {Refused} refused, {Points} points; {Cancellations} cancellations.")]
    private static partial void LogReported(ILogger logger, int sent, int accepted, int partial, int refused, long points, int cancellations);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reporting stopped; the rest stays in the outbox: {Error}")]
    private static partial void LogReportError(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Round failed, retried next round: {Error}")]
    private static partial void LogRoundFailed(ILogger logger, string error);
}

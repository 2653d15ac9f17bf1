using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Identity.Certificates;

/// <summary>Options under <c>Kangen:Trust</c>.</summary>
public sealed class TrustOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Kangen:Trust";

    /// <summary>Seconds between re-reads of CRLs and renewal links (default 60).</summary>
    public int RefreshSeconds { get; set; } = 60;

    /// <summary>Verified certificates remembered by the verifier (default 20,000; 0 turns the cache off).</summary>
    public int CacheCapacity { get; set; } = CardCertificateVerifier.DefaultCacheCapacity;
}

/// <summary>DI registration of card certificate verification.</summary>
public static class CardCertificateRegistration
{
    /// <summary>
    /// Registers the <see cref="TrustStore"/> made by <paramref name="trustFactory"/>, the
    /// <see cref="CardCertificateVerifier"/> (both singletons) and a background service that calls
    /// <see cref="TrustStore.Refresh"/> every <c>Kangen:Trust:RefreshSeconds</c> seconds (default 60).
    /// Uses the registered <see cref="TimeProvider"/>, else <see cref="TimeProvider.System"/>.
    /// </summary>
    public static IHostApplicationBuilder AddCardCertificates(this IHostApplicationBuilder builder, Func<IServiceProvider, TrustStore> trustFactory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(trustFactory);
        builder.Services.AddOptions<TrustOptions>()
            .BindConfiguration(TrustOptions.Section)
            .Validate(o => o.RefreshSeconds > 0, "Kangen:Trust:RefreshSeconds must be positive.")
            .Validate(o => o.CacheCapacity >= 0, "Kangen:Trust:CacheCapacity must not be negative.");
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(trustFactory);
        builder.Services.AddSingleton(sp => new CardCertificateVerifier(
            sp.GetRequiredService<TrustStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<TrustOptions>>().Value.CacheCapacity));
        builder.Services.AddHostedService<TrustRefreshService>();
        return builder;
    }

    /// <summary>
    /// The same, trusting a <c>CardIssuer</c>'s published folder (<c>auth-ca.cer</c>, <c>auth.crl</c>,
    /// <c>renewals.jsonl</c>), e.g. <c>&lt;data&gt;/issuer</c> in the demo.
    /// </summary>
    public static IHostApplicationBuilder AddCardCertificates(this IHostApplicationBuilder builder, string issuerDirectory) =>
        builder.AddCardCertificates(sp => TrustStore.FromIssuerDirectory(issuerDirectory, sp.GetRequiredService<TimeProvider>()));
}

/// <summary>
/// Keeps the trust store's CRLs and renewal links current, off the request path. The same problems are warned about
/// when they start, when they change and then every <see cref="RepeatProblemsEvery"/>, and their end is logged: a stale
/// CRL refreshed every minute must not fill the log with one warning a minute (nor a test's log with one per period
/// when its fake clock jumps days ahead).
/// </summary>
internal sealed partial class TrustRefreshService(TrustStore trust, IOptions<TrustOptions> options, TimeProvider time, ILogger<TrustRefreshService> logger)
    : BackgroundService
{
    /// <summary>How often unchanged problems are warned about again.</summary>
    public static readonly TimeSpan RepeatProblemsEvery = TimeSpan.FromMinutes(10);

    private string? _problems;
    private DateTimeOffset _warnedAt;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RefreshSeconds), time);
        Report(trust.LastResult ?? trust.Refresh());
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            Report(trust.Refresh());
    }

    internal void Report(TrustRefreshResult result)
    {
        if (result.Succeeded)
        {
            if (_problems is not null)
                LogRecovered(result.RevokedCount, result.RenewalLinkCount);
            else
                LogRefreshed(result.RevokedCount, result.RenewalLinkCount);
            _problems = null;
            return;
        }
        var problems = string.Join("; ", result.Problems);
        var now = time.GetUtcNow();
        if (problems == _problems && now - _warnedAt < RepeatProblemsEvery)
            return;
        LogProblems(result.RevokedCount, result.RenewalLinkCount, problems);
        (_problems, _warnedAt) = (problems, now);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Trust refreshed without problems again: {Revoked} revoked serials, {Links} renewal links.")]
    private partial void LogRecovered(int revoked, int links);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Trust refreshed: {Revoked} revoked serials, {Links} renewal links.")]
    private partial void LogRefreshed(int revoked, int links);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trust refreshed with problems ({Revoked} revoked serials, {Links} renewal links): {Problems}")]
    private partial void LogProblems(int revoked, int links, string problems);
}

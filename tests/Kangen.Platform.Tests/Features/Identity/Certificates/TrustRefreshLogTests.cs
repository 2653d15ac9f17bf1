using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kangen.Platform.Features.Identity.Certificates;
using Kangen.Platform.Tests.Reliability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Features.Identity.Certificates;

/// <summary>The trust refresh warns when problems start, change or persist for a while, and says when they end.</summary>
public class TrustRefreshLogTests
{
    [Fact]
    public void The_same_problems_are_warned_about_once_per_interval_and_their_end_is_logged()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
        var logs = new CapturedLogs();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(logs));
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Test CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var anchor = request.CreateSelfSigned(time.GetUtcNow().AddDays(-1), time.GetUtcNow().AddYears(1));
        var service = new TrustRefreshService(TrustStore.Create([anchor], time), Options.Create(new TrustOptions()), time, factory.CreateLogger<TrustRefreshService>());
        TrustRefreshResult Stale(string crl) => new(time.GetUtcNow(), 0, 0, [crl + ": CRL is stale"]);

        // A clock jumped days ahead fires the timer once per missed period, all at the same instant.
        for (var i = 0; i < 1000; i++)
            service.Report(Stale("auth.crl"));
        time.Advance(TrustRefreshService.RepeatProblemsEvery - TimeSpan.FromSeconds(1));
        service.Report(Stale("auth.crl"));
        service.Report(Stale("sign.crl"));
        time.Advance(TrustRefreshService.RepeatProblemsEvery);
        service.Report(Stale("sign.crl"));
        service.Report(new TrustRefreshResult(time.GetUtcNow(), 0, 0, []));
        service.Report(new TrustRefreshResult(time.GetUtcNow(), 0, 0, []));

        var lines = logs.Lines();
        Assert.Equal(4, lines.Count);
        Assert.Contains("Warning", lines[0]);
        Assert.Contains("auth.crl: CRL is stale", lines[0]);
        Assert.Contains("sign.crl: CRL is stale", lines[1]);
        Assert.Contains("sign.crl: CRL is stale", lines[2]);
        Assert.Contains("Information Trust refreshed without problems again", lines[3]);
    }
}

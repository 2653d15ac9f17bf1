using System.Security.Cryptography.X509Certificates;
using Kangen.Platform.Features.Identity;
using Kangen.SmartCard;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Features.Identity;

public sealed class TrustConfigurationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kangen-trust-config-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 4, 1, 3, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void By_default_the_data_folder_issuer_is_trusted_and_created_when_missing()
    {
        var data = Path.Combine(_root, "data");

        var trust = IdentityEndpoints.CreateTrustStore(new TrustSourceOptions(), data, _time);

        Assert.True(CardIssuer.Exists(data));
        Assert.NotNull(trust.LastRefreshed);
        using var issuer = CardIssuer.Open(data, _time);
        Assert.Equal(issuer.AuthenticationCaCertificate.Thumbprint, Assert.Single(trust.AnchorCertificates).Thumbprint);
    }

    [Fact]
    public void Explicit_anchors_crls_and_links_replace_the_data_folder_issuer()
    {
        using var issuer = CardIssuer.Open(Path.Combine(_root, "authority"), _time);
        var holder = new CardHolder("見本 次郎", new DateOnly(1985, 1, 2), CardHolderSex.Male, "東京都港区");
        var renewedCard = issuer.Issue(Path.Combine(_root, "renewed.card.json"), holder, "1234");
        var revokedCard = issuer.Issue(Path.Combine(_root, "revoked.card.json"), holder, "1234");
        var renewal = issuer.Renew(renewedCard.CardFilePath);
        issuer.Revoke(revokedCard.CardFilePath, X509RevocationReason.KeyCompromise);
        var data = Path.Combine(_root, "platform-data");
        var sources = new TrustSourceOptions
        {
            Anchors = [Path.Combine(issuer.IssuerDirectory, "auth-ca.cer")],
            Crls = [issuer.CrlPath(CertificateKind.Authentication)],
            RenewalLinks = [Path.Combine(issuer.IssuerDirectory, "renewals.jsonl")],
        };

        var trust = IdentityEndpoints.CreateTrustStore(sources, data, _time);

        Assert.False(CardIssuer.Exists(data));
        Assert.True(trust.IsRevoked(revokedCard.AuthenticationSerial));
        Assert.True(trust.IsRevoked(renewedCard.AuthenticationSerial)); // superseded by the renewal
        Assert.False(trust.IsRevoked(renewal.AuthenticationSerial));
        Assert.True(trust.TryGetPredecessor(renewal.AuthenticationSerial, out var old));
        Assert.Equal(renewedCard.AuthenticationSerial, old);
    }
}

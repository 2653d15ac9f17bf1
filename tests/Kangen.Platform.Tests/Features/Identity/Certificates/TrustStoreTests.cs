using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kangen.Platform.Features.Identity.Certificates;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Features.Identity.Certificates;

[Collection(CardCertificateCollection.Name)]
public sealed class TrustStoreTests(CardCertificateFixture cards) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kangen-trust-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A relying service's own copy of the published anchor, with CRLs the test writes itself.</summary>
    private (TrustStore Trust, string CrlPath) StoreWithOwnCrl(FakeTimeProvider time)
    {
        var trust = TrustStore.Create([cards.Issuer.AuthenticationCaCertificate], time);
        var crlPath = Path.Combine(_folder, "auth.crl");
        trust.AddCrlSource(crlPath);
        return (trust, crlPath);
    }

    private static byte[] BuildCrl(X509Certificate2 issuerWithKey, long number, DateTimeOffset thisUpdate, IEnumerable<string> serials)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var serial in serials)
            builder.AddEntry(Convert.FromHexString(serial), thisUpdate, X509RevocationReason.KeyCompromise);
        return builder.Build(issuerWithKey, new BigInteger(number), thisUpdate.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, thisUpdate);
    }

    [Fact]
    public void The_published_issuer_folder_gives_the_anchor_and_a_clean_first_refresh()
    {
        var trust = TrustStore.FromIssuerDirectory(cards.IssuerDirectory, new FakeTimeProvider(CardCertificateFixture.Now));

        Assert.NotNull(trust.LastRefreshed);
        Assert.True(trust.LastResult!.Succeeded, string.Join("; ", trust.LastResult.Problems));
        Assert.Equal(cards.Issuer.AuthenticationCaCertificate.Thumbprint, Assert.Single(trust.AnchorCertificates).Thumbprint);
    }

    [Fact]
    public void A_crl_with_a_bad_signature_is_refused_and_the_previous_set_kept()
    {
        var time = new FakeTimeProvider(CardCertificateFixture.Now);
        var (trust, crlPath) = StoreWithOwnCrl(time);
        using var ca = cards.AuthenticationCaWithKey();
        var revoked = cards.Good.AuthenticationSerial;
        File.WriteAllBytes(crlPath, BuildCrl(ca, 10, CardCertificateFixture.Now, [revoked]));
        Assert.True(trust.Refresh().Succeeded);
        Assert.True(trust.IsRevoked(revoked));

        // Same issuer name, someone else's key.
        using var impostorKey = RSA.Create(2048);
        var impostorRequest = new CertificateRequest(ca.SubjectName, impostorKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        impostorRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        impostorRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.KeyCertSign, true));
        using var impostor = impostorRequest.CreateSelfSigned(CardCertificateFixture.CaCreated, CardCertificateFixture.CaCreated.AddYears(1));
        File.WriteAllBytes(crlPath, BuildCrl(impostor, 11, CardCertificateFixture.Now.AddMinutes(1), []));
        var result = trust.Refresh();

        Assert.False(result.Succeeded);
        Assert.Contains(result.Problems, p => p.Contains("refused", StringComparison.Ordinal));
        Assert.True(trust.IsRevoked(revoked));
        Assert.Equal(1, trust.RevokedCount);

        // Bytes damaged in transit are refused the same way.
        var damaged = BuildCrl(ca, 12, CardCertificateFixture.Now.AddMinutes(2), []);
        damaged[^10] ^= 0xFF;
        File.WriteAllBytes(crlPath, damaged);
        Assert.False(trust.Refresh().Succeeded);
        Assert.True(trust.IsRevoked(revoked));

        File.WriteAllBytes(crlPath, [0x30, 0x03, 0x02, 0x01]);
        Assert.False(trust.Refresh().Succeeded);
        Assert.True(trust.IsRevoked(revoked));
    }

    [Fact]
    public void An_older_crl_cannot_replace_the_one_in_force()
    {
        var time = new FakeTimeProvider(CardCertificateFixture.Now);
        var (trust, crlPath) = StoreWithOwnCrl(time);
        using var ca = cards.AuthenticationCaWithKey();
        var older = BuildCrl(ca, 5, CardCertificateFixture.Now, []);
        File.WriteAllBytes(crlPath, BuildCrl(ca, 6, CardCertificateFixture.Now.AddMinutes(1), [cards.Good.AuthenticationSerial]));
        Assert.True(trust.Refresh().Succeeded);

        File.WriteAllBytes(crlPath, older);
        var result = trust.Refresh();

        Assert.False(result.Succeeded);
        Assert.True(trust.IsRevoked(cards.Good.AuthenticationSerial));
    }

    [Fact]
    public void Readers_see_the_last_refresh_and_an_unchanged_source_keeps_its_set()
    {
        var time = new FakeTimeProvider(CardCertificateFixture.Now);
        var (trust, crlPath) = StoreWithOwnCrl(time);
        using var ca = cards.AuthenticationCaWithKey();
        File.WriteAllBytes(crlPath, BuildCrl(ca, 1, CardCertificateFixture.Now, [cards.Second.AuthenticationSerial]));
        Assert.Null(trust.LastRefreshed);

        var first = trust.Refresh();
        time.Advance(TimeSpan.FromMinutes(1));
        var second = trust.Refresh();

        Assert.Equal(first.At, CardCertificateFixture.Now);
        Assert.Equal(CardCertificateFixture.Now.AddMinutes(1), trust.LastRefreshed);
        Assert.Same(second, trust.LastResult);
        Assert.Equal(1, second.RevokedCount);
        Assert.True(trust.IsRevoked(cards.Second.AuthenticationSerial));

        File.WriteAllBytes(crlPath, BuildCrl(ca, 2, CardCertificateFixture.Now.AddMinutes(1), []));
        Assert.True(trust.Refresh().Succeeded);
        Assert.False(trust.IsRevoked(cards.Second.AuthenticationSerial));
    }

    [Fact]
    public void A_missing_crl_is_reported()
    {
        var (trust, _) = StoreWithOwnCrl(new FakeTimeProvider(CardCertificateFixture.Now));

        var result = trust.Refresh();

        Assert.False(result.Succeeded);
        Assert.Equal(0, trust.RevokedCount);
    }

    [Fact]
    public void A_stale_crl_is_used_and_reported()
    {
        var time = new FakeTimeProvider(CardCertificateFixture.Now);
        var (trust, crlPath) = StoreWithOwnCrl(time);
        using var ca = cards.AuthenticationCaWithKey();
        File.WriteAllBytes(crlPath, BuildCrl(ca, 1, CardCertificateFixture.Now, [cards.Second.AuthenticationSerial]));
        Assert.True(trust.Refresh().Succeeded);
        time.Advance(TimeSpan.FromDays(8));

        // The file is unchanged, so it is not parsed again; its staleness is still reported.
        var result = trust.Refresh();

        Assert.Contains(result.Problems, p => p.Contains("stale", StringComparison.Ordinal));
        Assert.True(trust.IsRevoked(cards.Second.AuthenticationSerial));
    }

    [Fact]
    public void A_renewal_link_leads_from_the_new_serial_to_the_old_one()
    {
        var time = new FakeTimeProvider(CardCertificateFixture.Now);
        var trust = TrustStore.FromIssuerDirectory(cards.IssuerDirectory, time);
        var old = cards.ToRenew.AuthenticationSerial;

        var renewed = cards.Issuer.Renew(cards.ToRenew.CardFilePath);
        var result = trust.Refresh();

        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        Assert.True(trust.TryGetPredecessor(renewed.AuthenticationSerial, out var predecessor));
        Assert.Equal(old, predecessor);
        // Only authentication links: the signing certificate's link is not followed.
        Assert.False(trust.TryGetPredecessor(renewed.SigningSerial, out _));
        Assert.False(trust.TryGetPredecessor(old, out _));

        // The old certificate is superseded (revoked) and the new one authenticates.
        var verifier = new CardCertificateVerifier(trust, time);
        Assert.True(verifier.Check(CardCertificateFixture.ReadCertificate(renewed)).IsValid);
        Assert.True(trust.IsRevoked(old));
    }

    [Fact]
    public void Renewal_link_files_with_damaged_lines_keep_the_good_lines()
    {
        var path = Path.Combine(_folder, "renewals.jsonl");
        File.WriteAllLines(path,
        [
            """{"kind":"authentication","oldSerial":"4F01","newSerial":"5A02","at":"2026-05-01T00:00:00+00:00"}""",
            """{"kind":"signing","oldSerial":"4F03","newSerial":"5A04","at":"2026-05-01T00:00:00+00:00"}""",
            """{"kind":"authentication","oldSerial":""",
            "",
            """{"kind":"authentication","oldSerial":"5a02","newSerial":"6b05","at":"2026-06-01T00:00:00+00:00"}""",
        ]);
        var trust = TrustStore.Create([cards.Issuer.AuthenticationCaCertificate], new FakeTimeProvider(CardCertificateFixture.Now));
        trust.AddRenewalLinkSource(path);

        var result = trust.Refresh();

        Assert.Single(result.Problems);
        Assert.Equal(2, trust.RenewalLinkCount);
        Assert.True(trust.TryGetPredecessor("6B05", out var middle));
        Assert.True(trust.TryGetPredecessor(middle, out var first));
        Assert.Equal("4F01", first);
        Assert.False(trust.TryGetPredecessor("5A04", out _));
    }

    [Fact]
    public void A_crl_of_100000_entries_is_one_lookup_and_leaves_other_cards_valid()
    {
        var time = new FakeTimeProvider(CardCertificateFixture.Now);
        var (trust, crlPath) = StoreWithOwnCrl(time);
        using var ca = cards.AuthenticationCaWithKey();
        var serials = Enumerable.Range(0, 99_999).Select(i => "7" + i.ToString("X23", System.Globalization.CultureInfo.InvariantCulture))
            .Append(cards.Second.AuthenticationSerial).ToList();
        File.WriteAllBytes(crlPath, BuildCrl(ca, 1, CardCertificateFixture.Now, serials));

        Assert.True(trust.Refresh().Succeeded);
        Assert.Equal(100_000, trust.RevokedCount);

        var verifier = new CardCertificateVerifier(trust, time);
        Assert.True(verifier.Check(CardCertificateFixture.ReadCertificate(cards.Good)).IsValid);
        Assert.Equal(CertificateErrorCodes.Revoked, verifier.Check(CardCertificateFixture.ReadCertificate(cards.Second)).ErrorCode);
    }

    [Fact]
    public void A_trust_store_needs_an_anchor_with_an_rsa_key()
    {
        var time = new FakeTimeProvider(CardCertificateFixture.Now);
        Assert.Throws<ArgumentException>(() => TrustStore.Create([], time));
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ecCert = new CertificateRequest("CN=EC", ec, HashAlgorithmName.SHA256).CreateSelfSigned(CardCertificateFixture.CaCreated, CardCertificateFixture.CaCreated.AddYears(1));
        Assert.Throws<ArgumentException>(() => TrustStore.Create([ecCert], time));
        Assert.Throws<FileNotFoundException>(() => TrustStore.FromIssuerDirectory(_folder, time));
    }
}

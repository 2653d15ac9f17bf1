using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kangen.Platform.Features.Identity.Certificates;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Features.Identity.Certificates;

/// <summary>
/// The fast verifier against .NET's full X509Chain + X509Certificate2 check (the slow reference), on the
/// same certificates and the same clock: issued cards, another CA's card, the signing certificate, and
/// tampered copies, at times inside and outside validity.
/// </summary>
[Collection(CardCertificateCollection.Name)]
public sealed class DifferentialTests(CardCertificateFixture cards)
{
    private const string AuthenticationPolicy = "1.2.392.200149.8.5.1.3.30";

    private static bool ReferenceAccepts(byte[] der, X509Certificate2 anchor, DateTimeOffset now)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            return false;
        }
        using (certificate)
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(anchor);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationTime = now.UtcDateTime;
            chain.ChainPolicy.VerificationTimeIgnored = false;
            chain.ChainPolicy.CertificatePolicy.Add(new Oid(AuthenticationPolicy));
            if (!chain.Build(certificate))
                return false;
            var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().SingleOrDefault();
            if (usage is null || !usage.Critical || !usage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
                return false;
            using var key = certificate.GetRSAPublicKey();
            return key is { KeySize: 2048 } && certificate.SignatureAlgorithm.Value == "1.2.840.113549.1.1.11";
        }
    }

    [Fact]
    public void The_fast_verifier_agrees_with_x509chain_on_issued_tampered_and_foreign_certificates()
    {
        var anchor = cards.Issuer.AuthenticationCaCertificate;
        var samples = new List<(string Name, byte[] Der)>();
        var random = new Random(4242);
        foreach (var card in cards.Differential)
        {
            var der = CardCertificateFixture.ReadCertificate(card);
            samples.Add(("card " + card.AuthenticationSerial, der));
            var tampered = (byte[])der.Clone();
            var position = random.Next(8, tampered.Length - 300);
            tampered[position] ^= (byte)random.Next(1, 256);
            samples.Add(($"card {card.AuthenticationSerial} byte {position}", tampered));
        }
        samples.Add(("another issuer", CardCertificateFixture.ReadCertificate(cards.OtherCard)));
        samples.Add(("signing certificate", CardCertificateFixture.ReadSigningCertificate(cards.Good)));

        var notAfter = cards.Good.NotAfter;
        var moments = new[] { CardCertificateFixture.Now, cards.Good.NotBefore.AddSeconds(-5), notAfter.AddSeconds(5), notAfter.AddSeconds(-5) };
        var accepted = 0;
        foreach (var now in moments)
        {
            var time = new FakeTimeProvider(now);
            var verifier = new CardCertificateVerifier(TrustStore.Create([anchor], time), time, cacheCapacity: 0);
            foreach (var (name, der) in samples)
            {
                var check = verifier.Check(der);
                var reference = ReferenceAccepts(der, anchor, now);
                Assert.True(reference == check.IsValid, $"{name} at {now:O}: reference {reference}, fast {check.ErrorCode} {check.Detail}");
                if (!check.IsValid)
                    continue;
                accepted++;
                using var x509 = X509CertificateLoader.LoadCertificate(der);
                Assert.Equal(x509.SerialNumber, check.Certificate!.Serial);
                Assert.Equal(x509.Subject, check.Certificate.Subject);
                Assert.Equal(new DateTimeOffset(x509.NotBefore.ToUniversalTime()), check.Certificate.NotBefore);
                Assert.Equal(new DateTimeOffset(x509.NotAfter.ToUniversalTime()), check.Certificate.NotAfter);
            }
        }
        // Both verdicts occur, so agreement means something.
        Assert.True(accepted >= 2 * cards.Differential.Count());
        Assert.True(accepted < moments.Length * samples.Count);
    }

    [Fact]
    public void Signatures_agree_with_dotnet_rsa_verification()
    {
        var data = "application digest 0001"u8.ToArray();
        var time = new FakeTimeProvider(CardCertificateFixture.Now);
        var verifier = new CardCertificateVerifier(TrustStore.FromIssuerDirectory(cards.IssuerDirectory, time), time);
        foreach (var card in cards.Differential.Take(4))
        {
            var der = CardCertificateFixture.ReadCertificate(card);
            var certificate = verifier.Check(der).Certificate!;
            var signature = CardCertificateFixture.Sign(card, data);
            using var x509 = X509CertificateLoader.LoadCertificate(der);
            using var rsa = x509.GetRSAPublicKey()!;
            for (var i = -1; i < signature.Length; i += 37)
            {
                var candidate = (byte[])signature.Clone();
                if (i >= 0)
                    candidate[i] ^= 0x01;
                Assert.Equal(
                    rsa.VerifyData(data, candidate, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                    verifier.VerifySignature(certificate, data, candidate));
            }
        }
    }
}

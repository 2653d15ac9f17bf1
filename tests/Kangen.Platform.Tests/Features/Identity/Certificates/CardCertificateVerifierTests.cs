using System.Text;
using Kangen.Platform.Features.Identity.Certificates;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Features.Identity.Certificates;

[Collection(CardCertificateCollection.Name)]
public sealed class CardCertificateVerifierTests(CardCertificateFixture cards)
{
    private static readonly byte[] Challenge = Encoding.UTF8.GetBytes("kangen-challenge:3f1c9a27:authenticate");

    private CardCertificateVerifier Verifier(DateTimeOffset? at = null, int cacheCapacity = CardCertificateVerifier.DefaultCacheCapacity)
    {
        var time = new FakeTimeProvider(at ?? CardCertificateFixture.Now);
        return new CardCertificateVerifier(TrustStore.FromIssuerDirectory(cards.IssuerDirectory, time), time, cacheCapacity);
    }

    [Fact]
    public void A_good_card_passes_and_its_signature_over_the_challenge_verifies()
    {
        var verifier = Verifier();
        var der = CardCertificateFixture.ReadCertificate(cards.Good);

        var check = verifier.Check(der);

        Assert.True(check.IsValid, check.Detail);
        Assert.Null(check.ErrorCode);
        Assert.Equal(cards.Good.AuthenticationSerial, check.Certificate!.Serial);
        Assert.Equal(cards.Good.NotAfter, check.Certificate.NotAfter);
        Assert.StartsWith("CN=", check.Certificate.Subject, StringComparison.Ordinal);
        Assert.EndsWith(", C=JP", check.Certificate.Subject, StringComparison.Ordinal);
        Assert.Equal(2048, check.Certificate.KeyBits);
        var signature = CardCertificateFixture.Sign(cards.Good, Challenge);
        Assert.True(verifier.VerifySignature(check.Certificate, Challenge, signature));
    }

    [Fact]
    public void A_signature_over_other_bytes_fails()
    {
        var verifier = Verifier();
        var certificate = verifier.Check(CardCertificateFixture.ReadCertificate(cards.Good)).Certificate!;
        var signature = CardCertificateFixture.Sign(cards.Good, Challenge);

        var other = (byte[])Challenge.Clone();
        other[^1] ^= 1;
        Assert.False(verifier.VerifySignature(certificate, other, signature));
        Assert.False(verifier.VerifySignature(certificate, [], signature));
    }

    [Fact]
    public void A_signature_made_by_another_card_fails()
    {
        var verifier = Verifier();
        var certificate = verifier.Check(CardCertificateFixture.ReadCertificate(cards.Good)).Certificate!;
        var signatureOfSecond = CardCertificateFixture.Sign(cards.Second, Challenge);

        Assert.False(verifier.VerifySignature(certificate, Challenge, signatureOfSecond));
    }

    [Fact]
    public void A_damaged_or_misshapen_signature_fails_without_an_exception()
    {
        var verifier = Verifier();
        var certificate = verifier.Check(CardCertificateFixture.ReadCertificate(cards.Good)).Certificate!;
        var signature = CardCertificateFixture.Sign(cards.Good, Challenge);

        for (var i = 0; i < signature.Length; i += 17)
        {
            var flipped = (byte[])signature.Clone();
            flipped[i] ^= 0x40;
            Assert.False(verifier.VerifySignature(certificate, Challenge, flipped));
        }
        Assert.False(verifier.VerifySignature(certificate, Challenge, []));
        Assert.False(verifier.VerifySignature(certificate, Challenge, signature.AsSpan(1)));
        Assert.False(verifier.VerifySignature(certificate, Challenge, [0, .. signature]));
        Assert.False(verifier.VerifySignature(certificate, Challenge, Enumerable.Repeat((byte)0xFF, 256).ToArray()));
        Assert.False(verifier.VerifySignature(certificate, Challenge, new byte[256]));
    }

    [Fact]
    public void A_certificate_built_outside_the_verifier_verifies_nothing()
    {
        var verifier = Verifier();
        var real = verifier.Check(CardCertificateFixture.ReadCertificate(cards.Good)).Certificate!;
        var forged = new VerifiedCertificate(real.Serial, real.Subject, real.NotBefore, real.NotAfter);

        Assert.False(verifier.VerifySignature(forged, Challenge, CardCertificateFixture.Sign(cards.Good, Challenge)));
    }

    [Fact]
    public void A_card_of_another_issuer_is_untrusted()
    {
        var check = Verifier().Check(CardCertificateFixture.ReadCertificate(cards.OtherCard));

        Assert.False(check.IsValid);
        Assert.Equal(CertificateErrorCodes.Untrusted, check.ErrorCode);
    }

    [Fact]
    public void Any_flipped_bit_in_the_signed_part_makes_the_certificate_fail_without_an_exception()
    {
        var verifier = Verifier(cacheCapacity: 0);
        var der = CardCertificateFixture.ReadCertificate(cards.Good);

        // tbsCertificate starts after the outer header (30 82 LL LL) and runs for its own 4 + LLLL bytes.
        var tbsLength = 4 + (der[6] << 8 | der[7]);
        for (var i = 4; i < 4 + tbsLength; i++)
        {
            var tampered = (byte[])der.Clone();
            tampered[i] ^= (byte)(1 << (i % 8));
            var check = verifier.Check(tampered);
            Assert.False(check.IsValid, $"byte {i} flipped still passed");
            Assert.Contains(check.ErrorCode, new[] { CertificateErrorCodes.Untrusted, CertificateErrorCodes.Malformed });
        }
    }

    [Fact]
    public void A_flipped_bit_in_the_subject_key_is_untrusted()
    {
        var der = CardCertificateFixture.ReadCertificate(cards.Good);
        // The middle of a JPKI certificate is inside the RSA modulus: still well-formed, no longer what the CA signed.
        der[der.Length / 2] ^= 0x01;

        Assert.Equal(CertificateErrorCodes.Untrusted, Verifier().Check(der).ErrorCode);
    }

    [Fact]
    public void An_expired_certificate_is_refused_with_its_code_even_when_cached()
    {
        var time = new FakeTimeProvider(CardCertificateFixture.Now);
        var verifier = new CardCertificateVerifier(TrustStore.FromIssuerDirectory(cards.IssuerDirectory, time), time);
        var der = CardCertificateFixture.ReadCertificate(cards.Good);
        Assert.True(verifier.Check(der).IsValid);

        time.SetUtcNow(cards.Good.NotAfter.AddSeconds(1));
        Assert.Equal(CertificateErrorCodes.Expired, verifier.Check(der).ErrorCode);

        var fresh = Verifier(cards.Good.NotAfter.AddSeconds(1));
        Assert.Equal(CertificateErrorCodes.Expired, fresh.Check(der).ErrorCode);
        Assert.True(Verifier(cards.Good.NotAfter).Check(der).IsValid);
    }

    [Fact]
    public void A_certificate_before_its_validity_is_not_yet_valid()
    {
        var der = CardCertificateFixture.ReadCertificate(cards.Good);

        var check = Verifier(cards.Good.NotBefore.AddSeconds(-1)).Check(der);

        Assert.Equal(CertificateErrorCodes.NotYetValid, check.ErrorCode);
        Assert.True(Verifier(cards.Good.NotBefore).Check(der).IsValid);
    }

    [Fact]
    public void The_signing_certificate_has_the_wrong_policy_even_when_its_ca_is_trusted()
    {
        var time = new FakeTimeProvider(CardCertificateFixture.Now);
        var trust = TrustStore.Create([cards.Issuer.AuthenticationCaCertificate, cards.Issuer.SigningCaCertificate], time);
        var verifier = new CardCertificateVerifier(trust, time);

        var check = verifier.Check(CardCertificateFixture.ReadSigningCertificate(cards.Good));

        Assert.Equal(CertificateErrorCodes.WrongPolicy, check.ErrorCode);
        Assert.Contains("1.2.392.200149.8.5.1.3.30", check.Detail, StringComparison.Ordinal);
        // With only the authentication CA trusted, the signing certificate does not even chain.
        Assert.Equal(CertificateErrorCodes.Untrusted, Verifier().Check(CardCertificateFixture.ReadSigningCertificate(cards.Good)).ErrorCode);
    }

    [Fact]
    public void A_revoked_card_is_refused_after_the_refresh_even_when_its_certificate_was_cached()
    {
        var time = new FakeTimeProvider(CardCertificateFixture.Now);
        var trust = TrustStore.FromIssuerDirectory(cards.IssuerDirectory, time);
        var verifier = new CardCertificateVerifier(trust, time);
        var der = CardCertificateFixture.ReadCertificate(cards.ToRevoke);
        Assert.True(verifier.Check(der).IsValid);

        cards.Issuer.Revoke(cards.ToRevoke.CardFilePath, System.Security.Cryptography.X509Certificates.X509RevocationReason.KeyCompromise);
        Assert.True(verifier.Check(der).IsValid); // not yet refreshed: the CRL in force is the old one
        var result = trust.Refresh();

        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        Assert.True(trust.IsRevoked(cards.ToRevoke.AuthenticationSerial));
        var check = verifier.Check(der);
        Assert.Equal(CertificateErrorCodes.Revoked, check.ErrorCode);
        Assert.True(Verifier().Check(CardCertificateFixture.ReadCertificate(cards.Good)).IsValid);
    }

    [Fact]
    public void Repeated_checks_of_one_certificate_give_the_same_answer_from_the_cache()
    {
        var verifier = Verifier();
        var der = CardCertificateFixture.ReadCertificate(cards.Good);

        var first = verifier.Check(der);
        var second = verifier.Check(der);

        Assert.True(second.IsValid);
        Assert.Same(first.Certificate, second.Certificate);
        var signature = CardCertificateFixture.Sign(cards.Good, Challenge);
        Assert.True(verifier.VerifySignature(second.Certificate!, Challenge, signature));
    }

    [Fact]
    public void A_tiny_cache_still_answers_correctly_for_many_cards()
    {
        var verifier = Verifier(cacheCapacity: 2);
        var ders = cards.Cards.Skip(4).Select(CardCertificateFixture.ReadCertificate).ToList();

        for (var round = 0; round < 3; round++)
        {
            foreach (var der in ders)
                Assert.True(verifier.Check(der).IsValid);
        }
        var tampered = (byte[])ders[0].Clone();
        tampered[tampered.Length / 2] ^= 1;
        Assert.False(verifier.Check(tampered).IsValid);
    }

    [Fact]
    public void Concurrent_checks_agree()
    {
        var verifier = Verifier(cacheCapacity: 4);
        var ders = cards.Cards.Skip(4).Select(CardCertificateFixture.ReadCertificate).ToArray();
        var serials = cards.Cards.Skip(4).Select(c => c.AuthenticationSerial).ToArray();
        var failures = 0;

        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var check = verifier.Check(ders[i % ders.Length]);
            if (!check.IsValid || check.Certificate!.Serial != serials[i % ders.Length])
                Interlocked.Increment(ref failures);
        });

        Assert.Equal(0, failures);
    }
}

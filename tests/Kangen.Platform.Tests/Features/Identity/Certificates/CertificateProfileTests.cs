using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kangen.Platform.Features.Identity.Certificates;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Features.Identity.Certificates;

/// <summary>
/// Certificates that break the user-authentication profile in one way each, made with .NET's
/// CertificateRequest and signed by a test CA the verifier trusts; and input that is not a certificate at all.
/// </summary>
public sealed class CertificateProfileTests : IDisposable
{
    private const string AuthenticationPolicy = "1.2.392.200149.8.5.1.3.30";
    private static readonly DateTimeOffset Start = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly RSA _caKey = RSA.Create(2048);
    private readonly RSA _leafKey = RSA.Create(2048);
    private readonly X509Certificate2 _ca;
    private readonly FakeTimeProvider _time = new(Start.AddDays(1));
    private readonly CardCertificateVerifier _verifier;

    public CertificateProfileTests()
    {
        var request = new CertificateRequest("CN=Test CA, O=Kangen tests, C=JP", _caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(Start, Start.AddYears(10));
        _verifier = new CardCertificateVerifier(TrustStore.Create([_ca], _time), _time);
    }

    public void Dispose()
    {
        _caKey.Dispose();
        _leafKey.Dispose();
        _ca.Dispose();
    }

    private static X509Extension Policies(params string[] oids)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var oid in oids)
            {
                using (writer.PushSequence())
                    writer.WriteObjectIdentifier(oid);
            }
        }
        return new X509Extension("2.5.29.32", writer.Encode(), false);
    }

    private CertificateRequest Request(PublicKey? publicKey = null)
    {
        var subject = new X500DistinguishedName("CN=TESTCARD0123456789ABCDEF, C=JP");
        var algorithm = HashAlgorithmName.SHA256;
        return publicKey is null
            ? new CertificateRequest(subject, _leafKey, algorithm, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, publicKey, algorithm, RSASignaturePadding.Pkcs1);
    }

    private static void AddProfile(CertificateRequest request, bool keyUsage = true, bool keyUsageCritical = true,
        X509KeyUsageFlags usage = X509KeyUsageFlags.DigitalSignature, bool policy = true)
    {
        if (keyUsage)
            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, keyUsageCritical));
        if (policy)
            request.CertificateExtensions.Add(Policies(AuthenticationPolicy));
    }

    private byte[] Issue(CertificateRequest request)
    {
        var generator = X509SignatureGenerator.CreateForRSA(_caKey, RSASignaturePadding.Pkcs1);
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] = 0x41;
        using var certificate = request.Create(_ca.SubjectName, generator, Start, Start.AddYears(5), serial);
        return certificate.RawData;
    }

    private static PublicKey RsaKey(byte[] modulus, byte[] exponent)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteIntegerUnsigned(modulus);
            writer.WriteIntegerUnsigned(exponent);
        }
        return new PublicKey(new Oid("1.2.840.113549.1.1.1"), new AsnEncodedData([0x05, 0x00]), new AsnEncodedData(writer.Encode()));
    }

    private static byte[] OddModulus(int bits)
    {
        var modulus = RandomNumberGenerator.GetBytes(bits / 8);
        modulus[0] |= 0x80;
        modulus[^1] |= 1;
        return modulus;
    }

    [Fact]
    public void A_certificate_to_the_profile_from_the_test_ca_passes()
    {
        var request = Request();
        AddProfile(request);

        var check = _verifier.Check(Issue(request));

        Assert.True(check.IsValid, check.Detail);
        Assert.Equal("CN=TESTCARD0123456789ABCDEF, C=JP", check.Certificate!.Subject);
    }

    [Fact]
    public void A_certificate_without_key_usage_is_refused()
    {
        var request = Request();
        AddProfile(request, keyUsage: false);

        Assert.Equal(CertificateErrorCodes.KeyUsage, _verifier.Check(Issue(request)).ErrorCode);
    }

    [Fact]
    public void A_non_critical_key_usage_is_refused()
    {
        var request = Request();
        AddProfile(request, keyUsageCritical: false);

        Assert.Equal(CertificateErrorCodes.KeyUsage, _verifier.Check(Issue(request)).ErrorCode);
    }

    [Fact]
    public void Key_usage_without_digital_signature_is_refused()
    {
        var request = Request();
        AddProfile(request, usage: X509KeyUsageFlags.KeyEncipherment);

        Assert.Equal(CertificateErrorCodes.KeyUsage, _verifier.Check(Issue(request)).ErrorCode);
    }

    [Fact]
    public void Key_usage_that_allows_signing_certificates_is_refused()
    {
        var request = Request();
        AddProfile(request, usage: X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign);

        Assert.Equal(CertificateErrorCodes.KeyUsage, _verifier.Check(Issue(request)).ErrorCode);
    }

    [Fact]
    public void A_certificate_without_the_authentication_policy_has_the_wrong_policy()
    {
        var request = Request();
        AddProfile(request, policy: false);
        request.CertificateExtensions.Add(Policies("1.2.392.200149.8.5.1.1.20", "2.5.29.32.0"));

        Assert.Equal(CertificateErrorCodes.WrongPolicy, _verifier.Check(Issue(request)).ErrorCode);
    }

    [Fact]
    public void A_certificate_with_the_policy_among_others_passes()
    {
        var request = Request();
        AddProfile(request, policy: false);
        request.CertificateExtensions.Add(Policies("2.5.29.32.0", AuthenticationPolicy));

        Assert.True(_verifier.Check(Issue(request)).IsValid);
    }

    [Fact]
    public void An_unknown_critical_extension_is_refused()
    {
        var request = Request();
        AddProfile(request);
        request.CertificateExtensions.Add(new X509Extension("1.3.6.1.4.1.99999.1", [0x05, 0x00], critical: true));

        var check = _verifier.Check(Issue(request));

        Assert.Equal(CertificateErrorCodes.WrongPolicy, check.ErrorCode);
        Assert.Contains("1.3.6.1.4.1.99999.1", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_non_critical_extension_is_ignored()
    {
        var request = Request();
        AddProfile(request);
        request.CertificateExtensions.Add(new X509Extension("1.3.6.1.4.1.99999.1", [0x05, 0x00], critical: false));

        Assert.True(_verifier.Check(Issue(request)).IsValid);
    }

    [Fact]
    public void A_ca_certificate_is_not_a_card_certificate()
    {
        var request = Request();
        AddProfile(request);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));

        Assert.Equal(CertificateErrorCodes.WrongPolicy, _verifier.Check(Issue(request)).ErrorCode);
    }

    [Fact]
    public void A_certificate_signed_with_sha1_is_untrusted()
    {
        var request = Request();
        AddProfile(request);
        using var certificate = request.Create(_ca.SubjectName, new Sha1Generator(_caKey), Start, Start.AddYears(5), [0x43, 0x01]);
        Assert.Equal("1.2.840.113549.1.1.5", certificate.SignatureAlgorithm.Value);

        var check = _verifier.Check(certificate.RawData);

        Assert.Equal(CertificateErrorCodes.Untrusted, check.ErrorCode);
        Assert.Contains("sha256WithRSAEncryption", check.Detail, StringComparison.Ordinal);
    }

    /// <summary>.NET no longer signs certificates with SHA-1; this generator does, as old issuers did.</summary>
    private sealed class Sha1Generator(RSA key) : X509SignatureGenerator
    {
        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.113549.1.1.5");
                writer.WriteNull();
            }
            return writer.Encode();
        }

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) =>
            key.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);

        protected override PublicKey BuildPublicKey() => PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
    }

    [Fact]
    public void A_4096_bit_card_key_is_refused()
    {
        var request = Request(RsaKey(OddModulus(4096), [0x01, 0x00, 0x01]));
        AddProfile(request);

        var check = _verifier.Check(Issue(request));

        Assert.Equal(CertificateErrorCodes.WrongPolicy, check.ErrorCode);
        Assert.Contains("4096", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_card_key_with_exponent_3_is_refused()
    {
        var request = Request(RsaKey(OddModulus(2048), [0x03]));
        AddProfile(request);

        Assert.Equal(CertificateErrorCodes.WrongPolicy, _verifier.Check(Issue(request)).ErrorCode);
    }

    [Fact]
    public void A_1024_bit_card_key_is_refused()
    {
        var request = Request(RsaKey(OddModulus(1024), [0x01, 0x00, 0x01]));
        AddProfile(request);

        Assert.Equal(CertificateErrorCodes.WrongPolicy, _verifier.Check(Issue(request)).ErrorCode);
    }

    [Fact]
    public void An_elliptic_curve_card_key_is_refused()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=EC CARD, C=JP", ec, HashAlgorithmName.SHA256);
        AddProfile(request);

        Assert.Equal(CertificateErrorCodes.WrongPolicy, _verifier.Check(Issue(request)).ErrorCode);
    }

    [Fact]
    public void A_certificate_signed_by_another_key_under_the_trusted_name_is_untrusted()
    {
        using var otherKey = RSA.Create(2048);
        var request = Request();
        AddProfile(request);
        var generator = X509SignatureGenerator.CreateForRSA(otherKey, RSASignaturePadding.Pkcs1);
        using var forged = request.Create(_ca.SubjectName, generator, Start, Start.AddYears(5), [0x42, 0x01]);

        Assert.Equal(CertificateErrorCodes.Untrusted, _verifier.Check(forged.RawData).ErrorCode);
    }

    [Fact]
    public void Subjects_with_characters_that_need_quoting_read_as_dotnet_prints_them()
    {
        var request = new CertificateRequest(new X500DistinguishedName("CN=\"Sato, Taro\", OU=見本, C=JP"), _leafKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        AddProfile(request);
        var der = Issue(request);

        var check = _verifier.Check(der);

        Assert.True(check.IsValid, check.Detail);
        Assert.Equal(X509CertificateLoader.LoadCertificate(der).Subject, check.Certificate!.Subject);
    }

    [Fact]
    public void Garbage_empty_truncated_and_oversized_input_is_malformed_and_never_throws()
    {
        var request = Request();
        AddProfile(request);
        var good = Issue(request);

        Assert.Equal(CertificateErrorCodes.Malformed, _verifier.Check([]).ErrorCode);
        Assert.Equal(CertificateErrorCodes.Malformed, _verifier.Check([0x30]).ErrorCode);
        Assert.Equal(CertificateErrorCodes.Malformed, _verifier.Check(new byte[CardCertificateVerifier.MaxCertificateBytes + 1]).ErrorCode);
        Assert.Equal(CertificateErrorCodes.Malformed, _verifier.Check("not a certificate"u8).ErrorCode);
        // Lengths that claim more than is there, in short, long and non-minimal (BER) form.
        Assert.Equal(CertificateErrorCodes.Malformed, _verifier.Check([0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x30, 0x00]).ErrorCode);
        Assert.Equal(CertificateErrorCodes.Malformed, _verifier.Check([0x30, 0x82, 0xFF, 0xFF, .. good.AsSpan(4)]).ErrorCode);
        Assert.Equal(CertificateErrorCodes.Malformed, _verifier.Check([0x30, 0x83, 0x00, good[2], good[3], .. good.AsSpan(4)]).ErrorCode);
        Assert.Equal(CertificateErrorCodes.Malformed, _verifier.Check([0x30, 0x80, .. good.AsSpan(4), 0x00, 0x00]).ErrorCode);
        Assert.Equal(CertificateErrorCodes.Malformed, _verifier.Check([.. good, 0x00]).ErrorCode);

        for (var length = 1; length < good.Length; length++)
            Assert.Equal(CertificateErrorCodes.Malformed, _verifier.Check(good.AsSpan(0, length)).ErrorCode);

        var random = new Random(20260401);
        var buffer = new byte[1200];
        for (var i = 0; i < 2000; i++)
        {
            random.NextBytes(buffer);
            if (i % 2 == 0)
            {
                buffer[0] = 0x30;
                buffer[1] = 0x82;
            }
            Assert.False(_verifier.Check(buffer.AsSpan(0, random.Next(1, buffer.Length))).IsValid);
        }
    }

    [Fact]
    public void Random_single_byte_corruption_anywhere_never_passes_and_never_throws()
    {
        var request = Request();
        AddProfile(request);
        var good = Issue(request);
        var random = new Random(7);

        for (var i = 0; i < 3000; i++)
        {
            var damaged = (byte[])good.Clone();
            var position = random.Next(damaged.Length);
            damaged[position] = (byte)(damaged[position] ^ random.Next(1, 256));
            var check = _verifier.Check(damaged);
            Assert.False(check.IsValid, $"byte {position} changed still passed");
            Assert.NotNull(check.ErrorCode);
        }
    }

    [Fact]
    public void A_v1_certificate_is_malformed()
    {
        // tbsCertificate without the [0] version and without extensions: X.509 v1.
        var request = Request();
        AddProfile(request);
        var v3 = Issue(request);
        var reader = new AsnReader(v3, AsnEncodingRules.DER).ReadSequence();
        var tbs = reader.ReadSequence();
        tbs.ReadEncodedValue(); // version
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                for (var i = 0; i < 6; i++)
                    writer.WriteEncodedValue(tbs.ReadEncodedValue().Span);
            }
            writer.WriteEncodedValue(reader.ReadEncodedValue().Span);
            writer.WriteEncodedValue(reader.ReadEncodedValue().Span);
        }

        Assert.Equal(CertificateErrorCodes.Malformed, _verifier.Check(writer.Encode()).ErrorCode);
    }

    [Fact]
    public void Every_error_code_has_a_message_in_three_languages()
    {
        foreach (var code in new[]
        {
            CertificateErrorCodes.Malformed, CertificateErrorCodes.Untrusted, CertificateErrorCodes.Expired,
            CertificateErrorCodes.NotYetValid, CertificateErrorCodes.WrongPolicy, CertificateErrorCodes.KeyUsage,
            CertificateErrorCodes.Revoked,
        })
        {
            var (ja, zh, en) = CertificateErrorCodes.Message(code);
            Assert.False(string.IsNullOrWhiteSpace(ja));
            Assert.False(string.IsNullOrWhiteSpace(zh));
            Assert.False(string.IsNullOrWhiteSpace(en));
            Assert.StartsWith("auth.certificate-", code, StringComparison.Ordinal);
        }
    }
}

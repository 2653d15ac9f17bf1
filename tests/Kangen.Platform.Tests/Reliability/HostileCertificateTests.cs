using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kangen.Platform.Features.Identity.Certificates;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Reliability;

/// <summary>
/// Hostile certificates the profile tests (Features/Identity/Certificates) do not make: validity in the future,
/// oversized and numerous extensions, duplicated extensions, chains of self-issued and intermediate certificates. Each
/// gets its stable code and none makes the verifier throw.
/// </summary>
public sealed class HostileCertificateTests : IDisposable
{
    private const string AuthenticationPolicy = "1.2.392.200149.8.5.1.3.30";
    private const string CaName = "CN=Test CA, O=Kangen tests, C=JP";
    private static readonly DateTimeOffset Start = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly RSA _caKey = RSA.Create(2048);
    private readonly RSA _leafKey = RSA.Create(2048);
    private readonly X509Certificate2 _ca;
    private readonly FakeTimeProvider _time = new(Start.AddDays(1));
    private readonly CardCertificateVerifier _verifier;

    public HostileCertificateTests()
    {
        _ca = CaRequest(CaName, _caKey).CreateSelfSigned(Start, Start.AddYears(10));
        _verifier = new CardCertificateVerifier(TrustStore.Create([_ca], _time), _time);
    }

    public void Dispose()
    {
        _caKey.Dispose();
        _leafKey.Dispose();
        _ca.Dispose();
    }

    [Fact]
    public void A_certificate_valid_only_from_tomorrow_is_not_yet_valid()
    {
        var der = Issue(Leaf(), notBefore: _time.GetUtcNow().AddDays(1));

        Assert.Equal(CertificateErrorCodes.NotYetValid, _verifier.Check(der).ErrorCode);
    }

    [Fact]
    public void A_certificate_that_ended_yesterday_is_expired()
    {
        var der = Issue(Leaf(), notBefore: Start, notAfter: _time.GetUtcNow().AddDays(-1));

        Assert.Equal(CertificateErrorCodes.Expired, _verifier.Check(der).ErrorCode);
    }

    [Fact]
    public void A_60_kB_extension_is_malformed_by_its_size()
    {
        var request = Leaf();
        request.CertificateExtensions.Add(new X509Extension("1.2.3.4.5", Octets(new byte[60 * 1024]), false));

        var check = _verifier.Check(Issue(request));

        Assert.Equal(CertificateErrorCodes.Malformed, check.ErrorCode);
    }

    [Fact]
    public void A_thousand_extensions_are_malformed_by_their_size()
    {
        var request = Leaf();
        for (var i = 0; i < 1000; i++)
            request.CertificateExtensions.Add(new X509Extension($"1.2.3.4.{i}", Octets([1]), false));

        Assert.Equal(CertificateErrorCodes.Malformed, _verifier.Check(Issue(request)).ErrorCode);
    }

    [Fact]
    public void A_critical_unknown_extension_among_hundreds_of_small_ones_is_still_found()
    {
        var request = Leaf();
        for (var i = 0; i < 250; i++)
            request.CertificateExtensions.Add(new X509Extension($"1.2.3.4.{i}", Octets([1]), false));
        request.CertificateExtensions.Add(new X509Extension("1.2.3.5", Octets([1]), true));
        var der = Issue(request);
        Assert.True(der.Length <= CardCertificateVerifier.MaxCertificateBytes, $"{der.Length} bytes");

        var check = _verifier.Check(der);

        // Refused for that extension, not for anything else about the certificate.
        Assert.False(check.IsValid);
        Assert.Equal(CertificateErrorCodes.WrongPolicy, check.ErrorCode);
        Assert.Contains("1.2.3.5", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_key_usage_extension_that_allows_signing_certificates_is_refused()
    {
        // RFC 5280 allows one instance of an extension; a verifier reading only the first would see digitalSignature alone.
        // .NET will not build two key usage extensions, so the second goes in under a stand-in OID of the same length
        // (2.5.29.99), renamed in the signed bytes and signed again by the CA.
        var request = Leaf();
        var keyUsage = new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true);
        request.CertificateExtensions.Add(new X509Extension("2.5.29.99", keyUsage.RawData, true));
        var der = Resign(Issue(request), [0x06, 0x03, 0x55, 0x1D, 0x63], [0x06, 0x03, 0x55, 0x1D, 0x0F]);

        var check = _verifier.Check(der);

        Assert.False(check.IsValid);
        Assert.Contains(check.ErrorCode, new[] { CertificateErrorCodes.Malformed, CertificateErrorCodes.KeyUsage });
    }

    [Fact]
    public void A_self_signed_card_certificate_to_the_profile_is_untrusted()
    {
        using var self = Leaf().CreateSelfSigned(Start, Start.AddYears(5));

        Assert.Equal(CertificateErrorCodes.Untrusted, _verifier.Check(self.RawData).ErrorCode);
    }

    [Fact]
    public void A_self_issued_ca_under_the_trusted_name_with_its_own_key_signs_nothing_trusted()
    {
        // The same name as the trusted CA, a key of its own, "issued" by itself: a chain an attacker can make.
        using var impostorKey = RSA.Create(2048);
        using var impostor = CaRequest(CaName, impostorKey).CreateSelfSigned(Start, Start.AddYears(10));

        var der = Issue(Leaf(), signer: impostorKey, issuer: impostor.SubjectName);

        Assert.Equal(CertificateErrorCodes.Untrusted, _verifier.Check(der).ErrorCode);
    }

    [Fact]
    public void A_card_certificate_from_an_intermediate_ca_that_the_trusted_ca_issued_is_untrusted()
    {
        // Card certificates come straight from the authentication CA; nothing is chained through another CA.
        using var intermediateKey = RSA.Create(2048);
        var serial = RandomNumberGenerator.GetBytes(10);
        serial[0] = 0x21;
        using var intermediate = CaRequest("CN=Intermediate, O=Kangen tests, C=JP", intermediateKey)
            .Create(_ca.SubjectName, X509SignatureGenerator.CreateForRSA(_caKey, RSASignaturePadding.Pkcs1), Start, Start.AddYears(5), serial);

        var der = Issue(Leaf(), signer: intermediateKey, issuer: intermediate.SubjectName);

        Assert.Equal(CertificateErrorCodes.Untrusted, _verifier.Check(der).ErrorCode);
    }

    [Fact]
    public void The_trusted_ca_certificate_itself_is_not_a_card_certificate()
    {
        Assert.False(_verifier.Check(_ca.RawData).IsValid);
    }

    private static CertificateRequest CaRequest(string name, RSA key)
    {
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request;
    }

    /// <summary>A request to the user-authentication profile (digitalSignature, critical; the policy).</summary>
    private CertificateRequest Leaf()
    {
        var request = new CertificateRequest(new X500DistinguishedName("CN=TESTCARD0123456789ABCDEF, C=JP"), _leafKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence())
            writer.WriteObjectIdentifier(AuthenticationPolicy);
        request.CertificateExtensions.Add(new X509Extension("2.5.29.32", writer.Encode(), false));
        return request;
    }

    private byte[] Issue(CertificateRequest request, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, RSA? signer = null,
        X500DistinguishedName? issuer = null)
    {
        var generator = X509SignatureGenerator.CreateForRSA(signer ?? _caKey, RSASignaturePadding.Pkcs1);
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] = 0x41;
        var from = notBefore ?? Start;
        using var certificate = request.Create(issuer ?? _ca.SubjectName, generator, from, notAfter ?? from.AddYears(5), serial);
        return certificate.RawData;
    }

    /// <summary>The certificate with <paramref name="from"/> replaced by <paramref name="to"/> in its signed part, signed again by the CA.</summary>
    private byte[] Resign(byte[] der, byte[] from, byte[] to)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadEncodedValue().ToArray();
        var algorithm = outer.ReadEncodedValue().ToArray();
        var at = tbs.AsSpan().IndexOf(from);
        Assert.True(at > 0);
        to.CopyTo(tbs, at);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(tbs);
            writer.WriteEncodedValue(algorithm);
            writer.WriteBitString(_caKey.SignData(tbs, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
        return writer.Encode();
    }

    private static byte[] Octets(byte[] content)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(content);
        return writer.Encode();
    }
}

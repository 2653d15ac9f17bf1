using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kangen.SmartCard;

namespace Kangen.Platform.Features.Applications;

/// <summary>
/// Reads a birth date from a card's signing certificate (the user-authentication certificate carries none): the
/// certificate must chain to the signing CA, be within its validity, carry the JPKI signing policy, not be on the
/// signing CA's CRL, and its key must have signed the application statement (so the same card signed now). The birth
/// date is used for the age band of this one decision and never stored (invariant 5).
/// This path runs only for representatives' applications, so it uses the framework's X509 chain rather than the
/// authentication fast path.
/// </summary>
public sealed class AgeProofVerifier
{
    private readonly X509Certificate2? _signingCa;
    private readonly string? _crlPath;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private (DateTime Stamp, RevocationList? List) _crl;

    /// <summary>A verifier trusting <c>sign-ca.cer</c> (and <c>sign.crl</c>) in <paramref name="issuerDirectory"/>; without them it refuses every proof.</summary>
    public AgeProofVerifier(string? issuerDirectory, TimeProvider time)
    {
        _time = time;
        if (issuerDirectory is not null && File.Exists(Path.Combine(issuerDirectory, "sign-ca.cer")))
        {
            _signingCa = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(issuerDirectory, "sign-ca.cer"));
            _crlPath = Path.Combine(issuerDirectory, "sign.crl");
        }
    }

    /// <summary>True when a signing CA is configured.</summary>
    public bool IsConfigured => _signingCa is not null;

    /// <summary>The birth date, or why the proof is refused (English detail).</summary>
    public (DateOnly? BirthDate, string? Error) Verify(byte[] certificateDer, byte[] statement, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(certificateDer);
        if (_signingCa is null)
            return (null, "no signing CA is configured on this platform");
        if (certificateDer.Length > 8 * 1024)
            return (null, "certificate too large");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(certificateDer);
        }
        catch (CryptographicException e)
        {
            return (null, "malformed certificate: " + e.Message);
        }
        using (certificate)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(_signingCa);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
            chain.ChainPolicy.VerificationTimeIgnored = false;
            if (!chain.Build(certificate))
                return (null, "not a valid signing certificate of the trusted issuer: " + string.Join(", ", chain.ChainStatus.Select(s => s.Status)));
            if (!HasPolicy(certificate, Jpki.SigningPolicyOid))
                return (null, "not a JPKI signing certificate (policy)");
            if (Revocations()?.IsRevoked(certificate.SerialNumber) == true)
                return (null, "the signing certificate is revoked");
            using var key = certificate.GetRSAPublicKey();
            if (key is null || !key.VerifyData(statement, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                return (null, "the signing key's signature over the application does not verify");
            return BirthDate(certificate) is { } born ? (born, null) : (null, "the certificate carries no birth date");
        }
    }

    private RevocationList? Revocations()
    {
        if (_crlPath is null || !File.Exists(_crlPath))
            return null;
        var stamp = File.GetLastWriteTimeUtc(_crlPath);
        lock (_lock)
        {
            if (_crl.List is null || _crl.Stamp != stamp)
                _crl = (stamp, RevocationList.Load(File.ReadAllBytes(_crlPath), _signingCa!));
            return _crl.List;
        }
    }

    private static bool HasPolicy(X509Certificate2 certificate, string oid)
    {
        var extension = certificate.Extensions["2.5.29.32"];
        if (extension is null)
            return false;
        var policies = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
        while (policies.HasData)
        {
            var information = policies.ReadSequence();
            if (information.ReadObjectIdentifier() == oid)
                return true;
        }
        return false;
    }

    /// <summary>The birth date in the subject alternative name (JPKI: era digit + yyyyMMdd, Gregorian).</summary>
    internal static DateOnly? BirthDate(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions["2.5.29.17"];
        if (extension is null)
            return null;
        try
        {
            var names = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            var otherName = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            while (names.HasData)
            {
                if (names.PeekTag() != otherName)
                {
                    names.ReadEncodedValue();
                    continue;
                }
                var entry = names.ReadSequence(otherName);
                var oid = entry.ReadObjectIdentifier();
                var value = entry.ReadSequence(otherName).ReadCharacterString(UniversalTagNumber.UTF8String);
                if (oid == Jpki.BirthDateOid && value.Length == 9
                    && DateOnly.TryParseExact(value[1..], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var born))
                    return born;
            }
        }
        catch (AsnContentException)
        {
        }
        return null;
    }
}

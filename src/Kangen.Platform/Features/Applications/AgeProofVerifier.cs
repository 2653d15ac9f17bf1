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
/// This path runs only when a proof is sent (always for a child), so it uses the framework's X509 chain rather than the
/// authentication fast path.
/// </summary>
public sealed class AgeProofVerifier
{
    private readonly string? _anchorPath;
    private readonly string? _crlPath;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private (DateTime AnchorStamp, X509Certificate2? Anchor, DateTime CrlStamp, RevocationList? Crl) _state;

    /// <summary>
    /// A verifier trusting the signing CA certificate at <paramref name="anchorPath"/> with its CRL at
    /// <paramref name="crlPath"/>; both are re-read when their files change. Without an anchor it refuses every proof.
    /// </summary>
    public AgeProofVerifier(string? anchorPath, string? crlPath, TimeProvider time)
    {
        _anchorPath = anchorPath;
        _crlPath = crlPath;
        _time = time;
    }

    /// <summary>The verifier for the trust configuration: the configured signing anchor and CRL, else the issuer folder's.</summary>
    public static AgeProofVerifier For(Identity.TrustSourceOptions trust, string dataDirectory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(trust);
        var issuer = !string.IsNullOrWhiteSpace(trust.IssuerDirectory) ? trust.IssuerDirectory
            : trust.Anchors.Count == 0 ? Path.Combine(dataDirectory, "issuer") : null;
        var anchor = !string.IsNullOrWhiteSpace(trust.SigningAnchor) ? trust.SigningAnchor : issuer is null ? null : Path.Combine(issuer, "sign-ca.cer");
        var crl = !string.IsNullOrWhiteSpace(trust.SigningCrl) ? trust.SigningCrl : anchor is null ? null : Path.Combine(Path.GetDirectoryName(anchor)!, "sign.crl");
        return new AgeProofVerifier(anchor, crl, time);
    }

    /// <summary>
    /// The birth date, or why the proof is refused (English detail). <paramref name="cardSubject"/> is the subject of the
    /// applicant's user-authentication certificate: the signing certificate must carry the same one (the issuer gives
    /// both certificates of a card one opaque subject), so the age comes from the applicant's own card.
    /// </summary>
    public (DateOnly? BirthDate, string? Error) Verify(byte[] certificateDer, byte[] statement, byte[] signature, string cardSubject)
    {
        ArgumentNullException.ThrowIfNull(certificateDer);
        var (anchor, crl, problem) = Trust();
        if (problem is not null)
            return (null, problem);
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
            chain.ChainPolicy.CustomTrustStore.Add(anchor!);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
            chain.ChainPolicy.VerificationTimeIgnored = false;
            if (!chain.Build(certificate))
                return (null, "not a valid signing certificate of the trusted issuer: " + string.Join(", ", chain.ChainStatus.Select(s => s.Status)));
            if (!HasPolicy(certificate, Jpki.SigningPolicyOid))
                return (null, "not a JPKI signing certificate (policy)");
            if (crl!.IsRevoked(certificate.SerialNumber))
                return (null, "the signing certificate is revoked");
            if (!string.Equals(certificate.Subject, cardSubject, StringComparison.Ordinal))
                return (null, "the signing certificate is not of the applicant's card");
            using var key = certificate.GetRSAPublicKey();
            if (key is null || !key.VerifyData(statement, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                return (null, "the signing key's signature over the application does not verify");
            return BirthDate(certificate) is { } born ? (born, null) : (null, "the certificate carries no birth date");
        }
    }

    /// <summary>
    /// The anchor and a current CRL, re-read when their files change. Fails closed: no anchor, no CRL, a CRL that does
    /// not verify or is past its next update all refuse the proof (a revoked card must not prove an age).
    /// </summary>
    private (X509Certificate2? Anchor, RevocationList? Crl, string? Problem) Trust()
    {
        if (_anchorPath is null || !File.Exists(_anchorPath))
            return (null, null, "no signing CA is configured on this platform (Kangen:Trust:SigningAnchor)");
        if (_crlPath is null || !File.Exists(_crlPath))
            return (null, null, "the signing CA's CRL is missing (Kangen:Trust:SigningCrl)");
        lock (_lock)
        {
            try
            {
                var anchorStamp = File.GetLastWriteTimeUtc(_anchorPath);
                if (_state.Anchor is null || _state.AnchorStamp != anchorStamp)
                    _state = (anchorStamp, X509CertificateLoader.LoadCertificateFromFile(_anchorPath), default, null);
                var crlStamp = File.GetLastWriteTimeUtc(_crlPath);
                if (_state.Crl is null || _state.CrlStamp != crlStamp)
                    _state = (_state.AnchorStamp, _state.Anchor, crlStamp, RevocationList.Load(File.ReadAllBytes(_crlPath), _state.Anchor!));
            }
            catch (Exception e) when (e is InvalidDataException or CryptographicException or IOException)
            {
                _state = (_state.AnchorStamp, _state.Anchor, default, null);
                return (null, null, "the signing CA or its CRL cannot be read: " + e.Message);
            }
            if (_state.Crl!.NextUpdate is { } next && _time.GetUtcNow() > next)
                return (null, null, $"the signing CA's CRL is out of date (next update was {next:O})");
            return (_state.Anchor, _state.Crl, null);
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

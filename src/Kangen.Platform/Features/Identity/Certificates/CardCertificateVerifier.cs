using System.Security.Cryptography;

namespace Kangen.Platform.Features.Identity.Certificates;

/// <summary>
/// Checks My Number Card user-authentication certificates and the card's signatures on the request path
/// (DESIGN flow 1, invariant 4). Singleton, thread-safe. Certificates are parsed with strict DER rules
/// straight from the caller's bytes; issuer keys are parsed once (in <see cref="TrustStore"/>); card keys
/// are never imported into OpenSSL. A certificate that passed once is remembered by the SHA-256 of its
/// DER, so a repeat authentication skips parsing and the issuer signature but still checks validity at
/// now and revocation.
/// </summary>
public sealed class CardCertificateVerifier
{
    /// <summary>Default number of verified certificates remembered.</summary>
    public const int DefaultCacheCapacity = 20_000;

    /// <summary>Largest certificate accepted; a JPKI certificate is about 1.2 KB.</summary>
    public const int MaxCertificateBytes = 8 * 1024;

    private readonly TrustStore _trust;
    private readonly TimeProvider _time;
    private readonly VerifiedCertificateCache _cache;

    /// <summary>A verifier with the default cache size.</summary>
    public CardCertificateVerifier(TrustStore trust, TimeProvider time)
        : this(trust, time, DefaultCacheCapacity)
    {
    }

    /// <summary>A verifier remembering up to <paramref name="cacheCapacity"/> verified certificates (0: no cache).</summary>
    public CardCertificateVerifier(TrustStore trust, TimeProvider time, int cacheCapacity)
    {
        ArgumentNullException.ThrowIfNull(trust);
        ArgumentNullException.ThrowIfNull(time);
        _trust = trust;
        _time = time;
        _cache = new VerifiedCertificateCache(cacheCapacity);
    }

    /// <summary>The trust store this verifier uses.</summary>
    public TrustStore Trust => _trust;

    /// <summary>
    /// Checks a DER certificate: well-formed X.509 v3, signed sha256WithRSAEncryption by a trust anchor,
    /// within validity at the current time, policy 1.2.392.200149.8.5.1.3.30, KeyUsage critical with
    /// digitalSignature, an RSA 2048-bit key, no unknown critical extension, and not revoked.
    /// Never throws on bad input: failures come back as <see cref="CertificateErrorCodes"/>.
    /// </summary>
    public CertificateCheck Check(ReadOnlySpan<byte> certificateDer)
    {
        if (certificateDer.IsEmpty)
            return CertificateCheck.Fail(CertificateErrorCodes.Malformed, "No certificate was given.");
        if (certificateDer.Length > MaxCertificateBytes)
            return CertificateCheck.Fail(CertificateErrorCodes.Malformed, $"The certificate is {certificateDer.Length} bytes (at most {MaxCertificateBytes}).");

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(certificateDer, hash);
        var key = CertificateHash.From(hash);
        if (!_cache.TryGet(key, out var certificate))
        {
            var check = CheckStatic(certificateDer);
            if (!check.IsValid)
                return check;
            certificate = check.Certificate!;
            _cache.Add(key, certificate);
        }
        return CheckCurrent(certificate);
    }

    /// <summary>
    /// Verifies the card's RSASSA-PKCS1-v1_5 signature over <paramref name="signedData"/> with SHA-256
    /// (the card signs the DigestInfo of SHA-256(signedData)) with the key of a certificate that passed
    /// <see cref="Check"/>. False for any mismatch, including a signature of the wrong length.
    /// </summary>
    public bool VerifySignature(VerifiedCertificate certificate, ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (certificate.PublicKey is not { } key)
            return false;
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(signedData, hash);
        return key.VerifySha256(hash, signature);
    }

    private CertificateCheck CheckCurrent(VerifiedCertificate certificate)
    {
        var now = _time.GetUtcNow();
        if (now < certificate.NotBefore)
            return CertificateCheck.Fail(CertificateErrorCodes.NotYetValid, $"Valid from {certificate.NotBefore:O}, now {now:O}.");
        if (now > certificate.NotAfter)
            return CertificateCheck.Fail(CertificateErrorCodes.Expired, $"Expired {certificate.NotAfter:O}, now {now:O}.");
        if (_trust.IsRevoked(certificate.Serial))
            return CertificateCheck.Fail(CertificateErrorCodes.Revoked, $"Serial {certificate.Serial} is on the revocation list.");
        return CertificateCheck.Valid(certificate);
    }

    /// <summary>Everything that does not depend on the clock or the CRL: structure, issuer signature, profile.</summary>
    private CertificateCheck CheckStatic(ReadOnlySpan<byte> der)
    {
        if (!CertificateParser.TryParse(der, out var parts, out var code, out var detail))
            return CertificateCheck.Fail(code!, detail!);

        if (!VerifyIssuerSignature(parts))
            return CertificateCheck.Fail(CertificateErrorCodes.Untrusted, "No trust anchor issued this certificate, or its signature does not verify.");

        if (parts.ProfileProblem is { } problem)
            return CertificateCheck.Fail(CertificateErrorCodes.WrongPolicy, problem);
        if (!parts.HasAuthenticationPolicy)
            return CertificateCheck.Fail(CertificateErrorCodes.WrongPolicy, $"The certificate policies do not include the user-authentication policy {CertificateParser.AuthenticationPolicyOid}.");
        if (parts.IsCa)
            return CertificateCheck.Fail(CertificateErrorCodes.WrongPolicy, "A CA certificate is not a card certificate.");
        if (!parts.HasKeyUsage)
            return CertificateCheck.Fail(CertificateErrorCodes.KeyUsage, "The certificate has no KeyUsage extension.");
        if (!parts.KeyUsageCritical)
            return CertificateCheck.Fail(CertificateErrorCodes.KeyUsage, "KeyUsage is not marked critical.");
        if (!parts.DigitalSignature)
            return CertificateCheck.Fail(CertificateErrorCodes.KeyUsage, "KeyUsage lacks digitalSignature.");
        if (parts.CaKeyUsage)
            return CertificateCheck.Fail(CertificateErrorCodes.KeyUsage, "KeyUsage allows certificate or CRL signing.");

        var key = RsaPublicKey.TryCreate(parts.Modulus, parts.Exponent, out var keyProblem);
        if (key is null)
            return CertificateCheck.Fail(CertificateErrorCodes.WrongPolicy, keyProblem!);
        // The JPKI profile: RSA-2048 and e = 65537 (jpki-card.md).
        if (key.Bits != 2048 || key.Exponent != 65537)
            return CertificateCheck.Fail(CertificateErrorCodes.WrongPolicy, $"The card key is RSA-{key.Bits} with e = {key.Exponent}; the profile is RSA-2048 with e = 65537.");

        var certificate = new VerifiedCertificate(
            Convert.ToHexString(parts.Serial),
            CertificateParser.FormatName(parts.Subject),
            parts.NotBefore,
            parts.NotAfter)
        { PublicKey = key };
        return CertificateCheck.Valid(certificate);
    }

    private bool VerifyIssuerSignature(in CertificateParts parts)
    {
        Span<byte> hash = stackalloc byte[32];
        var hashed = false;
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var anchor in _trust.Anchors)
        {
            if (!parts.Issuer.SequenceEqual(anchor.Subject))
                continue;
            if (!parts.AuthorityKeyId.IsEmpty && anchor.KeyId is { } keyId && !parts.AuthorityKeyId.SequenceEqual(keyId))
                continue;
            if (now < anchor.NotBefore || now > anchor.NotAfter)
                continue;
            if (!hashed)
            {
                SHA256.HashData(parts.Tbs, hash);
                hashed = true;
            }
            if (anchor.Rsa.VerifyHash(hash, parts.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                return true;
        }
        return false;
    }
}

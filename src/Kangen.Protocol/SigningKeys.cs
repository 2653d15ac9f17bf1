using System.Security.Cryptography;

namespace Kangen.Protocol;

/// <summary>ECDSA P-256 keys of the signing scheme: creation, PEM files and key ids.</summary>
public static class SigningKeys
{
    /// <summary>A new P-256 key pair.</summary>
    public static ECDsa Create() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>
    /// The key id of a public key: <c>k-</c> and the first 20 hex digits of the SHA-256 of its
    /// SubjectPublicKeyInfo. Both sides compute it from the key alone, so nobody has to be told it.
    /// </summary>
    public static string KeyId(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return "k-" + Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..20];
    }

    /// <summary>The public key as PEM (<c>-----BEGIN PUBLIC KEY-----</c>).</summary>
    public static string PublicPem(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.ExportSubjectPublicKeyInfoPem();
    }

    /// <summary>The private key as PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>).</summary>
    public static string PrivatePem(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>
    /// Reads a P-256 public key from PEM; false (and a reason) for anything else: not PEM, another curve or
    /// algorithm, a private key, trailing junk.
    /// </summary>
    public static bool TryReadPublic(string? pem, out ECDsa? key, out string reason)
    {
        key = null;
        reason = "";
        if (string.IsNullOrWhiteSpace(pem) || pem.Length > 4096)
        {
            reason = "the public key must be a PEM block of at most 4,096 characters";
            return false;
        }
        if (pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            reason = "this is a private key: send only the public key, keep the private key yourself";
            return false;
        }
        var candidate = ECDsa.Create();
        try
        {
            candidate.ImportFromPem(pem);
            var parameters = candidate.ExportParameters(false);
            if (parameters.Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                reason = "the key must be on the P-256 curve (prime256v1)";
                candidate.Dispose();
                return false;
            }
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            reason = "not a P-256 public key in PEM (-----BEGIN PUBLIC KEY-----)";
            candidate.Dispose();
            return false;
        }
        key = candidate;
        return true;
    }

    /// <summary>Reads a P-256 private key from a PEM file (PKCS#8 or SEC1).</summary>
    /// <exception cref="CryptographicException">When the file holds no usable P-256 private key.</exception>
    public static ECDsa ReadPrivate(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            _ = key.ExportParameters(true);
            if (key.KeySize != 256)
                throw new CryptographicException("The key must be on the P-256 curve.");
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}

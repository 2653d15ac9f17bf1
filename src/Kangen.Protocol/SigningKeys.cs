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
    /// Writes the private key as PKCS#8 PEM to a file readable by its owner only (mode 0600 where there are Unix
    /// modes), set as the file is created, so the key is never readable by others even for a moment.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="path">The file.</param>
    /// <param name="overwrite">Replace an existing file; otherwise an existing file is an <see cref="IOException"/>.</param>
    public static void WritePrivatePem(ECDsa key, string path, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(key);
        var options = new FileStreamOptions { Mode = overwrite ? FileMode.Create : FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(path, options))
            stream.Write(System.Text.Encoding.ASCII.GetBytes(PrivatePem(key)));
        // An overwritten file keeps its old mode: make it owner-only too.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
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

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kangen.Platform.Features.Identity.Certificates;

/// <summary>A trusted issuer with its key parsed once, at configuration time.</summary>
internal sealed class TrustAnchor
{
    private TrustAnchor(X509Certificate2 certificate, byte[] subject, byte[]? keyId, RsaPublicKey key, RSA rsa)
    {
        Certificate = certificate;
        Subject = subject;
        KeyId = keyId;
        Key = key;
        Rsa = rsa;
        NotBefore = certificate.NotBefore.ToUniversalTime();
        NotAfter = certificate.NotAfter.ToUniversalTime();
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>Raw DER of the subject Name, compared byte for byte with a certificate's issuer.</summary>
    public byte[] Subject { get; }

    /// <summary>Subject key identifier, when the anchor has one.</summary>
    public byte[]? KeyId { get; }

    public RsaPublicKey Key { get; }

    /// <summary>The same key loaded into OpenSSL once; verifying with a loaded key is fast, importing is not.</summary>
    public RSA Rsa { get; }

    public DateTime NotBefore { get; }

    public DateTime NotAfter { get; }

    /// <exception cref="ArgumentException">The certificate has no usable RSA key.</exception>
    public static TrustAnchor From(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var copy = X509CertificateLoader.LoadCertificate(certificate.RawData);
        using var rsa = copy.GetRSAPublicKey() ?? throw new ArgumentException($"Trust anchor '{copy.Subject}' has no RSA key.", nameof(certificate));
        var parameters = rsa.ExportParameters(false);
        var modulus = new byte[parameters.Modulus!.Length + 1];
        parameters.Modulus.CopyTo(modulus, 1);
        var exponent = new byte[parameters.Exponent!.Length + 1];
        parameters.Exponent.CopyTo(exponent, 1);
        var key = RsaPublicKey.TryCreate(modulus, exponent, out var problem)
            ?? throw new ArgumentException($"Trust anchor '{copy.Subject}': {problem}", nameof(certificate));
        var ski = copy.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
        var keyId = ski?.SubjectKeyIdentifierBytes.ToArray();
        return new TrustAnchor(copy, copy.SubjectName.RawData, keyId, key, key.ToRsa());
    }
}

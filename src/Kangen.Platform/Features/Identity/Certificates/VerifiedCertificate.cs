namespace Kangen.Platform.Features.Identity.Certificates;

/// <summary>
/// A card's user-authentication certificate that chained to a trust anchor and fits the JPKI
/// user-authentication profile. Obtained only from <see cref="CardCertificateVerifier.Check"/>.
/// </summary>
/// <param name="Serial">Serial number, upper-case hex of the DER INTEGER bytes, as <c>X509Certificate2.SerialNumber</c> prints it.</param>
/// <param name="Subject">Subject name as <c>X509Certificate2.Subject</c> prints it (e.g. <c>CN=..., C=JP</c>).</param>
/// <param name="NotBefore">Start of validity.</param>
/// <param name="NotAfter">End of validity.</param>
public sealed record VerifiedCertificate(string Serial, string Subject, DateTimeOffset NotBefore, DateTimeOffset NotAfter)
{
    /// <summary>The card's public key; null only for an instance built outside the verifier, which then verifies nothing.</summary>
    internal RsaPublicKey? PublicKey { get; init; }

    /// <summary>Size of the card's RSA key in bits (0 when there is none).</summary>
    public int KeyBits => PublicKey?.Bits ?? 0;
}

/// <summary>The outcome of checking a certificate: the verified certificate, or a stable error code and an English detail.</summary>
/// <param name="Certificate">The certificate when every check passed.</param>
/// <param name="ErrorCode">One of <see cref="CertificateErrorCodes"/> when a check failed.</param>
/// <param name="Detail">What exactly failed, in English, for logs and support staff (never shown as the user message).</param>
public readonly record struct CertificateCheck(VerifiedCertificate? Certificate, string? ErrorCode, string? Detail)
{
    /// <summary>True when the certificate passed every check.</summary>
    public bool IsValid => Certificate is not null;

    internal static CertificateCheck Valid(VerifiedCertificate certificate) => new(certificate, null, null);

    internal static CertificateCheck Fail(string code, string detail) => new(null, code, detail);
}

/// <summary>Stable error codes of certificate checks (used as ProblemDetails codes), with user messages in ja / zh / en.</summary>
public static class CertificateErrorCodes
{
    /// <summary>Not a DER X.509 certificate we can read (garbage, truncated, bad lengths, not v3).</summary>
    public const string Malformed = "auth.certificate-malformed";

    /// <summary>No trust anchor issued it, its issuer signature does not verify, or it is not signed sha256WithRSAEncryption.</summary>
    public const string Untrusted = "auth.certificate-untrusted";

    /// <summary>Past its notAfter.</summary>
    public const string Expired = "auth.certificate-expired";

    /// <summary>Before its notBefore.</summary>
    public const string NotYetValid = "auth.certificate-not-yet-valid";

    /// <summary>
    /// Not a user-authentication certificate: the policy 1.2.392.200149.8.5.1.3.30 is missing (e.g. the
    /// signing certificate), or it breaks the profile otherwise (key not RSA 2048-bit, an unknown critical
    /// extension, a CA certificate).
    /// </summary>
    public const string WrongPolicy = "auth.certificate-wrong-policy";

    /// <summary>KeyUsage missing, not critical, or without digitalSignature.</summary>
    public const string KeyUsage = "auth.certificate-key-usage";

    /// <summary>On the issuer's revocation list.</summary>
    public const string Revoked = "auth.certificate-revoked";

    /// <summary>The user message for <paramref name="code"/> in Japanese, Chinese and English.</summary>
    public static (string Ja, string Zh, string En) Message(string code) => code switch
    {
        Malformed => ("証明書を読み取れませんでした。カードを置き直してください。", "无法读取证书。请重新放置卡片。", "The certificate could not be read. Place the card again."),
        Untrusted => ("信頼できる発行者の利用者証明用電子証明書ではありません。", "该证书不是由受信任的签发机构签发的用户认证证书。", "The certificate was not issued by a trusted authority."),
        Expired => ("利用者証明用電子証明書の有効期限が切れています。市区町村の窓口で更新してください。", "用户认证证书已过期。请到市区町村窗口更新。", "The user-authentication certificate has expired. Renew it at your municipal office."),
        NotYetValid => ("利用者証明用電子証明書はまだ有効になっていません。", "用户认证证书尚未生效。", "The user-authentication certificate is not valid yet."),
        WrongPolicy => ("利用者証明用電子証明書ではありません（署名用電子証明書は使えません）。", "这不是用户认证证书（不能使用签名证书）。", "This is not a user-authentication certificate (the signing certificate cannot be used)."),
        KeyUsage => ("この証明書は認証に使えません（鍵用途）。", "该证书不能用于认证（密钥用途）。", "This certificate may not be used for authentication (key usage)."),
        Revoked => ("この電子証明書は失効しています。市区町村の窓口にお問い合わせください。", "该证书已被吊销。请咨询市区町村窗口。", "This certificate has been revoked. Contact your municipal office."),
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Not a certificate error code."),
    };
}

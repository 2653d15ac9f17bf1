using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Kangen.Protocol;

/// <summary>
/// Signed requests (<c>kangen-sig-v1</c>), in both directions: operators sign their calls to the platform, the
/// platform signs its calls to an operator's verification endpoint. Each side holds an ECDSA P-256 private key and
/// the other side knows only the public key, so there is no shared secret to store or leak.
/// <para>
/// A request carries four headers: <see cref="KeyIdHeader"/> (whose key), <see cref="TimestampHeader"/> (Unix
/// seconds), <see cref="DigestHeader"/> (RFC 9530 <c>sha-256=:base64:</c> of the body, of the empty body for
/// GET) and <see cref="SignatureHeader"/>: base64 of the IEEE P1363 ECDSA signature over the SHA-256 of
/// <see cref="Canonical"/>. The receiver checks the time is within <see cref="MaxSkew"/>, the key is active,
/// the signature verifies, and that the body it reads has the declared digest.
/// </para>
/// </summary>
public static class RequestSigning
{
    /// <summary>The scheme's name, first line of the canonical text.</summary>
    public const string Scheme = "kangen-sig-v1";

    /// <summary>The key id header.</summary>
    public const string KeyIdHeader = "Kangen-Key-Id";

    /// <summary>The Unix-seconds timestamp header.</summary>
    public const string TimestampHeader = "Kangen-Timestamp";

    /// <summary>The body digest header (RFC 9530).</summary>
    public const string DigestHeader = "Content-Digest";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "Kangen-Signature";

    /// <summary>How far a request's timestamp may be from the receiver's clock.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    /// <summary>The digest of the empty body.</summary>
    public static string EmptyDigest { get; } = Digest([]);

    /// <summary>
    /// The signed text: the scheme, the upper-case method, the path and query exactly as sent, the timestamp,
    /// the key id and the digest header value, one per line.
    /// </summary>
    public static string Canonical(string method, string pathAndQuery, long timestamp, string keyId, string digest) =>
        string.Join('\n', Scheme, method.ToUpperInvariant(), pathAndQuery,
            timestamp.ToString(CultureInfo.InvariantCulture), keyId, digest);

    /// <summary>The <see cref="DigestHeader"/> value of a body.</summary>
    public static string Digest(ReadOnlySpan<byte> body) => FormatDigest(SHA256.HashData(body));

    /// <summary>The <see cref="DigestHeader"/> value for a finished SHA-256 hash.</summary>
    public static string FormatDigest(ReadOnlySpan<byte> sha256) => "sha-256=:" + Convert.ToBase64String(sha256) + ":";

    /// <summary>The SHA-256 inside a digest header value, or null when it is not exactly one <c>sha-256</c> entry.</summary>
    public static byte[]? ParseDigest(string? value)
    {
        if (value is null || !value.StartsWith("sha-256=:", StringComparison.Ordinal) || !value.EndsWith(':') || value.Length < 11)
            return null;
        var inner = value["sha-256=:".Length..^1];
        var bytes = new byte[32];
        return Convert.TryFromBase64String(inner, bytes, out var written) && written == 32 ? bytes : null;
    }

    /// <summary>Signs a request; returns the <see cref="SignatureHeader"/> value.</summary>
    public static string Sign(ECDsa key, string method, string pathAndQuery, long timestamp, string keyId, string digest)
    {
        ArgumentNullException.ThrowIfNull(key);
        var data = Encoding.UTF8.GetBytes(Canonical(method, pathAndQuery, timestamp, keyId, digest));
        return Convert.ToBase64String(key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    /// <summary>True when <paramref name="signature"/> (the header value) is <paramref name="key"/>'s signature of the request.</summary>
    public static bool Verify(ECDsa key, string method, string pathAndQuery, long timestamp, string keyId, string digest, string? signature)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (string.IsNullOrEmpty(signature) || signature.Length > 200)
            return false;
        Span<byte> raw = stackalloc byte[150];
        if (!Convert.TryFromBase64String(signature, raw, out var written) || written != 64)
            return false;
        var data = Encoding.UTF8.GetBytes(Canonical(method, pathAndQuery, timestamp, keyId, digest));
        return key.VerifyData(data, raw[..written], HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>True when <paramref name="timestamp"/> is within <see cref="MaxSkew"/> of <paramref name="now"/>.</summary>
    public static bool IsFresh(long timestamp, DateTimeOffset now)
    {
        // Compared as a range, not as |now - timestamp|: that difference overflows for timestamps far from now.
        var seconds = now.ToUnixTimeSeconds();
        var skew = (long)MaxSkew.TotalSeconds;
        return timestamp >= seconds - skew && timestamp <= seconds + skew;
    }
}

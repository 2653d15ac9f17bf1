using System.Globalization;

namespace Kangen.Protocol;

/// <summary>Why a request's signature headers could not be read.</summary>
public enum SignatureHeaderError
{
    /// <summary>One of the four headers is absent or empty.</summary>
    Missing,
    /// <summary><see cref="RequestSigning.TimestampHeader"/> is not Unix seconds.</summary>
    TimestampInvalid,
    /// <summary>The timestamp is more than <see cref="RequestSigning.MaxSkew"/> from the receiver's clock.</summary>
    TimestampStale,
    /// <summary><see cref="RequestSigning.DigestHeader"/> is not one <c>sha-256=:base64:</c> entry.</summary>
    DigestInvalid,
}

/// <summary>
/// The four headers of a signed request as the receiver reads them, before it looks up the key: present, a fresh
/// timestamp, a well-formed digest. The platform (for operators' calls) and the operator side (for the platform's
/// calls) read them with this one method, then check the signature with <see cref="RequestSigning.Verify"/>.
/// </summary>
/// <param name="KeyId">The signer's key id.</param>
/// <param name="Timestamp">Unix seconds.</param>
/// <param name="Digest">The digest header as sent (it is what the signature covers).</param>
/// <param name="DigestHash">The SHA-256 the body must have.</param>
/// <param name="Signature">The signature header.</param>
public sealed record SignatureHeaders(string KeyId, long Timestamp, string Digest, byte[] DigestHash, string Signature)
{
    /// <summary>Reads the header values (empty or null when absent); null and the error when they are unusable.</summary>
    public static SignatureHeaders? Read(string? keyId, string? timestamp, string? digest, string? signature, DateTimeOffset now, out SignatureHeaderError error)
    {
        error = default;
        if (string.IsNullOrEmpty(keyId) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(digest) || string.IsNullOrEmpty(signature))
        {
            error = SignatureHeaderError.Missing;
            return null;
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            error = SignatureHeaderError.TimestampInvalid;
            return null;
        }
        if (!RequestSigning.IsFresh(seconds, now))
        {
            error = SignatureHeaderError.TimestampStale;
            return null;
        }
        if (RequestSigning.ParseDigest(digest) is not { } hash)
        {
            error = SignatureHeaderError.DigestInvalid;
            return null;
        }
        return new SignatureHeaders(keyId, seconds, digest, hash, signature);
    }
}

using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kangen.Platform.Problems;

namespace Kangen.Platform.Features.Identity.Challenges;

/// <summary>What a challenge is for. A challenge for one purpose is refused for any other.</summary>
public static class ChallengePurposes
{
    /// <summary>Opening a session (flow 1).</summary>
    public const string Session = "session";

    /// <summary>Signing an application (flow 3; the Applications feature).</summary>
    public const string Application = "application";

    /// <summary>Every purpose a challenge can be issued for.</summary>
    public static readonly IReadOnlyList<string> All = [Session, Application];
}

/// <summary>A challenge that passed its checks: the nonce to consume and its expiry.</summary>
public sealed record ValidChallenge(string Purpose, string Nonce, DateTimeOffset ExpiresAt);

/// <summary>
/// Stateless single-use challenges. A challenge is the text
/// <c>kc1.&lt;purpose&gt;.&lt;nonce&gt;.&lt;expires&gt;.&lt;mac&gt;</c>: a 128-bit random nonce (base64url),
/// the expiry in Unix seconds, and an HMAC-SHA256 under the server's challenge key (base64url) over
/// everything before it. Issuing writes nothing and any replica holding the key can check one; single
/// use is enforced when it is consumed, by inserting the nonce into <c>consumed_challenges</c>.
/// The card signs the UTF-8 bytes of the challenge text exactly as issued.
/// </summary>
public sealed class ChallengeCodec
{
    /// <summary>The version prefix of the format.</summary>
    public const string Prefix = "kc1";

    /// <summary>Longer input is refused before any work.</summary>
    public const int MaxLength = 160;

    private readonly byte[] _key;
    private readonly TimeProvider _time;

    /// <summary>A codec with the server key (at least 32 bytes) and the clock.</summary>
    public ChallengeCodec(byte[] key, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 32)
            throw new ArgumentException("The challenge key must be at least 32 bytes.", nameof(key));
        _key = key.ToArray();
        _time = time;
    }

    /// <summary>Issues a challenge for <paramref name="purpose"/>, valid for <paramref name="lifetime"/>.</summary>
    public (string Challenge, DateTimeOffset ExpiresAt) Issue(string purpose, TimeSpan lifetime)
    {
        if (!ChallengePurposes.All.Contains(purpose))
            throw new ArgumentException($"Unknown purpose '{purpose}'.", nameof(purpose));
        var nonce = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        var expires = DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().Add(lifetime).ToUnixTimeSeconds());
        var body = $"{Prefix}.{purpose}.{nonce}.{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";
        return (body + "." + Mac(body), expires);
    }

    /// <summary>
    /// Checks the MAC, the purpose and the expiry, in that order, so a forged challenge learns nothing
    /// else. Returns the challenge or the problem (<c>auth.challenge-invalid</c>, <c>-wrong-purpose</c>, <c>-expired</c>).
    /// </summary>
    public (ValidChallenge? Challenge, PlatformProblem? Problem) Validate(string? challenge, string expectedPurpose)
    {
        if (string.IsNullOrEmpty(challenge) || challenge.Length > MaxLength)
            return (null, IdentityProblems.ChallengeInvalid);
        var lastDot = challenge.LastIndexOf('.');
        if (lastDot <= 0)
            return (null, IdentityProblems.ChallengeInvalid);
        var body = challenge[..lastDot];
        var mac = challenge[(lastDot + 1)..];
        Span<byte> given = stackalloc byte[32];
        if (!Base64Url.IsValid(mac) || Base64Url.GetMaxDecodedLength(mac.Length) > 32
            || Base64Url.DecodeFromChars(mac, given) != 32
            || !CryptographicOperations.FixedTimeEquals(given, MacBytes(body)))
            return (null, IdentityProblems.ChallengeInvalid);
        var parts = body.Split('.');
        if (parts.Length != 4 || parts[0] != Prefix
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var expiresSeconds))
            return (null, IdentityProblems.ChallengeInvalid);
        if (!string.Equals(parts[1], expectedPurpose, StringComparison.Ordinal))
            return (null, IdentityProblems.ChallengeWrongPurpose.WithDetail($"issued for '{parts[1]}', used for '{expectedPurpose}'"));
        var expires = DateTimeOffset.FromUnixTimeSeconds(expiresSeconds);
        if (_time.GetUtcNow() >= expires)
            return (null, IdentityProblems.ChallengeExpired.WithDetail($"expired at {expires:O}"));
        return (new ValidChallenge(parts[1], parts[2], expires), null);
    }

    /// <summary>The bytes the card signs for a challenge (the UTF-8 of its text).</summary>
    public static byte[] SignedBytes(string challenge) => Encoding.UTF8.GetBytes(challenge);

    private string Mac(string body) => Base64Url.EncodeToString(MacBytes(body));

    private byte[] MacBytes(string body) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(body));
}

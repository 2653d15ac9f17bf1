namespace Kangen.Platform.Features.Identity;

/// <summary>Configuration section <c>Kangen:Challenges</c>.</summary>
public sealed class ChallengeOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Kangen:Challenges";

    /// <summary>How long a challenge may be used after it is issued (default 120 s).</summary>
    public int LifetimeSeconds { get; set; } = 120;

    /// <summary>The HMAC key (base64, at least 32 bytes); give every replica the same one. Default: <c>&lt;data&gt;/platform/challenge.key</c>.</summary>
    public string? Key { get; set; }
}

/// <summary>Configuration section <c>Kangen:Sessions</c>.</summary>
public sealed class SessionOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Kangen:Sessions";

    /// <summary>How long a session lasts (default 15 minutes): short, so a shared terminal left alone soon forgets.</summary>
    public int LifetimeMinutes { get; set; } = 15;

    /// <summary>Minutes between prunings of expired challenge nonces and sessions (default 5; 0 turns pruning off).</summary>
    public int PruneEveryMinutes { get; set; } = 5;
}

/// <summary>
/// Where trust comes from (section <c>Kangen:Trust</c>, beside the verifier's own refresh settings).
/// With nothing configured the platform trusts the emulated-card issuer in <c>&lt;data&gt;/issuer</c> (created
/// there if missing) and follows its CRL and renewal links. In production list the anchors, CRLs and link files.
/// </summary>
public sealed class TrustSourceOptions
{
    /// <summary>An issuer folder in the published layout (<c>auth-ca.cer</c>, <c>auth.crl</c>, <c>renewals.jsonl</c>); used when <see cref="Anchors"/> is empty.</summary>
    public string? IssuerDirectory { get; set; }

    /// <summary>Trust anchor certificate files (DER or PEM).</summary>
    public List<string> Anchors { get; set; } = [];

    /// <summary>CRL files of the anchors (DER), re-read in the background.</summary>
    public List<string> Crls { get; set; } = [];

    /// <summary>
    /// An authentication that finds the trust store older than this many seconds refreshes it first (default 10),
    /// so renewals and revocations published since the last background refresh are seen.
    /// </summary>
    public int MaxAgeSeconds { get; set; } = 10;

    /// <summary>Renewal link files (JSON lines <c>{"kind":"authentication","oldSerial":..,"newSerial":..}</c>).</summary>
    public List<string> RenewalLinks { get; set; } = [];

    /// <summary>The signing CA certificate (for a child's age proof); default <c>sign-ca.cer</c> of the issuer folder.</summary>
    public string? SigningAnchor { get; set; }

    /// <summary>The signing CA's CRL (DER); default <c>sign.crl</c> beside the signing anchor. Without a current one, no age proof is accepted.</summary>
    public string? SigningCrl { get; set; }
}

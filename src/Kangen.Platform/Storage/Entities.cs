namespace Kangen.Platform.Storage;

// The stored shape of identity. Privacy is structural: there is no column for a name, My Number,
// address, birth date, PIN or purchase, so none can be written by mistake.

/// <summary>A person known to the platform: only the My Key ID and its bookkeeping.</summary>
public sealed class Person
{
    /// <summary>Internal identifier; never shown to operators.</summary>
    public Guid Id { get; set; }

    /// <summary>The current My Key ID (8 characters, unique).</summary>
    public required string MyKeyId { get; set; }

    /// <summary>How many of the allowed regenerations have been used.</summary>
    public int RegenerationsUsed { get; set; }

    /// <summary>When the person was created (first authentication).</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// Since when a card is known to be held: the earliest notBefore of the person's certificates (or the first
    /// authentication, if earlier). Eligibility's "card held"; not personal data (the card's issue, not a birth date).
    /// </summary>
    public DateTimeOffset CardHeldSince { get; set; }
}

/// <summary>A user-authentication certificate serial linked to a person (invariant 4: one person per serial).</summary>
public sealed class CertificateLink
{
    /// <summary>Upper-case hex serial of the card's user-authentication certificate.</summary>
    public required string Serial { get; set; }

    /// <summary>The person the serial belongs to.</summary>
    public Guid PersonId { get; set; }

    /// <summary>When the link was made.</summary>
    public DateTimeOffset LinkedAt { get; set; }

    /// <summary><c>first-login</c> or <c>renewal</c>.</summary>
    public required string How { get; set; }

    /// <summary>For a renewal: the serial it succeeded (from the issuer's link records).</summary>
    public string? PredecessorSerial { get; set; }
}

/// <summary>A challenge nonce that has been used; its primary key makes a replay impossible.</summary>
public sealed class ConsumedChallenge
{
    /// <summary>The challenge's random nonce (base64url).</summary>
    public required string Nonce { get; set; }

    /// <summary>The purpose it was issued for.</summary>
    public required string Purpose { get; set; }

    /// <summary>When it was used.</summary>
    public DateTimeOffset ConsumedAt { get; set; }

    /// <summary>When it would have expired; rows are pruned after this instant.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>A short-lived session bound to the certificate serial that opened it.</summary>
public sealed class Session
{
    /// <summary>SHA-256 of the bearer token (hex); the token itself is never stored.</summary>
    public required string TokenHash { get; set; }

    /// <summary>The person authenticated.</summary>
    public Guid PersonId { get; set; }

    /// <summary>The certificate serial that authenticated.</summary>
    public required string Serial { get; set; }

    /// <summary>When the session started.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it stops being accepted.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>When it was ended by its holder, if it was.</summary>
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>Where the session was opened: <c>web</c>, <c>app</c>, <c>cli</c> or <c>spot</c> (a procedure-spot terminal).</summary>
    public string Channel { get; set; } = "web";
}

/// <summary>One entry of the hash-chained audit log.</summary>
public sealed class AuditEntry
{
    /// <summary>1, 2, 3, ... without gaps.</summary>
    public long Sequence { get; set; }

    /// <summary>When it happened (millisecond precision, so every provider stores it exactly).</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>Who did it: <c>person:&lt;id&gt;</c>, <c>system</c>, <c>admin</c>.</summary>
    public required string Actor { get; set; }

    /// <summary>What was done, e.g. <c>person.created</c>.</summary>
    public required string Action { get; set; }

    /// <summary>What it was done to, e.g. <c>person:&lt;id&gt;</c>.</summary>
    public required string Subject { get; set; }

    /// <summary>Details as canonical JSON; never a secret.</summary>
    public required string Data { get; set; }

    /// <summary>The previous entry's hash (64 zeros for the first).</summary>
    public required string PreviousHash { get; set; }

    /// <summary>SHA-256 (hex) over this entry's fields and <see cref="PreviousHash"/>.</summary>
    public required string Hash { get; set; }
}

/// <summary>The one-row head of the audit chain: the row every appender locks, and the check against truncation.</summary>
public sealed class AuditHead
{
    /// <summary>Always 1.</summary>
    public int Id { get; set; }

    /// <summary>Sequence of the last entry (0 when empty).</summary>
    public long Sequence { get; set; }

    /// <summary>Hash of the last entry (64 zeros when empty).</summary>
    public required string Hash { get; set; }
}

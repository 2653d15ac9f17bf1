namespace Kangen.Platform.Storage;

// The stored shape of the operator side of the platform (flows 5 and 6). Privacy stays structural: a grant is a
// pseudonymous person, a program, whole points and a time. No column holds a purchase, an amount spent or what
// was bought; pseudonyms differ per operator, so two operators cannot correlate a person.

/// <summary>A payment operator registered by an administrator. Its services are the catalogue's services with its code.</summary>
public sealed class OperatorAccount
{
    /// <summary>The operator's code, as in the service catalogue.</summary>
    public required string Code { get; set; }

    /// <summary><c>active</c> or <c>suspended</c> (a suspended operator's keys do not authenticate and its services cannot be verified).</summary>
    public required string Status { get; set; }

    /// <summary>The operator's account verification endpoint (absolute http(s) URL), when it has one.</summary>
    public string? VerificationUrl { get; set; }

    /// <summary>When it was registered.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it was last changed.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A public key an operator signs its requests with. Several may be active at once, which is how keys rotate without downtime.</summary>
public sealed class OperatorKey
{
    /// <summary>The key id (<c>k-</c> + 20 hex digits of the SHA-256 of the public key).</summary>
    public required string KeyId { get; set; }

    /// <summary>The operator.</summary>
    public required string OperatorCode { get; set; }

    /// <summary>The P-256 public key, SubjectPublicKeyInfo DER in base64. Nothing secret is stored.</summary>
    public required string PublicKey { get; set; }

    /// <summary>When it was added.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it was revoked; a revoked key never authenticates again.</summary>
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>A person's pseudonym for one operator: random, stored, and the only way an operator names a person.</summary>
public sealed class OperatorPseudonym
{
    /// <summary>The operator.</summary>
    public required string OperatorCode { get; set; }

    /// <summary>The pseudonym (<c>p-</c> + 26 random base32 characters).</summary>
    public required string Pseudonym { get; set; }

    /// <summary>The person.</summary>
    public Guid PersonId { get; set; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// One record of an operator's enrolment feed. Its position is the audit entry of the transaction that wrote it
/// and an ordinal within that transaction: the audit head is locked until commit, so positions grow in commit
/// order and a reader at a cursor never misses a record committed later with a smaller position.
/// </summary>
public sealed class EnrolmentEvent
{
    /// <summary>The sequence of the audit entry of the writing transaction.</summary>
    public long AuditSequence { get; set; }

    /// <summary>The record's ordinal within the transaction (0, 1, ...).</summary>
    public int Ordinal { get; set; }

    /// <summary>The operator whose feed it belongs to.</summary>
    public required string OperatorCode { get; set; }

    /// <summary>The person's pseudonym for that operator.</summary>
    public required string Pseudonym { get; set; }

    /// <summary><c>enrolled</c>, <c>suspended</c>, <c>resumed</c> or <c>renewed</c>.</summary>
    public required string Kind { get; set; }

    /// <summary>The service.</summary>
    public required string Service { get; set; }

    /// <summary>The operator's account reference.</summary>
    public required string AccountReference { get; set; }

    /// <summary>For <c>enrolled</c>: the program code.</summary>
    public string? Program { get; set; }

    /// <summary>For <c>suspended</c>: <c>death</c> or <c>fraud</c>.</summary>
    public string? Reason { get; set; }

    /// <summary>When it happened.</summary>
    public DateTimeOffset At { get; set; }
}

/// <summary>A person whose links to operators are suspended (death or fraud): no grant is accepted for them until resumed.</summary>
public sealed class LinkSuspension
{
    /// <summary>The person.</summary>
    public Guid PersonId { get; set; }

    /// <summary><c>death</c> or <c>fraud</c>.</summary>
    public required string Reason { get; set; }

    /// <summary>When it was suspended.</summary>
    public DateTimeOffset SuspendedAt { get; set; }

    /// <summary>Who suspended it (staff id).</summary>
    public required string SuspendedBy { get; set; }
}

/// <summary>
/// One line of the grant ledger: a grant reported by an operator (accepted, partly accepted or refused, so a
/// retry of the same key gets the same answer), or the cancellation of an earlier grant (negative points).
/// </summary>
public sealed class GrantEntry
{
    /// <summary>Row id, in insertion order.</summary>
    public long Id { get; set; }

    /// <summary>The operator.</summary>
    public required string OperatorCode { get; set; }

    /// <summary>The operator's idempotency key; unique per operator over grants and cancellations.</summary>
    public required string Key { get; set; }

    /// <summary>SHA-256 (hex) of the line's canonical content, to tell a retry from a reuse of the key.</summary>
    public required string LineHash { get; set; }

    /// <summary><c>grant</c> or <c>cancellation</c>.</summary>
    public required string Kind { get; set; }

    /// <summary>The person (null when the pseudonym was unknown and the line refused).</summary>
    public Guid? PersonId { get; set; }

    /// <summary>The campaign id.</summary>
    public required string Campaign { get; set; }

    /// <summary>The service.</summary>
    public required string Service { get; set; }

    /// <summary>The program code.</summary>
    public required string Program { get; set; }

    /// <summary>Points proposed by the operator (for a cancellation: the points taken back, positive).</summary>
    public long Proposed { get; set; }

    /// <summary>Net points recorded: positive for a grant, negative for a cancellation, 0 when refused.</summary>
    public long Points { get; set; }

    /// <summary><c>accepted</c>, <c>partial</c>, <c>refused</c>, <c>cancelled</c> or <c>refund</c>.</summary>
    public required string Status { get; set; }

    /// <summary>Why not all was accepted: a stable code.</summary>
    public string? Reason { get; set; }

    /// <summary>For a cancellation: the grant it cancels. For a grant: the cancellation that cancelled it, if any.</summary>
    public long? RelatedId { get; set; }

    /// <summary>When the operator granted (or cancelled).</summary>
    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>The settlement month it belongs to, <c>yyyyMM</c> in the campaign time zone.</summary>
    public int Month { get; set; }

    /// <summary>What remained for the program after the line.</summary>
    public long RemainingProgram { get; set; }

    /// <summary>What remained of the total after the line.</summary>
    public long RemainingTotal { get; set; }

    /// <summary>When the platform recorded it.</summary>
    public DateTimeOffset RecordedAt { get; set; }

    /// <summary>The final settlement envelope that claimed it (null while unsettled; refused lines are never claimed).</summary>
    public Guid? SettlementId { get; set; }
}

/// <summary>
/// A person's points granted so far in a campaign, per program: the running sums of the ledger, updated in the
/// transaction that writes each line, and locked while a line is decided, so the caps hold under concurrency.
/// </summary>
public sealed class GrantTotal
{
    /// <summary>The campaign id.</summary>
    public required string Campaign { get; set; }

    /// <summary>The person.</summary>
    public Guid PersonId { get; set; }

    /// <summary>Net points of part 1.</summary>
    public long CardAcquisition { get; set; }

    /// <summary>Net points of part 2.</summary>
    public long HealthInsurance { get; set; }

    /// <summary>Net points of part 3.</summary>
    public long PublicFundAccount { get; set; }
}

/// <summary>A final settlement envelope of an operator and month, with its control totals.</summary>
public sealed class Settlement
{
    /// <summary>Identifier.</summary>
    public Guid Id { get; set; }

    /// <summary>The operator.</summary>
    public required string OperatorCode { get; set; }

    /// <summary><c>yyyyMM</c>.</summary>
    public int Month { get; set; }

    /// <summary><c>final</c> or <c>confirmed</c>.</summary>
    public required string State { get; set; }

    /// <summary>Ledger lines claimed.</summary>
    public long Count { get; set; }

    /// <summary>Net points.</summary>
    public long Points { get; set; }

    /// <summary>Points of grants.</summary>
    public long GrantedPoints { get; set; }

    /// <summary>Points refunded (positive).</summary>
    public long RefundedPoints { get; set; }

    /// <summary>When it was closed.</summary>
    public DateTimeOffset ClosedAt { get; set; }

    /// <summary>Who closed it (staff id).</summary>
    public required string ClosedBy { get; set; }

    /// <summary>When the operator confirmed it.</summary>
    public DateTimeOffset? ConfirmedAt { get; set; }

    /// <summary>The key the confirmation was signed with.</summary>
    public string? ConfirmedWith { get; set; }
}

/// <summary>
/// A version of an editable configuration document (the campaign file, the payment service catalogue), saved by
/// an administrator. The newest version of a kind is in force on every replica; earlier ones stay as history.
/// </summary>
public sealed class ConfigurationDocument
{
    /// <summary><c>campaign</c> or <c>catalogue</c>.</summary>
    public required string Kind { get; set; }

    /// <summary>1, 2, ... per kind.</summary>
    public int Version { get; set; }

    /// <summary>The document (JSON, in the format of its file).</summary>
    public required string Content { get; set; }

    /// <summary>SHA-256 (hex) of the UTF-8 content.</summary>
    public required string Sha256 { get; set; }

    /// <summary>When it was saved.</summary>
    public DateTimeOffset SavedAt { get; set; }

    /// <summary>Who saved it (staff id).</summary>
    public required string SavedBy { get; set; }
}

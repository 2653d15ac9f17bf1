namespace Kangen.Platform.Storage;

// The stored shape of applications, registrations and call-centre limits. As for identity, privacy is
// structural: no column holds a name, a security code, a password, a purchase or phone digits. The payment
// service ID is sealed (AES-GCM, key id inside), the phone's last 4 digits are a keyed hash.

/// <summary>
/// One signed submission (flow 3): what the card signed, who signed, and the sealed account. It records the
/// application rows of one or more programs at once and is the unit of idempotency.
/// </summary>
public sealed class ApplicationSubmission
{
    /// <summary>Identifier (also the public application number).</summary>
    public Guid Id { get; set; }

    /// <summary>The person who submitted: the applicant, or the legal representative.</summary>
    public Guid RequesterId { get; set; }

    /// <summary>SHA-256 (hex) of the requester's idempotency key; unique per requester.</summary>
    public required string IdempotencyKeyHash { get; set; }

    /// <summary>SHA-256 (hex) of the request's canonical content, to tell a retry from a reuse of the key.</summary>
    public required string RequestHash { get; set; }

    /// <summary>The person the application is for.</summary>
    public Guid PersonId { get; set; }

    /// <summary>The campaign id.</summary>
    public required string Campaign { get; set; }

    /// <summary>The campaign version in force when it was recorded.</summary>
    public int CampaignVersion { get; set; }

    /// <summary>The chosen payment service's code.</summary>
    public required string Service { get; set; }

    /// <summary>The version of the service's terms the applicant accepted.</summary>
    public required string TermsVersion { get; set; }

    /// <summary>The operator's reference of the verified account.</summary>
    public required string AccountReference { get; set; }

    /// <summary>The payment service ID as entered (normalised), sealed: <c>key-id:base64(nonce|ciphertext|tag)</c>.</summary>
    public required string SealedServiceId { get; set; }

    /// <summary>Keyed hash of the phone's last 4 digits, when given.</summary>
    public string? PhoneHash { get; set; }

    /// <summary><c>self</c> or <c>legal-representative</c>.</summary>
    public required string Actor { get; set; }

    /// <summary>The channel of the requester's session or request: <c>web</c>, <c>app</c>, <c>cli</c>, <c>spot</c>.</summary>
    public required string Channel { get; set; }

    /// <summary>SHA-256 (hex) of the signed application statement.</summary>
    public required string StatementHash { get; set; }

    /// <summary>Serial of the applicant's (or child's) authentication certificate that signed.</summary>
    public required string Serial { get; set; }

    /// <summary>The applicant's card signature (base64): proof that the card was present.</summary>
    public required string Signature { get; set; }

    /// <summary>For a representative: serial of their certificate.</summary>
    public string? RepresentativeSerial { get; set; }

    /// <summary>For a representative: their card's signature (base64).</summary>
    public string? RepresentativeSignature { get; set; }

    /// <summary>When it was recorded.</summary>
    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>One program applied for by one person in one campaign (invariant 1: at most one, never changed).</summary>
public sealed class ProgramApplication
{
    /// <summary>The campaign id.</summary>
    public required string Campaign { get; set; }

    /// <summary>The person.</summary>
    public Guid PersonId { get; set; }

    /// <summary>The program's kind code (<c>card-acquisition</c>, ...).</summary>
    public required string Program { get; set; }

    /// <summary>The submission that recorded it.</summary>
    public Guid SubmissionId { get; set; }

    /// <summary>The chosen service (denormalised for status, feed and figures).</summary>
    public required string Service { get; set; }

    /// <summary>Who applied: <c>self</c> or <c>legal-representative</c>.</summary>
    public required string Actor { get; set; }

    /// <summary>The channel (<c>web</c>, <c>app</c>, <c>cli</c>, <c>spot</c>).</summary>
    public required string Channel { get; set; }

    /// <summary>When it was recorded.</summary>
    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>The one payment service (and account) a person chose in a campaign; fixed by their first application.</summary>
public sealed class CampaignChoice
{
    /// <summary>The campaign id.</summary>
    public required string Campaign { get; set; }

    /// <summary>The person.</summary>
    public Guid PersonId { get; set; }

    /// <summary>The service.</summary>
    public required string Service { get; set; }

    /// <summary>The operator's account reference.</summary>
    public required string AccountReference { get; set; }

    /// <summary>When it was chosen.</summary>
    public DateTimeOffset ChosenAt { get; set; }
}

/// <summary>A payment service account bound to the one person whose points it receives (invariant 2).</summary>
public sealed class ServiceAccount
{
    /// <summary>The service.</summary>
    public required string Service { get; set; }

    /// <summary>The operator's account reference.</summary>
    public required string AccountReference { get; set; }

    /// <summary>The person.</summary>
    public Guid PersonId { get; set; }

    /// <summary>When it was bound.</summary>
    public DateTimeOffset BoundAt { get; set; }
}

/// <summary>
/// A registration kept by the built-in registry adapter (parts 2 and 3): the fact and when, a masked summary,
/// a keyed fingerprint of the normalised details, and the details sealed. No holder name in clear.
/// </summary>
public sealed class Registration
{
    /// <summary>The person.</summary>
    public Guid PersonId { get; set; }

    /// <summary><c>health-insurance</c> or <c>public-fund-account</c>.</summary>
    public required string Kind { get; set; }

    /// <summary>When it was first registered (what eligibility uses).</summary>
    public DateTimeOffset RegisteredAt { get; set; }

    /// <summary>When the details were last replaced.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The channel it was registered through.</summary>
    public required string Channel { get; set; }

    /// <summary>A masked summary to show back (e.g. bank and branch names, account number's last digits).</summary>
    public required string Summary { get; set; }

    /// <summary>Keyed hash (hex) of the normalised details.</summary>
    public required string Fingerprint { get; set; }

    /// <summary>The normalised details as JSON, sealed like payment service IDs.</summary>
    public required string Sealed { get; set; }
}

/// <summary>A fixed-window counter shared by every replica (call-centre lookups per caller and per My Key ID).</summary>
public sealed class RateWindow
{
    /// <summary>What is counted, e.g. <c>cc:caller:agent-1</c>.</summary>
    public required string Key { get; set; }

    /// <summary>Start of the window, Unix seconds.</summary>
    public long WindowStart { get; set; }

    /// <summary>Events counted in the window.</summary>
    public int Count { get; set; }
}

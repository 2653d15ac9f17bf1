using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kangen.Protocol;

// The JSON and NDJSON shapes of the operator API (docs/operators.md). Property names are camelCase; times are
// ISO 8601 with offset; points are whole yen as integers. No shape has a field for a purchase, an amount spent,
// a name or a My Number: the platform cannot be sent what it must not hold.

/// <summary>The routes of the operator API on the platform, and the media types it speaks.</summary>
public static class OperatorRoutes
{
    /// <summary>Newline-delimited JSON, one object per line.</summary>
    public const string Ndjson = "application/x-ndjson";

    /// <summary>The platform's public signing key (PEM), to check the platform's calls to a verification endpoint.</summary>
    public const string PlatformKey = "/api/v1/operator/platform-key";

    /// <summary>The calling operator: its code, services and active keys.</summary>
    public const string Me = "/api/v1/operator/me";

    /// <summary>Add a key (POST) as the calling operator; revoke one with DELETE <c>/keys/{keyId}</c>.</summary>
    public const string Keys = "/api/v1/operator/keys";

    /// <summary>The enrolment feed (GET, NDJSON): <c>?after=cursor&amp;limit=n</c>.</summary>
    public const string Enrolments = "/api/v1/operator/enrolments";

    /// <summary>A batch of grants (POST JSON, at most <see cref="GrantLimits.BatchLines"/> lines).</summary>
    public const string Grants = "/api/v1/operator/grants";

    /// <summary>A bulk file of grants (POST NDJSON, one <see cref="GrantLine"/> per line); answers NDJSON.</summary>
    public const string GrantsBulk = "/api/v1/operator/grants/bulk";

    /// <summary>Cancellations of earlier grants (POST JSON).</summary>
    public const string Cancellations = "/api/v1/operator/grants/cancellations";

    /// <summary>Settlements: <c>/{month}</c> (GET), <c>/{month}/lines</c> (GET CSV), <c>/{month}/confirm</c> (POST), <c>/{month}/reconcile</c> (POST NDJSON).</summary>
    public const string Settlements = "/api/v1/operator/settlements";
}

/// <summary>Limits of the grant API.</summary>
public static class GrantLimits
{
    /// <summary>Most lines in one JSON batch.</summary>
    public const int BatchLines = 1000;

    /// <summary>Longest idempotency key.</summary>
    public const int KeyLength = 64;
}

/// <summary>The JSON options both sides use.</summary>
public static class ProtocolJson
{
    /// <summary>Web defaults (camelCase), enums as their names are not used: every code is a string already.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The records of an NDJSON text, one per non-blank line.</summary>
    /// <exception cref="JsonException">When a line is not a <typeparamref name="T"/>.</exception>
    public static List<T> ReadLines<T>(string ndjson)
    {
        ArgumentNullException.ThrowIfNull(ndjson);
        return [.. ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonSerializer.Deserialize<T>(line, Options) ?? throw new JsonException("A line is null."))];
    }
}

/// <summary>What the platform sends to an operator's verification endpoint (signed by the platform).</summary>
/// <param name="Service">The service code, one of the operator's.</param>
/// <param name="Fields">The service's fields as the applicant entered them, normalised (codes and passwords included: verify and forget them).</param>
public sealed record AccountVerificationRequest(string Service, IReadOnlyDictionary<string, string> Fields);

/// <summary>What an operator's verification endpoint answers.</summary>
/// <param name="Result"><c>verified</c> or <c>rejected</c>.</param>
/// <param name="AccountReference">For <c>verified</c>: the operator's stable opaque reference of the account (at most 64 characters).</param>
/// <param name="MaskedHolderName">For <c>verified</c>: the holder's name partly masked, for the applicant to confirm (at most 64 characters).</param>
/// <param name="Reason">For <c>rejected</c>: <c>not-found</c>, <c>codes-mismatch</c> or <c>closed</c>.</param>
public sealed record AccountVerificationResponse(string Result, string? AccountReference = null, string? MaskedHolderName = null, string? Reason = null)
{
    /// <summary>The account exists and the codes match.</summary>
    public const string Verified = "verified";
    /// <summary>The operator refuses the account.</summary>
    public const string Rejected = "rejected";
}

/// <summary>One record of the enrolment feed (one NDJSON line).</summary>
/// <param name="Cursor">Pass it as <c>after</c> to continue after this record.</param>
/// <param name="Kind"><c>enrolled</c> (a program applied for), <c>suspended</c> (stop granting: death or fraud), <c>resumed</c>, <c>renewed</c> (the person's card was renewed: same person, same pseudonym).</param>
/// <param name="Person">The person's pseudonym for this operator only.</param>
/// <param name="Service">The service code.</param>
/// <param name="AccountReference">The operator's reference of the account, as its verification endpoint gave it.</param>
/// <param name="Program">For <c>enrolled</c>: the program code.</param>
/// <param name="At">When it happened.</param>
/// <param name="Reason">For <c>suspended</c>: <c>death</c> or <c>fraud</c>.</param>
public sealed record EnrolmentRecord(
    string Cursor, string Kind, string Person, string Service, string AccountReference, string? Program, DateTimeOffset At, string? Reason = null)
{
    /// <summary>A program applied for.</summary>
    public const string Enrolled = "enrolled";
    /// <summary>Stop granting.</summary>
    public const string Suspended = "suspended";
    /// <summary>Granting may continue.</summary>
    public const string Resumed = "resumed";
    /// <summary>The card was renewed; the pseudonym is unchanged.</summary>
    public const string Renewed = "renewed";
}

/// <summary>One grant an operator reports (a line of a batch or of a bulk file).</summary>
/// <param name="Key">The operator's idempotency key for the line (1-64 characters of <c>A-Za-z0-9._:-</c>): the same key is the same grant, forever.</param>
/// <param name="Person">The person's pseudonym from the enrolment feed.</param>
/// <param name="Service">The service the points were granted on.</param>
/// <param name="Program">The program code.</param>
/// <param name="Points">Whole points, positive.</param>
/// <param name="GrantedAt">When the operator granted them (decides the settlement month).</param>
public sealed record GrantLine(string Key, string Person, string Service, string Program, long Points, DateTimeOffset GrantedAt);

/// <summary>A batch of grants.</summary>
public sealed record GrantBatch(IReadOnlyList<GrantLine> Grants);

/// <summary>What remains of a person's entitlement after a line.</summary>
/// <param name="Program">What remains for the line's program.</param>
/// <param name="Total">What remains of the campaign total.</param>
public sealed record RemainingEntitlement(long Program, long Total);

/// <summary>The platform's answer to one grant line.</summary>
/// <param name="Key">The line's key (absent only when a bulk line was unreadable).</param>
/// <param name="Status"><c>accepted</c>, <c>partial</c> (part of the points, up to the cap) or <c>refused</c>.</param>
/// <param name="Accepted">The points recorded (0 when refused).</param>
/// <param name="Reason">Why not all: a stable code (e.g. <c>grant.exceeds-cap</c>).</param>
/// <param name="Remaining">What remains after the line (absent when the person is unknown).</param>
/// <param name="Replayed">True when the key was seen before and this is the recorded answer.</param>
/// <param name="Line">For bulk files: the 1-based line number.</param>
public sealed record GrantResult(string? Key, string Status, long Accepted, string? Reason, RemainingEntitlement? Remaining, bool Replayed = false, long? Line = null)
{
    /// <summary>All points recorded.</summary>
    public const string AcceptedStatus = "accepted";
    /// <summary>Some points recorded, up to a cap.</summary>
    public const string PartialStatus = "partial";
    /// <summary>Nothing recorded.</summary>
    public const string RefusedStatus = "refused";
}

/// <summary>The answer to a batch.</summary>
public sealed record GrantBatchResult(IReadOnlyList<GrantResult> Results);

/// <summary>The last line of a bulk answer.</summary>
/// <param name="Lines">Lines read.</param>
/// <param name="Accepted">Lines fully accepted.</param>
/// <param name="Partial">Lines partly accepted.</param>
/// <param name="Refused">Lines refused.</param>
/// <param name="Points">Points recorded by new lines of this file (replays not counted again).</param>
public sealed record BulkSummary(long Lines, long Accepted, long Partial, long Refused, long Points);

/// <summary>The wrapper of the bulk answer's last line: <c>{"summary": {...}}</c>.</summary>
public sealed record BulkSummaryLine(BulkSummary Summary);

/// <summary>Cancels a whole earlier grant (a purchase returned).</summary>
/// <param name="Key">The operator's idempotency key of the cancellation.</param>
/// <param name="GrantKey">The key of the grant cancelled.</param>
/// <param name="CancelledAt">When (decides the settlement month of a refund).</param>
public sealed record CancellationLine(string Key, string GrantKey, DateTimeOffset CancelledAt);

/// <summary>A batch of cancellations.</summary>
public sealed record CancellationBatch(IReadOnlyList<CancellationLine> Cancellations);

/// <summary>The answer to one cancellation.</summary>
/// <param name="Key">The cancellation's key.</param>
/// <param name="Status"><c>cancelled</c> (the grant was not yet settled), <c>refund</c> (it was: the points come back in a later settlement) or <c>refused</c>.</param>
/// <param name="Points">The points taken back (positive).</param>
/// <param name="Reason">Why refused.</param>
/// <param name="Replayed">True when the key was seen before.</param>
public sealed record CancellationResult(string Key, string Status, long Points, string? Reason, bool Replayed = false);

/// <summary>The answer to a batch of cancellations.</summary>
public sealed record CancellationBatchResult(IReadOnlyList<CancellationResult> Results);

/// <summary>Totals of one program within an envelope.</summary>
public sealed record ProgramTotal(string Program, long Count, long Points);

/// <summary>A settlement envelope: what the state owes an operator for a month.</summary>
/// <param name="Operator">The operator code.</param>
/// <param name="Month"><c>yyyy-MM</c> (campaign time zone).</param>
/// <param name="State"><c>estimate</c> (live, not yet closed), <c>final</c> (closed, awaiting the operator) or <c>confirmed</c>.</param>
/// <param name="Count">Control total: ledger lines in the envelope (grants and refunds).</param>
/// <param name="Points">Control total: net points (grants minus refunds).</param>
/// <param name="GrantedPoints">Points of grants.</param>
/// <param name="RefundedPoints">Points of cancellations of grants settled earlier (positive).</param>
/// <param name="Programs">Net totals per program.</param>
/// <param name="ClosedAt">When the final envelope was closed.</param>
/// <param name="ConfirmedAt">When the operator confirmed it.</param>
public sealed record SettlementEnvelope(
    string Operator, string Month, string State, long Count, long Points, long GrantedPoints, long RefundedPoints,
    IReadOnlyList<ProgramTotal> Programs, DateTimeOffset? ClosedAt = null, DateTimeOffset? ConfirmedAt = null)
{
    /// <summary>Live figures of a month not closed yet.</summary>
    public const string Estimate = "estimate";
    /// <summary>Closed, awaiting confirmation.</summary>
    public const string Final = "final";
    /// <summary>Confirmed by the operator.</summary>
    public const string Confirmed = "confirmed";
}

/// <summary>The operator's control totals when confirming a final envelope.</summary>
public sealed record SettlementConfirmation(long Count, long Points);

/// <summary>One line of the operator's own ledger sent for reconciliation (NDJSON).</summary>
/// <param name="Key">The grant's or cancellation's key.</param>
/// <param name="Points">Net points of the line as the operator has it (a cancellation negative).</param>
public sealed record ReconciliationLine(string Key, long Points);

/// <summary>One difference found by reconciliation (NDJSON).</summary>
/// <param name="Key">The line's key.</param>
/// <param name="Kind"><c>missing-at-platform</c>, <c>missing-at-operator</c> or <c>points-differ</c>.</param>
/// <param name="PlatformPoints">The platform's points for the key, if it has the line.</param>
/// <param name="OperatorPoints">The operator's points for the key, if it sent the line.</param>
public sealed record ReconciliationDifference(string Key, string Kind, long? PlatformPoints, long? OperatorPoints);

/// <summary>A public key to add to an operator's credentials.</summary>
/// <param name="PublicKeyPem">The P-256 public key, PEM.</param>
public sealed record KeyRegistration(string PublicKeyPem);

/// <summary>One of an operator's keys.</summary>
public sealed record OperatorKeyInfo(string KeyId, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>The calling operator as the platform knows it.</summary>
public sealed record OperatorProfile(string Code, string Status, string? VerificationUrl, IReadOnlyList<string> Services, IReadOnlyList<OperatorKeyInfo> Keys);

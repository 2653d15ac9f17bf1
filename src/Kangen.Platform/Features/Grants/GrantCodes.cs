using Kangen.Platform.Problems;
using Kangen.Rules;

namespace Kangen.Platform.Features.Grants;

/// <summary>
/// The stable reason codes of grant and cancellation lines (docs/operators.md). Cap arithmetic codes are the rule
/// codes of <see cref="RuleCodes"/> (<c>grant.exceeds-cap</c>, <c>grant.exceeds-total</c>, <c>grant.amount-mismatch</c>,
/// <c>grant.not-positive</c>, <c>grant.not-eligible</c>).
/// </summary>
public static class GrantCodes
{
    /// <summary>The key is missing or not 1-64 characters of <c>A-Za-z0-9._:-</c> (not recorded).</summary>
    public const string KeyInvalid = "grant.key-invalid";

    /// <summary>A bulk line that is not a JSON grant line, or a line missing its person, service or program or naming one malformed (not recorded).</summary>
    public const string LineInvalid = "grant.line-invalid";

    /// <summary>The key was used before for another line (not recorded).</summary>
    public const string KeyReused = "grant.key-reused";

    /// <summary>The pseudonym is not one of the caller's.</summary>
    public const string PersonUnknown = "grant.person-unknown";

    /// <summary>The service is not one of the caller's catalogue services.</summary>
    public const string ServiceNotYours = "grant.service-not-yours";

    /// <summary>The program code is not a program.</summary>
    public const string ProgramUnknown = "grant.program-unknown";

    /// <summary>The person chose another service for the campaign.</summary>
    public const string ServiceNotChosen = "grant.service-not-chosen";

    /// <summary>The person has not applied for the program in the campaign.</summary>
    public const string NotApplied = "grant.not-applied";

    /// <summary>The person's links are suspended (death or fraud).</summary>
    public const string LinkSuspended = "grant.link-suspended";

    /// <summary>The grant (or cancellation) time is in the future or outside the program's grant window.</summary>
    public const string TimeInvalid = "grant.time-invalid";

    /// <summary>Cancellation: no grant of the caller has this key.</summary>
    public const string GrantUnknown = "grant.grant-unknown";

    /// <summary>Cancellation: the grant was refused, there is nothing to cancel.</summary>
    public const string GrantRefused = "grant.grant-refused";

    /// <summary>Cancellation: the grant was cancelled already (by another cancellation key).</summary>
    public const string AlreadyCancelled = "grant.already-cancelled";
}

/// <summary>Whole-request refusals of the grant API (nothing is written).</summary>
public static class GrantProblems
{
    /// <summary>No lines.</summary>
    public static readonly PlatformProblem BatchEmpty = new("grant.batch-empty", StatusCodes.Status400BadRequest,
        "明細がありません。", "没有明细。", "The request has no lines.");

    /// <summary>Too many lines for a JSON batch.</summary>
    public static readonly PlatformProblem BatchTooLarge = new("grant.batch-too-large", StatusCodes.Status400BadRequest,
        "明細が多すぎます。一括ファイル（bulk）を使ってください。", "明细过多，请使用批量文件（bulk）。",
        $"Too many lines for one batch (at most {Kangen.Protocol.GrantLimits.BatchLines}); send a bulk file instead.");
}

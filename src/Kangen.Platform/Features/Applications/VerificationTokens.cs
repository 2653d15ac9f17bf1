using System.Text.Json;
using Kangen.Platform.Features.Secrets;

namespace Kangen.Platform.Features.Applications;

/// <summary>What the operator confirmed about an account, for one requester, until an expiry.</summary>
/// <param name="RequesterId">The person whose session asked (the applicant, or the representative).</param>
/// <param name="ForChild">True when asked for a child's application.</param>
/// <param name="Service">The service code.</param>
/// <param name="AccountReference">The operator's account reference.</param>
/// <param name="AccountId">The normalised payment service ID (sealed inside the token; sealed again at rest).</param>
/// <param name="MaskedHolderName">The masked holder name the applicant confirms.</param>
/// <param name="ExpiresAt">When the token stops being accepted.</param>
/// <param name="Channel">The channel of the session that asked (the application is recorded with it).</param>
public sealed record AccountVerificationClaim(Guid RequesterId, bool ForChild, string Service, string AccountReference, string AccountId,
    string MaskedHolderName, DateTimeOffset ExpiresAt, string Channel);

/// <summary>
/// Verification tokens: <c>kv1.</c> followed by the claim sealed with the platform's data key (AES-GCM), so any replica
/// can read one and nobody can forge or read one. Stateless: verifying an account writes nothing; the security codes
/// the operator checked are not in it.
/// </summary>
public sealed class VerificationTokens(SecretBox box, TimeProvider time)
{
    private const string Prefix = "kv1.";
    private const string Purpose = "account-verification";

    /// <summary>How long a verification stays usable.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(20);

    /// <summary>Issues a token for <paramref name="claim"/>.</summary>
    public string Issue(AccountVerificationClaim claim) => Prefix + box.Seal(Purpose, JsonSerializer.Serialize(claim, Json));

    /// <summary>Reads a token: the claim, or the problem (invalid, expired).</summary>
    public (AccountVerificationClaim? Claim, Problems.PlatformProblem? Problem) Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 2048 || !token.StartsWith(Prefix, StringComparison.Ordinal)
            || !box.TryOpen(Purpose, token[Prefix.Length..], out var json))
            return (null, ApplicationProblems.VerificationInvalid);
        AccountVerificationClaim? claim;
        try
        {
            claim = JsonSerializer.Deserialize<AccountVerificationClaim>(json, Json);
        }
        catch (JsonException)
        {
            return (null, ApplicationProblems.VerificationInvalid);
        }
        if (claim is null)
            return (null, ApplicationProblems.VerificationInvalid);
        if (time.GetUtcNow() >= claim.ExpiresAt)
            return (null, ApplicationProblems.VerificationExpired.WithDetail($"expired at {claim.ExpiresAt:O}"));
        return (claim, null);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

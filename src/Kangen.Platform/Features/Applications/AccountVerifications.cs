using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Features.RateLimits;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Observability;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Applications;

/// <summary>The outcome of an account verification: the operator's confirmation, or why not (and when to try again).</summary>
/// <param name="Response">The confirmation with its verification token, or null.</param>
/// <param name="Problems">Why the account is not confirmed (every bad field at once, or one problem).</param>
/// <param name="RetryAfterSeconds">For a rate limit or an unreachable operator: seconds before trying again.</param>
public sealed record VerifyAccountOutcome(VerifyAccountResponse? Response, IReadOnlyList<PlatformProblem> Problems, int? RetryAfterSeconds);

/// <summary>
/// Step 3 of flow 3, shared by <c>POST /api/v1/applications/verify-account</c> and the application pages: the service's
/// fields are checked, the per-person and per-account rate limits counted (in the database, so they hold across
/// replicas), the operator asked, an account already bound to someone else refused early, and a verification token
/// issued. Writes nothing but the rate-limit counts.
/// </summary>
public sealed class AccountVerifications(
    KangenDbContext db, WriteGate gate, TimeProvider time, ServiceCatalogue catalogue, IAccountVerifier operators, Secrets.SecretBox box,
    VerificationTokens tokens, CampaignProvider campaigns, IOptions<ApplicationOptions> options, PlatformMetrics metrics)
{
    /// <summary>Verifies the account of <paramref name="request"/> for the person of <paramref name="session"/>.</summary>
    public async Task<VerifyAccountOutcome> VerifyAsync(CurrentSession session, VerifyAccountRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(request);
        if (catalogue.Find(request.Service) is not { } service)
            return Refuse(ApplicationProblems.ServiceUnknown(request.Service));
        var (fields, fieldProblems) = FieldValidation.Validate(service, request.Fields);
        if (fieldProblems.Count > 0)
            return new VerifyAccountOutcome(null, fieldProblems, null);

        // Counted before asking the operator, so a caller guessing codes is slowed whatever the operator answers.
        using (await gate.EnterAsync(cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var now = time.GetUtcNow();
            var byPerson = await RateWindows.HitAsync(db, "verify:person:" + session.PersonId, TimeSpan.FromHours(1),
                options.Value.VerificationsPerHour, now, cancellationToken);
            // Per account too (keyed hash of service and ID): a few cards taking turns must not be able to guess one
            // account's 4-digit code.
            var byAccount = byPerson.Allowed
                ? await RateWindows.HitAsync(db, "verify:account:" + box.Hash("verify-account", service.Code.Value + "\n" + fields!.AccountId)[..40],
                    TimeSpan.FromHours(1), options.Value.VerificationsPerAccountPerHour, now, cancellationToken)
                : (Allowed: true, RetryAfter: TimeSpan.Zero);
            await transaction.CommitAsync(cancellationToken);
            if (!byPerson.Allowed || !byAccount.Allowed)
            {
                var wait = byPerson.Allowed ? byAccount.RetryAfter : byPerson.RetryAfter;
                return new VerifyAccountOutcome(null, [ApplicationProblems.VerifyRateLimited], (int)Math.Ceiling(wait.TotalSeconds));
            }
        }

        var answer = await operators.VerifyAsync(fields!, cancellationToken);
        metrics.AccountVerification(service.Code.Value, answer switch
        {
            AccountVerification.Verified => "verified",
            AccountVerification.Rejected r => r.Reason,
            _ => "unavailable",
        });
        switch (answer)
        {
            case AccountVerification.Verified verified when verified.AccountReference.Length is 0 or > ApplicationEndpoints.MaxOperatorText
                                                          || verified.MaskedHolderName.Length is 0 or > ApplicationEndpoints.MaxOperatorText:
                // An operator's answer that cannot be stored is the operator's fault: nothing is recorded, try later.
                return new VerifyAccountOutcome(null,
                    [ApplicationProblems.OperatorUnavailable("the operator's answer is malformed (account reference or holder name length)")], 30);
            case AccountVerification.Verified verified:
                // Told now rather than after the citizen has confirmed and signed: the submission decides again anyway
                // (invariant 2 holds by the key on service_accounts), this only spares a doomed signature. For a child
                // the holder may be the child (a later program), which only the submission knows.
                var holder = await db.ServiceAccounts.AsNoTracking()
                    .Where(a => a.Service == service.Code.Value && a.AccountReference == verified.AccountReference)
                    .Select(a => (Guid?)a.PersonId).SingleOrDefaultAsync(cancellationToken);
                if (holder is { } h && h != session.PersonId && !request.ForChild)
                    return Refuse(ApplicationProblems.Refused(new RuleViolation(RuleCodes.ApplicationAccountTaken, "fields", "the account receives another person's points")));
                if (holder is { } own && own == session.PersonId && request.ForChild)
                    return Refuse(ApplicationProblems.Refused(new RuleViolation(RuleCodes.ApplicationAccountSameAsRepresentative, "fields", "the representative's own account")));
                var expires = time.GetUtcNow().Add(VerificationTokens.Lifetime);
                var token = tokens.Issue(new AccountVerificationClaim(session.PersonId, request.ForChild, service.Code.Value, verified.AccountReference,
                    fields!.AccountId, verified.MaskedHolderName, expires, session.Channel));
                var terms = service.TermsAt(campaigns.Definition.Base.TimeZone.DateOf(time.GetUtcNow()));
                return new VerifyAccountOutcome(new VerifyAccountResponse(token, expires, service.Code.Value, service.MaskAccountId(fields.AccountId),
                    verified.MaskedHolderName, new TermsView(terms.Version, terms.Effective, terms.Summary.Ja, terms.Summary.Zh, terms.Summary.En),
                    service.Programs.Select(p => p.ToCode()).ToArray()), [], null);
            case AccountVerification.Rejected rejected:
                return Refuse(ApplicationProblems.AccountNotVerified(rejected.Reason));
            case AccountVerification.Unavailable unavailable:
                return new VerifyAccountOutcome(null, [ApplicationProblems.OperatorUnavailable(unavailable.Detail)], 30);
            default:
                throw new InvalidOperationException("Unknown verification outcome.");
        }
    }

    private static VerifyAccountOutcome Refuse(PlatformProblem problem) => new(null, [problem], null);
}

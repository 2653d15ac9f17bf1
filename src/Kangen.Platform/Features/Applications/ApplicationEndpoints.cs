using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Identity;
using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Features.Identity.Certificates;
using Kangen.Platform.Features.RateLimits;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Observability;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Rules;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Applications;

/// <summary>Limits of account verification: <c>Kangen:Applications</c>.</summary>
public sealed class ApplicationOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Kangen:Applications";

    /// <summary>Account verifications a person may ask for per hour (each asks an operator; guessing codes must be slow).</summary>
    public int VerificationsPerHour { get; set; } = 30;

    /// <summary>Verifications of one account (service and ID) per hour, whoever asks.</summary>
    public int VerificationsPerAccountPerHour { get; set; } = 10;
}

/// <summary>Registration and routes of flow 3: verify an account with its operator, then submit the signed application.</summary>
public static class ApplicationEndpoints
{
    /// <summary>The longest account reference or masked holder name an operator may answer (the columns' size).</summary>
    public const int MaxOperatorText = 64;

    /// <summary>Adds the campaign, the verification tokens, the age-proof verifier and the recorder.</summary>
    public static IHostApplicationBuilder AddApplications(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<CampaignOptions>().BindConfiguration(CampaignOptions.Section);
        builder.Services.AddOptions<ApplicationOptions>().BindConfiguration(ApplicationOptions.Section)
            .Validate(o => o.VerificationsPerHour > 0 && o.VerificationsPerAccountPerHour > 0, "Kangen:Applications verification limits must be positive.");
        builder.Services.AddSingleton<CampaignProvider>();
        builder.Services.AddSingleton<VerificationTokens>();
        builder.Services.AddSingleton(sp => AgeProofVerifier.For(sp.GetRequiredService<IOptions<TrustSourceOptions>>().Value,
            PlatformData.Resolve(sp.GetRequiredService<IConfiguration>()), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddScoped<ApplicationRecorder>();
        return builder;
    }

    /// <summary>Maps <c>/api/v1/applications</c>.</summary>
    public static IEndpointRouteBuilder MapApplications(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Resolved now, at start-up: a demo anchor maps the start-up date onto the campaign's calendar, and a provider
        // first built by a later request would put the anchor on that later date instead.
        _ = app.ServiceProvider.GetRequiredService<CampaignProvider>();
        var group = app.MapGroup("/api/v1/applications").WithTags("Applications");
        group.MapPost("/verify-account", VerifyAccount).RequireAuthorization()
            .Accepts<VerifyAccountRequest>("application/json")
            .WithSummary("Ask the payment service's operator to confirm the account; returns the masked holder name and a verification token.");
        group.MapPost("/", Submit)
            .Accepts<ApplyRequest>("application/json")
            .WithSummary("Submit the application signed by the card (and the representative's card for a child). Send an Idempotency-Key header to retry safely.");
        return app;
    }

    private static async Task<Results<Ok<VerifyAccountResponse>, ProblemHttpResult>> VerifyAccount(
        HttpContext http, KangenDbContext db, WriteGate gate, TimeProvider time, ServiceCatalogue catalogue, IAccountVerifier operators, Secrets.SecretBox box,
        VerificationTokens tokens, CampaignProvider campaigns, IOptions<ApplicationOptions> options, PlatformMetrics metrics, CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(http.User);
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<VerifyAccountRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(ApplicationProblems.RequestInvalid(readProblem.Field ?? "body", readProblem.Detail ?? ""));
        if (catalogue.Find(body!.Service) is not { } service)
            return ProblemResults.From(ApplicationProblems.ServiceUnknown(body.Service));
        var (fields, fieldProblems) = FieldValidation.Validate(service, body.Fields);
        if (fieldProblems.Count > 0)
            return ProblemResults.From(fieldProblems);

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
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return ProblemResults.From(ApplicationProblems.VerifyRateLimited);
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
            case AccountVerification.Verified verified when verified.AccountReference.Length is 0 or > MaxOperatorText
                                                          || verified.MaskedHolderName.Length is 0 or > MaxOperatorText:
                // An operator's answer that cannot be stored is the operator's fault: nothing is recorded, try later.
                http.Response.Headers.RetryAfter = "30";
                return ProblemResults.From(ApplicationProblems.OperatorUnavailable("the operator's answer is malformed (account reference or holder name length)"));
            case AccountVerification.Verified verified:
                // Told now rather than after the citizen has confirmed and signed: the submission decides again anyway
                // (invariant 2 holds by the key on service_accounts), this only spares a doomed signature. For a child
                // the holder may be the child (a later program), which only the submission knows.
                var holder = await db.ServiceAccounts.AsNoTracking()
                    .Where(a => a.Service == service.Code.Value && a.AccountReference == verified.AccountReference)
                    .Select(a => (Guid?)a.PersonId).SingleOrDefaultAsync(cancellationToken);
                if (holder is { } h && h != session.PersonId && !body.ForChild)
                    return ProblemResults.From(ApplicationProblems.Refused(new RuleViolation(RuleCodes.ApplicationAccountTaken, "fields", "the account receives another person's points")));
                if (holder is { } own && own == session.PersonId && body.ForChild)
                    return ProblemResults.From(ApplicationProblems.Refused(new RuleViolation(RuleCodes.ApplicationAccountSameAsRepresentative, "fields", "the representative's own account")));
                var expires = time.GetUtcNow().Add(VerificationTokens.Lifetime);
                var token = tokens.Issue(new AccountVerificationClaim(session.PersonId, body.ForChild, service.Code.Value, verified.AccountReference,
                    fields!.AccountId, verified.MaskedHolderName, expires, session.Channel));
                var terms = service.TermsAt(campaigns.Definition.Base.TimeZone.DateOf(time.GetUtcNow()));
                return TypedResults.Ok(new VerifyAccountResponse(token, expires, service.Code.Value, service.MaskAccountId(fields.AccountId),
                    verified.MaskedHolderName, new TermsView(terms.Version, terms.Effective, terms.Summary.Ja, terms.Summary.Zh, terms.Summary.En),
                    service.Programs.Select(p => p.ToCode()).ToArray()));
            case AccountVerification.Rejected rejected:
                return ProblemResults.From(ApplicationProblems.AccountNotVerified(rejected.Reason));
            case AccountVerification.Unavailable unavailable:
                http.Response.Headers.RetryAfter = "30";
                return ProblemResults.From(ApplicationProblems.OperatorUnavailable(unavailable.Detail));
            default:
                throw new InvalidOperationException("Unknown verification outcome.");
        }
    }

    private static async Task<Results<Created<ApplicationResponse>, Ok<ApplicationResponse>, ProblemHttpResult>> Submit(
        HttpContext http, ApplicationRecorder recorder, PlatformMetrics metrics, CancellationToken cancellationToken)
    {
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<ApplyRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(ApplicationProblems.RequestInvalid(readProblem.Field ?? "body", readProblem.Detail ?? ""));
        var key = http.Request.Headers.TryGetValue("Idempotency-Key", out var values) ? values.ToString() : null;
        var outcome = await recorder.SubmitAsync(body, key, cancellationToken);
        if (outcome.Application is not { } application)
        {
            metrics.ApplicationRefused(outcome.Problems[0].Code);
            return ProblemResults.From(outcome.Problems);
        }
        if (outcome.Replayed)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
            return TypedResults.Ok(application);
        }
        foreach (var program in application.Programs)
            metrics.ApplicationRecorded(program, application.Service, application.Channel, application.Actor);
        return TypedResults.Created("/api/v1/applications/" + application.ApplicationId, application);
    }
}

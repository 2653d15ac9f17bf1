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

    /// <summary>Adds the campaign, the verification tokens, the age-proof verifier, the recorder and its group-commit writer.</summary>
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
        builder.Services.AddScoped<SubmissionGroup>();
        builder.Services.AddSingleton<SubmissionWriter>();
        builder.Services.AddScoped<AccountVerifications>();
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
        HttpContext http, AccountVerifications verifications, CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(http.User);
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<VerifyAccountRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(ApplicationProblems.RequestInvalid(readProblem.Field ?? "body", readProblem.Detail ?? ""));
        var outcome = await verifications.VerifyAsync(session, body!, cancellationToken);
        if (outcome.Response is { } response)
            return TypedResults.Ok(response);
        if (outcome.RetryAfterSeconds is { } seconds)
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ProblemResults.From(outcome.Problems);
    }

    private static async Task<Results<Created<ApplicationResponse>, Ok<ApplicationResponse>, ProblemHttpResult>> Submit(
        HttpContext http, ApplicationRecorder recorder, PlatformMetrics metrics, CancellationToken cancellationToken)
    {
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<ApplyRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(ApplicationProblems.RequestInvalid(readProblem.Field ?? "body", readProblem.Detail ?? ""));
        var key = http.Request.Headers.TryGetValue("Idempotency-Key", out var values) ? values.ToString() : null;
        var outcome = await recorder.SubmitAsync(body, key, cancellationToken);
        Count(metrics, outcome);
        if (outcome.Application is not { } application)
            return ProblemResults.From(outcome.Problems);
        if (outcome.Replayed)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
            return TypedResults.Ok(application);
        }
        return TypedResults.Created("/api/v1/applications/" + application.ApplicationId, application);
    }

    /// <summary>Counts a submission's outcome (refused, or recorded per program; a replay counts nothing): the API and the pages alike.</summary>
    public static void Count(PlatformMetrics metrics, SubmissionOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Application is not { } application)
        {
            metrics.ApplicationRefused(outcome.Problems[0].Code);
            return;
        }
        if (outcome.Replayed)
            return;
        foreach (var program in application.Programs)
            metrics.ApplicationRecorded(program, application.Service, application.Channel, application.Actor);
    }
}

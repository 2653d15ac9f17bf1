using Kangen.Platform.Features.Identity;
using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Features.ReferenceData;
using Kangen.Platform.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kangen.Platform.Features.Registrations;

/// <summary>One registration in an answer.</summary>
/// <param name="Kind"><c>health-insurance</c> or <c>public-fund-account</c>.</param>
/// <param name="RegisteredAt">When it was first registered.</param>
/// <param name="UpdatedAt">When the details were last replaced.</param>
/// <param name="Channel">The channel of the last change.</param>
/// <param name="Summary">The masked summary (never the holder name or a full number).</param>
public sealed record RegistrationResponse(string Kind, DateTimeOffset RegisteredAt, DateTimeOffset UpdatedAt, string Channel, string Summary)
{
    internal static RegistrationResponse From(RegistrationRecord record) =>
        new(record.Kind, record.RegisteredAt, record.UpdatedAt, record.Channel, record.Summary);
}

/// <summary>The answer to <c>GET /api/v1/me/registrations</c>: each kind, or null when not registered.</summary>
/// <param name="HealthInsurance">Part 2.</param>
/// <param name="PublicFundAccount">Part 3.</param>
public sealed record RegistrationsResponse(RegistrationResponse? HealthInsurance, RegistrationResponse? PublicFundAccount);

/// <summary>Routes of the current person's registrations (flow 4).</summary>
public static class RegistrationEndpoints
{
    /// <summary>Maps <c>/api/v1/me/registrations</c>; every route needs a session.</summary>
    public static IEndpointRouteBuilder MapRegistrations(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var group = app.MapGroup("/api/v1/me/registrations").WithTags("Registrations").RequireAuthorization();
        group.MapGet("/", List).WithSummary("The person's health-insurance and public-fund account registrations (masked).");
        group.MapPut("/" + RegistrationKinds.HealthInsurance, PutHealthInsurance).Accepts<HealthInsuranceRequest>("application/json")
            .WithSummary("Register the card for health insurance use, or replace the details (201 first time, 200 after).");
        group.MapPut("/" + RegistrationKinds.PublicFundAccount, PutPublicFundAccount).Accepts<PublicFundAccountRequest>("application/json")
            .WithSummary("Register the public-fund receipt account, or replace it (201 first time, 200 after); refused at procedure spots.");
        return app;
    }

    private static async Task<Ok<RegistrationsResponse>> List(HttpContext http, IRegistrationRegistry registry, CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(http.User);
        var records = await registry.ListAsync(session.PersonId, cancellationToken);
        RegistrationResponse? Of(string kind) => records.Where(r => r.Kind == kind).Select(RegistrationResponse.From).SingleOrDefault();
        return TypedResults.Ok(new RegistrationsResponse(Of(RegistrationKinds.HealthInsurance), Of(RegistrationKinds.PublicFundAccount)));
    }

    private static async Task<Results<Created<RegistrationResponse>, Ok<RegistrationResponse>, ProblemHttpResult>> PutHealthInsurance(
        HttpContext http, IRegistrationRegistry registry, CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(http.User);
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<HealthInsuranceRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(RegistrationProblems.RequestInvalid(readProblem.Detail));
        var (card, problems) = HealthInsuranceCard.Validate(body!);
        if (card is null)
            return ProblemResults.From(problems);
        return Answer(await registry.RegisterAsync(session.PersonId, card, session.Channel, cancellationToken));
    }

    private static async Task<Results<Created<RegistrationResponse>, Ok<RegistrationResponse>, ProblemHttpResult>> PutPublicFundAccount(
        HttpContext http, IRegistrationRegistry registry, BankCodes banks, CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(http.User);
        // Decided by where the session was opened, before the body is read: a spot terminal gets no further.
        if (session.Channel == Channels.Spot)
            return ProblemResults.From(RegistrationProblems.NotAtSpot);
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<PublicFundAccountRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(RegistrationProblems.RequestInvalid(readProblem.Detail));
        var (account, problems) = PublicFundAccount.Validate(body!, banks);
        if (account is null)
            return ProblemResults.From(problems);
        return Answer(await registry.RegisterAsync(session.PersonId, account, session.Channel, cancellationToken));
    }

    private static Results<Created<RegistrationResponse>, Ok<RegistrationResponse>, ProblemHttpResult> Answer(RegistrationOutcome outcome)
    {
        var response = RegistrationResponse.From(outcome.Record);
        return outcome.Created ? TypedResults.Created("/api/v1/me/registrations", response) : TypedResults.Ok(response);
    }
}

/// <summary>Registration of the registrations feature.</summary>
public static class RegistrationsRegistration
{
    /// <summary>
    /// Adds the Zengin bank codes (if no one has yet) and <see cref="BuiltInRegistry"/> as the scoped
    /// <see cref="IRegistrationRegistry"/>, unless the host registered another adapter first.
    /// </summary>
    public static IHostApplicationBuilder AddRegistrations(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(_ => ReferenceDataSet.Banks);
        builder.Services.TryAddScoped<IRegistrationRegistry, BuiltInRegistry>();
        return builder;
    }
}

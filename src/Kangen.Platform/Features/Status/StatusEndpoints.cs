using Kangen.Platform.Features.Identity.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kangen.Platform.Features.Status;

/// <summary>The answer to <c>GET /api/v1/me/status</c>.</summary>
/// <param name="Me">The signed-in person.</param>
/// <param name="Children">The persons this person applied for as legal representative.</param>
public sealed record StatusResponse(PersonStatus Me, IReadOnlyList<PersonStatus> Children);

/// <summary>Flow 7 for the citizen.</summary>
public static class StatusEndpoints
{
    /// <summary>Adds <see cref="ApplicationStatus"/>.</summary>
    public static IHostApplicationBuilder AddStatus(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddScoped<ApplicationStatus>();
        return builder;
    }

    /// <summary>Maps <c>GET /api/v1/me/status</c>.</summary>
    public static IEndpointRouteBuilder MapStatus(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/v1/me/status", GetStatus).RequireAuthorization().WithTags("Status")
            .WithSummary("Per program: applied or not (service, date), eligibility and what is left to do; also for the children applied for. Never grant amounts.");
        return app;
    }

    private static async Task<Ok<StatusResponse>> GetStatus(HttpContext http, ApplicationStatus status, CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(http.User);
        var me = await status.OfAsync(session.PersonId, cancellationToken);
        return TypedResults.Ok(new StatusResponse(me, await status.ChildrenOfAsync(session.PersonId, cancellationToken)));
    }
}

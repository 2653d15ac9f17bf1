using Kangen.Platform.Features.Identity;
using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kangen.Platform.Features.Reservation;

/// <summary>A certificate linked to the person.</summary>
/// <param name="Serial">Upper-case hex serial.</param>
/// <param name="LinkedAt">When it was linked.</param>
/// <param name="How"><c>first-login</c> or <c>renewal</c>.</param>
/// <param name="PredecessorSerial">For a renewal, the serial it replaced.</param>
/// <param name="Current">True for the certificate of the current session.</param>
public sealed record LinkedCertificateResponse(string Serial, DateTimeOffset LinkedAt, string How, string? PredecessorSerial, bool Current);

/// <summary>The answer to <c>GET /api/v1/me</c>.</summary>
/// <param name="MyKeyId">The current My Key ID.</param>
/// <param name="RegenerationsUsed">Regenerations used so far.</param>
/// <param name="RegenerationsLeft">Regenerations still allowed.</param>
/// <param name="CreatedAt">When the My Key ID was first reserved.</param>
/// <param name="Certificates">Linked certificates, oldest first.</param>
/// <param name="SessionExpiresAt">When the current session ends.</param>
public sealed record MeResponse(string MyKeyId, int RegenerationsUsed, int RegenerationsLeft, DateTimeOffset CreatedAt, IReadOnlyList<LinkedCertificateResponse> Certificates, DateTimeOffset SessionExpiresAt);

/// <summary>The body of <c>PUT /api/v1/me/my-key-id</c>.</summary>
/// <param name="MyKeyId">The chosen ID: 8 characters of A-Z 0-9 (case-insensitive).</param>
public sealed record ChangeMyKeyIdRequest(string? MyKeyId);

/// <summary>The My Key ID after a change or a regeneration.</summary>
/// <param name="MyKeyId">The ID now.</param>
/// <param name="Previous">The ID before.</param>
/// <param name="RegenerationsUsed">Regenerations used so far.</param>
/// <param name="RegenerationsLeft">Regenerations still allowed.</param>
public sealed record MyKeyIdResponse(string MyKeyId, string Previous, int RegenerationsUsed, int RegenerationsLeft);

/// <summary>Routes of the current person: read, change and regenerate the My Key ID (flow 2).</summary>
public static class ReservationEndpoints
{
    /// <summary>Maps <c>/api/v1/me</c>; every route needs a session.</summary>
    public static IEndpointRouteBuilder MapReservation(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var me = app.MapGroup("/api/v1/me").WithTags("Reservation").RequireAuthorization();
        me.MapGet("/", GetMe).WithSummary("The current person: My Key ID and linked certificates.");
        me.MapPut("/my-key-id", ChangeMyKeyId).Accepts<ChangeMyKeyIdRequest>("application/json")
            .WithSummary("Change the My Key ID to a chosen one (after a uniqueness check).");
        me.MapPost("/my-key-id/regenerate", Regenerate)
            .WithSummary($"Replace the My Key ID with a new random one (at most {ReservationProblems.MaxRegenerations} times).");
        return app;
    }

    private static async Task<Ok<MeResponse>> GetMe(HttpContext http, KangenDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await MyKeyIdChanges.ReadAsync(db, CurrentSession.From(http.User), cancellationToken));

    private static async Task<Results<Ok<MyKeyIdResponse>, ProblemHttpResult>> ChangeMyKeyId(
        HttpContext http, KangenDbContext db, WriteGate gate, TimeProvider time, CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(http.User);
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<ChangeMyKeyIdRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(ReservationProblems.MyKeyIdInvalid(null).WithDetail(readProblem.Detail));
        var (changed, problem) = await MyKeyIdChanges.ChangeAsync(db, gate, time, session, body?.MyKeyId, cancellationToken);
        return changed is null ? ProblemResults.From(problem!) : TypedResults.Ok(changed);
    }

    private static async Task<Results<Ok<MyKeyIdResponse>, ProblemHttpResult>> Regenerate(
        HttpContext http, KangenDbContext db, WriteGate gate, TimeProvider time, CancellationToken cancellationToken)
    {
        var (regenerated, problem) = await MyKeyIdChanges.RegenerateAsync(db, gate, time, CurrentSession.From(http.User), cancellationToken);
        return regenerated is null ? ProblemResults.From(problem!) : TypedResults.Ok(regenerated);
    }
}

using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Identity;
using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

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
    private const int MaxAttempts = 5;

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

    private static async Task<Ok<MeResponse>> GetMe(HttpContext http, KangenDbContext db, CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(http.User);
        var person = await db.Persons.AsNoTracking().SingleAsync(p => p.Id == session.PersonId, cancellationToken);
        var certificates = await db.Certificates.AsNoTracking().Where(c => c.PersonId == person.Id)
            .OrderBy(c => c.LinkedAt).ThenBy(c => c.PredecessorSerial != null).ThenBy(c => c.Serial)
            .Select(c => new LinkedCertificateResponse(c.Serial, c.LinkedAt, c.How, c.PredecessorSerial, c.Serial == session.Serial))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new MeResponse(person.MyKeyId, person.RegenerationsUsed,
            ReservationProblems.MaxRegenerations - person.RegenerationsUsed, person.CreatedAt, certificates, session.ExpiresAt));
    }

    private static async Task<Results<Ok<MyKeyIdResponse>, ProblemHttpResult>> ChangeMyKeyId(
        HttpContext http, KangenDbContext db, WriteGate gate, TimeProvider time, CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(http.User);
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<ChangeMyKeyIdRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(ReservationProblems.MyKeyIdInvalid(null).WithDetail(readProblem.Detail));
        if (!MyKeyId.TryParse(body?.MyKeyId, out var chosen))
            return ProblemResults.From(ReservationProblems.MyKeyIdInvalid(body?.MyKeyId));
        var wanted = chosen.Value;

        for (var attempt = 1; ; attempt++)
        {
            using var _ = await gate.EnterAsync(cancellationToken);
            db.ChangeTracker.Clear();
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var person = await ReadForUpdateAsync(db, session.PersonId, cancellationToken);
            var previous = person.MyKeyId;
            if (previous == wanted)
                return TypedResults.Ok(new MyKeyIdResponse(wanted, previous, person.RegenerationsUsed, ReservationProblems.MaxRegenerations - person.RegenerationsUsed));
            if (await db.Persons.AnyAsync(p => p.MyKeyId == wanted, cancellationToken))
                return ProblemResults.From(ReservationProblems.MyKeyIdTaken(wanted));
            int updated;
            try
            {
                // Conditional on the ID just read, as regeneration is: a concurrent change (another tab, another
                // replica) makes this update miss, and the re-read records the ID really replaced.
                updated = await db.Persons.Where(p => p.Id == person.Id && p.MyKeyId == previous)
                    .ExecuteUpdateAsync(u => u.SetProperty(p => p.MyKeyId, wanted), cancellationToken);
            }
            catch (System.Data.Common.DbException e) when (KangenStorage.IsUniqueViolation(e))
            {
                // Someone took it between the check and the write (another replica): the unique index decides.
                return ProblemResults.From(ReservationProblems.MyKeyIdTaken(wanted));
            }
            if (updated == 0)
            {
                if (attempt >= MaxAttempts)
                    throw new InvalidOperationException("The person kept changing during the My Key ID change.");
                continue; // changed concurrently: read again
            }
            var actor = "person:" + person.Id;
            await AuditIntent.AppendAllAsync(db, now, [new AuditIntent(actor, "my-key-id.changed", actor, new { from = previous, to = wanted })], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return TypedResults.Ok(new MyKeyIdResponse(wanted, previous, person.RegenerationsUsed, ReservationProblems.MaxRegenerations - person.RegenerationsUsed));
        }
    }

    /// <summary>
    /// The person, with their row locked until the transaction ends on PostgreSQL (SQLite: the write gate already
    /// serialises writers). Concurrent changes of one person (two tabs) then queue instead of missing each other's
    /// conditional update until their retries run out.
    /// </summary>
    private static Task<Person> ReadForUpdateAsync(KangenDbContext db, Guid personId, CancellationToken cancellationToken) =>
        db.Provider == StorageProvider.Postgres
            ? db.Persons.FromSqlInterpolated($"SELECT * FROM persons WHERE id = {personId} FOR UPDATE").AsNoTracking().SingleAsync(cancellationToken)
            : db.Persons.AsNoTracking().SingleAsync(p => p.Id == personId, cancellationToken);

    private static async Task<Results<Ok<MyKeyIdResponse>, ProblemHttpResult>> Regenerate(
        HttpContext http, KangenDbContext db, WriteGate gate, TimeProvider time, CancellationToken cancellationToken)
    {
        var session = CurrentSession.From(http.User);
        for (var attempt = 1; ; attempt++)
        {
            using var _ = await gate.EnterAsync(cancellationToken);
            db.ChangeTracker.Clear();
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var person = await ReadForUpdateAsync(db, session.PersonId, cancellationToken);
            var previous = person.MyKeyId;
            var fresh = MyKeyId.Generate().Value;
            int updated;
            try
            {
                // The limit is part of the update's condition, so two concurrent regenerations cannot both pass it.
                updated = await db.Persons
                    .Where(p => p.Id == person.Id && p.RegenerationsUsed < ReservationProblems.MaxRegenerations && p.MyKeyId == previous)
                    .ExecuteUpdateAsync(u => u.SetProperty(p => p.MyKeyId, fresh).SetProperty(p => p.RegenerationsUsed, p => p.RegenerationsUsed + 1), cancellationToken);
            }
            catch (Exception e) when (e is System.Data.Common.DbException db1 && KangenStorage.IsUniqueViolation(db1) && attempt < MaxAttempts)
            {
                continue; // the random ID collided with someone's: draw again
            }
            if (updated == 0)
            {
                if (person.RegenerationsUsed >= ReservationProblems.MaxRegenerations)
                    return ProblemResults.From(ReservationProblems.RegenerationLimit);
                if (attempt >= MaxAttempts)
                    throw new InvalidOperationException("The person kept changing during regeneration.");
                continue; // changed concurrently: read again
            }
            var used = person.RegenerationsUsed + 1;
            var actor = "person:" + person.Id;
            await AuditIntent.AppendAllAsync(db, now,
                [new AuditIntent(actor, "my-key-id.regenerated", actor, new { from = previous, to = fresh, regenerationsUsed = used })], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return TypedResults.Ok(new MyKeyIdResponse(fresh, previous, used, ReservationProblems.MaxRegenerations - used));
        }
    }
}

using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Reservation;

/// <summary>
/// Reading, changing and regenerating the current person's My Key ID (flow 2): the logic of <c>/api/v1/me</c>,
/// shared by the API's endpoints and the citizen's pages.
/// </summary>
public static class MyKeyIdChanges
{
    private const int MaxAttempts = 5;

    /// <summary>The person of <paramref name="session"/>: My Key ID, regenerations and linked certificates, oldest first.</summary>
    public static async Task<MeResponse> ReadAsync(KangenDbContext db, CurrentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(session);
        var person = await db.Persons.AsNoTracking().SingleAsync(p => p.Id == session.PersonId, cancellationToken);
        var certificates = await db.Certificates.AsNoTracking().Where(c => c.PersonId == person.Id)
            .OrderBy(c => c.LinkedAt).ThenBy(c => c.PredecessorSerial != null).ThenBy(c => c.Serial)
            .Select(c => new LinkedCertificateResponse(c.Serial, c.LinkedAt, c.How, c.PredecessorSerial, c.Serial == session.Serial))
            .ToListAsync(cancellationToken);
        return new MeResponse(person.MyKeyId, person.RegenerationsUsed,
            ReservationProblems.MaxRegenerations - person.RegenerationsUsed, person.CreatedAt, certificates, session.ExpiresAt);
    }

    /// <summary>
    /// Whether the person was created (the My Key ID reserved) by the login that opened <paramref name="session"/>:
    /// both rows carry the same instant, written in one transaction.
    /// </summary>
    public static async Task<bool> ReservedBySessionAsync(KangenDbContext db, CurrentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(session);
        var opened = await db.Sessions.AsNoTracking().Where(s => s.TokenHash == session.TokenHash).Select(s => (DateTimeOffset?)s.CreatedAt).SingleOrDefaultAsync(cancellationToken);
        var created = await db.Persons.AsNoTracking().Where(p => p.Id == session.PersonId).Select(p => (DateTimeOffset?)p.CreatedAt).SingleOrDefaultAsync(cancellationToken);
        return opened is not null && opened == created;
    }

    /// <summary>
    /// Changes the person's My Key ID to <paramref name="chosen"/> (8 characters of A-Z 0-9, case-insensitive) after a
    /// uniqueness check, or says why not (<c>reservation.my-key-id-invalid</c>, <c>reservation.my-key-id-taken</c>).
    /// Choosing the ID one already has changes nothing.
    /// </summary>
    public static async Task<(MyKeyIdResponse? Changed, PlatformProblem? Problem)> ChangeAsync(
        KangenDbContext db, WriteGate gate, TimeProvider time, CurrentSession session, string? chosen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(session);
        if (!MyKeyId.TryParse(chosen, out var parsed))
            return (null, ReservationProblems.MyKeyIdInvalid(chosen));
        var wanted = parsed.Value;

        for (var attempt = 1; ; attempt++)
        {
            using var _ = await gate.EnterAsync(cancellationToken);
            db.ChangeTracker.Clear();
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await LockInOrderAsync(db, cancellationToken);
            var person = await ReadForUpdateAsync(db, session.PersonId, cancellationToken);
            var previous = person.MyKeyId;
            if (previous == wanted)
                return (new MyKeyIdResponse(wanted, previous, person.RegenerationsUsed, ReservationProblems.MaxRegenerations - person.RegenerationsUsed), null);
            if (await db.Persons.AnyAsync(p => p.MyKeyId == wanted, cancellationToken))
                return (null, ReservationProblems.MyKeyIdTaken(wanted));
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
                return (null, ReservationProblems.MyKeyIdTaken(wanted));
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
            return (new MyKeyIdResponse(wanted, previous, person.RegenerationsUsed, ReservationProblems.MaxRegenerations - person.RegenerationsUsed), null);
        }
    }

    /// <summary>
    /// Replaces the person's My Key ID with a new random one, at most <see cref="ReservationProblems.MaxRegenerations"/>
    /// times (then <c>reservation.regeneration-limit</c>).
    /// </summary>
    public static async Task<(MyKeyIdResponse? Regenerated, PlatformProblem? Problem)> RegenerateAsync(
        KangenDbContext db, WriteGate gate, TimeProvider time, CurrentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(session);
        for (var attempt = 1; ; attempt++)
        {
            using var _ = await gate.EnterAsync(cancellationToken);
            db.ChangeTracker.Clear();
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await LockInOrderAsync(db, cancellationToken);
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
                    return (null, ReservationProblems.RegenerationLimit);
                if (attempt >= MaxAttempts)
                    throw new InvalidOperationException("The person kept changing during regeneration.");
                continue; // changed concurrently: read again
            }
            var used = person.RegenerationsUsed + 1;
            var actor = "person:" + person.Id;
            await AuditIntent.AppendAllAsync(db, now,
                [new AuditIntent(actor, "my-key-id.regenerated", actor, new { from = previous, to = fresh, regenerationsUsed = used })], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return (new MyKeyIdResponse(fresh, previous, used, ReservationProblems.MaxRegenerations - used), null);
        }
    }

    /// <summary>
    /// Takes the audit head first, before the person's row: the group commits of sessions and applications hold the head
    /// while their inserts wait on the person's row (its foreign keys), so taking them in the other order here could
    /// deadlock on PostgreSQL with a login or an application of the same person.
    /// </summary>
    private static Task LockInOrderAsync(KangenDbContext db, CancellationToken cancellationToken) => AuditChain.LockHeadAsync(db, cancellationToken);

    /// <summary>
    /// The person, with their row locked until the transaction ends on PostgreSQL (SQLite: the write gate already
    /// serialises writers). Concurrent changes of one person (two tabs) then queue instead of missing each other's
    /// conditional update until their retries run out.
    /// </summary>
    private static Task<Person> ReadForUpdateAsync(KangenDbContext db, Guid personId, CancellationToken cancellationToken) =>
        db.Provider == StorageProvider.Postgres
            ? db.Persons.FromSqlInterpolated($"SELECT * FROM persons WHERE id = {personId} FOR UPDATE").AsNoTracking().SingleAsync(cancellationToken)
            : db.Persons.AsNoTracking().SingleAsync(p => p.Id == personId, cancellationToken);
}

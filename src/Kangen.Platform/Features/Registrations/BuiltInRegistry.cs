using System.Text.Json;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Registrations;

/// <summary>
/// The registry adapter that keeps registrations in the platform's database (table <c>registrations</c>, one row per
/// person and kind): the first and last instants, the channel, the masked summary, a keyed fingerprint of the
/// normalised details and the details sealed with the platform's data keys. The holder name and the full account
/// number exist only inside the sealed value. Every change appends an audit entry in the same transaction.
/// </summary>
public sealed class BuiltInRegistry(KangenDbContext db, WriteGate gate, SecretBox box, TimeProvider time) : IRegistrationRegistry
{
    private const int MaxAttempts = 5;

    // Compiled once: a group commit asks this for its applicants on the single writer's path (see GroupReads).
    private static readonly CompiledQuery<Func<KangenDbContext, Guid[], IAsyncEnumerable<FactRow>>> Facts = new(() =>
        EF.CompileAsyncQuery((KangenDbContext db, Guid[] ids) =>
            db.Registrations.AsNoTracking().Where(r => ids.Contains(r.PersonId)).Select(r => new FactRow(r.PersonId, r.Kind, r.RegisteredAt))));

    /// <summary>The sealing and hashing purpose of a kind's details (a value sealed for one kind opens for no other).</summary>
    public static string Purpose(string kind) => "registration:" + kind;

    /// <inheritdoc />
    public async Task<RegistrationFacts> GetFactsAsync(Guid personId, CancellationToken cancellationToken)
    {
        var rows = await db.Registrations.AsNoTracking().Where(r => r.PersonId == personId)
            .Select(r => new { r.Kind, r.RegisteredAt }).ToListAsync(cancellationToken);
        return new RegistrationFacts(
            rows.SingleOrDefault(r => r.Kind == RegistrationKinds.HealthInsurance)?.RegisteredAt,
            rows.SingleOrDefault(r => r.Kind == RegistrationKinds.PublicFundAccount)?.RegisteredAt);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<Guid, RegistrationFacts>> GetFactsAsync(IReadOnlyCollection<Guid> personIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(personIds);
        var rows = new List<FactRow>();
        await foreach (var row in Facts.For(db)(db, personIds as Guid[] ?? [.. personIds]).WithCancellation(cancellationToken))
            rows.Add(row);
        var byPerson = rows.ToLookup(r => r.PersonId);
        return personIds.Distinct().ToDictionary(id => id, id => new RegistrationFacts(
            byPerson[id].SingleOrDefault(r => r.Kind == RegistrationKinds.HealthInsurance)?.RegisteredAt,
            byPerson[id].SingleOrDefault(r => r.Kind == RegistrationKinds.PublicFundAccount)?.RegisteredAt));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RegistrationRecord>> ListAsync(Guid personId, CancellationToken cancellationToken)
    {
        var rows = await db.Registrations.AsNoTracking().Where(r => r.PersonId == personId)
            .Select(r => new RegistrationRecord(r.Kind, r.RegisteredAt, r.UpdatedAt, r.Channel, r.Summary)).ToListAsync(cancellationToken);
        return RegistrationKinds.All.SelectMany(kind => rows.Where(r => r.Kind == kind)).ToArray();
    }

    /// <inheritdoc />
    public async Task<RegistrationOutcome> RegisterAsync(Guid personId, RegistrationDetails details, string channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(details);
        ArgumentException.ThrowIfNullOrEmpty(channel);
        var kind = details.Kind;
        var json = JsonSerializer.Serialize(details.Canonical());
        // The hashing key does not rotate, so equal details keep equal fingerprints across sealing-key rotations.
        var fingerprint = box.Hash(Purpose(kind), json);
        var summary = details.Summary;
        var actor = "person:" + personId;

        for (var attempt = 1; ; attempt++)
        {
            using var _ = await gate.EnterAsync(cancellationToken);
            db.ChangeTracker.Clear();
            // Whole milliseconds, as the audit log keeps them: what is answered is exactly what either provider stores.
            var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var existing = await ReadForUpdateAsync(personId, kind, cancellationToken);
            if (existing is null)
            {
                var row = new Registration
                {
                    PersonId = personId, Kind = kind, RegisteredAt = now, UpdatedAt = now, Channel = channel,
                    Summary = summary, Fingerprint = fingerprint, Sealed = box.Seal(Purpose(kind), json),
                };
                db.Registrations.Add(row);
                try
                {
                    // Saved before the audit entry so a racing first registration fails here, before taking the audit head.
                    await db.SaveChangesAsync(cancellationToken);
                }
                catch (DbUpdateException e) when (KangenStorage.IsUniqueViolation(e) && attempt < MaxAttempts)
                {
                    continue; // another request registered first (another tab or replica): this one becomes a replacement
                }
                await AuditIntent.AppendAllAsync(db, now,
                    [new AuditIntent(actor, "registration.registered", actor, new { kind, channel, summary })], cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return new RegistrationOutcome(Record(row), Created: true, Changed: true);
            }
            if (existing.Fingerprint == fingerprint)
                return new RegistrationOutcome(Record(existing), Created: false, Changed: false); // a retry: nothing to change
            var sealedValue = box.Seal(Purpose(kind), json);
            // Conditional on what was read: on SQLite across processes (no row lock), a concurrent replacement makes this miss.
            var updated = await db.Registrations
                .Where(r => r.PersonId == personId && r.Kind == kind && r.Fingerprint == existing.Fingerprint && r.UpdatedAt == existing.UpdatedAt)
                .ExecuteUpdateAsync(u => u
                    .SetProperty(r => r.UpdatedAt, now).SetProperty(r => r.Channel, channel).SetProperty(r => r.Summary, summary)
                    .SetProperty(r => r.Fingerprint, fingerprint).SetProperty(r => r.Sealed, sealedValue), cancellationToken);
            if (updated == 0)
            {
                if (attempt >= MaxAttempts)
                    throw new InvalidOperationException("The registration kept changing while it was being replaced.");
                continue;
            }
            await AuditIntent.AppendAllAsync(db, now,
                [new AuditIntent(actor, "registration.replaced", actor, new { kind, channel, summary })], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new RegistrationOutcome(new RegistrationRecord(kind, existing.RegisteredAt, now, channel, summary), Created: false, Changed: true);
        }
    }

    /// <summary>The row, locked until the transaction ends on PostgreSQL (SQLite: the write gate serialises writers).</summary>
    private Task<Registration?> ReadForUpdateAsync(Guid personId, string kind, CancellationToken cancellationToken) =>
        db.Provider == StorageProvider.Postgres
            ? db.Registrations.FromSqlInterpolated($"SELECT * FROM registrations WHERE person_id = {personId} AND kind = {kind} FOR UPDATE")
                .AsNoTracking().SingleOrDefaultAsync(cancellationToken)
            : db.Registrations.AsNoTracking().SingleOrDefaultAsync(r => r.PersonId == personId && r.Kind == kind, cancellationToken);

    private static RegistrationRecord Record(Registration row) => new(row.Kind, row.RegisteredAt, row.UpdatedAt, row.Channel, row.Summary);

    private sealed record FactRow(Guid PersonId, string Kind, DateTimeOffset RegisteredAt);
}

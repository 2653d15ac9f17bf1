using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Identity.Certificates;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Reservation;

/// <summary>Who a certificate belongs to, and what resolving it changed.</summary>
/// <param name="Person">The person (tracked by the context when <see cref="PersonDirectory"/> resolved it).</param>
/// <param name="Created">True when the person was created now (first authentication).</param>
/// <param name="LinkedByRenewal">True when the serial was linked now through the issuer's renewal links.</param>
public sealed record PersonResolution(Person Person, bool Created, bool LinkedByRenewal);

/// <summary>
/// Flow 2: the person behind a certificate serial. A known serial gives its person; an unknown serial that
/// the issuer's renewal links lead back to a known serial is linked to that person (the My Key ID is kept);
/// otherwise the person is created with a random My Key ID. Invariant 4 holds through the primary key on
/// the serial: a concurrent first login of the same card fails to insert and is retried, finding the person.
/// </summary>
public static class PersonDirectory
{
    /// <summary>Renewal chains longer than this are not followed (a loop in bad link data must not hang a request).</summary>
    public const int MaxRenewalDepth = 32;

    /// <summary>
    /// Resolves (and, when needed, creates or links) inside the caller's transaction. Writes are added to the
    /// context and the matching audit intents returned; the caller saves, appends the audit entries and commits.
    /// </summary>
    public static async Task<(PersonResolution Resolution, IReadOnlyList<AuditIntent> Audit)> ResolveAsync(
        KangenDbContext db, TrustStore trust, VerifiedCertificate certificate, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(trust);
        ArgumentNullException.ThrowIfNull(certificate);
        var serial = certificate.Serial;
        var link = await db.Certificates.AsNoTracking().SingleOrDefaultAsync(c => c.Serial == serial, cancellationToken);
        if (link is not null)
            return (new(await db.Persons.SingleAsync(p => p.Id == link.PersonId, cancellationToken), false, false), []);

        var current = serial;
        for (var depth = 0; depth < MaxRenewalDepth && trust.TryGetPredecessor(current, out var previous); depth++)
        {
            var old = await db.Certificates.AsNoTracking().SingleOrDefaultAsync(c => c.Serial == previous, cancellationToken);
            if (old is not null)
            {
                var person = await db.Persons.SingleAsync(p => p.Id == old.PersonId, cancellationToken);
                db.Certificates.Add(new CertificateLink { Serial = serial, PersonId = person.Id, LinkedAt = now, How = "renewal", PredecessorSerial = previous });
                var actor = "person:" + person.Id;
                return (new(person, false, true),
                    [new(actor, "certificate.linked-by-renewal", actor, new { serial, predecessor = previous, myKeyId = person.MyKeyId })]);
            }
            current = previous;
        }

        var created = new Person
        {
            Id = Guid.CreateVersion7(now), MyKeyId = MyKeyId.Generate().Value, RegenerationsUsed = 0, CreatedAt = now,
            CardHeldSince = certificate.NotBefore < now ? certificate.NotBefore : now,
        };
        db.Persons.Add(created);
        db.Certificates.Add(new CertificateLink { Serial = serial, PersonId = created.Id, LinkedAt = now, How = "first-login" });
        var who = "person:" + created.Id;
        return (new(created, true, false), [new(who, "person.created", who, new { myKeyId = created.MyKeyId, serial })]);
    }
}

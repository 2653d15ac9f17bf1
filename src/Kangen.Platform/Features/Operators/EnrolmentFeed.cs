using Kangen.Platform.Features.Audit;
using Kangen.Platform.Storage;

namespace Kangen.Platform.Features.Operators;

/// <summary>One record to add to an operator's enrolment feed (the pseudonym is found or created when written).</summary>
/// <param name="OperatorCode">The operator whose feed gets it.</param>
/// <param name="PersonId">The person.</param>
/// <param name="Kind">An <see cref="Kangen.Protocol.EnrolmentRecord"/> kind.</param>
/// <param name="Service">The service.</param>
/// <param name="AccountReference">The operator's account reference.</param>
/// <param name="Program">For <c>enrolled</c>: the program code.</param>
/// <param name="Reason">For <c>suspended</c>: the reason.</param>
public sealed record EnrolmentChange(string OperatorCode, Guid PersonId, string Kind, string Service, string AccountReference, string? Program = null, string? Reason = null);

/// <summary>
/// The pseudonym <paramref name="operatorCode"/> has for <paramref name="personId"/> when the caller knows it without the
/// database: true with the pseudonym, or true with null when there is none yet; false when the database must be asked.
/// </summary>
public delegate bool PseudonymLookup(string operatorCode, Guid personId, out string? pseudonym);

/// <summary>Writing the enrolment feed inside the transaction of the change it reports.</summary>
public static class EnrolmentFeed
{
    /// <summary>
    /// Adds <paramref name="changes"/> at the position of <paramref name="entry"/>, the audit entry the same
    /// transaction appended last: positions then grow in commit order (the audit head stays locked until commit).
    /// Saved with the caller's next <c>SaveChanges</c>. Pseudonyms <paramref name="known"/> answers for are not read.
    /// </summary>
    public static async Task AppendAsync(
        KangenDbContext db, AuditEntry entry, DateTimeOffset now, IReadOnlyList<EnrolmentChange> changes, PseudonymLookup? known,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(changes);
        // One read per operator and person, however many programs the transaction records.
        var found = new Dictionary<(string, Guid), string>();
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (!found.TryGetValue((change.OperatorCode, change.PersonId), out var pseudonym))
            {
                pseudonym = known is not null && known(change.OperatorCode, change.PersonId, out var answer)
                    ? answer ?? Pseudonyms.Create(db, change.OperatorCode, change.PersonId, now)
                    : await Pseudonyms.ForAsync(db, change.OperatorCode, change.PersonId, now, cancellationToken);
                found[(change.OperatorCode, change.PersonId)] = pseudonym;
            }
            db.EnrolmentEvents.Add(new EnrolmentEvent
            {
                AuditSequence = entry.Sequence,
                Ordinal = i,
                OperatorCode = change.OperatorCode,
                Pseudonym = pseudonym,
                Kind = change.Kind,
                Service = change.Service,
                AccountReference = change.AccountReference,
                Program = change.Program,
                Reason = change.Reason,
                At = now,
            });
        }
    }

    /// <summary>Parses a wire cursor; an empty cursor is the start of the feed.</summary>
    public static bool TryParseCursor(string? cursor, out long auditSequence, out int ordinal)
    {
        auditSequence = 0;
        ordinal = -1;
        if (string.IsNullOrEmpty(cursor))
            return true;
        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        return dot > 0
            && long.TryParse(cursor.AsSpan(0, dot), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out auditSequence)
            && int.TryParse(cursor.AsSpan(dot + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ordinal);
    }
}

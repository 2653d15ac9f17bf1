using Kangen.Platform.Storage;

namespace Kangen.Platform.Features.Audit;

/// <summary>An audit entry to append once the change it records has been saved in the same transaction.</summary>
public sealed record AuditIntent(string Actor, string Action, string Subject, object? Data)
{
    /// <summary>Appends the intents in order and saves them (the head is locked only for this last step); returns the last entry appended, if any.</summary>
    public static async Task<AuditEntry?> AppendAllAsync(KangenDbContext db, DateTimeOffset now, IEnumerable<AuditIntent> intents, CancellationToken cancellationToken)
    {
        var last = await AppendAsync(db, now, intents, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return last;
    }

    /// <summary>
    /// Appends the intents in order without saving (after a group commit's head when the context has one, see
    /// <see cref="AuditChain.AppendAsync"/>); returns the last entry appended, if any.
    /// </summary>
    public static async Task<AuditEntry?> AppendAsync(KangenDbContext db, DateTimeOffset now, IEnumerable<AuditIntent> intents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(intents);
        AuditEntry? last = null;
        foreach (var intent in intents)
            last = await AuditChain.AppendAsync(db, now, intent.Actor, intent.Action, intent.Subject, intent.Data, cancellationToken);
        return last;
    }
}

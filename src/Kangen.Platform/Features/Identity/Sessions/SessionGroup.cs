using Kangen.Platform.Storage;

namespace Kangen.Platform.Features.Identity.Sessions;

/// <summary>
/// What the sessions of one group commit read, read for the whole group at its start (see <see cref="GroupReads"/>): the
/// persons behind the cards' serials and the consumed challenges, in three statements for the group, and the audit head,
/// locked once. A session is deferred when its card was linked to a person when the group began and nothing of the group
/// used its serial, person or challenge yet; a first login or a renewed card reads and saves as it would alone.
/// </summary>
public sealed class SessionGroup(KangenDbContext db) : GroupReads(db)
{
    /// <summary>Reads what the <paramref name="sessions"/> will need, inside the group's transaction.</summary>
    internal async Task BeginAsync(IReadOnlyList<Authenticator.SessionWork> sessions, CancellationToken cancellationToken)
    {
        var ids = await ReadLinksAsync(sessions.Count, sessions.Select(s => s.Certificate.Serial).Distinct().ToArray(), cancellationToken);
        await LockAndReadAsync(ids, sessions.Select(s => s.Challenge.Nonce).Distinct().ToArray(), cancellationToken);
    }

    /// <summary>Starts one session (or another attempt at it), before its savepoint.</summary>
    internal Task BeginPieceAsync(Authenticator.SessionWork session, CancellationToken cancellationToken) =>
        BeginPieceAsync(Answerable(session.Certificate.Serial, "nonce:" + session.Challenge.Nonce), cancellationToken);
}

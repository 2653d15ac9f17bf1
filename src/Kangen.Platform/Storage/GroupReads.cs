using System.Diagnostics.CodeAnalysis;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Identity.Certificates;
using Kangen.Platform.Features.Reservation;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Storage;

/// <summary>
/// What the pieces of one group commit read, read for the whole group at its start, and the writes they defer to one
/// save before the commit. This base holds what every writer's pieces share: the persons behind the serials, the
/// consumed challenges, the audit head (locked once, moved in memory, written by <see cref="SaveAsync"/>), the keys the
/// group's pieces used, and the deferral itself. Scoped: one per group, with the group's context.
/// </summary>
/// <remarks>
/// An answer holds only while nothing in the group's transaction has written what it covers since it was read. Each
/// piece's reads mark the keys they used (serials, persons, challenges, and what a writer adds); a later piece, or a
/// second attempt of the same one after a lost race, that uses a marked key asks the database instead, and so sees the
/// earlier one's writes. A piece whose every read the group answers is deferred: its writes wait in the context for the
/// group's one save, and since it sends nothing to the database but reads, it runs without a savepoint. Any other first saves what waits, outside its savepoint, then reads and saves as it would alone. A
/// group of one is never deferred: its lost race is retried inside its savepoint rather than failing the group's save.
/// </remarks>
public abstract class GroupReads(KangenDbContext db)
{
    // The group's reads are compiled once (EF.CompileAsyncQuery): a LINQ query is otherwise walked, hashed and looked up
    // in EF's query cache on every call, which was most of what these reads cost the single writer (docs/performance.md,
    // GroupReadsBenchmarks). On SQLite a list still goes as one parameter per element, its SQL made again on each call.
    private static readonly CompiledQuery<Func<KangenDbContext, string[], IAsyncEnumerable<SerialLink>>> Links = new(() =>
        EF.CompileAsyncQuery((KangenDbContext db, string[] serials) =>
            db.Certificates.AsNoTracking().Where(c => serials.Contains(c.Serial)).Select(c => new SerialLink(c.Serial, c.PersonId))));

    private static readonly CompiledQuery<Func<KangenDbContext, Guid[], IAsyncEnumerable<Person>>> PersonsById = new(() =>
        EF.CompileAsyncQuery((KangenDbContext db, Guid[] ids) => db.Persons.AsNoTracking().Where(p => ids.Contains(p.Id))));

    private static readonly CompiledQuery<Func<KangenDbContext, string[], IAsyncEnumerable<string>>> Consumed = new(() =>
        EF.CompileAsyncQuery((KangenDbContext db, string[] nonces) =>
            db.ConsumedChallenges.AsNoTracking().Where(c => nonces.Contains(c.Nonce)).Select(c => c.Nonce)));

    private readonly Dictionary<string, Guid?> _personBySerial = [];
    private readonly Dictionary<Guid, Person?> _persons = [];
    private readonly Dictionary<string, bool> _consumed = [];
    // Which piece (its attempt's number) first used each key: the only one whose reads of it may be answered here.
    private readonly Dictionary<string, int> _used = [];
    // What the current piece added to the context: the rest waits for the group's save.
    private readonly List<object> _added = [];
    private bool _listening;
    private int _piece;
    private int _size;
    private (long, string)? _locked;
    private (long, string)? _pieceHead;

    // The audit head, locked for the group and moved in memory by its appends (the context's HeldAuditHead).
    private AuditCursor? _audit;

    /// <summary>True while the current piece is deferred: every read it makes is answered here, and its writes wait.</summary>
    internal bool Deferring { get; private set; }

    /// <summary>The group's context.</summary>
    protected KangenDbContext Db => db;

    /// <summary>Whether a piece of this group created the person (a person with nothing recorded yet).</summary>
    protected bool CreatedInGroup(Guid personId) => _persons.TryGetValue(personId, out var person) && person is null;

    /// <summary>The person a serial was linked to when the group began (no mark: for planning the group's reads).</summary>
    protected Guid? LinkedPerson(string serial) => _personBySerial.GetValueOrDefault(serial);

    /// <summary>
    /// Reads which persons <paramref name="serials"/> are linked to, for a group of <paramref name="size"/> pieces; answers
    /// their ids. Links are only ever added, so they may be read before the audit head's lock.
    /// </summary>
    protected async Task<Guid[]> ReadLinksAsync(int size, string[] serials, CancellationToken cancellationToken)
    {
        _size = size;
        foreach (var serial in serials)
            _personBySerial[serial] = null;
        var ids = new HashSet<Guid>();
        await foreach (var link in Links.For(db)(db, serials).WithCancellation(cancellationToken))
        {
            _personBySerial[link.Serial] = link.PersonId;
            ids.Add(link.PersonId);
        }
        return [.. ids];
    }

    /// <summary>
    /// Locks the audit head for the group, then reads the persons <paramref name="ids"/> and which of
    /// <paramref name="nonces"/> were consumed: what the group reads from here on is as of the moment it holds the head
    /// (PostgreSQL: a My Key ID change takes the head before the person's row, so it has committed or waits), or the
    /// whole group is serial (SQLite).
    /// </summary>
    protected async Task LockAndReadAsync(Guid[] ids, string[] nonces, CancellationToken cancellationToken)
    {
        _audit = await AuditChain.LockHeadAsync(db, cancellationToken);
        _locked = _audit.Position;
        db.HeldAuditHead = _audit;
        await foreach (var person in PersonsById.For(db)(db, ids).WithCancellation(cancellationToken))
            _persons[person.Id] = person;
        foreach (var nonce in nonces)
            _consumed[nonce] = false;
        await foreach (var nonce in Consumed.For(db)(db, nonces).WithCancellation(cancellationToken))
            _consumed[nonce] = true;
    }


    /// <summary>
    /// Starts one piece (or another attempt at it), before its savepoint: deferred when <paramref name="answerable"/>
    /// (the writer's judgement, see <see cref="Answerable"/>) and the group has more than one piece, its writes joining
    /// those waiting in the context; otherwise what waits is saved first and the piece starts from an empty context.
    /// </summary>
    protected async Task BeginPieceAsync(bool answerable, CancellationToken cancellationToken)
    {
        _piece++;
        _pieceHead = _audit?.Position;
        Deferring = _size > 1 && answerable;
        db.WritesRefused = false;
        if (!Deferring)
            await FlushAsync(cancellationToken);
        db.WritesRefused = Deferring;
        if (!_listening)
        {
            db.ChangeTracker.Tracked += (_, e) => _added.Add(e.Entry.Entity);
            // Whatever a deferred piece reaches (a registrations adapter, say) must not save the writes waiting in the
            // shared context: they belong to the group's one save, or to no one if the piece is refused.
            db.SavingChanges += (_, _) =>
            {
                if (db.WritesRefused)
                    throw new InvalidOperationException("A deferred piece of a group commit cannot save before its group does.");
            };
            _listening = true;
        }
        _added.Clear();
    }

    /// <summary>Whether the group can answer for <paramref name="serial"/> and its person, and <paramref name="keys"/>: none used yet.</summary>
    protected bool Answerable(string serial, params ReadOnlySpan<string> keys)
    {
        if (_used.ContainsKey("serial:" + serial) || _personBySerial.GetValueOrDefault(serial) is not { } person
            || _persons.GetValueOrDefault(person) is null || _used.ContainsKey("person:" + person))
            return false;
        foreach (var key in keys)
        {
            if (_used.ContainsKey(key))
                return false;
        }
        return true;
    }

    /// <summary>
    /// Undoes what the savepoint's rollback cannot of a piece that keeps nothing (refused, replayed, failed): the writes
    /// still waiting in the context, and the head in memory (back to where it was when the piece began).
    /// </summary>
    internal void UndoPiece()
    {
        foreach (var entity in _added)
            db.Entry(entity).State = EntityState.Detached;
        _added.Clear();
        if (_pieceHead is { } before)
            _audit!.Position = before;
    }

    /// <summary>Saves the deferred writes and the audit head the group's appends moved to, before the commit.</summary>
    internal async Task SaveAsync(CancellationToken cancellationToken)
    {
        // The pieces are over: what follows is the group's own writing.
        Deferring = false;
        db.WritesRefused = false;
        await FlushAsync(cancellationToken);
        // A group that appended nothing (every piece refused) leaves the head as it was.
        if (_audit is not null && _audit.Position != _locked)
            await AuditChain.SaveHeadAsync(db, _audit, cancellationToken);
        // Written: nothing may append after it in this context any more.
        db.HeldAuditHead = null;
    }

    /// <summary>The person a serial was linked to when the group began (null: none), when that still holds.</summary>
    internal bool TryPersonOf(string serial, out Guid? personId)
    {
        personId = null;
        return Use("serial:" + serial) && _personBySerial.TryGetValue(serial, out personId);
    }

    /// <summary>The person as the group read them (untracked), when that still holds.</summary>
    internal bool TryPerson(Guid personId, [NotNullWhen(true)] out Person? person)
    {
        person = null;
        return Use("person:" + personId) && _persons.TryGetValue(personId, out person) && person is not null;
    }

    /// <summary>
    /// The person behind <paramref name="card"/>: as the group read them (untracked, shared by the group's pieces, read
    /// only) when it can answer, else through <see cref="PersonDirectory"/> (tracked; a first login creates them, a
    /// renewed card is linked), then marked <see cref="Resolved"/>.
    /// </summary>
    internal async Task<(PersonResolution Resolution, IReadOnlyList<AuditIntent> Audit)> ResolveAsync(
        TrustStore trust, VerifiedCertificate card, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (TryPersonOf(card.Serial, out var known) && known is { } id && TryPerson(id, out var person))
            return (new PersonResolution(person, false, false), []);
        var resolved = await PersonDirectory.ResolveAsync(db, trust, card, now, cancellationToken);
        Resolved(resolved.Resolution.Person.Id, resolved.Resolution.Created);
        return resolved;
    }

    /// <summary>
    /// Marks a person the current piece resolved, however it did: a later piece with another of their serials asks the
    /// database. A person it created had nothing yet, so the group answers for them.
    /// </summary>
    internal void Resolved(Guid personId, bool created)
    {
        if (Use("person:" + personId) && created)
            _persons[personId] = null;
    }

    /// <summary>Whether the challenge was consumed, when the group can answer.</summary>
    internal bool TryConsumed(string nonce, out bool consumed)
    {
        consumed = false;
        return Use("nonce:" + nonce) && _consumed.TryGetValue(nonce, out consumed);
    }

    /// <summary>True when the group read everything of the person's it answers for, and no earlier piece used them.</summary>
    protected bool Covers(Guid personId) => Use("person:" + personId) && _persons.ContainsKey(personId);

    /// <summary>Marks <paramref name="key"/> used by the current piece; false when an earlier piece (or attempt) used it.</summary>
    protected bool Use(string key) => _used.TryAdd(key, _piece) || _used[key] == _piece;

    private sealed record SerialLink(string Serial, Guid PersonId);

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        // Called only while writes are allowed (between pieces, or at the group's end). Many small rows of a few tables:
        // statements of our own, prepared once per table, unless some row needs the change tracker's save.
        if (!await RowInserter.TryInsertTrackedAsync(db, cancellationToken))
            await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }
}

using System.Diagnostics.CodeAnalysis;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Registrations;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Applications;

/// <summary>
/// What the submissions of one group commit read, read for the whole group at its start: about ten statements for up to
/// <see cref="GroupCommit{TWork, TOutcome}.MaxGroup"/> submissions, where each one alone would make about fifteen
/// (persons behind the serials, earlier submissions under the idempotency keys, consumed challenges, the persons'
/// applications and choices, the accounts' holders, the registration facts, the operators' pseudonyms), and the audit
/// chain's head, locked once and moved in memory until <see cref="SaveAsync"/>.
/// </summary>
/// <remarks>
/// An answer holds only while nothing in the group's transaction has written what it covers since it was read. Each
/// submission's reads mark the keys they used (its serials, its challenge, its account, its persons); a later submission
/// of the group, or a second attempt of the same one after a lost race, that uses a marked key asks the database instead,
/// and so sees the earlier one's writes. On PostgreSQL the rows are read once the group holds the audit head's lock, so
/// another replica's group has committed by then or waits for this one; what a write that needs no audit entry, or the
/// persons and certificate links read before the lock, may have changed since is met as a unique key when the submission
/// records, and the retry reads the database. A submission every read of which the group answers is deferred: its writes
/// wait in the context for the group's one save (<see cref="BeginPieceAsync"/>). Scoped: one per group, with its context.
/// </remarks>
public sealed class SubmissionGroup(KangenDbContext db, IRegistrationRegistry registry)
{
    private readonly Dictionary<string, Guid?> _personBySerial = [];
    private readonly Dictionary<Guid, Person?> _persons = [];
    private readonly Dictionary<(Guid Requester, string KeyHash), ApplicationSubmission> _submissions = [];
    private readonly HashSet<string> _keyHashes = [];
    private readonly Dictionary<string, bool> _consumed = [];
    private readonly Dictionary<Guid, List<ProgramApplication>> _applications = [];
    private readonly Dictionary<Guid, CampaignChoice> _choices = [];
    private readonly Dictionary<(string Service, string Account), Guid?> _holders = [];
    private readonly Dictionary<Guid, RegistrationFacts> _facts = [];
    private readonly Dictionary<(string Operator, Guid Person), string> _pseudonyms = [];
    // Which submission (its attempt's number) first used each key: the only one whose reads of it may be answered here.
    private readonly Dictionary<string, int> _used = [];
    private string? _campaign;
    private int _piece;
    private int _size;
    // What the current submission added to the context: the rest waits for the group's save.
    private readonly List<object> _added = [];
    private bool _listening;

    /// <summary>The audit chain's head, locked for the group; null outside a group (appends then read it themselves).</summary>
    public AuditCursor? Audit { get; private set; }

    /// <summary>
    /// True while the current submission is deferred: every read it makes is answered here, so its writes wait in the
    /// context for one <c>SaveChanges</c> with the group's others (see <see cref="BeginPieceAsync"/>).
    /// </summary>
    internal bool Deferring { get; private set; }

    /// <summary>Reads what the <paramref name="submissions"/> of <paramref name="campaign"/> will need, inside the group's transaction.</summary>
    internal async Task BeginAsync(string campaign, IReadOnlyList<ApplicationRecorder.Checked> submissions, CancellationToken cancellationToken)
    {
        _campaign = campaign;
        _size = submissions.Count;
        var serials = submissions.Select(s => s.Card.Serial).Concat(submissions.Select(s => s.Representative?.Serial).OfType<string>()).Distinct().ToArray();
        var links = await db.Certificates.AsNoTracking().Where(c => serials.Contains(c.Serial)).Select(c => new { c.Serial, c.PersonId }).ToListAsync(cancellationToken);
        foreach (var serial in serials)
            _personBySerial[serial] = null;
        foreach (var link in links)
            _personBySerial[link.Serial] = link.PersonId;
        var ids = links.Select(l => l.PersonId).Distinct().ToArray();
        foreach (var person in await db.Persons.AsNoTracking().Where(p => ids.Contains(p.Id)).ToListAsync(cancellationToken))
            _persons[person.Id] = person;
        // The applicants' registrations (an adapter may ask another system), before the audit head's lock is taken.
        var applicants = submissions.Select(s => _personBySerial[s.Card.Serial]).OfType<Guid>().Distinct().ToArray();
        foreach (var (person, facts) in await registry.GetFactsAsync(applicants, cancellationToken))
            _facts[person] = facts;

        // Then the lock, and the rows it guards against other replicas' groups: what the group reads from here on is as
        // of the moment it holds the head (PostgreSQL), or the whole group is serial (SQLite).
        Audit = await AuditChain.LockHeadAsync(db, cancellationToken);

        var hashes = submissions.Select(s => s.KeyHash).Distinct().ToArray();
        _keyHashes.UnionWith(hashes);
        foreach (var earlier in await db.ApplicationSubmissions.AsNoTracking()
                     .Where(s => ids.Contains(s.RequesterId) && hashes.Contains(s.IdempotencyKeyHash)).ToListAsync(cancellationToken))
            _submissions[(earlier.RequesterId, earlier.IdempotencyKeyHash)] = earlier;

        var nonces = submissions.Select(s => s.Challenge.Nonce).Distinct().ToArray();
        foreach (var nonce in nonces)
            _consumed[nonce] = false;
        foreach (var nonce in await db.ConsumedChallenges.AsNoTracking().Where(c => nonces.Contains(c.Nonce)).Select(c => c.Nonce).ToListAsync(cancellationToken))
            _consumed[nonce] = true;

        // Applications before choices, as the recorder reads them one by one (see there why the order matters).
        foreach (var row in await db.Applications.AsNoTracking().Where(a => a.Campaign == campaign && ids.Contains(a.PersonId)).ToListAsync(cancellationToken))
            Rows(row.PersonId).Add(row);
        foreach (var choice in await db.CampaignChoices.AsNoTracking().Where(c => c.Campaign == campaign && ids.Contains(c.PersonId)).ToListAsync(cancellationToken))
            _choices[choice.PersonId] = choice;

        foreach (var service in submissions.GroupBy(s => s.Service.Code.Value))
        {
            var references = service.Select(s => s.Claim.AccountReference).Distinct().ToArray();
            foreach (var reference in references)
                _holders[(service.Key, reference)] = null;
            foreach (var holder in await db.ServiceAccounts.AsNoTracking().Where(a => a.Service == service.Key && references.Contains(a.AccountReference))
                         .Select(a => new { a.AccountReference, a.PersonId }).ToListAsync(cancellationToken))
                _holders[(service.Key, holder.AccountReference)] = holder.PersonId;
        }

        foreach (var pseudonym in await db.OperatorPseudonyms.AsNoTracking().Where(p => ids.Contains(p.PersonId))
                     .Select(p => new { p.OperatorCode, p.PersonId, p.Pseudonym }).ToListAsync(cancellationToken))
            _pseudonyms[(pseudonym.OperatorCode, pseudonym.PersonId)] = pseudonym.Pseudonym;

    }

    /// <summary>
    /// Starts one submission (or another attempt at it), before its savepoint. It is deferred when the group can answer
    /// every read it will make: its serials were linked to persons when the group began, and nothing of the group used
    /// its serials, persons, challenge or account yet. Otherwise the writes waiting so far are saved first, outside its
    /// savepoint, and it reads the database and saves its own writes, as it would alone. A group of one is never deferred:
    /// a lost race is then retried inside its savepoint rather than failing the group's single <c>SaveChanges</c>.
    /// </summary>
    internal async Task BeginPieceAsync(ApplicationRecorder.Checked submission, CancellationToken cancellationToken)
    {
        _piece++;
        Deferring = _size > 1 && Unused(submission.Card.Serial) && (submission.Representative is null || Unused(submission.Representative.Serial))
            && !_used.ContainsKey("nonce:" + submission.Challenge.Nonce)
            && !_used.ContainsKey("account:" + submission.Service.Code.Value + "\n" + submission.Claim.AccountReference);
        if (!Deferring)
            await FlushAsync(cancellationToken);
        if (!_listening)
        {
            db.ChangeTracker.Tracked += (_, e) => _added.Add(e.Entry.Entity);
            _listening = true;
        }
        _added.Clear();
    }

    /// <summary>Forgets what the current submission added to the context (it is refused, replayed or failed).</summary>
    internal void Forget()
    {
        foreach (var entity in _added)
            db.Entry(entity).State = EntityState.Detached;
        _added.Clear();
    }

    /// <summary>Saves the deferred writes and the audit head the group's appends moved to, before the commit.</summary>
    internal async Task SaveAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken);
        if (Audit is not null)
            await AuditChain.SaveHeadAsync(db, Audit, cancellationToken);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    // A serial the group read as linked to a person, neither used by the group yet.
    private bool Unused(string serial) =>
        !_used.ContainsKey("serial:" + serial) && _personBySerial.GetValueOrDefault(serial) is { } person
        && _persons.GetValueOrDefault(person) is not null && !_used.ContainsKey("person:" + person);

    /// <summary>The person a serial was linked to when the group began (null: none), when that still holds.</summary>
    internal bool TryPersonOf(string serial, out Guid? personId)
    {
        personId = null;
        return Use("serial:" + serial) && _personBySerial.TryGetValue(serial, out personId);
    }

    /// <summary>The person as the group read them, when that still holds.</summary>
    internal bool TryPerson(Guid personId, [NotNullWhen(true)] out Person? person)
    {
        person = null;
        return Use("person:" + personId) && _persons.TryGetValue(personId, out person) && person is not null;
    }

    /// <summary>
    /// Marks a person the current submission resolved, however it did: a later submission with another of their serials
    /// asks the database. A person it created had nothing yet, so the group answers for them.
    /// </summary>
    internal void Resolved(Guid personId, bool created)
    {
        if (Use("person:" + personId) && created)
            _persons[personId] = null;
    }

    /// <summary>The requester's earlier submission under the idempotency key (null: none), when the group can answer.</summary>
    internal bool TrySubmission(Guid requesterId, string keyHash, out ApplicationSubmission? earlier)
    {
        earlier = null;
        if (!Covers(requesterId) || !_keyHashes.Contains(keyHash))
            return false;
        earlier = _submissions.GetValueOrDefault((requesterId, keyHash));
        return true;
    }

    /// <summary>Whether the challenge was consumed, when the group can answer.</summary>
    internal bool TryConsumed(string nonce, out bool consumed)
    {
        consumed = false;
        return Use("nonce:" + nonce) && _consumed.TryGetValue(nonce, out consumed);
    }

    /// <summary>The person's applications and choice in the group's campaign, when the group can answer.</summary>
    internal bool TryApplications(string campaign, Guid personId, out IReadOnlyList<ProgramApplication> rows, out CampaignChoice? choice)
    {
        rows = [];
        choice = null;
        if (campaign != _campaign || !Covers(personId))
            return false;
        rows = _applications.TryGetValue(personId, out var found) ? found : [];
        choice = _choices.GetValueOrDefault(personId);
        return true;
    }

    /// <summary>Who holds the service's account (null: nobody), when the group can answer.</summary>
    internal bool TryHolder(string service, string accountReference, out Guid? holder)
    {
        holder = null;
        return Use("account:" + service + "\n" + accountReference) && _holders.TryGetValue((service, accountReference), out holder);
    }

    /// <summary>The person's registration facts, when the group can answer.</summary>
    internal bool TryFacts(Guid personId, [NotNullWhen(true)] out RegistrationFacts? facts)
    {
        facts = null;
        if (!Covers(personId))
            return false;
        // A person this group created has no registrations yet; for anyone else, only what the registry answered.
        if (!_facts.TryGetValue(personId, out facts) && _persons[personId] is null)
            facts = new RegistrationFacts(null, null);
        return facts is not null;
    }

    /// <summary>The operator's pseudonym for a person the group answers for (see <see cref="Operators.PseudonymLookup"/>).</summary>
    internal bool TryPseudonym(string operatorCode, Guid personId, out string? pseudonym)
    {
        pseudonym = null;
        if (!Covers(personId))
            return false;
        pseudonym = _pseudonyms.GetValueOrDefault((operatorCode, personId));
        return true;
    }

    private bool Covers(Guid personId) => Use("person:" + personId) && _persons.ContainsKey(personId);

    private List<ProgramApplication> Rows(Guid personId)
    {
        if (!_applications.TryGetValue(personId, out var rows))
            _applications[personId] = rows = [];
        return rows;
    }

    // A key first used by an earlier submission (or attempt) may have been written since the group read it.
    private bool Use(string key) => _used.TryAdd(key, _piece) || _used[key] == _piece;
}

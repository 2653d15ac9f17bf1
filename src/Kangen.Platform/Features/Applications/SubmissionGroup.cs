using System.Diagnostics.CodeAnalysis;
using Kangen.Platform.Features.Registrations;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Applications;

/// <summary>
/// What the submissions of one group commit read, read for the whole group at its start (see <see cref="GroupReads"/>):
/// about ten statements for up to <see cref="GroupCommit{TWork, TOutcome}.MaxGroup"/> submissions, where each one alone
/// would make about fifteen. Besides the persons behind the serials and the consumed challenges: earlier submissions
/// under the idempotency keys, the persons' applications and choices, the accounts' holders, the applicants'
/// registration facts (asked of the adapter before the audit head's lock), the operators' pseudonyms. A submission is
/// deferred when its serials were linked when the group began and nothing of the group used its serials, persons,
/// challenge or account yet.
/// </summary>
public sealed class SubmissionGroup(KangenDbContext db, IRegistrationRegistry registry) : GroupReads(db)
{
    // Compiled once, as the base's reads are (see there why).
    private static readonly CompiledQuery<Func<KangenDbContext, Guid[], string[], IAsyncEnumerable<ApplicationSubmission>>> Submissions = new(() =>
        EF.CompileAsyncQuery((KangenDbContext db, Guid[] ids, string[] hashes) =>
            db.ApplicationSubmissions.AsNoTracking().Where(s => ids.Contains(s.RequesterId) && hashes.Contains(s.IdempotencyKeyHash))));

    private static readonly CompiledQuery<Func<KangenDbContext, string, Guid[], IAsyncEnumerable<ProgramApplication>>> ApplicationsOf = new(() =>
        EF.CompileAsyncQuery((KangenDbContext db, string campaign, Guid[] ids) =>
            db.Applications.AsNoTracking().Where(a => a.Campaign == campaign && ids.Contains(a.PersonId))));

    private static readonly CompiledQuery<Func<KangenDbContext, string, Guid[], IAsyncEnumerable<CampaignChoice>>> ChoicesOf = new(() =>
        EF.CompileAsyncQuery((KangenDbContext db, string campaign, Guid[] ids) =>
            db.CampaignChoices.AsNoTracking().Where(c => c.Campaign == campaign && ids.Contains(c.PersonId))));

    private static readonly CompiledQuery<Func<KangenDbContext, string, string[], IAsyncEnumerable<AccountHolder>>> Holders = new(() =>
        EF.CompileAsyncQuery((KangenDbContext db, string service, string[] references) =>
            db.ServiceAccounts.AsNoTracking().Where(a => a.Service == service && references.Contains(a.AccountReference))
                .Select(a => new AccountHolder(a.AccountReference, a.PersonId))));

    private static readonly CompiledQuery<Func<KangenDbContext, Guid[], IAsyncEnumerable<PseudonymRow>>> Pseudonyms = new(() =>
        EF.CompileAsyncQuery((KangenDbContext db, Guid[] ids) =>
            db.OperatorPseudonyms.AsNoTracking().Where(p => ids.Contains(p.PersonId)).Select(p => new PseudonymRow(p.OperatorCode, p.PersonId, p.Pseudonym))));

    private readonly Dictionary<(Guid Requester, string KeyHash), ApplicationSubmission> _submissions = [];
    private readonly HashSet<string> _keyHashes = [];
    private readonly Dictionary<Guid, List<ProgramApplication>> _applications = [];
    private readonly Dictionary<Guid, CampaignChoice> _choices = [];
    private readonly Dictionary<(string Service, string Account), Guid?> _holders = [];
    private readonly Dictionary<Guid, RegistrationFacts> _facts = [];
    private readonly Dictionary<(string Operator, Guid Person), string> _pseudonyms = [];
    private string? _campaign;

    /// <summary>Reads what the <paramref name="submissions"/> of <paramref name="campaign"/> will need, inside the group's transaction.</summary>
    internal async Task BeginAsync(string campaign, IReadOnlyList<ApplicationRecorder.Checked> submissions, CancellationToken cancellationToken)
    {
        _campaign = campaign;
        var serials = submissions.Select(s => s.Card.Serial).Concat(submissions.Select(s => s.Representative?.Serial).OfType<string>()).Distinct().ToArray();
        var ids = await ReadLinksAsync(submissions.Count, serials, cancellationToken);
        // The applicants' registrations (an adapter may ask another system), before the audit head's lock is taken.
        var applicants = submissions.Select(s => LinkedPerson(s.Card.Serial)).OfType<Guid>().Distinct().ToArray();
        foreach (var (person, facts) in await registry.GetFactsAsync(applicants, cancellationToken))
            _facts[person] = facts;

        await LockAndReadAsync(ids, submissions.Select(s => s.Challenge.Nonce).Distinct().ToArray(), cancellationToken);
        var hashes = submissions.Select(s => s.KeyHash).Distinct().ToArray();
        _keyHashes.UnionWith(hashes);
        await foreach (var earlier in Submissions.For(Db)(Db, ids, hashes).WithCancellation(cancellationToken))
            _submissions[(earlier.RequesterId, earlier.IdempotencyKeyHash)] = earlier;

        // Applications before choices, as the recorder reads them one by one (see there why the order matters).
        await foreach (var row in ApplicationsOf.For(Db)(Db, campaign, ids).WithCancellation(cancellationToken))
            Rows(row.PersonId).Add(row);
        await foreach (var choice in ChoicesOf.For(Db)(Db, campaign, ids).WithCancellation(cancellationToken))
            _choices[choice.PersonId] = choice;

        foreach (var service in submissions.GroupBy(s => s.Service.Code.Value))
        {
            var references = service.Select(s => s.Claim.AccountReference).Distinct().ToArray();
            foreach (var reference in references)
                _holders[(service.Key, reference)] = null;
            await foreach (var holder in Holders.For(Db)(Db, service.Key, references).WithCancellation(cancellationToken))
                _holders[(service.Key, holder.AccountReference)] = holder.PersonId;
        }

        await foreach (var pseudonym in Pseudonyms.For(Db)(Db, ids).WithCancellation(cancellationToken))
            _pseudonyms[(pseudonym.OperatorCode, pseudonym.PersonId)] = pseudonym.Pseudonym;
    }

    /// <summary>Starts one submission (or another attempt at it), before its savepoint (see <see cref="GroupReads"/>).</summary>
    internal Task BeginPieceAsync(ApplicationRecorder.Checked submission, CancellationToken cancellationToken) =>
        BeginPieceAsync(
            Answerable(submission.Card.Serial, "nonce:" + submission.Challenge.Nonce, AccountKey(submission.Service.Code.Value, submission.Claim.AccountReference))
            && (submission.Representative is null || Answerable(submission.Representative.Serial)),
            cancellationToken);

    /// <summary>The requester's earlier submission under the idempotency key (null: none), when the group can answer.</summary>
    internal bool TrySubmission(Guid requesterId, string keyHash, out ApplicationSubmission? earlier)
    {
        earlier = null;
        if (!Covers(requesterId) || !_keyHashes.Contains(keyHash))
            return false;
        earlier = _submissions.GetValueOrDefault((requesterId, keyHash));
        return true;
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
        return Use(AccountKey(service, accountReference)) && _holders.TryGetValue((service, accountReference), out holder);
    }

    /// <summary>The person's registration facts, when the group can answer.</summary>
    internal bool TryFacts(Guid personId, [NotNullWhen(true)] out RegistrationFacts? facts)
    {
        facts = null;
        if (!Covers(personId))
            return false;
        // A person this group created has no registrations yet; for anyone else, only what the registry answered.
        if (!_facts.TryGetValue(personId, out facts) && CreatedInGroup(personId))
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

    private sealed record AccountHolder(string AccountReference, Guid PersonId);

    private sealed record PseudonymRow(string OperatorCode, Guid PersonId, string Pseudonym);

    private static string AccountKey(string service, string accountReference) => "account:" + service + "\n" + accountReference;

    private List<ProgramApplication> Rows(Guid personId)
    {
        if (!_applications.TryGetValue(personId, out var rows))
            _applications[personId] = rows = [];
        return rows;
    }
}

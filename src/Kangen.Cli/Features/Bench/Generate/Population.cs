using System.Globalization;
using System.Text.Json;
using Kangen.Platform.Features.Applications;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Grants;
using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Cli.Features.Bench.Generate;

/// <summary>
/// Synthetic citizens that look like what the real flows write, one after the other along the audit chain: for each,
/// what a first login and an application write (<c>PersonDirectory</c>, <c>Authenticator</c>,
/// <c>ApplicationRecorder</c>, <c>EnrolmentFeed</c>): the person and certificate link, the submission with its sealed
/// service ID and its program rows, the campaign choice, the account binding, the operator's pseudonym and feed
/// records, and the audit entries (<c>person.created</c>, <c>session.created</c>, <c>application.recorded</c>,
/// <c>session.ended</c>). Some then receive grants from their operator, decided by the campaign's own entitlement
/// arithmetic and recorded as <c>GrantLedger</c> records a chunk (ledger lines, running totals, one
/// <c>grants.recorded</c> entry per operator and batch). Sessions and used challenges are not written: the platform's
/// housekeeping prunes them once expired, and only their audit entries stay.
/// </summary>
internal sealed class Population
{
    /// <summary>
    /// Certificate serials of generated people: <c>BENCH-</c> and a number. Real serials are hexadecimal, so no real
    /// card ever has one of these; the prefix also tells generated people apart in a database.
    /// </summary>
    public const string SerialPrefix = "BENCH-";

    /// <summary>Demo accounts of generated people start here, above the account numbers bench citizens use (DemoAccounts.Create(service, i)).</summary>
    public const long AccountOffset = 1_000_000;

    private const int AccountCandidates = 64; // as DemoAccounts.Create: each index owns its own run of candidates

    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly string[] Channels = ["web", "web", "web", "app", "app", "spot"];

    private readonly CampaignDefinition _campaign;
    private readonly SecretBox _box;
    private readonly (PaymentService Service, double Upto)[] _services;
    private readonly Dictionary<string, long> _accountsPerService = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _from;
    private readonly TimeSpan _step;
    private readonly Random _random;
    private readonly string _campaignId;

    /// <param name="campaign">The campaign as the platform runs it (the demo's shifted dates).</param>
    /// <param name="catalogue">The services as the platform runs them (shifted with the campaign).</param>
    /// <param name="box">The data folder's secret box: service IDs sealed and phone digits hashed with its keys.</param>
    /// <param name="now">The generation's clock: every generated instant is before it.</param>
    /// <param name="people">How many people the run generates (their applications spread over the open windows).</param>
    /// <param name="seed">The random seed: the same seed, the same people.</param>
    public Population(CampaignDefinition campaign, ServiceCatalogue catalogue, SecretBox box, DateTimeOffset now, long people, int seed)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(catalogue);
        _campaign = campaign;
        _box = box;
        _random = new Random(seed);
        _campaignId = campaign.Id.Value;
        var current = campaign.InForceAt(now);
        var today = current.TimeZone.DateOf(now);
        // Applications from the day after the last program opened (every program takes applications) to an hour ago,
        // at most the last 90 days: the busy months of a campaign.
        var opened = current.Programs.Max(current.OpensAt).AddDays(1);
        var until = Milliseconds(now.AddHours(-1));
        _from = Milliseconds(opened > now.AddDays(-90) ? opened : now.AddDays(-90));
        if (_from >= until)
            throw new InvalidOperationException("The campaign's programs are not all open on the generation's clock.");
        _step = (until - _from) / Math.Max(1, people);

        // A mix in which the demo's own operators carry a large share, as the largest operators did in Phase 2, and every
        // other open service of the catalogue its part of the rest.
        var open = OpenServices(catalogue, current, today).ToArray();
        var major = new Dictionary<string, double>(StringComparer.Ordinal) { ["demo-pay"] = 0.25, ["demo-ecash"] = 0.10, ["demo-transit"] = 0.10 };
        var rest = open.Where(s => !major.ContainsKey(s.Code.Value)).ToArray();
        var restShare = (1 - open.Where(s => major.ContainsKey(s.Code.Value)).Sum(s => major[s.Code.Value])) / Math.Max(1, rest.Length);
        var upto = 0.0;
        _services = [.. open.Select(s => (s, upto += major.TryGetValue(s.Code.Value, out var share) ? share : restShare))];
    }

    /// <summary>
    /// The services of <paramref name="catalogue"/> open on <paramref name="today"/> (the campaign's own calendar): past
    /// neither the service's last day nor a closing <paramref name="campaign"/> set for it.
    /// </summary>
    public static IEnumerable<PaymentService> OpenServices(ServiceCatalogue catalogue, Campaign campaign, DateOnly today) =>
        catalogue.All.Where(s => s.IsOpenOn(today) && !(campaign.ServiceClosings.TryGetValue(s.Code, out var closing) && closing < today));

    /// <summary>
    /// The generated people of <paramref name="db"/> (their certificates' serials carry <see cref="SerialPrefix"/>), and
    /// the others. Ranges on the certificates' primary key: LIKE would scan the table on SQLite, whose LIKE ignores case;
    /// the serials are ASCII, so any collation orders them alike.
    /// </summary>
    public static async Task<(long Generated, long Others)> CountPeopleAsync(KangenDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        const string end = SerialPrefix + "~";
        var generated = await db.Certificates.LongCountAsync(c => string.Compare(c.Serial, SerialPrefix) >= 0 && string.Compare(c.Serial, end) < 0, cancellationToken);
        var before = await db.Certificates.LongCountAsync(c => string.Compare(c.Serial, SerialPrefix) < 0, cancellationToken);
        var after = await db.Certificates.LongCountAsync(c => string.Compare(c.Serial, end) >= 0, cancellationToken);
        return (generated, before + after);
    }

    /// <summary>The serial of generated person <paramref name="index"/>.</summary>
    public static string SerialOf(long index) => SerialPrefix + index.ToString("D10", CultureInfo.InvariantCulture);

    /// <summary>
    /// Adds person <paramref name="index"/> to <paramref name="batch"/>, appending their audit entries after
    /// <paramref name="chain"/> (which moves on), and returns the grants their operator would report later.
    /// </summary>
    public IReadOnlyList<(GrantEntry Entry, ProgramKind Program)> Add(long index, GeneratedBatch batch, AuditCursor chain, GrantTotal? totals)
    {
        var at = _from + _step * index;
        var campaign = _campaign.InForceAt(at);
        var id = Guid.CreateVersion7(at);
        var serial = SerialOf(index);
        var who = "person:" + id;
        var myKeyId = MyKeyIds.Of(index);
        var person = new Person
        {
            Id = id, MyKeyId = myKeyId, RegenerationsUsed = 0, CreatedAt = at,
            // The certificate was issued weeks to years before its first use here.
            CardHeldSince = Milliseconds(at.AddDays(-(7 + _random.Next(1500)))),
        };
        batch.Add(person);
        batch.Add(new CertificateLink { Serial = serial, PersonId = id, LinkedAt = at, How = "first-login" });
        var channel = Channels[_random.Next(Channels.Length)];
        var tokenHash = Hex(32);
        var session = Authenticator.SessionSubject(tokenHash);
        chain.Append(batch, at, who, "person.created", who, new { myKeyId, serial });
        chain.Append(batch, at, who, "session.created", session, new { serial, expiresAt = at.AddMinutes(30), channel });

        var (service, accountId) = PickAccount();
        var programs = PickPrograms(service);
        var applied = at.AddSeconds(20 + _random.Next(100));
        var terms = service.TermsAt(campaign.TimeZone.DateOf(applied)).Version;
        var reference = DemoDerivation.AccountReference(service, accountId);
        var submission = new ApplicationSubmission
        {
            Id = Guid.CreateVersion7(applied),
            RequesterId = id,
            IdempotencyKeyHash = Hex(32),
            RequestHash = Hex(32),
            PersonId = id,
            Campaign = _campaignId,
            CampaignVersion = campaign.Version,
            Service = service.Code.Value,
            TermsVersion = terms,
            AccountReference = reference,
            SealedServiceId = _box.Seal(ApplicationRecorder.ServiceIdPurpose, accountId),
            PhoneHash = _random.Next(2) == 0 ? null : _box.Hash(ApplicationRecorder.PhonePurpose, _random.Next(10000).ToString("D4", CultureInfo.InvariantCulture)),
            Actor = "self",
            Channel = channel,
            StatementHash = Hex(32),
            Serial = serial,
            // An RSA-2048 signature's size, as a card's.
            Signature = Convert.ToBase64String(RandomBytes(256)),
            RecordedAt = applied,
        };
        batch.Add(submission);
        foreach (var program in programs)
        {
            batch.Add(new ProgramApplication
            {
                Campaign = _campaignId, PersonId = id, Program = program.ToCode(), SubmissionId = submission.Id,
                Service = service.Code.Value, Actor = "self", Channel = channel, RecordedAt = applied,
            });
        }
        batch.Add(new CampaignChoice { Campaign = _campaignId, PersonId = id, Service = service.Code.Value, AccountReference = reference, ChosenAt = applied });
        batch.Add(new ServiceAccount { Service = service.Code.Value, AccountReference = reference, PersonId = id, BoundAt = applied });
        var recorded = chain.Append(batch, applied, who, "application.recorded", who, new
        {
            application = submission.Id,
            campaign = _campaignId,
            version = campaign.Version,
            programs = programs.Select(p => p.ToCode()).ToArray(),
            service = service.Code.Value,
            actor = "self",
            channel,
            statement = submission.StatementHash,
        });
        var pseudonym = Pseudonym();
        batch.Add(new OperatorPseudonym { OperatorCode = service.Operator, Pseudonym = pseudonym, PersonId = id, CreatedAt = applied });
        for (var i = 0; i < programs.Count; i++)
        {
            batch.Add(new EnrolmentEvent
            {
                AuditSequence = recorded, Ordinal = i, OperatorCode = service.Operator, Pseudonym = pseudonym, Kind = EnrolmentRecord.Enrolled,
                Service = service.Code.Value, AccountReference = reference, Program = programs[i].ToCode(), At = applied,
            });
        }
        chain.Append(batch, applied.AddSeconds(5), who, "session.ended", session, new { serial });

        return totals is null ? [] : Grants(index, id, pseudonym, service, programs, campaign, applied, totals);
    }

    /// <summary>The grants of a person who got some: card acquisition in one to three purchases (some past the cap), the fixed programs at once.</summary>
    private List<(GrantEntry, ProgramKind)> Grants(long index, Guid person, string pseudonym, PaymentService service, IReadOnlyList<ProgramKind> programs,
        Campaign campaign, DateTimeOffset applied, GrantTotal totals)
    {
        var grants = new List<(GrantEntry, ProgramKind)>();
        var n = 0;
        foreach (var program in programs)
        {
            var lines = program == ProgramKind.CardAcquisition ? 1 + _random.Next(3) : 1;
            for (var line = 0; line < lines; line++)
            {
                var proposed = program == ProgramKind.CardAcquisition ? 500 + _random.Next(25) * 100 : 7500;
                var occurred = Milliseconds(applied.AddMinutes(1 + n));
                var key = "gen-" + index.ToString(CultureInfo.InvariantCulture) + "-" + n.ToString(CultureInfo.InvariantCulture);
                n++;
                var entitlement = Entitlement.Of(campaign, Phase1History.NeverApplied, GrantRules.ToRules(totals));
                var decision = entitlement.Accept(program, proposed);
                var limit = decision.Violations.FirstOrDefault(v => v.Code.Kind == RuleCodeKind.Refusal)?.Code.Code;
                var entry = new GrantEntry
                {
                    OperatorCode = service.Operator,
                    Key = key,
                    LineHash = GrantRules.LineHash(new GrantLine(key, pseudonym, service.Code.Value, program.ToCode(), proposed, occurred)),
                    Kind = LedgerValues.Grant,
                    PersonId = person,
                    Campaign = _campaignId,
                    Service = service.Code.Value,
                    Program = program.ToCode(),
                    Proposed = proposed,
                    Points = decision.Accepted.Amount,
                    Status = decision.IsRefused ? GrantResult.RefusedStatus : decision.IsFullyAccepted ? GrantResult.AcceptedStatus : GrantResult.PartialStatus,
                    Reason = decision.IsFullyAccepted ? null : limit ?? RuleCodes.GrantNotEligible.Code,
                    OccurredAt = occurred,
                    Month = GrantRules.MonthOf(campaign.TimeZone, occurred),
                    RemainingProgram = decision.RemainingAfter.Amount,
                    RemainingTotal = decision.RemainingTotalAfter.Amount,
                };
                GrantRules.Add(totals, program, entry.Points);
                grants.Add((entry, program));
            }
        }
        return grants;
    }

    private (PaymentService Service, string AccountId) PickAccount()
    {
        var roll = _random.NextDouble() * _services[^1].Upto;
        var service = _services.First(s => roll < s.Upto).Service;
        var number = _accountsPerService.GetValueOrDefault(service.Code.Value) + AccountOffset;
        _accountsPerService[service.Code.Value] = number - AccountOffset + 1;
        for (var attempt = 0; attempt < AccountCandidates; attempt++)
        {
            // The demo operators' own accounts, so the platform (and a demo operator asked again) agrees with them.
            var id = DemoAccounts.AccountId(service, (ulong)number * AccountCandidates + (ulong)attempt);
            if (!DemoDerivation.IsClosed(service, id))
                return (service, id);
        }
        throw new InvalidOperationException($"No open demo account among {AccountCandidates} candidates of {service.Code} #{number}.");
    }

    // Most people apply for every part their service takes; some for fewer (no health-insurance use, no fund account yet).
    private List<ProgramKind> PickPrograms(PaymentService service)
    {
        var chosen = service.Programs.Where(p => _random.NextDouble() < p switch
        {
            ProgramKind.CardAcquisition => 0.85,
            ProgramKind.HealthInsurance => 0.70,
            _ => 0.65,
        }).OrderBy(p => p.Part()).ToList();
        if (chosen.Count == 0)
            chosen.Add(service.Programs.OrderBy(p => p.Part()).First());
        return chosen;
    }

    private string Pseudonym()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        Span<char> text = stackalloc char[28];
        text[0] = 'p';
        text[1] = '-';
        for (var i = 2; i < text.Length; i++)
            text[i] = alphabet[_random.Next(32)];
        return new string(text);
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    private string Hex(int bytes) => Convert.ToHexStringLower(RandomBytes(bytes));

    /// <summary>Instants at millisecond precision, as the audit log stores them and every provider keeps them exactly.</summary>
    public static DateTimeOffset Milliseconds(DateTimeOffset instant) => DateTimeOffset.FromUnixTimeMilliseconds(instant.ToUnixTimeMilliseconds());

    /// <summary>Canonical JSON of audit data, as <see cref="AuditChain"/> writes it.</summary>
    public static string AuditData(object data) => JsonSerializer.Serialize(data, AuditJson);
}

/// <summary>The audit chain's head while generating: entries are appended to a batch in sequence, each hashed over the previous.</summary>
internal sealed class AuditCursor(long sequence, string hash)
{
    public long Sequence { get; private set; } = sequence;

    public string Hash { get; private set; } = hash;

    /// <summary>Appends an entry at <paramref name="at"/>; returns its sequence.</summary>
    public long Append(GeneratedBatch batch, DateTimeOffset at, string actor, string action, string subject, object data)
    {
        var entry = new AuditEntry
        {
            Sequence = Sequence + 1, At = Population.Milliseconds(at), Actor = actor, Action = action, Subject = subject,
            Data = Population.AuditData(data), PreviousHash = Hash, Hash = "",
        };
        entry.Hash = AuditChain.ComputeHash(entry);
        batch.Add(entry);
        Sequence = entry.Sequence;
        Hash = entry.Hash;
        batch.HeadSequence = Sequence;
        batch.HeadHash = Hash;
        return entry.Sequence;
    }
}

/// <summary>
/// My Key IDs of generated people: distinct by construction (random ones would collide about 60 times in 10 million),
/// spread over the generated alphabet by an affine map that is a bijection on its 31^8 values.
/// </summary>
internal static class MyKeyIds
{
    private const string Alphabet = Kangen.Platform.Features.Reservation.MyKeyId.GeneratedAlphabet;
    private static readonly long Space = (long)Math.Pow(Alphabet.Length, 8);
    // Not a multiple of 31: coprime to 31^8.
    private const long Multiplier = 387_420_489_001;
    private const long Offset = 123_456_789_012;

    public static string Of(long index)
    {
        var value = (long)(((Int128)index * Multiplier + Offset) % Space);
        Span<char> text = stackalloc char[8];
        for (var i = 7; i >= 0; i--)
        {
            text[i] = Alphabet[(int)(value % Alphabet.Length)];
            value /= Alphabet.Length;
        }
        return new string(text);
    }
}

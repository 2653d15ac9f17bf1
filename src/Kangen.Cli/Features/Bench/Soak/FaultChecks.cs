using Kangen.Platform.Features.Audit;
using Kangen.Protocol;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Cli.Features.Bench.Soak;

/// <summary>
/// What one run of one fault reports: its client's figures, its own figures and its invariant checks. The tally is the
/// soak's (it adds up over rounds); what this run's checks judge is counted from the tally as it was when the run began.
/// </summary>
internal sealed class FaultReport(string fault, FaultTally tally)
{
    private readonly List<BenchCheck> _checks = [];
    private readonly List<BenchFigure> _figures = [];
    private readonly FaultTallySnapshot _start = tally.Snapshot();

    public string Fault { get; } = fault;

    public FaultTally Tally { get; } = tally;

    /// <summary>Unexpected answers in this run.</summary>
    public long Unexpected => Tally.Unexpected - _start.Unexpected;

    /// <summary>Requests cut in this run.</summary>
    public long Cut => Tally.Cut - _start.Cut;

    /// <summary>Answers with <paramref name="code"/> (or no answer) in this run.</summary>
    public long Answers(string code) => Tally.Count(code) - _start.Codes.GetValueOrDefault(code);

    /// <summary>Requests of <paramref name="operation"/> sent again in this run.</summary>
    public long Resent(string operation) => Tally.Resent(operation) - _start.Resent.GetValueOrDefault(operation);

    public IReadOnlyList<BenchCheck> Checks => _checks;

    /// <summary>What the fault measured besides its client (e.g. how long a restart took).</summary>
    public IReadOnlyList<BenchFigure> Figures => _figures;

    public bool Passed => _checks.All(c => c.Passed);

    /// <summary>A check that <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public void Equal(string name, long actual, long expected, string description) =>
        _checks.Add(new BenchCheck(name, actual, expected, actual == expected, description));

    /// <summary>A check that a condition holds, shown as 1 of 1.</summary>
    public void True(string name, bool holds, string description) => Equal(name, holds ? 1 : 0, 1, description);

    public void Figure(string name, double value, string unit, string description) => _figures.Add(new BenchFigure(name, value, unit, description));
}

/// <summary>
/// The invariant checks of the faults, read from the platform's database after the fault (DESIGN.md, "Invariants"):
/// each compares what the database holds with what the clients were told.
/// </summary>
internal static class FaultChecks
{
    /// <summary>
    /// Invariant 1 and 6 for applications: every acknowledged application is recorded, nobody has two, the database holds
    /// exactly as many as the clients were told, and each has its audit entry and its one campaign choice.
    /// </summary>
    /// <returns>The application numbers the database holds.</returns>
    public static async Task<IReadOnlySet<string>> ApplicationsAsync(FaultReport report, SoakEnvironment environment, IReadOnlyCollection<string> acknowledged,
        CancellationToken cancellationToken)
    {
        await using var db = environment.OpenDatabase();
        var submissions = await db.ApplicationSubmissions.AsNoTracking().Select(s => new { s.Id, s.PersonId }).ToListAsync(cancellationToken);
        var ids = submissions.Select(s => s.Id.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var told = acknowledged.ToHashSet(StringComparer.OrdinalIgnoreCase);
        report.Equal("acknowledged applications missing", told.Count(id => !ids.Contains(id)), 0,
            "Applications a client was told are recorded (an application number) that the database does not hold");
        report.Equal("applications recorded", submissions.Count, told.Count,
            "Applications in the database against distinct application numbers the clients were told (nothing half-written, nothing unannounced)");
        report.Equal("persons with two applications", submissions.GroupBy(s => s.PersonId).Count(g => g.Count() > 1), 0,
            "Persons with more than one application in the campaign (invariant 1)");
        var choices = await db.CampaignChoices.AsNoTracking().Select(c => c.PersonId).ToListAsync(cancellationToken);
        report.Equal("campaign choices", choices.Count, submissions.Count, "Service choices recorded against applications (each application records one)");
        var audited = await db.AuditLog.AsNoTracking().Where(e => e.Action == "application.recorded").Select(e => e.Subject).ToListAsync(cancellationToken);
        var persons = submissions.Select(s => "person:" + s.PersonId).ToHashSet(StringComparer.Ordinal);
        report.Equal("applications without audit entry", persons.Count(p => !audited.Contains(p)), 0,
            "Recorded applications with no 'application.recorded' audit entry (invariant 6)");
        report.Equal("audit entries without application", audited.Count(a => !persons.Contains(a)), 0,
            "'application.recorded' audit entries whose application is not in the database (half-written)");
        report.Equal("application audit entries", audited.Count, submissions.Count,
            "'application.recorded' audit entries against applications recorded (one each: a doubled entry counts)");
        return ids;
    }

    /// <summary>
    /// Invariant 2: a payment service account belongs to at most one person. Read from the applications (the binding
    /// table's key is the account, so it cannot hold two persons for one): no account is applied with by two persons, and
    /// each application's person is the one its account is bound to.
    /// </summary>
    public static async Task AccountsAsync(FaultReport report, SoakEnvironment environment, CancellationToken cancellationToken)
    {
        await using var db = environment.OpenDatabase();
        var submissions = await db.ApplicationSubmissions.AsNoTracking().Select(s => new AccountUse(s.Service, s.AccountReference, s.PersonId)).ToListAsync(cancellationToken);
        var bound = await db.ServiceAccounts.AsNoTracking().Select(a => new AccountUse(a.Service, a.AccountReference, a.PersonId)).ToListAsync(cancellationToken);
        report.Equal("accounts with two persons", AccountsWithTwoPersons(submissions), 0,
            "Payment service accounts that applications of more than one person name (invariant 2)");
        report.Equal("applications not of the account's person", ApplicationsNotOfTheAccountsPerson(submissions, bound), 0,
            "Applications whose person is not the person their account is bound to (or whose account is bound to nobody)");
    }

    /// <summary>One account named with one person: by an application, or by the binding.</summary>
    public sealed record AccountUse(string Service, string AccountReference, Guid PersonId);

    /// <summary>Accounts (service, reference) named with more than one distinct person.</summary>
    public static int AccountsWithTwoPersons(IEnumerable<AccountUse> uses) =>
        uses.GroupBy(u => (u.Service, u.AccountReference)).Count(g => g.Select(u => u.PersonId).Distinct().Count() > 1);

    /// <summary>Applications whose person differs from their account's bound person (or whose account is not bound).</summary>
    public static int ApplicationsNotOfTheAccountsPerson(IEnumerable<AccountUse> applications, IEnumerable<AccountUse> bound)
    {
        var owners = bound.ToDictionary(b => (b.Service, b.AccountReference), b => b.PersonId);
        return applications.Count(a => !owners.TryGetValue((a.Service, a.AccountReference), out var owner) || owner != a.PersonId);
    }

    /// <summary>
    /// Invariants 3 and 7 for grants: every line the operator meant was acknowledged and is recorded exactly once, the
    /// ledger agrees with what each line was told, no person's part 1 exceeds the cap, each person got exactly the cap's
    /// worth of what was proposed (nothing lost, nothing doubled), and the running totals equal the ledger.
    /// </summary>
    public static async Task GrantsAsync(FaultReport report, SoakEnvironment environment, IReadOnlyList<PlannedGrant> planned, CancellationToken cancellationToken)
    {
        await using var db = environment.OpenDatabase();
        var rows = await db.Grants.AsNoTracking().Where(g => g.OperatorCode == SoakEnvironment.OperatorCode && g.Kind == "grant")
            .Select(g => new { g.Key, g.PersonId, g.Points, g.Status }).ToListAsync(cancellationToken);
        var byKey = rows.GroupBy(r => r.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        report.Equal("grants acknowledged", planned.Count(g => g.Answer is not null), planned.Count, "Grant lines the operator meant that the platform acknowledged");
        report.Equal("grants recorded", planned.Count(g => byKey.ContainsKey(g.Line.Key)), planned.Count, "Grant lines the operator meant that the ledger holds (nothing lost)");
        report.Equal("grant keys recorded twice (guarded by the unique index)", byKey.Count(k => k.Value.Count > 1), 0,
            "Idempotency keys recorded more than once: the ledger's unique index on the key forbids it, so this holds unless the index is gone; doubled grants show in 'points granted'");
        var meant = planned.Select(g => g.Line.Key).ToHashSet(StringComparer.Ordinal);
        report.Equal("grants not meant", byKey.Keys.Count(k => !meant.Contains(k)), 0, "Ledger lines no client sent");
        report.Equal("answers differing from the ledger", planned.Count(g => g.Answer is { } a && byKey.TryGetValue(g.Line.Key, out var r)
            && (r[0].Status != a.Status || r[0].Points != a.Accepted)), 0, "Lines whose acknowledged status or points differ from what the ledger recorded");

        var perPerson = rows.Where(r => r.PersonId is not null && r.Status != GrantResult.RefusedStatus)
            .GroupBy(r => r.PersonId!.Value).ToDictionary(g => g.Key, g => g.Sum(r => r.Points));
        report.Equal("persons over the cap", perPerson.Count(p => p.Value > environment.Cap), 0,
            $"Persons whose part 1 points exceed the cap of {environment.Cap} (invariant 3)");
        var proposed = planned.GroupBy(g => g.Line.Person).Select(g => Math.Min(environment.Cap, g.Sum(x => x.Line.Points))).ToList();
        report.Equal("points granted", perPerson.Values.Sum(), proposed.Sum(),
            "Points in the ledger against what the operator proposed, capped per person (a lost grant shows as less; half the persons are proposed less than the cap, so a doubled line shows as more)");
        var totals = await db.GrantTotals.AsNoTracking().Where(t => t.Campaign == environment.Campaign)
            .Select(t => new { t.PersonId, t.CardAcquisition }).ToListAsync(cancellationToken);
        var totalled = totals.Select(t => t.PersonId).ToHashSet();
        report.Equal("running totals differing from the ledger", totals.Count(t => t.CardAcquisition != perPerson.GetValueOrDefault(t.PersonId))
            + perPerson.Keys.Count(p => !totalled.Contains(p)), 0, "Persons whose running part 1 total differs from the sum of their ledger lines");
    }

    /// <summary>Invariant 6: the audit chain verifies (<c>kangen admin audit verify</c>).</summary>
    public static async Task AuditAsync(FaultReport report, SoakEnvironment environment, CancellationToken cancellationToken)
    {
        await using var db = environment.OpenDatabase();
        var verification = await AuditVerifier.VerifyAsync(db, cancellationToken);
        report.True("audit chain verifies", verification.IsIntact,
            $"The hash-chained audit log verifies ({verification.Count} entries{(verification.IsIntact ? "" : ": " + verification.ProblemCode + " " + verification.Detail)})");
        report.Figure($"{report.Fault}: audit entries", verification.Count, "entries", "Audit entries verified at the end of the fault");
    }

    /// <summary>SQLite's own check of the database file: <c>PRAGMA integrity_check</c> answers <c>ok</c>.</summary>
    public static async Task<string> IntegrityAsync(SoakEnvironment environment, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(environment.ConnectionString + ";Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            lines.Add(reader.GetString(0));
        return string.Join("; ", lines);
    }

    /// <summary>The operator's pseudonyms of the persons who applied (created with each application's enrolment).</summary>
    public static async Task<IReadOnlyList<string>> PseudonymsAsync(SoakEnvironment environment, CancellationToken cancellationToken)
    {
        await using var db = environment.OpenDatabase();
        return await db.OperatorPseudonyms.AsNoTracking().Where(p => p.OperatorCode == SoakEnvironment.OperatorCode)
            .OrderBy(p => p.Pseudonym).Select(p => p.Pseudonym).ToListAsync(cancellationToken);
    }

    /// <summary>Whether every replica answers <c>/health</c> again.</summary>
    public static async Task<int> HealthyAsync(SoakEnvironment environment, CancellationToken cancellationToken)
    {
        var healthy = 0;
        foreach (var client in environment.Clients)
        {
            try
            {
                using var response = await client.GetAsync("health", cancellationToken);
                if (response.IsSuccessStatusCode)
                    healthy++;
            }
            catch (HttpRequestException)
            {
                // counted as not healthy
            }
        }
        return healthy;
    }
}

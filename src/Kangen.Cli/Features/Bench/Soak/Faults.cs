using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Kangen.Platform.Features.Applications;
using Kangen.Platform.Storage;

namespace Kangen.Cli.Features.Bench.Soak;

/// <summary>The settings of the fault suite and of <c>kangen bench soak</c>.</summary>
/// <param name="Folder">The bench folder: <c>cards</c> (the card cache shared with the other scenarios) and <c>soak/&lt;fault&gt;</c> (fresh every run).</param>
/// <param name="Postgres">A PostgreSQL server's connection string: each replica fault creates its own database there and drops it after; null skips them.</param>
/// <param name="PostgresRestart">
/// A shell command that crashes and restarts the PostgreSQL server of <paramref name="Postgres"/> (e.g.
/// <c>scripts/postgres.sh restart</c>); null skips the PostgreSQL restart fault. Never the server other work depends on.
/// </param>
/// <param name="Citizens">Citizens per fault (the grants fault's and the flowing ones'; the races use a third of it each).</param>
/// <param name="Replicas">The <c>kangen serve</c> processes of the PostgreSQL faults.</param>
/// <param name="Workers">Clients working at once.</param>
internal sealed record SoakSettings(string Folder, string? Postgres, string? PostgresRestart, int Citizens = 12, int Replicas = 3, int Workers = 6)
{
    /// <summary>Cards the faults need: the most any one uses (each fault runs on a fresh database, so the same cards serve all).</summary>
    public int Cards => Citizens + Citizens / 2 + 2;

    /// <summary>
    /// Grant lines for the <paramref name="person"/>-th person: every other person gets 7 of 700 points (4,900, under the
    /// 5,000 cap, so a line recorded twice shows in their sum), the others 8 (5,600: their last line meets the cap).
    /// </summary>
    public static int GrantsFor(int person) => person % 2 == 0 ? 7 : 8;

    public const long GrantPoints = 700;

    public const int BatchLines = 4;
}

/// <summary>What a fault gets: the clock, the cards, the settings, which run of the soak this is.</summary>
internal sealed record FaultContext(TimeProvider Time, IReadOnlyList<BenchCard> Cards, string IssuerDirectory, SoakSettings Settings, int Run);

/// <summary>
/// One fault of the suite: it sets up its own platform (<see cref="SoakEnvironment"/>), sends load through a
/// <see cref="SoakClient"/> while it breaks something on purpose, then checks the invariants from the database.
/// </summary>
internal abstract class Fault
{
    public abstract string Name { get; }

    /// <summary>Why this fault cannot run with these settings (null when it can).</summary>
    public abstract string? SkipReason(SoakSettings settings);

    public abstract Task RunAsync(FaultContext context, FaultReport report, CancellationToken cancellationToken);

    /// <summary>The faults in the order the soak runs them.</summary>
    public static IReadOnlyList<Fault> All { get; } = [new ReplicaRaces(), new ReplicaKilledDuringGrants(), new PostgresRestartedUnderLoad(), new SqliteKilledMidWrite()];

    protected Task<SoakEnvironment> StartAsync(FaultContext context, string? postgres, int replicas, CancellationToken cancellationToken) =>
        SoakEnvironment.StartAsync(context.Time, Path.Combine(context.Settings.Folder, "soak", Name), context.IssuerDirectory, postgres, replicas,
            context.Cards.Count, cancellationToken);

    protected static SoakCitizen Citizen(FaultContext context, SoakEnvironment environment, int card, int account) =>
        new(context.Cards[card], environment.Accounts[account]);

    /// <summary>Citizens <paramref name="first"/> .. first + count - 1 (card i, account i) apply, <paramref name="workers"/> at once; their application numbers.</summary>
    protected static async Task<ConcurrentBag<string>> ApplyAllAsync(FaultContext context, SoakEnvironment environment, SoakClient client, int first, int count,
        CancellationToken cancellationToken)
    {
        var recorded = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(first, count), new ParallelOptions { MaxDegreeOfParallelism = context.Settings.Workers, CancellationToken = cancellationToken },
            async (i, _) =>
            {
                if (await CitizenSteps.ApplyAsync(client, Citizen(context, environment, i, i), environment.Campaign, i) is { ApplicationId: { } id })
                    recorded.Add(id);
            });
        return recorded;
    }

    /// <summary>
    /// Runs <paramref name="count"/> work items, <paramref name="workers"/> at once, in order; once a quarter are done,
    /// <paramref name="inject"/> breaks something while the load goes on (it may wait for a request in flight on its
    /// victim, see <see cref="SoakClient.StrikeDuringRequestAsync"/>), so the fault meets requests mid-way and the items after it meet
    /// the platform while it is down. Items from two thirds on, taken once the fault has struck, wait until it has
    /// recovered (<see cref="FaultGates.Recovered"/>), so the restarted platform serves load too. The last
    /// <paramref name="reserve"/> items wait until the fault is armed or has struck (<see cref="FaultGates.Armed"/>), so
    /// the load cannot end before the fault: <paramref name="reserve"/> is as many items as it takes for one to reach the
    /// fault's victim. Once every item is done <see cref="FaultGates.LoadDoneTask"/> tells a fault still waiting that no
    /// request will come.
    /// </summary>
    protected static async Task RunWithFaultAsync(int count, int workers, int reserve, Func<int, Task> item, Func<FaultGates, Task> inject,
        CancellationToken cancellationToken)
    {
        var gates = new FaultGates();
        var triggered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int injectAfter = count / 4, recoveredFrom = 2 * count / 3;
        // The fault task may be scheduled late on loaded cores (a CI run once armed its kill after the last request to the
        // victim had gone, and the kill found nothing in flight). Held back until it is armed, the reserve still reaches
        // the victim after that; never before the quarter that triggers the fault, or the reserve would wait for itself.
        var reserveFrom = Math.Max(count - reserve, injectAfter);
        var next = -1;
        var done = 0;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                if (i >= reserveFrom)
                    await gates.ArmedTask.WaitAsync(cancellationToken);
                if (i >= recoveredFrom && gates.HasStruck)
                    await gates.RecoveredTask.WaitAsync(cancellationToken);
                await item(i);
                var finished = Interlocked.Increment(ref done);
                if (finished >= injectAfter)
                    triggered.TrySetResult();
                if (finished == count)
                    gates.LoadDone();
            }
        }
        if (injectAfter == 0)
            triggered.TrySetResult();
        if (count == 0)
            gates.LoadDone();
        var fault = Task.Run(async () =>
        {
            await triggered.Task.WaitAsync(cancellationToken);
            try
            {
                await inject(gates);
            }
            finally
            {
                gates.Struck();
                gates.Recovered();
            }
        }, cancellationToken);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(Worker, cancellationToken)).Append(fault));
    }

    /// <summary>What the load and the fault wait for.</summary>
    public sealed class FaultGates
    {
        private readonly TaskCompletionSource _armed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _loadDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _struck;

        /// <summary>Every item is done: no request will come for a fault still waiting for one.</summary>
        public Task LoadDoneTask => _loadDone.Task;

        /// <summary>The fault is armed (or has struck): the load held back for it may go.</summary>
        public Task ArmedTask => _armed.Task;

        /// <summary>
        /// The fault will strike from the next request that reaches its victim. A fault that strikes on its own need not
        /// call it: <see cref="Struck"/> does.
        /// </summary>
        public void Armed() => _armed.TrySetResult();

        /// <summary>The fault has struck (the process is killed, the crash begun).</summary>
        public bool HasStruck => _struck;

        public void Struck()
        {
            // Set before the load held back is let go, so items it releases from two thirds on see the fault and wait
            // for the recovery.
            _struck = true;
            _armed.TrySetResult();
        }

        public Task RecoveredTask => _recovered.Task;

        public void LoadDone() => _loadDone.TrySetResult();

        /// <summary>The platform is back.</summary>
        public void Recovered() => _recovered.TrySetResult();
    }

    /// <summary>
    /// Waits for a request in flight on <paramref name="victim"/>, kills it at once, and records whether the kill landed
    /// mid-request (decided when the kill was: not a guess from timing).
    /// </summary>
    protected static async Task KillMidRequestAsync(FaultReport report, SoakClient client, ServeProcess victim, FaultGates gates)
    {
        var striking = client.StrikeDuringRequestAsync(victim.Index, () =>
        {
            victim.Kill();
            gates.Struck();
        }, gates.LoadDoneTask);
        // Only once armed may the load held back go: it is what guarantees the kill a request to land on.
        gates.Armed();
        var inFlight = await striking;
        await victim.KillAsync();
        gates.Struck();
        report.True(KilledInFlight, inFlight > 0,
            $"Requests in flight on the killed replica {victim.Index} when the kill was decided: {inFlight} (0: the load ended before one came)");
    }

    public const string KilledInFlight = "kill landed while a request was in flight on the victim";

    /// <summary>The figures of a kill: requests cut and grant batches sent again.</summary>
    protected static void KillFigures(FaultReport report)
    {
        report.Figure($"{report.Fault}: requests cut", report.Cut, "requests",
            "Requests sent on a connection that got no answer (cut by the kill or timed out; refused connections not counted)");
        report.Figure($"{report.Fault}: requests without an answer", report.Answers(FaultTally.NoAnswer), "requests",
            "Requests with no answer at all: cut, or refused while the replica was down");
        report.Figure($"{report.Fault}: grant batches resent", report.Resent(GrantSteps.Operation), "batches",
            "Grant batches sent again as they were (same keys) after no answer or a 503");
    }

    protected static List<IReadOnlyList<PlannedGrant>> Batches(IReadOnlyList<PlannedGrant> planned) =>
        [.. planned.Chunk(SoakSettings.BatchLines).Select(b => (IReadOnlyList<PlannedGrant>)b)];

    protected static void Timed(FaultReport report, string name, long started, TimeProvider time, string description) =>
        report.Figure($"{report.Fault}: {name}", Math.Round(time.GetElapsedTime(started).TotalSeconds, 2), "s", description);
}

/// <summary>
/// Fault 1: three replicas on one PostgreSQL database. A citizen applies from three devices at once, each submission to
/// a different replica: exactly one is recorded, the others get <c>application.already-exists</c>. Two citizens apply
/// with the same payment service account at once through different replicas: exactly one wins, the other gets
/// <c>application.account-taken</c> (invariants 1 and 2).
/// </summary>
internal sealed class ReplicaRaces : Fault
{
    public const string AlreadyApplied = "application.already-exists";
    public const string AccountTaken = "application.account-taken";

    public override string Name => "replica-races";

    public override string? SkipReason(SoakSettings settings) => settings.Postgres is null ? "needs --postgres (replicas share a PostgreSQL database)" : null;

    public override async Task RunAsync(FaultContext context, FaultReport report, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var duplicates = Math.Max(1, settings.Citizens / 3);
        var pairs = Math.Max(1, settings.Citizens / 3);
        await using var environment = await StartAsync(context, settings.Postgres, settings.Replicas, cancellationToken);
        var client = new SoakClient(environment, report.Tally, cancellationToken);
        var replicas = environment.Replicas.Count;
        var recorded = new ConcurrentBag<string>();
        int duplicateRounds = 0, duplicateRefusals = 0, accountRounds = 0, accountRefusals = 0;

        // The same citizen on every replica at once: each device signs in, verifies and signs its own submission. The
        // citizens (and below, the pairs) race side by side: each round is judged on its own.
        await Task.WhenAll(Enumerable.Range(0, duplicates).Select(d => Task.Run(async () =>
        {
            var citizen = Citizen(context, environment, d, d);
            var devices = (await Task.WhenAll(Enumerable.Range(0, replicas).Select(r => CitizenSteps.PrepareAsync(client, citizen, r))))
                .OfType<PreparedApplication>().ToList();
            var submissions = await Task.WhenAll(devices.Select((p, r) => Task.Run(() =>
                CitizenSteps.SubmitAsync(client, p, environment.Campaign, r, Guid.NewGuid().ToString("N"), [AlreadyApplied]), cancellationToken)));
            foreach (var s in submissions.Where(s => s.Recorded))
                recorded.Add(s.ApplicationId!);
            if (submissions.Count(s => s.Recorded) == 1)
                Interlocked.Increment(ref duplicateRounds);
            Interlocked.Add(ref duplicateRefusals, submissions.Count(s => s.Code == AlreadyApplied));
        }, cancellationToken)));

        // Two citizens, one account, two replicas, at once.
        await Task.WhenAll(Enumerable.Range(0, pairs).Select(p => Task.Run(async () =>
        {
            var account = duplicates + p;
            var prepared = await Task.WhenAll(
                CitizenSteps.PrepareAsync(client, Citizen(context, environment, duplicates + 2 * p, account), p),
                CitizenSteps.PrepareAsync(client, Citizen(context, environment, duplicates + 2 * p + 1, account), p + 1));
            if (prepared[0] is not { } a || prepared[1] is not { } b)
                return;
            var submissions = await Task.WhenAll(
                Task.Run(() => CitizenSteps.SubmitAsync(client, a, environment.Campaign, p, Guid.NewGuid().ToString("N"), [AccountTaken]), cancellationToken),
                Task.Run(() => CitizenSteps.SubmitAsync(client, b, environment.Campaign, p + 1, Guid.NewGuid().ToString("N"), [AccountTaken]), cancellationToken));
            foreach (var s in submissions.Where(s => s.Recorded))
                recorded.Add(s.ApplicationId!);
            if (submissions.Count(s => s.Recorded) == 1)
                Interlocked.Increment(ref accountRounds);
            Interlocked.Add(ref accountRefusals, submissions.Count(s => s.Code == AccountTaken));
        }, cancellationToken)));

        report.Equal("duplicate rounds with one application", duplicateRounds, duplicates,
            $"Citizens who applied from {replicas} devices at once, each to another replica, and got exactly one application recorded");
        report.Equal("duplicates refused as already applied", duplicateRefusals, duplicates * (replicas - 1),
            $"The other submissions, answered with the stable problem {AlreadyApplied}");
        report.Equal("account races with one winner", accountRounds, pairs, "Pairs of citizens applying with the same account at once through two replicas where exactly one won");
        report.Equal("account races refused as taken", accountRefusals, pairs, $"The losers, answered with {AccountTaken}");
        report.Equal("unexpected answers", report.Unexpected, 0, "Answers that were neither a success, an expected refusal nor retryable");
        await FaultChecks.ApplicationsAsync(report, environment, [.. recorded], cancellationToken);
        await FaultChecks.AccountsAsync(report, environment, cancellationToken);
        await FaultChecks.AuditAsync(report, environment, cancellationToken);
    }
}

/// <summary>
/// Fault 2: the operator reports grant batches round-robin over three replicas; one replica is killed (SIGKILL) mid-stream
/// and started again; the operator sends each failed batch again, with the same keys, to the next replica. At the end
/// every grant meant is recorded exactly once and no cap is exceeded (invariants 3 and 7), and the audit chain verifies.
/// </summary>
internal sealed class ReplicaKilledDuringGrants : Fault
{
    public override string Name => "replica-killed-during-grants";

    public override string? SkipReason(SoakSettings settings) => settings.Postgres is null ? "needs --postgres (replicas share a PostgreSQL database)" : null;

    public override async Task RunAsync(FaultContext context, FaultReport report, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var time = context.Time;
        await using var environment = await StartAsync(context, settings.Postgres, settings.Replicas, cancellationToken);
        var client = new SoakClient(environment, report.Tally, cancellationToken);
        var applied = await ApplyAllAsync(context, environment, client, 0, settings.Citizens, cancellationToken);
        var pseudonyms = await FaultChecks.PseudonymsAsync(environment, cancellationToken);
        var planned = GrantSteps.Plan(pseudonyms, SoakSettings.GrantsFor, SoakSettings.GrantPoints, $"soak{context.Run}", time.GetUtcNow());
        var batches = Batches(planned);
        var victim = environment.Replicas[1 % environment.Replicas.Count];
        var unacknowledged = 0;

        // Batch i goes to replica i: of any batches in a row as many as the replicas, one goes to the victim.
        await RunWithFaultAsync(batches.Count, settings.Workers, environment.Replicas.Count, async i =>
        {
            if (!await GrantSteps.SendAsync(client, batches[i], i))
                Interlocked.Increment(ref unacknowledged);
        }, async gates =>
        {
            await KillMidRequestAsync(report, client, victim, gates);
            var down = time.GetTimestamp();
            await victim.StartAsync(cancellationToken);
            Timed(report, "replica restart", down, time, "From the SIGKILL to the replica answering /health again");
        }, cancellationToken);

        report.Equal("replica killed and restarted", victim.Kills, 1, "The replica was killed with SIGKILL once, mid-stream, and started again");
        KillFigures(report);
        report.Equal("batches given up", unacknowledged, 0, "Grant batches the operator could not get acknowledged");
        report.Equal("unexpected answers", report.Unexpected, 0, "Answers that were neither a success nor retryable");
        report.Equal("replicas answering", await FaultChecks.HealthyAsync(environment, cancellationToken), environment.Replicas.Count, "Replicas answering /health at the end");
        report.Equal("applicants", pseudonyms.Count, settings.Citizens, "Citizens who applied before the grants (the operator's pseudonyms)");
        await FaultChecks.GrantsAsync(report, environment, planned, cancellationToken);
        await FaultChecks.ApplicationsAsync(report, environment, [.. applied], cancellationToken);
        await FaultChecks.AuditAsync(report, environment, cancellationToken);
    }
}

/// <summary>
/// Fault 3: the PostgreSQL server crashes and restarts (<c>pg_ctl restart -m immediate</c>, through the command given)
/// while applications and grants flow through the replicas. Clients get <c>503 storage.unavailable</c> (or no answer)
/// and send again; at the end nothing is half-written: every acknowledged application is there once with its audit
/// entry, no grant is doubled, the counts match what clients were told.
/// </summary>
internal sealed class PostgresRestartedUnderLoad : Fault
{
    public const string Unavailable = "storage.unavailable";

    public override string Name => "postgres-restarted-under-load";

    public override string? SkipReason(SoakSettings settings) =>
        settings.Postgres is null ? "needs --postgres" : settings.PostgresRestart is null ? "needs --postgres-restart (a command that crashes and restarts that server)" : null;

    public override async Task RunAsync(FaultContext context, FaultReport report, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        await using var environment = await StartAsync(context, settings.Postgres, settings.Replicas, cancellationToken);
        var probed = 0;
        var (acknowledged, _) = await FlowWithFaultAsync(this, context, environment, report, async (gates, client) =>
        {
            var before = await PostmasterStartedAsync(environment, cancellationToken);
            var started = context.Time.GetTimestamp();
            gates.Struck();
            // The load may be between requests when a fast restart is over: held down (a restart command that honours
            // KANGEN_PG_HOLD, as scripts/postgres.sh does) until each replica has been sent a request that needs the
            // database, the outage is met for certain, not by timing.
            var hold = Path.Combine(environment.Folder, "postgres-down.hold");
            await File.WriteAllTextAsync(hold, "", cancellationToken);
            var restarting = ShellAsync(settings.PostgresRestart!, cancellationToken, ("KANGEN_PG_HOLD", hold));
            try
            {
                if (await DownAsync(environment, restarting, context.Time, cancellationToken))
                    probed = await ProbeAsync(client, context.Cards[0], environment.Replicas.Count);
            }
            finally
            {
                File.Delete(hold);
            }
            var (exit, output) = await restarting;
            Timed(report, "postgres restart", started, context.Time, "How long the restart command took (crash, held down until the probes were answered, recovery, ready)");
            report.Equal("restart command succeeded", exit, 0, "The restart command's exit code: " + output);
            var after = await PostmasterStartedAsync(environment, cancellationToken);
            // A command that restarted another server (or none) would leave the replicas' server as it was.
            report.True("crash reached the replicas' server", after > before,
                $"pg_postmaster_start_time() of the server the replicas use: {before:O} before the restart command, {after:O} after");
        }, cancellationToken);
        var unavailable = report.Answers(Unavailable);
        var unanswered = report.Answers(FaultTally.NoAnswer);
        report.Figure($"{Name}: {Unavailable} answers", unavailable, "answers", "Requests answered 503 storage.unavailable (then sent again)");
        report.Equal("replicas answering storage.unavailable while the server was down", probed, environment.Replicas.Count,
            "Replicas that answered a login sent while the server was held down 503 " + Unavailable
            + " (0 when the restart command did not hold it down: KANGEN_PG_HOLD)");
        report.True("clients saw the crash", unavailable + unanswered > 0,
            $"Requests answered 503 {Unavailable} ({unavailable}) or not at all ({unanswered}) during the fault");
        await FaultChecks.ApplicationsAsync(report, environment, acknowledged, cancellationToken);
        await FaultChecks.AccountsAsync(report, environment, cancellationToken);
        await FaultChecks.AuditAsync(report, environment, cancellationToken);
    }

    /// <summary>
    /// The load of faults 3 and 4: half the citizens apply first (the persons the operator grants to), then the other half
    /// apply while the operator reports grants to the first half, items interleaved, with <paramref name="inject"/> a third
    /// of the way in. Checks the flow's own figures and the grants; returns every acknowledged application number and
    /// those acknowledged before the fault.
    /// </summary>
    public static async Task<(IReadOnlyCollection<string> Acknowledged, IReadOnlyCollection<string> BeforeFault)> FlowWithFaultAsync(Fault fault, FaultContext context,
        SoakEnvironment environment, FaultReport report, Func<FaultGates, SoakClient, Task> inject, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var first = Math.Max(1, settings.Citizens / 2);
        var client = new SoakClient(environment, report.Tally, cancellationToken);
        var acknowledged = new ConcurrentBag<string>(await ApplyAllAsync(context, environment, client, 0, first, cancellationToken));
        var pseudonyms = await FaultChecks.PseudonymsAsync(environment, cancellationToken);
        var planned = GrantSteps.Plan(pseudonyms, SoakSettings.GrantsFor, SoakSettings.GrantPoints, $"soak{context.Run}", context.Time.GetUtcNow());
        var batches = Batches(planned);
        // Applications and grant batches interleaved, so both are in flight when the fault comes.
        var items = new List<Func<Task>>();
        var flowing = new ConcurrentBag<string>();
        int citizensGivenUp = 0, batchesGivenUp = 0;
        for (var i = 0; i < Math.Max(settings.Citizens, batches.Count); i++)
        {
            if (i < settings.Citizens)
            {
                var card = first + i;
                items.Add(async () =>
                {
                    if (await CitizenSteps.ApplyAsync(client, Citizen(context, environment, card, card), environment.Campaign, card) is { ApplicationId: { } id })
                    {
                        acknowledged.Add(id);
                        flowing.Add(id);
                    }
                    else
                        Interlocked.Increment(ref citizensGivenUp);
                });
            }
            if (i < batches.Count)
            {
                var batch = batches[i];
                var replica = i;
                items.Add(async () =>
                {
                    if (!await GrantSteps.SendAsync(client, batch, replica))
                        Interlocked.Increment(ref batchesGivenUp);
                });
            }
        }
        string[] before = [];
        // One item held back is enough: the kill of this flow is of the only replica (SQLite), which every item reaches,
        // and the PostgreSQL crash needs load after it, which an item from two thirds on released once it struck waits for.
        await RunWithFaultAsync(items.Count, settings.Workers, reserve: 1, i => items[i](), gates =>
        {
            before = [.. acknowledged];
            return inject(gates, client);
        }, cancellationToken);

        report.Equal("flowing citizens acknowledged", flowing.Count, settings.Citizens, "Citizens applying during the fault whose application was acknowledged (after retries)");
        report.Equal("gave up", citizensGivenUp + batchesGivenUp, 0, "Applications and grant batches the clients gave up on");
        report.Equal("unexpected answers", report.Unexpected, 0, "Answers that were neither a success, an expected refusal nor retryable (a 500 is a platform bug)");
        report.Equal("replicas answering", await FaultChecks.HealthyAsync(environment, cancellationToken), environment.Replicas.Count, "Replicas answering /health at the end");
        await FaultChecks.GrantsAsync(report, environment, planned, cancellationToken);
        report.Figure($"{fault.Name}: acknowledged before the fault", before.Length, "applications", "Applications acknowledged when the fault came");
        return ([.. acknowledged], before);
    }

    /// <summary>When the PostgreSQL server the replicas use last started (asked on a connection of its own).</summary>
    private static async Task<DateTime> PostmasterStartedAsync(SoakEnvironment environment, CancellationToken cancellationToken)
    {
        await using var connection = new Npgsql.NpgsqlConnection(environment.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var command = new Npgsql.NpgsqlCommand("SELECT pg_postmaster_start_time()", connection);
        return (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Waits until the server refuses a new connection (true), or the restart command has ended without that being seen
    /// (false: it did not hold the server down).
    /// </summary>
    private static async Task<bool> DownAsync(SoakEnvironment environment, Task restarting, TimeProvider time, CancellationToken cancellationToken)
    {
        while (!restarting.IsCompleted)
        {
            try
            {
                await PostmasterStartedAsync(environment, cancellationToken);
            }
            catch (Exception e) when (IsServerDown(e))
            {
                return true;
            }
            catch (Exception e) when (KangenStorage.IsUnavailable(e))
            {
                // Unavailable for another reason (too many connections, say): the server is up, so not yet.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken);
        }
        return false;
    }

    /// <summary>
    /// True when <paramref name="exception"/> says the server itself is down: the connection was refused, reset or had
    /// no socket to reach (no postmaster), or the server answered that it is shutting down, crashed or still starting. Errors of a running
    /// server that merely cannot take this connection now (too many connections, out of memory) are not.
    /// </summary>
    internal static bool IsServerDown(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case Npgsql.PostgresException p:
                    return p.SqlState is Npgsql.PostgresErrorCodes.AdminShutdown or Npgsql.PostgresErrorCodes.CrashShutdown
                        or Npgsql.PostgresErrorCodes.CannotConnectNow;
                case System.Net.Sockets.SocketException socket:
                    // Refused (TCP, or a Unix socket file without a listener), no socket file (Host=/dir), reset or a
                    // broken pipe (the postmaster going away while the connection opens).
                    return socket.SocketErrorCode is System.Net.Sockets.SocketError.ConnectionRefused or System.Net.Sockets.SocketError.AddressNotAvailable
                        or System.Net.Sockets.SocketError.ConnectionReset or System.Net.Sockets.SocketError.Shutdown;
                case EndOfStreamException:
                    // The server closed the connection while it was being opened (the postmaster going away).
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// While the server is down: a login of <paramref name="card"/> (a challenge, then the session, which needs the
    /// database) sent once to each replica; how many answered 503 storage.unavailable.
    /// </summary>
    private static async Task<int> ProbeAsync(SoakClient client, BenchCard card, int replicas)
    {
        var answered = 0;
        for (var replica = 0; replica < replicas; replica++)
        {
            var challenge = await client.SendOnceAsync("session challenge (server down)", replica,
                () => BenchApplication.Post("api/v1/challenges", new { purpose = "session" }));
            if (challenge.Code == Unavailable)
            {
                answered++;
                continue;
            }
            if (challenge.Text("challenge") is not { } text)
                continue;
            (byte[] certificate, byte[] signature) signed;
            lock (card.Card)
                signed = card.Sign(Encoding.UTF8.GetBytes(text));
            var (certificate, signature) = signed;
            var session = await client.SendOnceAsync("session (server down)", replica, () => BenchApplication.Post("api/v1/sessions", new
            {
                challenge = text,
                certificate = Convert.ToBase64String(certificate),
                signature = Convert.ToBase64String(signature),
            }));
            if (session.Code == Unavailable)
                answered++;
        }
        return answered;
    }

    private static async Task<(int Exit, string Output)> ShellAsync(string command, CancellationToken cancellationToken, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("/bin/sh did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, ((await output) + (await error)).Trim());
    }
}

/// <summary>
/// Fault 4: SQLite, one <c>kangen serve</c> process, killed with SIGKILL while applications and grants are being written,
/// then started again on the same data folder. <c>PRAGMA integrity_check</c> says ok (right after the kill and at the
/// end), everything acknowledged before the kill is there exactly once, the audit chain verifies, the platform serves again.
/// </summary>
internal sealed class SqliteKilledMidWrite : Fault
{
    public override string Name => "sqlite-killed-mid-write";

    public override string? SkipReason(SoakSettings settings) => null;

    public override async Task RunAsync(FaultContext context, FaultReport report, CancellationToken cancellationToken)
    {
        await using var environment = await StartAsync(context, postgres: null, replicas: 1, cancellationToken);
        var serve = environment.Replicas[0];
        var afterKill = "";
        var (acknowledged, before) = await PostgresRestartedUnderLoad.FlowWithFaultAsync(this, context, environment, report, async (gates, client) =>
        {
            await KillMidRequestAsync(report, client, serve, gates);
            var down = context.Time.GetTimestamp();
            afterKill = await FaultChecks.IntegrityAsync(environment, cancellationToken);
            await serve.StartAsync(cancellationToken);
            Timed(report, "restart", down, context.Time, "From the SIGKILL to kangen serve answering /health again on the same data folder");
        }, cancellationToken);

        report.Equal("killed and restarted", serve.Kills, 1, "kangen serve was killed with SIGKILL once, mid-write, and started again");
        KillFigures(report);
        report.True("integrity after the kill", afterKill == "ok", "PRAGMA integrity_check on the file the killed process left: " + afterKill);
        var atEnd = await FaultChecks.IntegrityAsync(environment, cancellationToken);
        report.True("integrity at the end", atEnd == "ok", "PRAGMA integrity_check at the end: " + atEnd);
        var ids = await FaultChecks.ApplicationsAsync(report, environment, acknowledged, cancellationToken);
        report.Equal("acknowledged before the kill missing", before.Count(id => !ids.Contains(id)), 0,
            $"Of the {before.Count} applications acknowledged before the kill, those the restarted database does not hold");
        await FaultChecks.AccountsAsync(report, environment, cancellationToken);
        await FaultChecks.AuditAsync(report, environment, cancellationToken);
    }
}

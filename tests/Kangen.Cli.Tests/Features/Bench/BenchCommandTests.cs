using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Kangen.Cli.Features.Bench;
using Kangen.Cli.Features.Bench.Generate;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kangen.Cli.Tests.Features.Bench;

public sealed class BenchCommandTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("kangen-bench-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private string Out => Path.Combine(_data, "results.json");

    [Fact]
    public async Task Applications_from_distinct_citizens_are_each_recorded_once_with_an_intact_audit_chain()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "apply", "--citizens", "12", "--warm-up", "5", "--workers", "4", "--limit-seconds", "1", "--data", _data, "--out", Out);

        Assert.True(code == ExitCodes.Ok, output);
        await AssertAppliedAsync(12, "sqlite");
        // The warm-up's citizens applied too, before the measured phases (whose check counts the 12 alone).
        var database = Path.Combine(BenchCommand.Folder(_data), "platform", "kangen.db");
        await using (var db = KangenStorage.CreateContext(StorageProvider.Sqlite, $"Data Source={database};Pooling=false"))
        {
            Assert.Equal(17, await db.ApplicationSubmissions.CountAsync());
            Assert.Equal(17, await db.Persons.CountAsync());
        }
        // Measured against the bare endpoint (one verification, one insert) of the same run: the target is 3/4 of it.
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Out));
        var applications = results.RootElement.GetProperty("figures").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "applications/s");
        Assert.Equal("bare endpoint", applications.GetProperty("limit").GetString());
        Assert.True(applications.GetProperty("ratio").GetDouble() > 0);
    }

    [Fact]
    public async Task Applications_on_postgres_are_each_recorded_once_with_the_warm_ups_statistics_and_the_run_drops_its_database()
    {
        var server = PostgresServer;

        var (code, output) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "apply", "--citizens", "6", "--workers", "3", "--postgres", server, "--warm-up", "2", "--no-limits", "--data", _data, "--out", Out);

        Assert.True(code == ExitCodes.Ok, output);
        var database = await AssertAppliedAsync(6, "postgres");
        Assert.StartsWith("kangen_bench_", database);
        Assert.Equal(0L, await DatabasesNamedAsync(server, database));
        // The measured phases plan with statistics of the warm-up's applications, as autovacuum's would be by then; the
        // count is the planner's own (pg_class), which only an ANALYZE or a VACUUM sets.
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Out));
        Assert.Equal("gathered after the warm-up (2 applications)", results.RootElement.GetProperty("parameters").GetProperty("plannerStatistics").GetString());
    }

    [Fact]
    public async Task Applications_on_a_generated_database_are_recorded_and_the_next_run_takes_new_citizens()
    {
        var (generated, generateOutput) = await CliRun.RunAsync(TimeProvider.System, "bench", "generate", "--people", "300", "--name", "sized", "--data", _data);
        Assert.True(generated == ExitCodes.Ok, generateOutput);
        // The feed scenario registers kangen-demo there (to sign its requests, without a verification endpoint), so
        // demo-pay's accounts can no longer be verified on that database: the runs take a service of another operator.
        var (fed, fedOutput) = await CliRun.RunAsync(TimeProvider.System, "bench", "feed", "--name", "sized", "--no-limits", "--data", _data, "--out", Out);
        Assert.True(fed == ExitCodes.Ok, fedOutput);

        var (first, firstOutput) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "apply", "--name", "sized", "--citizens", "5", "--warm-up", "2", "--workers", "3", "--no-limits", "--data", _data, "--out", Out);
        Assert.True(first == ExitCodes.Ok, firstOutput);
        var firstRun = await AppliedOnAsync(5);
        var (database, exists, _) = await GeneratedDatabase.LocateAsync(BenchCommand.Folder(_data), "sized", null, CancellationToken.None);
        Assert.NotNull(database);
        Assert.True(exists);
        // The warm-up's 2 citizens come from the run's reservation too.
        Assert.Equal("7", await File.ReadAllTextAsync(ApplyScenario.NextCardFile(database)));
        // A run that failed halfway reserved cards 7 to 8 and used some: the next starts after its reservation all the same.
        await File.WriteAllTextAsync(ApplyScenario.NextCardFile(database), "9");
        var (second, secondOutput) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "apply", "--name", "sized", "--citizens", "4", "--warm-up", "0", "--workers", "3", "--no-limits", "--data", _data, "--out", Out);
        Assert.True(second == ExitCodes.Ok, secondOutput);
        var secondRun = await AppliedOnAsync(4);

        Assert.Equal(("300", "0"), firstRun.Citizens);
        Assert.NotEqual(ApplyScenario.Service, firstRun.Service);
        Assert.Equal(("300", "9"), secondRun.Citizens);
        Assert.Equal("13", await File.ReadAllTextAsync(ApplyScenario.NextCardFile(database)));
        await using var db = KangenStorage.CreateContext(database.Provider, database.ConnectionString + ";Pooling=false");
        Assert.Equal(311, await db.Persons.CountAsync());
        var audit = await AuditVerifier.VerifyAsync(db);
        Assert.True(audit.IsIntact, audit.Detail);
    }

    [Fact]
    public async Task Applications_on_a_generated_postgres_database_are_recorded_and_it_is_kept()
    {
        var name = "a" + Guid.NewGuid().ToString("N")[..10];
        var (generated, generateOutput) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "generate", "--people", "200", "--name", name, "--postgres", PostgresServer, "--data", _data);
        var (database, _, _) = await GeneratedDatabase.LocateAsync(BenchCommand.Folder(_data), name, PostgresServer, CancellationToken.None);
        try
        {
            Assert.True(generated == ExitCodes.Ok, generateOutput);
            var (code, output) = await CliRun.RunAsync(TimeProvider.System,
                "bench", "apply", "--name", name, "--postgres", PostgresServer, "--citizens", "4", "--warm-up", "0", "--workers", "2", "--no-limits", "--data", _data, "--out", Out);

            Assert.True(code == ExitCodes.Ok, output);
            var run = await AppliedOnAsync(4, "postgres");
            Assert.Equal(("200", "0"), run.Citizens);
            // Nothing registered kangen-demo on this database: the default service.
            Assert.Equal(ApplyScenario.Service, run.Service);
            Assert.Equal(1L, await DatabasesNamedAsync(PostgresServer, "kangen_gen_" + name));
        }
        finally
        {
            if (database is not null)
                await database.DropAsync();
        }
    }

    [Fact]
    public async Task Applying_on_a_generated_database_that_does_not_exist_says_how_to_make_it_and_creates_nothing()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "bench", "apply", "--name", "missing", "--citizens", "2", "--data", _data, "--out", Out);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("kangen bench generate --name missing", output);
        Assert.False(File.Exists(Path.Combine(GeneratedDatabase.FolderOf(BenchCommand.Folder(_data), "missing"), "kangen.db")));
        Assert.False(Directory.Exists(Path.Combine(BenchCommand.Folder(_data), "cards")));
        Assert.False(File.Exists(Out));
    }

    /// <summary>An apply run on a generated database passed; returns its generated people and first citizen, and its service, as reported.</summary>
    private async Task<((string People, string FirstCitizen) Citizens, string Service)> AppliedOnAsync(int citizens, string storage = "sqlite")
    {
        await AssertAppliedAsync(citizens, storage);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Out));
        var parameters = results.RootElement.GetProperty("parameters");
        var audit = results.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "audit chain");
        // Only what the run appended is walked on a generated database.
        Assert.Contains("appended", audit.GetProperty("description").GetString());
        return ((parameters.GetProperty("generatedPeople").GetString()!, parameters.GetProperty("firstCitizen").GetString()!),
            parameters.GetProperty("service").GetString()!);
    }

    /// <summary>The apply results: every check passed, each citizen one session and one application; returns the database name.</summary>
    private async Task<string> AssertAppliedAsync(int citizens, string storage)
    {
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Out));
        var root = results.RootElement;
        Assert.Equal("apply", root.GetProperty("scenario").GetString());
        Assert.Equal(storage, root.GetProperty("parameters").GetProperty("storage").GetString());
        var checks = root.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(0, checks["errors"].GetProperty("actual").GetInt64());
        Assert.Equal(citizens, checks["applications recorded"].GetProperty("actual").GetInt64());
        Assert.All(checks.Values, c => Assert.True(c.GetProperty("passed").GetBoolean(), c.GetRawText()));
        var phases = root.GetProperty("phases").EnumerateArray().ToDictionary(p => p.GetProperty("phase").GetString()!,
            p => p.GetProperty("operations").EnumerateArray().ToDictionary(o => o.GetProperty("operation").GetString()!, o => o.GetProperty("requests").GetInt64()));
        Assert.Equal(new[] { "sessions", "applications" }, phases.Keys.ToArray());
        Assert.Equal(citizens, phases["sessions"]["session"]);
        Assert.Equal(citizens, phases["applications"]["application"]);
        var figures = root.GetProperty("figures").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToArray();
        Assert.Contains("applications/s", figures);
        Assert.Contains("sessions/s", figures);
        // SQLite's writes are serial inside the write gate: how long each held it is the writer's bound, read from the platform's meter.
        Assert.Equal(storage == "sqlite", figures.Contains("writer bound (applications)"));
        // Both providers write through the group commits, whose sizes the platform's histogram gives.
        foreach (var phase in new[] { "sessions", "applications" })
        {
            var perCommit = root.GetProperty("figures").EnumerateArray()
                .Single(f => f.GetProperty("name").GetString() == $"requests per commit ({phase})").GetProperty("value").GetDouble();
            Assert.InRange(perCommit, 1, Kangen.Platform.Storage.GroupCommit<int, int>.MaxGroup);
            AssertProcessorFigures(root, phase);
        }
        return root.GetProperty("parameters").GetProperty("database").GetString()!;
    }

    /// <summary>
    /// A phase's processor and allocation figures: the process worked and allocated for its requests, used some of the
    /// cores, and the machine's busy share (read from /proc/stat on Linux) and the share paused for collections are
    /// percentages.
    /// </summary>
    private static void AssertProcessorFigures(JsonElement root, string phase)
    {
        var figures = root.GetProperty("figures").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("value").GetDouble());
        Assert.True(figures[$"processor time per request ({phase})"] > 0);
        Assert.True(figures[$"allocated per request ({phase})"] > 0);
        // No upper bound: the kernel may add a thread's last milliseconds late, and other tests run in this process at once.
        Assert.True(figures[$"process processor use ({phase})"] > 0);
        // Left out when the machine's counters (clock ticks) did not move over a phase that short.
        if (figures.TryGetValue($"machine processor busy ({phase})", out var busy))
            Assert.InRange(busy, 0, 100);
        // Present and in range: a phase this short may see no collection at all, so zero is allowed; a negative value
        // would mean the readings were swapped.
        Assert.InRange(figures[$"paused for garbage collection ({phase})"], 0, 100);
        // A warm-up leaves little to compile, but other tests in this process may compile meanwhile: present, not negative.
        Assert.True(figures[$"compiling methods per request ({phase})"] >= 0);
        Assert.True(figures[$"methods compiled ({phase})"] >= 0);
        Assert.True(figures[$"collections per 1,000 requests ({phase})"] >= 0);
    }

    [Theory]
    [InlineData("--citizens", "0")]
    [InlineData("--warm-up", "-1")]
    public async Task An_apply_run_without_citizens_or_with_a_negative_warm_up_is_a_usage_error_and_issues_no_card(string option, string value)
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "bench", "apply", option, value, "--data", _data, "--out", Out);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(option, output);
        Assert.False(Directory.Exists(Path.Combine(_data, "bench")));
        Assert.False(File.Exists(Out));
    }

    [Fact]
    public void New_cards_certify_the_pools_keys_in_turn_each_under_its_own_serial()
    {
        var cache = Path.Combine(_data, "cards");
        var cards = BenchCards.Ensure(cache, BenchCards.KeyPairs + 1, TimeProvider.System, new BenchProgress().Add("cards", BenchCards.KeyPairs + 1));

        var certificates = cards.Select(c => X509CertificateLoader.LoadCertificate(c.Sign("x"u8).Certificate)).ToList();
        try
        {
            string Key(int i) => Convert.ToHexString(certificates[i].PublicKey.EncodedKeyValue.RawData);
            Assert.Equal(Key(0), Key(BenchCards.KeyPairs));
            Assert.NotEqual(Key(0), Key(1));
            Assert.Equal(certificates.Count, certificates.Select(c => c.SerialNumber).Distinct().Count());
        }
        finally
        {
            certificates.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task A_rush_at_three_times_capacity_serves_everyone_in_ticket_order_without_errors()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "rush", "--capacity", "3", "--factor", "3", "--tick-ms", "200", "--no-limits", "--data", _data, "--out", Out);

        Assert.True(code == ExitCodes.Ok, output);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Out));
        var root = results.RootElement;
        Assert.Equal("rush", root.GetProperty("scenario").GetString());
        Assert.Equal("on", root.GetProperty("parameters").GetProperty("admission").GetString());
        var checks = root.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(0, checks["errors"].GetProperty("actual").GetInt64());
        Assert.Equal(9, checks["served"].GetProperty("actual").GetInt64());
        Assert.Equal(9, checks["applications recorded"].GetProperty("actual").GetInt64());
        Assert.Equal(0, checks["order violations"].GetProperty("actual").GetInt64());
        Assert.Equal(0, checks["requeued"].GetProperty("actual").GetInt64());
        Assert.All(checks.Values, c => Assert.True(c.GetProperty("passed").GetBoolean()));

        // Nine citizens drew tickets before anyone entered a flow of three places: some had to queue.
        var figures = root.GetProperty("figures").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("value").GetDouble());
        Assert.True(figures["queued citizens"] > 0);
        Assert.True(figures["largest position"] > 0);

        // Every citizen of each phase drew a ticket and made each request of the flow once.
        var phases = root.GetProperty("phases").EnumerateArray().ToDictionary(p => p.GetProperty("phase").GetString()!,
            p => p.GetProperty("operations").EnumerateArray().ToDictionary(o => o.GetProperty("operation").GetString()!, o => o.GetProperty("requests").GetInt64()));
        Assert.Equal(new[] { "baseline", "rush" }, phases.Keys.ToArray());
        Assert.Equal(3, phases["baseline"]["application"]);
        Assert.Equal(9, phases["rush"]["admission draw"]);
        foreach (var operation in RushScenario.FlowOperations)
            Assert.Equal(9, phases["rush"][operation]);
        Assert.Contains("Every check passed", output);
    }

    [Fact]
    public async Task Without_admission_control_the_same_rush_applies_at_once_and_has_no_queue()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "rush", "--capacity", "2", "--factor", "2", "--no-admission", "--no-limits", "--data", _data, "--out", Out);

        Assert.True(code == ExitCodes.Ok, output);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Out));
        var root = results.RootElement;
        Assert.Equal("off", root.GetProperty("parameters").GetProperty("admission").GetString());
        Assert.All(root.GetProperty("checks").EnumerateArray(), c => Assert.True(c.GetProperty("passed").GetBoolean(), c.GetRawText()));
        var rush = root.GetProperty("phases")[1];
        Assert.Equal("rush", rush.GetProperty("phase").GetString());
        var operations = rush.GetProperty("operations").EnumerateArray().Select(o => o.GetProperty("operation").GetString()).ToArray();
        Assert.Equal(RushScenario.FlowOperations, operations);
        Assert.DoesNotContain(root.GetProperty("figures").EnumerateArray(), f => f.GetProperty("name").GetString() == "queued citizens");
    }

    [Fact]
    public async Task A_rush_with_a_capacity_of_zero_is_a_usage_error_and_issues_no_card()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "bench", "rush", "--capacity", "0", "--data", _data, "--out", Out);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--capacity", output);
        Assert.False(Directory.Exists(Path.Combine(_data, "bench")));
        Assert.False(File.Exists(Out));
    }

    [Fact]
    public async Task A_rush_across_three_replicas_on_postgres_serves_everyone_in_ticket_order_without_errors()
    {
        var server = PostgresServer;

        var (code, output) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "rush", "--capacity", "3", "--factor", "3", "--tick-ms", "200", "--replicas", "3", "--postgres", server,
            "--no-limits", "--data", _data, "--out", Out);

        Assert.True(code == ExitCodes.Ok, output);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Out));
        var root = results.RootElement;
        var parameters = root.GetProperty("parameters");
        Assert.Equal("3", parameters.GetProperty("replicas").GetString());
        Assert.Equal("postgres", parameters.GetProperty("storage").GetString());
        var checks = root.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(0, checks["errors"].GetProperty("actual").GetInt64());
        Assert.Equal(9, checks["served"].GetProperty("actual").GetInt64());
        Assert.Equal(9, checks["applications recorded"].GetProperty("actual").GetInt64());
        Assert.Equal(0, checks["order violations"].GetProperty("actual").GetInt64());
        Assert.Equal(0, checks["requeued"].GetProperty("actual").GetInt64());
        Assert.All(checks.Values, c => Assert.True(c.GetProperty("passed").GetBoolean(), c.GetRawText()));
        var figures = root.GetProperty("figures").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("value").GetDouble());
        Assert.Equal(3, figures["replicas"]);
        Assert.True(figures["queued citizens"] > 0);

        // The run's own database is gone afterwards.
        var database = parameters.GetProperty("database").GetString();
        Assert.StartsWith("kangen_bench_", database);
        Assert.Equal(0L, await DatabasesNamedAsync(server, database!));
    }

    private static async Task<long> DatabasesNamedAsync(string server, string database)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        return (long)(await exists.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Several_replicas_without_postgres_are_a_usage_error_and_issue_no_card()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "bench", "rush", "--replicas", "2", "--data", _data, "--out", Out);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--postgres", output);
        Assert.False(Directory.Exists(Path.Combine(_data, "bench")));
        Assert.False(File.Exists(Out));
    }

    /// <summary>The PostgreSQL server of scripts/postgres.sh; a test that needs it fails (never skips) without it.</summary>
    private static string PostgresServer =>
        Environment.GetEnvironmentVariable("KANGEN_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("KANGEN_TEST_POSTGRES is not set: run scripts/postgres.sh start and export KANGEN_TEST_POSTGRES=\"$(scripts/postgres.sh url)\" (scripts/test.sh does this).");

    [Fact]
    public void Cached_cards_are_reused_and_only_missing_ones_are_issued()
    {
        var cache = Path.Combine(_data, "cards");
        var progress = new BenchProgress();
        var first = BenchCards.Ensure(cache, 1, TimeProvider.System, progress.Add("cards", 1));
        var written = File.ReadAllBytes(BenchCards.PathOf(cache, 0));

        var second = BenchCards.Ensure(cache, 2, TimeProvider.System, progress.Add("cards", 2));

        Assert.Equal(written, File.ReadAllBytes(BenchCards.PathOf(cache, 0)));
        Assert.Equal(first[0].Card.ToBytes(), second[0].Card.ToBytes());
        Assert.True(File.Exists(BenchCards.PathOf(cache, 1)));
        Assert.Equal(2, progress.Counters[1].Done);
    }

    [Fact]
    public void A_citizen_told_to_wait_after_a_larger_ticket_was_admitted_is_an_order_violation()
    {
        // Ticket 1 still waits (request sent at 50) after ticket 2 was admitted (answer at 40).
        CitizenOutcome[] overtaken = [Citizen(1, lastWaiting: 50, admitted: 60), Citizen(2, lastWaiting: 30, admitted: 40)];

        Assert.Equal(1, RushScenario.OrderViolations(overtaken));
    }

    [Fact]
    public void Tickets_admitted_in_the_same_advance_are_in_order_whichever_poll_saw_it_first()
    {
        // Both were told to wait before either was admitted; ticket 2's poll happened to see the admission first.
        CitizenOutcome[] tie = [Citizen(1, lastWaiting: null, admitted: 10), Citizen(2, lastWaiting: 30, admitted: 55), Citizen(3, lastWaiting: 35, admitted: 45)];

        Assert.Equal(0, RushScenario.OrderViolations(tie));
    }

    [Fact]
    public void A_replica_lagging_behind_another_is_a_stale_wait_not_an_order_violation()
    {
        // Replica 1 admitted ticket 2 (at 40); replica 0, not yet past the advance, told ticket 1 to wait (at 50).
        CitizenOutcome[] lagging = [Citizen(1, lastWaiting: 50, admitted: 60, replica: 0), Citizen(2, lastWaiting: 30, admitted: 40, replica: 1)];

        Assert.Equal(0, RushScenario.OrderViolations(lagging));
        Assert.Equal((1, 10L), RushScenario.StaleWaits(lagging));
    }

    [Fact]
    public void A_replica_that_admitted_a_larger_ticket_and_then_told_a_smaller_one_to_wait_is_an_order_violation()
    {
        CitizenOutcome[] overtaken = [Citizen(1, lastWaiting: 50, admitted: 60, replica: 1), Citizen(2, lastWaiting: 30, admitted: 40, replica: 1)];

        Assert.Equal(1, RushScenario.OrderViolations(overtaken));
    }

    private static CitizenOutcome Citizen(long number, long? lastWaiting, long admitted, int replica = 0)
    {
        var citizen = new CitizenOutcome(0) { Number = number };
        if (lastWaiting is { } sentAt)
            citizen.Waited(replica, sentAt);
        citizen.Admitted(replica, admitted);
        return citizen;
    }
}

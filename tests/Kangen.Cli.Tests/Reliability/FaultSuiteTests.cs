using System.Diagnostics;
using System.Text.Json;
using Kangen.Cli.Features.Bench;
using Kangen.Cli.Features.Bench.Soak;
using Spectre.Console.Testing;

namespace Kangen.Cli.Tests.Reliability;

/// <summary>A folder the fault tests share: the card cache is issued once for the class.</summary>
public sealed class FaultSuiteFolder : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("kangen-faults-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// The fault suite (issue 9): each test runs one fault of <c>kangen bench soak</c> once, with a few citizens, against
/// real <c>kangen serve</c> child processes, and reads its JSON results: every invariant check must hold. The soak runs
/// the same faults in a loop (<c>--minutes</c>).
/// </summary>
[Collection(FaultSuiteTests.Name)]
public sealed class FaultSuiteTests(FaultSuiteFolder folder) : IClassFixture<FaultSuiteFolder>
{
    /// <summary>
    /// The faults run alone, after the other tests of the assembly: three replicas and their restarts load the machine,
    /// which would make the other classes' own waits (operator timeouts, start-up) fail for reasons of their own.
    /// </summary>
    public const string Name = "fault suite";

    private const string Citizens = "6";

    private static string Postgres =>
        Environment.GetEnvironmentVariable("KANGEN_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("KANGEN_TEST_POSTGRES is not set: run scripts/postgres.sh start and export KANGEN_TEST_POSTGRES=\"$(scripts/postgres.sh url)\" (scripts/test.sh does this).");

    [Fact]
    public async Task Duplicate_applications_and_account_races_across_three_replicas_record_exactly_one()
    {
        var result = await SoakAsync("replica-races", "--postgres", Postgres);

        AssertAllPassed(result);
        Assert.Equal(2 * 2, Figure(result, "replica-races: answers application.already-exists"));
        Assert.Equal(2, Figure(result, "replica-races: answers application.account-taken"));
        Assert.Contains(result.Checks, c => c.Name == "replica-races: accounts with two persons" && c.Actual == 0);
    }

    [Fact]
    public async Task A_replica_killed_during_grant_ingestion_loses_and_doubles_no_grant()
    {
        var result = await SoakAsync("replica-killed-during-grants", "--postgres", Postgres);

        AssertAllPassed(result);
        Assert.Contains(result.Checks, c => c.Name == "replica-killed-during-grants: replica killed and restarted" && c.Actual == 1);
        Assert.Contains(result.Checks, c => c.Name == "replica-killed-during-grants: " + Fault.KilledInFlight && c.Passed);
        // Three persons get 7 lines (under the cap), three get 8.
        Assert.Contains(result.Checks, c => c.Name == "replica-killed-during-grants: grants recorded" && c.Actual == 3 * 7 + 3 * 8);
        Assert.Contains(result.Figures, f => f.Name == "replica-killed-during-grants: requests cut");
        Assert.Contains(result.Figures, f => f.Name == "replica-killed-during-grants: grant batches resent");
    }

    [Fact]
    public async Task A_postgres_crash_under_load_gives_retryable_errors_and_leaves_nothing_half_written()
    {
        // A cluster of its own: the crash must not touch the server the other tests use.
        var script = Path.Combine(RepositoryRoot(), "scripts", "postgres.sh");
        const string Cluster = "KANGEN_PG_DIR=/tmp/kangen-pg-faults-test KANGEN_PG_PORT=55489";
        Assert.Equal(0, await ShellAsync($"{Cluster} {script} start"));
        try
        {
            var result = await SoakAsync("postgres-restarted-under-load",
                "--postgres", "Host=127.0.0.1;Port=55489;Username=postgres;Database=postgres",
                "--postgres-restart", $"{Cluster} {script} restart");

            AssertAllPassed(result);
            Assert.Contains(result.Checks, c => c.Name == "postgres-restarted-under-load: crash reached the replicas' server" && c.Passed);
            Assert.Contains(result.Checks, c => c.Name == "postgres-restarted-under-load: clients saw the crash" && c.Passed);
            // Clients were told the clear retryable answer, and nothing else went wrong than requests the crash cut.
            Assert.True(Figure(result, "postgres-restarted-under-load: answers " + PostgresRestartedUnderLoad.Unavailable) > 0,
                "no request was answered 503 storage.unavailable");
            const string Answers = "postgres-restarted-under-load: answers ";
            var codes = result.Figures.Where(f => f.Name.StartsWith(Answers, StringComparison.Ordinal)).Select(f => f.Name[Answers.Length..]);
            Assert.All(codes, c => Assert.Contains(c, new[] { PostgresRestartedUnderLoad.Unavailable, FaultTally.NoAnswer }));
        }
        finally
        {
            await ShellAsync($"{Cluster} {script} stop");
        }
    }

    [Fact]
    public async Task Sqlite_killed_mid_write_restarts_consistent_with_everything_acknowledged()
    {
        var result = await SoakAsync("sqlite-killed-mid-write");

        AssertAllPassed(result);
        Assert.Contains(result.Checks, c => c.Name == "sqlite-killed-mid-write: integrity after the kill" && c.Passed);
        Assert.Contains(result.Checks, c => c.Name == "sqlite-killed-mid-write: " + Fault.KilledInFlight && c.Passed);
        Assert.Contains(result.Checks, c => c.Name == "sqlite-killed-mid-write: acknowledged before the kill missing" && c.Actual == 0);
    }

    [Fact]
    public async Task Without_postgres_the_replica_faults_are_skipped_and_the_summary_says_so()
    {
        var result = await SoakAsync("replica-races");

        Assert.Empty(result.Checks);
        Assert.Contains(result.Figures, f => f.Name == "replica-races: skipped" && f.Description.Contains("--postgres", StringComparison.Ordinal));
    }

    [Fact]
    public void A_round_judges_only_the_unexpected_answers_and_codes_of_its_own_run()
    {
        var tally = new FaultTally(new BenchPhase("fault", TimeProvider.System));
        tally.Fail("an earlier round's 500");
        tally.Code(FaultTally.NoAnswer);
        tally.Retry(GrantSteps.Operation);

        var report = new FaultReport("fault", tally);
        Assert.Equal(0, report.Unexpected);
        Assert.Equal(0, report.Answers(FaultTally.NoAnswer));
        Assert.Equal(0, report.Resent(GrantSteps.Operation));

        tally.Fail("this round's 500");
        tally.Retry(GrantSteps.Operation);
        Assert.Equal(1, report.Unexpected);
        Assert.Equal(1, report.Resent(GrantSteps.Operation));
        Assert.Equal(2, tally.Unexpected);
    }

    [Fact]
    public void An_account_applied_with_by_two_persons_is_counted()
    {
        Guid alice = Guid.NewGuid(), bob = Guid.NewGuid();
        FaultChecks.AccountUse[] applications = [new("demo-pay", "A-1", alice), new("demo-pay", "A-2", bob)];
        FaultChecks.AccountUse[] bound = [new("demo-pay", "A-1", alice), new("demo-pay", "A-2", bob)];

        Assert.Equal(0, FaultChecks.AccountsWithTwoPersons(applications));
        Assert.Equal(0, FaultChecks.ApplicationsNotOfTheAccountsPerson(applications, bound));

        FaultChecks.AccountUse[] shared = [.. applications, new("demo-pay", "A-1", bob)];
        Assert.Equal(1, FaultChecks.AccountsWithTwoPersons(shared));
        Assert.Equal(1, FaultChecks.ApplicationsNotOfTheAccountsPerson(shared, bound));
        // The same reference at another service is another account.
        Assert.Equal(0, FaultChecks.AccountsWithTwoPersons([.. applications, new("other-pay", "A-1", bob)]));
        Assert.Equal(2, FaultChecks.ApplicationsNotOfTheAccountsPerson(applications, [new("demo-pay", "A-1", bob)]));
    }

    [Fact]
    public void Half_the_persons_are_proposed_less_than_the_cap_so_a_doubled_line_shows_in_their_sum()
    {
        const long Cap = 5_000;
        var planned = GrantSteps.Plan(["p0", "p1", "p2", "p3"], SoakSettings.GrantsFor, SoakSettings.GrantPoints, "t", DateTimeOffset.UnixEpoch);

        var sums = planned.GroupBy(g => g.Person).ToDictionary(g => g.Key, g => g.Sum(x => x.Line.Points));
        Assert.Equal(4_900, sums[0]);
        Assert.Equal(4_900, sums[2]);
        Assert.True(sums[1] > Cap && sums[3] > Cap, "the others still meet the cap");
        Assert.Equal(planned.Count, planned.Select(g => g.Line.Key).Distinct().Count());
        // One of the first person's lines recorded twice would be more than was proposed, even capped.
        Assert.True(Math.Min(Cap, sums[0] + SoakSettings.GrantPoints) > sums[0]);
    }

    [Fact]
    public void The_crash_fault_takes_a_refused_connection_or_a_shutdown_for_a_server_down_but_not_too_many_connections()
    {
        static Exception Opening(Exception inner) => new Npgsql.NpgsqlException("Failed to connect to 127.0.0.1:55432", inner);

        Assert.True(PostgresRestartedUnderLoad.IsServerDown(Opening(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused))));
        Assert.True(PostgresRestartedUnderLoad.IsServerDown(Opening(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AddressNotAvailable))));
        Assert.True(PostgresRestartedUnderLoad.IsServerDown(new Npgsql.PostgresException("the database system is starting up", "FATAL", "FATAL", Npgsql.PostgresErrorCodes.CannotConnectNow)));
        Assert.True(PostgresRestartedUnderLoad.IsServerDown(new Npgsql.PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", Npgsql.PostgresErrorCodes.AdminShutdown)));
        Assert.False(PostgresRestartedUnderLoad.IsServerDown(new Npgsql.PostgresException("sorry, too many clients already", "FATAL", "FATAL", Npgsql.PostgresErrorCodes.TooManyConnections)));
        Assert.False(PostgresRestartedUnderLoad.IsServerDown(Opening(new TimeoutException())));
        Assert.False(PostgresRestartedUnderLoad.IsServerDown(new InvalidOperationException("not the database")));
    }

    [Fact]
    public async Task An_unknown_fault_is_a_usage_error()
    {
        var console = new TestConsole().Width(250);
        var code = await KangenCli.RunAsync(["bench", "soak", "--only", "no-such-fault", "--data", folder.Root], new CliContext(console, TimeProvider.System));

        Assert.Equal(2, code);
        Assert.Contains("no-such-fault", console.Output, StringComparison.Ordinal);
    }

    private sealed record Check(string Name, long Actual, long Expected, bool Passed, string Description);

    private sealed record FigureValue(string Name, double Value, string Unit, string Description);

    private sealed record Results(IReadOnlyList<Check> Checks, IReadOnlyList<FigureValue> Figures, string Output);

    private async Task<Results> SoakAsync(string fault, params string[] options)
    {
        var output = Path.Combine(folder.Root, fault + "-" + Guid.NewGuid().ToString("N") + ".json");
        var console = new TestConsole().Width(250);
        // The faults are not about throughput: the machine-limit probes would only lengthen each run.
        var code = await KangenCli.RunAsync(["bench", "soak", "--only", fault, "--citizens", Citizens, "--no-limits", "--data", folder.Root, "--out", output, .. options],
            new CliContext(console, TimeProvider.System));
        Assert.True(File.Exists(output), $"kangen bench soak exited {code} without results:\n{console.Output}");
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        var results = new Results(
            json.RootElement.GetProperty("checks").Deserialize<List<Check>>(JsonSerializerOptions.Web)!,
            json.RootElement.GetProperty("figures").Deserialize<List<FigureValue>>(JsonSerializerOptions.Web)!,
            console.Output);
        Assert.True(code == (results.Checks.All(c => c.Passed) ? 0 : 1), $"exit code {code}:\n{console.Output}");
        return results;
    }

    private static void AssertAllPassed(Results result)
    {
        Assert.NotEmpty(result.Checks);
        var failed = result.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Actual} (expected {c.Expected}) {c.Description}").ToList();
        Assert.True(failed.Count == 0, string.Join('\n', failed) + "\n" + result.Output);
    }

    private static double Figure(Results result, string name) => result.Figures.SingleOrDefault(f => f.Name == name)?.Value ?? 0;

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Kangen.slnx")))
                return directory.FullName;
        }
        throw new InvalidOperationException("Kangen.slnx not found above " + AppContext.BaseDirectory);
    }

    private static async Task<int> ShellAsync(string command)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = Process.Start(start)!;
        await Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}

[CollectionDefinition(FaultSuiteTests.Name, DisableParallelization = true)]
public sealed class FaultSuiteCollection;

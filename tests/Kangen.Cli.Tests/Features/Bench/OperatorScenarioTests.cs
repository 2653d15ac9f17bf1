using System.Text.Json;
using Kangen.Cli.Features.Bench;
using Kangen.Cli.Features.Bench.Generate;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Cli.Tests.Features.Bench;

public sealed class OperatorScenarioTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("kangen-operator-bench-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private string Out => Path.Combine(_data, "results.json");

    [Fact]
    public async Task Bulk_grants_on_a_generated_database_hit_the_cap_keep_the_ledger_exact_and_a_resent_file_grants_nothing()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "grants", "--people", "2000", "--lines", "3000", "--batch-size", "500", "--no-limits", "--data", _data, "--out", Out);

        Assert.True(code == ExitCodes.Ok, output);
        var root = await ResultsAsync();
        Assert.Equal("grants", root.GetProperty("scenario").GetString());
        var checks = Checks(root);
        Assert.All(checks.Values, c => Assert.True(c.GetProperty("passed").GetBoolean(), c.GetRawText()));
        Assert.Equal(3000, checks["lines answered"].GetProperty("actual").GetInt64());
        Assert.True(checks["cap enforced"].GetProperty("actual").GetInt64() > 0);
        var figures = Figures(root);
        Assert.True(figures.ContainsKey("lines per minute"));
        Assert.Equal(3000, figures["accepted"] + figures["partial"] + figures["refused"]);
        var grants = Phase(root, "grants");
        Assert.Equal(6, grants["bulk file"].GetProperty("requests").GetInt64());
        Assert.True(grants["bulk file"].TryGetProperty("p99Ms", out _));
        Assert.Equal(1, Phase(root, "resend")["bulk file (same keys)"].GetProperty("requests").GetInt64());
        // The run's own database is removed afterwards.
        Assert.False(Directory.Exists(Path.Combine(BenchCommand.Folder(_data), "generated")) && Directory.EnumerateDirectories(Path.Combine(BenchCommand.Folder(_data), "generated")).Any());
    }

    [Fact]
    public async Task A_second_run_that_skips_the_first_runs_people_grants_to_others_only()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "grants", "--people", "1000", "--lines", "400", "--batch-size", "200", "--name", "skiptest", "--no-limits", "--data", _data, "--out", Out);
        Assert.True(code == ExitCodes.Ok, output);
        var first = (await ResultsAsync()).GetProperty("parameters").GetProperty("run").GetString()!;

        (code, output) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "grants", "--lines", "400", "--batch-size", "200", "--skip-people", "100", "--name", "skiptest", "--no-limits", "--data", _data, "--out", Out);
        Assert.True(code == ExitCodes.Ok, output);
        var root = await ResultsAsync();
        Assert.All(Checks(root).Values, c => Assert.True(c.GetProperty("passed").GetBoolean(), c.GetRawText()));
        Assert.Equal("100", root.GetProperty("parameters").GetProperty("skipPeople").GetString());
        var second = root.GetProperty("parameters").GetProperty("run").GetString()!;

        // Each run's lines named 100 people (400 lines, four each), and none of the first run's.
        var file = Path.Combine(GeneratedDatabase.FolderOf(BenchCommand.Folder(_data), "skiptest"), "kangen.db");
        await using var db = KangenStorage.CreateContext(StorageProvider.Sqlite, $"Data Source={file};Pooling=false");
        async Task<HashSet<Guid?>> PersonsAsync(string run) =>
            [.. await db.Grants.Where(g => g.Key.StartsWith("bench-" + run + "-") && !g.Key.Contains("warm")).Select(g => g.PersonId).Distinct().ToListAsync()];
        var firstPersons = await PersonsAsync(first);
        var secondPersons = await PersonsAsync(second);
        Assert.Equal(100, firstPersons.Count);
        Assert.Empty(firstPersons.Intersect(secondPersons));
        // Exactly the feed's people 101 to 200, in the feed's order.
        var next = await db.EnrolmentEvents.Where(e => e.OperatorCode == "kangen-demo" && e.Kind == "enrolled" && e.Program == "card-acquisition")
            .OrderBy(e => e.AuditSequence).ThenBy(e => e.Ordinal).Skip(100).Take(100).Select(e => e.Pseudonym).ToListAsync();
        var expected = await db.OperatorPseudonyms.Where(p => p.OperatorCode == "kangen-demo" && next.Contains(p.Pseudonym)).Select(p => (Guid?)p.PersonId).ToListAsync();
        Assert.Equal(100, expected.Count);
        Assert.True(secondPersons.SetEquals(expected), "the second run named other people than the feed's 101st to 200th");

        // Fewer people left than the lines need: a readable failure, nothing sent.
        var ledger = await db.Grants.CountAsync();
        (code, output) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "grants", "--lines", "400", "--skip-people", "100000", "--name", "skiptest", "--no-limits", "--data", _data, "--out", Out);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("after the first 100,000 people", output);
        Assert.Equal(ledger, await db.Grants.CountAsync());
        (code, output) = await CliRun.RunAsync(TimeProvider.System, "bench", "grants", "--skip-people", "-1", "--no-limits", "--data", _data, "--out", Out);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--skip-people", output);
    }

    [Fact]
    public async Task Bulk_grants_on_postgres_keep_the_ledger_exact()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "grants", "--people", "1000", "--lines", "2000", "--batch-size", "500", "--workers", "3",
            "--postgres", GenerateCommandTests.PostgresServer, "--no-limits", "--data", _data, "--out", Out);

        Assert.True(code == ExitCodes.Ok, output);
        Assert.All(Checks(await ResultsAsync()).Values, c => Assert.True(c.GetProperty("passed").GetBoolean(), c.GetRawText()));
    }

    [Fact]
    public async Task The_enrolment_feed_of_a_generated_database_arrives_whole_and_in_order_and_a_named_database_is_reused()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "feed", "--people", "2000", "--page-size", "700", "--name", "feedtest", "--no-limits", "--data", _data, "--out", Out);

        Assert.True(code == ExitCodes.Ok, output);
        var root = await ResultsAsync();
        Assert.Equal("feed", root.GetProperty("scenario").GetString());
        var checks = Checks(root);
        Assert.All(checks.Values, c => Assert.True(c.GetProperty("passed").GetBoolean(), c.GetRawText()));
        var records = checks["every record"].GetProperty("actual").GetInt64();
        Assert.True(records > 700, $"{records} records: more than one page");
        var figures = Figures(root);
        Assert.True(figures.ContainsKey("records per second"));
        Assert.True(figures.ContainsKey("time to first record"));
        // Every scenario reports the process's memory: a live heap, within what was ever resident.
        Assert.InRange(figures["managed heap after"], 0.1, figures["peak working set"]);
        Assert.Equal("no", root.GetProperty("parameters").GetProperty("reused").GetString());

        // The same name again: the kept database, not a new one (--people is ignored).
        (code, output) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "feed", "--people", "5", "--name", "feedtest", "--no-limits", "--data", _data, "--out", Out);
        Assert.True(code == ExitCodes.Ok, output);
        root = await ResultsAsync();
        Assert.Equal("yes", root.GetProperty("parameters").GetProperty("reused").GetString());
        Assert.Equal(records, Checks(root)["every record"].GetProperty("actual").GetInt64());
        Assert.True(File.Exists(Path.Combine(GeneratedDatabase.FolderOf(BenchCommand.Folder(_data), "feedtest"), "kangen.db")));
    }

    [Fact]
    public async Task A_scenario_with_bad_numbers_or_an_unreachable_server_fails_readably_and_creates_nothing()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "bench", "grants", "--lines", "0", "--no-limits", "--data", _data, "--out", Out);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--lines", output);

        (code, output) = await CliRun.RunAsync(TimeProvider.System, "bench", "feed", "--postgres", "Host=127.0.0.1;Port=1;Username=nobody;Timeout=3",
            "--no-limits", "--data", _data, "--out", Out);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("cannot be reached", output);
        Assert.False(Directory.Exists(BenchCommand.Folder(_data)));
        Assert.False(File.Exists(Out));
    }

    private async Task<JsonElement> ResultsAsync()
    {
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(Out));
        return document.RootElement.Clone();
    }

    private static Dictionary<string, JsonElement> Checks(JsonElement root) =>
        root.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);

    private static Dictionary<string, double> Figures(JsonElement root) =>
        root.GetProperty("figures").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("value").GetDouble());

    private static Dictionary<string, JsonElement> Phase(JsonElement root, string name) =>
        root.GetProperty("phases").EnumerateArray().Single(p => p.GetProperty("phase").GetString() == name)
            .GetProperty("operations").EnumerateArray().ToDictionary(o => o.GetProperty("operation").GetString()!);
}

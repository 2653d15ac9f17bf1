using System.Text.Json;
using Kangen.Cli.Features.Bench.Limits;
using Kangen.Cli.Features.Bench.Spots;

namespace Kangen.Cli.Tests.Features.Bench.Spots;

// Never a timed assertion: the run must pass its checks and its results must carry the figures, whatever they are.
public sealed class SpotsScenarioTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("kangen-bench-spots-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task A_small_spot_search_run_answers_as_in_process_and_reports_its_figures_against_the_machine_limits()
    {
        var output = Path.Combine(_data, "spots.json");

        var (code, console) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "spots", "--requests", "150", "--warm-up", "40", "--workers", "4", "--searches", "1000", "--limit-seconds", "0.3", "--data", _data, "--out", output);

        Assert.True(code == ExitCodes.Ok, console);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        var root = results.RootElement;
        Assert.Equal("spots", root.GetProperty("scenario").GetString());
        Assert.Equal("40", root.GetProperty("parameters").GetProperty("warmUpRequests").GetString());
        var checks = root.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(["errors", "answers as in process", "empty where spots exist", "searches timed", "machine limits"], checks.Keys.ToArray());
        Assert.All(checks.Values, c => Assert.True(c.GetProperty("passed").GetBoolean(), c.GetRawText()));

        var phases = root.GetProperty("phases").EnumerateArray().ToDictionary(p => p.GetProperty("phase").GetString()!,
            p => p.GetProperty("operations").EnumerateArray().ToDictionary(o => o.GetProperty("operation").GetString()!, o => o.GetProperty("requests").GetInt64()));
        Assert.Equal(1000, phases["search in process"][SpotsScenario.SearchOperation]);
        Assert.Equal(150, phases["search over http"][SpotsScenario.HttpOperation]);

        var figures = root.GetProperty("figures").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        Assert.True(figures["spots"].GetProperty("value").GetDouble() > 80_000);
        Assert.True(figures["search p99 (in process)"].GetProperty("value").GetDouble() > 0);
        Assert.True(figures["queries expecting spots"].GetProperty("value").GetDouble() > 0);
        var throughput = figures["http throughput"];
        Assert.Equal(MachineLimits.TrivialEndpoint, throughput.GetProperty("limit").GetString());
        Assert.True(throughput.GetProperty("ratio").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, figures["http p99"].GetProperty("ratio").ValueKind);
        Assert.Contains(root.GetProperty("limits").EnumerateArray(), l => l.GetProperty("name").GetString() == MachineLimits.TrivialEndpoint);
    }

    [Theory]
    [InlineData("--requests", "0")]
    [InlineData("--warm-up", "-1")]
    public async Task Zero_requests_or_a_negative_warm_up_is_a_usage_error(string option, string value)
    {
        var output = Path.Combine(_data, "spots.json");

        var (code, console) = await CliRun.RunAsync(TimeProvider.System, "bench", "spots", option, value, "--data", _data, "--out", output);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(option, console);
        Assert.False(File.Exists(output));
    }
}

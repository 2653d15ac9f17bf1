using System.Text.Json;
using Kangen.Cli.Features.Bench.Limits;
using Kangen.Cli.Features.Bench.Status;

namespace Kangen.Cli.Tests.Features.Bench.Status;

// Never a timed assertion: the run must pass its checks and its results must carry the figures, whatever they are.
public sealed class StatusScenarioTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("kangen-bench-status-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Citizens_who_applied_see_their_application_in_every_status_lookup()
    {
        var output = Path.Combine(_data, "status.json");

        var (code, console) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "status", "--citizens", "3", "--requests", "60", "--warm-up", "20", "--workers", "4", "--limit-seconds", "0.3", "--data", _data, "--out", output);

        Assert.True(code == ExitCodes.Ok, console);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        var root = results.RootElement;
        Assert.Equal("status", root.GetProperty("scenario").GetString());
        // The warm-up's 20 lookups came first and are not counted below.
        Assert.Equal("20", root.GetProperty("parameters").GetProperty("warmUpRequests").GetString());
        var checks = root.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(0, checks["errors"].GetProperty("actual").GetInt64());
        Assert.Equal(60, checks["answers showing the application"].GetProperty("actual").GetInt64());
        Assert.All(checks.Values, c => Assert.True(c.GetProperty("passed").GetBoolean(), c.GetRawText()));

        var phase = Assert.Single(root.GetProperty("phases").EnumerateArray());
        var operation = Assert.Single(phase.GetProperty("operations").EnumerateArray());
        Assert.Equal(StatusScenario.Operation, operation.GetProperty("operation").GetString());
        Assert.Equal(60, operation.GetProperty("requests").GetInt64());

        var figures = root.GetProperty("figures").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        Assert.Equal(3, figures["citizens"].GetProperty("value").GetDouble());
        Assert.Equal(MachineLimits.TrivialEndpoint, figures["lookup throughput"].GetProperty("limit").GetString());
        Assert.True(figures["lookup throughput"].GetProperty("ratio").GetDouble() > 0);
    }

    [Theory]
    [InlineData("""{"me":{"programs":[{"program":"card-acquisition","applied":true,"service":{"code":"demo-pay"}}]},"children":[]}""", true)]
    [InlineData("""{"me":{"programs":[{"program":"card-acquisition","applied":false,"service":null}]},"children":[]}""", false)]
    [InlineData("""{"me":{"programs":[{"program":"card-acquisition","applied":true,"service":{"code":"other-pay"}}]},"children":[]}""", false)]
    [InlineData("""{"me":{"programs":[{"program":"health-insurance","applied":true,"service":{"code":"demo-pay"}}]},"children":[]}""", false)]
    public void Only_an_answer_listing_the_application_with_the_service_counts(string answer, bool shows)
    {
        using var json = JsonDocument.Parse(answer);

        Assert.Equal(shows, StatusScenario.ShowsApplication(json.RootElement));
    }
}

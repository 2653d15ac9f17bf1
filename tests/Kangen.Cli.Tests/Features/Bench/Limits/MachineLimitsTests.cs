using System.Text.Json;
using Kangen.Cli.Features.Bench;
using Kangen.Cli.Features.Bench.Limits;

namespace Kangen.Cli.Tests.Features.Bench.Limits;

// Rates depend on the machine and on whatever else runs on it: these tests never assert a rate's value, only that each
// probe measured something, without an error, and that the results carry it.
public sealed class MachineLimitsTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("kangen-limits-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private static readonly string[] Names =
    [
        MachineLimits.SqliteCommits, MachineLimits.SqliteCommitsNormal, MachineLimits.RsaVerifications,
        MachineLimits.TrivialEndpoint, MachineLimits.BareEndpoint,
    ];

    [Fact]
    public async Task Every_probe_measures_a_positive_rate_without_errors_and_leaves_no_file()
    {
        var folder = Path.Combine(_data, "limits");

        var limits = await MachineLimits.MeasureAsync(new LimitsSettings(folder, TimeSpan.FromMilliseconds(300)), TimeProvider.System,
            new BenchProgress(), CancellationToken.None);

        Assert.Equal(Names, limits.Select(l => l.Name).ToArray());
        Assert.All(limits, l =>
        {
            Assert.True(l.Value > 0, l.Name);
            Assert.True(l.Operations > 0, l.Name);
            Assert.Equal(0, l.Errors);
        });
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public async Task Bench_limits_writes_every_limit_to_its_results()
    {
        var output = Path.Combine(_data, "limits.json");

        var (code, console) = await CliRun.RunAsync(TimeProvider.System,
            "bench", "limits", "--limit-seconds", "0.3", "--data", _data, "--out", output);

        Assert.True(code == ExitCodes.Ok, console);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        var root = results.RootElement;
        Assert.Equal("limits", root.GetProperty("scenario").GetString());
        var limits = root.GetProperty("limits").EnumerateArray().ToDictionary(l => l.GetProperty("name").GetString()!);
        Assert.Equal(Names.Order(), limits.Keys.Order());
        Assert.All(limits.Values, l => Assert.True(l.GetProperty("value").GetDouble() > 0, l.GetRawText()));
        var check = Assert.Single(root.GetProperty("checks").EnumerateArray());
        Assert.Equal("machine limits", check.GetProperty("name").GetString());
        Assert.True(check.GetProperty("passed").GetBoolean());
        Assert.Contains(MachineLimits.TrivialEndpoint, console);
        // No platform ran: no memory figures that would look like a server's.
        Assert.Empty(root.GetProperty("figures").EnumerateArray());
    }

    [Fact]
    public async Task A_probe_time_of_zero_is_a_usage_error()
    {
        var output = Path.Combine(_data, "limits.json");

        var (code, console) = await CliRun.RunAsync(TimeProvider.System, "bench", "limits", "--limit-seconds", "0", "--data", _data, "--out", output);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--limit-seconds", console);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void A_figure_naming_a_limit_gets_its_ratio_to_the_measured_limit_and_others_none()
    {
        MachineLimit[] limits = [new(MachineLimits.TrivialEndpoint, 4000, "requests/s", 8000, 0, 2, "")];

        var compared = new BenchFigure("throughput", 1000, "requests/s", "", MachineLimits.TrivialEndpoint).ComparedTo(limits);
        var unnamed = new BenchFigure("count", 7, "", "").ComparedTo(limits);
        var unmeasured = new BenchFigure("throughput", 1000, "requests/s", "", MachineLimits.BareEndpoint).ComparedTo(limits);

        Assert.Equal(0.25, compared.Ratio);
        Assert.Null(unnamed.Ratio);
        Assert.Null(unmeasured.Ratio);
    }
}

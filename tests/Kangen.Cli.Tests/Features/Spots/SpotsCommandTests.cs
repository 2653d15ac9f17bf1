using Kangen.Platform.Features.Spots;

namespace Kangen.Cli.Tests.Features.Spots;

public sealed class SpotsCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kangen-spots-").FullName;

    private string Store => Path.Combine(_folder, "store", "spots.csv");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Near_a_postal_code_prints_the_nearest_open_spots_with_distances()
    {
        var (code, output) = await CliRun.RunAsync("spots", "near", "--postal-code", "100-0001", "--operation", "health-insurance",
            "--open-at", "2022-07-01T10:00+09:00", "--k", "5", "--store", Store);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("postal code 1000001", output, StringComparison.Ordinal);
        Assert.Contains("千代田区役所", output, StringComparison.Ordinal);
        Assert.Contains(" m ", output, StringComparison.Ordinal);
        Assert.Contains("generated", output, StringComparison.Ordinal);
        Assert.Contains("│ 5 ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("│ 6 ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_now_uses_the_injected_clock()
    {
        // The default test clock is 2022-07-01 03:00 UTC = Friday 12:00 in Japan: counters are open.
        var (code, output) = await CliRun.RunAsync("spots", "near", "--municipality", "131016", "--kind", "municipal-counter", "--open-now", "--k", "1", "--store", Store);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("千代田区役所", output, StringComparison.Ordinal);

        var sunday = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2022, 7, 3, 3, 0, 0, TimeSpan.Zero));
        var (_, closed) = await CliRun.RunAsync(sunday, "spots", "near", "--municipality", "131016", "--kind", "municipal-counter", "--open-now", "--k", "1", "--store", Store);
        Assert.DoesNotContain("千代田区役所", closed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("spots.invalid-coordinates", "--lat", "95", "--lng", "139")]
    [InlineData("spots.unknown-municipality", "--municipality", "999999")]
    [InlineData("spots.unknown-postal-code", "--postal-code", "0000000")]
    [InlineData("spots.invalid-operation", "--lat", "35", "--lng", "139", "--operation", "dance")]
    [InlineData("spots.operation-not-offered", "--lat", "35", "--lng", "139", "--operation", "public-fund-account")]
    [InlineData("spots.invalid-k", "--lat", "35", "--lng", "139", "--k", "1000")]
    [InlineData("spots.origin-required")]
    public async Task Bad_input_fails_with_a_clear_error_and_its_code(string errorCode, params string[] options)
    {
        var (code, output) = await CliRun.RunAsync(["spots", "near", "--store", Store, .. options]);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("error:", output, StringComparison.Ordinal);
        Assert.Contains(errorCode, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exporting_then_importing_the_generated_list_round_trips_and_becomes_the_list_in_use()
    {
        var exported = Path.Combine(_folder, "spots.csv");
        var (exportCode, exportOutput) = await CliRun.RunAsync("spots", "export", "--out", exported, "--store", Store);
        Assert.Equal(ExitCodes.Ok, exportCode);
        Assert.Contains("exported 89", exportOutput, StringComparison.Ordinal);

        var (importCode, importOutput) = await CliRun.RunAsync("spots", "import", exported, "--store", Store);
        Assert.Equal(ExitCodes.Ok, importCode);
        Assert.Contains("0 real", importOutput, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(exported), await File.ReadAllBytesAsync(Store));

        var (_, near) = await CliRun.RunAsync("spots", "near", "--lat", "35.68", "--lng", "139.76", "--k", "1", "--store", Store);
        Assert.Contains(Store, near.Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_list_with_any_bad_row_is_refused_with_line_numbers_and_the_store_is_unchanged()
    {
        var good = Path.Combine(_folder, "good.csv");
        await File.WriteAllTextAsync(good, SpotCsv.Header + "\n" +
            "R-1,千代田区役所,municipal-counter,131016,35.694,139.7536,reserve|apply,\"Mon-Fri 08:30-17:15; Hol closed\",false\n");
        Assert.Equal(ExitCodes.Ok, (await CliRun.RunAsync("spots", "import", good, "--store", Store)).ExitCode);
        var before = await File.ReadAllBytesAsync(Store);

        var bad = Path.Combine(_folder, "bad.csv");
        await File.WriteAllTextAsync(bad, SpotCsv.Header + "\n" +
            "R-2,x,post-office,131016,35.6,139.7,apply,Mon-Fri 09:00-17:00,false\n" +
            "R-3,x,post-office,131016,35.6,200,apply,Mon-Fri 09:00-17:00,false\n" +
            "R-4,x,post-office,131016,35.6,139.7,public-fund-account,Mon-Fri 09:00-17:00,false\n");
        var (code, output) = await CliRun.RunAsync("spots", "import", bad, "--store", Store);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("nothing was imported", output, StringComparison.Ordinal);
        Assert.Contains("line 3: lng", output, StringComparison.Ordinal);
        Assert.Contains("line 4: operations", output, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(Store));

        var (_, near) = await CliRun.RunAsync("spots", "near", "--lat", "35", "--lng", "139", "--store", Store);
        Assert.Contains("R-1", near, StringComparison.Ordinal);
        Assert.DoesNotContain("R-2", near, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_counts_spots_per_kind_and_prefecture()
    {
        var (code, output) = await CliRun.RunAsync("spots", "stats", "--store", Store);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("89992 spots", output, StringComparison.Ordinal);
        Assert.Contains("convenience-store", output, StringComparison.Ordinal);
        Assert.Contains("50000", output, StringComparison.Ordinal);
        Assert.Contains("沖縄県", output, StringComparison.Ordinal);
    }
}

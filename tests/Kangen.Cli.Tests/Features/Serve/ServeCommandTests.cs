using System.Net;
using System.Text.Json;

namespace Kangen.Cli.Tests.Features.Serve;

public class ServeCommandTests(ServedPlatform platform) : IClassFixture<ServedPlatform>
{
    [Fact]
    public async Task Serve_answers_health_readiness_openapi_and_the_reference_page()
    {
        using var http = new HttpClient { BaseAddress = new Uri(platform.Url) };
        Assert.Equal("Healthy", await http.GetStringAsync("/health"));
        Assert.Equal("Healthy", await http.GetStringAsync("/ready"));
        var openApi = await http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/v1/sessions", openApi);
        Assert.Contains("/api/v1/me/my-key-id", openApi);
        using var scalar = await http.GetAsync("/scalar/");
        Assert.Equal(HttpStatusCode.OK, scalar.StatusCode);
        Assert.Contains(platform.Url, platform.ServeConsole.Output);
        // Migrations ran at start: the SQLite file is in the data folder, next to the issuer it trusts.
        Assert.True(File.Exists(Path.Combine(platform.Data, "kangen.db")));
        Assert.True(File.Exists(Path.Combine(platform.Data, "issuer", "auth-ca.cer")));
    }

    [Fact]
    public async Task Serve_stops_cleanly_when_cancelled()
    {
        await using var other = new ServedPlatform();
        await other.InitializeAsync();
        Assert.Equal(0, await other.StopAsync());
        using var http = new HttpClient { BaseAddress = new Uri(other.Url) };
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/health"));
    }

    [Fact]
    public void The_kangen_process_runs_the_server_garbage_collector_as_a_web_host_does()
    {
        // With the workstation GC a loaded `kangen serve` stood still for collections 7 % of the time (docs/performance.md).
        Assert.Equal("true", KangenRuntimeSetting("System.GC.Server"));
    }

    [Fact]
    public void The_kangen_process_lets_idle_thread_pool_workers_wait_without_spinning()
    {
        // With spinning, idle workers took processor time from the requests on two cores: 1-4 % of it per application
        // with the run order balanced (docs/performance.md).
        Assert.Equal("0", KangenRuntimeSetting("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"));
    }

    // The runtime reads these from the configuration built beside kangen.dll (copied here with it), as text.
    private static string KangenRuntimeSetting(string name)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "kangen.runtimeconfig.json")));
        var value = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").GetProperty(name);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
    }

    [Fact]
    public async Task Postgres_without_a_connection_string_is_a_usage_error()
    {
        var (code, output) = await platform.RunAsync("serve", "--data", platform.Data, "--provider", "postgres", "--urls", "http://127.0.0.1:1");
        Assert.Equal(2, code);
        Assert.Contains("--connection", output);
    }

    [Fact]
    public async Task A_setting_out_of_range_stops_serve_at_start_with_the_setting_named()
    {
        var data = Path.Combine(Path.GetTempPath(), "kangen-serve-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output) = await platform.RunAsync("serve", "--data", data, "--urls", "http://127.0.0.1:0", "--Kangen:Challenges:LifetimeSeconds=0");

            Assert.Equal(1, code);
            Assert.Contains("Configuration: Kangen:Challenges:LifetimeSeconds must be 1..3600.", output);
            Assert.DoesNotContain("   at ", output);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}

using Microsoft.Extensions.Time.Testing;

namespace Kangen.Cli.Tests.Features.Demo;

public sealed class DemoCommandTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("kangen-demo-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Demo_authenticates_every_card_refuses_the_revoked_one_and_applies_the_rules()
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "demo", "--exit", "--data", _data);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("mynapoint-phase2", output);
        Assert.Equal(3, CountOf(output, "authenticated"));
        Assert.Contains("refused: auth.certificate-revoked", output);
        Assert.Contains("2 tries left", output);
        Assert.Contains("6,000 -> 5,000", output);
        Assert.Contains("grant.exceeds-cap", output);
        Assert.Contains("application.representative-required", output);
        Assert.Contains("application.account-same-as-representative", output);
        Assert.Contains("recorded", output);
        Assert.True(File.Exists(Path.Combine(_data, "demo", "issuer", "auth.crl")));

        // The platform part: three reservations, the same My Key ID on a second login, the revoked card refused.
        var ids = System.Text.RegularExpressions.Regex.Matches(output, @"My Key ID: ([A-Z0-9]{8})\s*\n\s*(?:新しく設定しました|設定済み|更新後)")
            .Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(4, ids.Length);
        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(ids[0], ids[3]);
        Assert.Contains("already reserved", output);
        Assert.Contains("auth.certificate-revoked", output);
        Assert.Contains("Audit log intact", output);
        Assert.True(File.Exists(Path.Combine(_data, "demo", "kangen.db")));

        // Applications: taro for himself (three programs after registering) and for yui, hanako refused taro's account
        // and then recorded with her own; the status; the call centre matching once and answering alike otherwise.
        Assert.Equal(2, CountOf(output, "登録しました / 已登记 / registered"));
        Assert.Equal(3, CountOf(output, "Application recorded"));
        Assert.Contains("application.account-taken", output);
        Assert.Contains("legal representative", output);
        Assert.Contains("Applied. Check the points", output);
        Assert.Contains("the same answer", output);

        // Operators: two registered over the admin API, their customers' grants up to the caps (taro 5,000 + 7,500 +
        // 7,500 and yui 5,000 at kangen-demo, hanako 5,000 at demo-rail), each operator's check of the month's
        // estimate matching its own ledger, and the administrator's view of both.
        Assert.Equal(2, CountOf(output, "Public key to register with the platform"));
        Assert.Equal(2, output.Split(": matches (estimate).").Length - 1);
        Assert.Contains("Total: 28 lines, 30,000 net points.", output);
    }

    [Fact]
    public async Task Demo_runs_again_on_the_same_data_folder()
    {
        var first = await CliRun.RunAsync(TimeProvider.System, "demo", "--exit", "--data", _data);
        Assert.True(first.ExitCode == ExitCodes.Ok, first.Output);
        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "demo", "--exit", "--data", _data);

        // The output says which step failed.
        Assert.True(code == ExitCodes.Ok, output);
        Assert.Equal(3, CountOf(output, "authenticated"));
    }

    [Fact]
    public async Task Demo_refuses_a_malformed_instant_as_a_usage_error()
    {
        var (code, output) = await CliRun.RunAsync(new FakeTimeProvider(), "demo", "--exit", "--data", _data, "--at", "yesterday");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--at", output);
        Assert.False(Directory.Exists(Path.Combine(_data, "demo")));
    }

    [Fact]
    public async Task Demo_without_exit_refuses_a_taken_port_before_running_anything()
    {
        using var occupant = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((System.Net.IPEndPoint)occupant.LocalEndpoint).Port;

        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "demo", "--data", _data, "--urls", $"http://127.0.0.1:{port}", "--agent-port", "0");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains($"Port {port} is taken", output);
        Assert.Contains("--urls http://127.0.0.1:", output);
        Assert.False(Directory.Exists(Path.Combine(_data, "demo")));
    }

    [Fact]
    public async Task Demo_without_exit_refuses_a_taken_card_agent_port()
    {
        using var occupant = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((System.Net.IPEndPoint)occupant.LocalEndpoint).Port;
        using var free = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        free.Start();
        var platformPort = ((System.Net.IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();

        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "demo", "--data", _data, "--urls", $"http://127.0.0.1:{platformPort}", "--agent-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains($"Port {port} on 127.0.0.1 is taken", output);
        Assert.Contains("--agent-port", output);
        Assert.False(Directory.Exists(Path.Combine(_data, "demo")));
    }

    [Theory]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("ftp://127.0.0.1:5080")]
    [InlineData("not an address")]
    public async Task Demo_without_exit_needs_an_address_with_a_port(string urls)
    {
        var (code, output) = await CliRun.RunAsync(TimeProvider.System, "demo", "--data", _data, "--urls", urls);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--urls", output);
        Assert.False(Directory.Exists(Path.Combine(_data, "demo")));
    }

    private static int CountOf(string text, string word) =>
        System.Text.RegularExpressions.Regex.Matches(text, $@"\b{word}\b").Count;
}

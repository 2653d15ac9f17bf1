using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Spectre.Console.Testing;

namespace Kangen.Cli.Tests.Features.Serve;

/// <summary>
/// <c>kangen serve</c> running in this process on a free loopback port with a data folder of its own, and the
/// clock shared with the <c>kangen card ...</c> commands the tests run against the same folder.
/// </summary>
public class ServedPlatform : IAsyncLifetime
{
    private readonly string[] _extraArguments;

    public ServedPlatform() : this([])
    {
    }

    /// <summary>A served platform with more <c>kangen serve</c> options (e.g. <c>--demo-dates</c>).</summary>
    protected ServedPlatform(string[] extraArguments) => _extraArguments = extraArguments;

    private readonly CancellationTokenSource _stop = new();
    private Task<int>? _serve;

    public string Root { get; } = Directory.CreateTempSubdirectory("kangen-serve-tests-").FullName;
    public string Data => Path.Combine(Root, "data");
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 4, 1, 3, 0, 0, TimeSpan.Zero));
    public string Url { get; } = "http://127.0.0.1:" + FreePort();
    public TestConsole ServeConsole { get; } = new TestConsole().Width(200);

    public async Task InitializeAsync()
    {
        _serve = KangenCli.RunAsync(["serve", "--data", Data, "--urls", Url, .. _extraArguments], new CliContext(ServeConsole, Time), _stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri(Url) };
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (_serve.IsCompleted)
                throw new InvalidOperationException($"kangen serve stopped with {await _serve}: {ServeConsole.Output}");
            try
            {
                using var response = await http.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("kangen serve did not answer /health within 30 s: " + ServeConsole.Output);
    }

    /// <summary>Runs another kangen command with the same clock.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var console = new TestConsole().Width(250);
        var code = await KangenCli.RunAsync(args, new CliContext(console, Time));
        return (code, console.Output);
    }

    /// <summary>Issues an emulated card from the platform's own data folder.</summary>
    public async Task<string> IssueCardAsync(string pin = "1234", string? birthDate = null, string? signingPassword = null)
    {
        var path = Path.Combine(Root, Guid.NewGuid().ToString("N") + ".card.json");
        string[] extra = [.. birthDate is null ? [] : new[] { "--birth-date", birthDate }, .. signingPassword is null ? [] : new[] { "--signing-password", signingPassword }];
        var (code, output) = await RunAsync(["card", "issue", "--data", Data, "--out", path, "--pin", pin, .. extra]);
        Assert.True(code == 0, output);
        return path;
    }

    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await _serve!;
    }

    public async Task DisposeAsync()
    {
        if (_serve is not null && !_serve.IsCompleted)
            await StopAsync();
        _stop.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

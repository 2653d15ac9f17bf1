using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Kangen.Web.Tests.Demo;

/// <summary>
/// <c>kangen demo</c> as a newcomer runs it: a separate operating-system process (<c>dotnet exec kangen.dll</c>, the
/// build output of src/Kangen.Cli) on its own data folder and free ports, read only through what it prints and
/// what it serves.
/// </summary>
public sealed partial class DemoProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public DemoProcess()
    {
        var platformPort = WebFixture.FreePort();
        var agentPort = WebFixture.FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{platformPort}/");
        AgentUrl = new Uri($"http://127.0.0.1:{agentPort}/");
    }

    /// <summary>Where the demo's pages are.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Where the demo's card agent is.</summary>
    public Uri AgentUrl { get; }

    /// <summary>The <c>--data</c> folder (removed on dispose).</summary>
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "kangen-demo-web-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>What the process printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>
    /// Starts <c>kangen demo</c> and returns once it has printed its guided tour and its landing page answers. The
    /// scripted tour comes first, so this takes a minute or two.
    /// </summary>
    public async Task StartAsync()
    {
        var kangen = Path.Combine(AppContext.BaseDirectory, "kangen.dll");
        // A test host started in the background by a non-interactive shell (as CI does) ignores SIGINT, and a child
        // inherits that; perl puts the default disposition back before exec, so Ctrl+C reaches the demo as it would
        // in a terminal. perl-base is essential on Debian.
        var start = new ProcessStartInfo("perl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     "-e", "$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec: $!\"",
                     "dotnet", "exec", kangen, "demo", "--data", DataDirectory,
                     "--urls", BaseUrl.GetLeftPart(UriPartial.Authority), "--agent-port", AgentUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 })
            start.ArgumentList.Add(argument);
        start.Environment["DOTNET_NOLOGO"] = "1";
        _process = Process.Start(start) ?? throw new InvalidOperationException("perl did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        // Up to 10 minutes: the scripted tour issues cards and runs two operators on a shared 2-core machine.
        for (var attempt = 0; attempt < 1200; attempt++)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"kangen demo exited with {_process.ExitCode} before it was ready:\n{Output}");
            if (Output.Contains("Ctrl+C", StringComparison.Ordinal))
            {
                try
                {
                    using var response = await http.GetAsync(BaseUrl);
                    if (response.StatusCode == HttpStatusCode.OK)
                        return;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Printed but not answering yet.
                }
            }
            await Task.Delay(500);
        }
        throw new TimeoutException($"kangen demo was not ready within 10 minutes:\n{Output}");
    }

    /// <summary>
    /// <c>kangen demo --exit</c> on the same data folder: the scripted tour alone, which must end by itself (no
    /// server or agent left running) with its exit code.
    /// </summary>
    public async Task<(int ExitCode, string Output)> RunScriptedTourAsync()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "kangen.dll"), "demo", "--exit", "--data", DataDirectory })
            start.ArgumentList.Add(argument);
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("kangen demo --exit did not end within 10 minutes:\n" + await output);
        }
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>
    /// The account the guided tour printed for a card: the field labels (Japanese part, as the Japanese form shows
    /// them) and values, read from the "Accounts to type in /apply" table.
    /// </summary>
    public IReadOnlyList<(string Label, string Value)> AccountFor(string cardId)
    {
        var lines = Output.Split('\n');
        var start = Array.FindIndex(lines, l => l.Contains("Accounts to type in /apply", StringComparison.Ordinal));
        Assert.True(start >= 0, "The guided tour printed no accounts:\n" + Output);
        var fields = new List<(string, string)>();
        string? current = null;
        foreach (var line in lines.Skip(start))
        {
            var row = TableRow().Match(line);
            if (!row.Success)
            {
                if (fields.Count > 0 && current != cardId)
                    break;
                continue;
            }
            var card = row.Groups["card"].Value.Trim();
            if (card.Length > 0)
                current = card;
            if (current == cardId)
                fields.Add((row.Groups["label"].Value.Split(" / ")[0].Trim(), row.Groups["value"].Value.Trim()));
            else if (fields.Count > 0)
                break;
        }
        Assert.True(fields.Count > 0, $"No account printed for {cardId}:\n{Output}");
        return fields;
    }

    /// <summary>Ctrl+C, as a person in the terminal presses it; returns the exit code.</summary>
    public async Task<int> InterruptAsync()
    {
        var process = _process ?? throw new InvalidOperationException("Not started.");
        // .NET sends no signal but SIGKILL; perl (essential on Debian, unlike procps' kill) sends SIGINT.
        var signal = new ProcessStartInfo("perl") { UseShellExecute = false };
        foreach (var argument in new[] { "-e", "kill 'INT', $ARGV[0] or die \"kill: $!\"", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            signal.ArgumentList.Add(argument);
        using (var kill = Process.Start(signal)!)
        {
            await kill.WaitForExitAsync();
            Assert.Equal(0, kill.ExitCode);
        }
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(limit.Token);
        return process.ExitCode;
    }

    /// <summary>Ends the process if a test left it running, and removes the data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try
        {
            if (Directory.Exists(DataDirectory))
                Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a closing process: the temporary folder is left behind, nothing else.
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    // A row of Spectre's table, with box-drawing or ASCII borders: card, field label, value.
    [GeneratedRegex(@"^\s*[│|]\s(?<card>[^│|]*?)\s*[│|]\s(?<label>[^│|]+?)\s*[│|]\s(?<value>[^│|\s]+)\s*[│|]\s*$")]
    private static partial Regex TableRow();
}

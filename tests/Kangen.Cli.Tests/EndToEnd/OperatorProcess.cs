using System.Diagnostics;
using System.Net;
using System.Text;

namespace Kangen.Cli.Tests.EndToEnd;

/// <summary>
/// <c>kangen operator run</c> as a separate operating-system process (<c>dotnet exec kangen.dll</c>), the way a
/// payment operator runs beside the platform: its own database, its own key, talking to the platform over HTTP.
/// </summary>
public sealed class OperatorProcess : IAsyncDisposable
{
    private readonly string[] _arguments;
    private readonly StringBuilder _output = new();
    private Process? _process;

    public OperatorProcess(string code, string platformUrl, string keyFile, string data, int port)
    {
        Code = code;
        Url = "http://127.0.0.1:" + port;
        Data = data;
        _arguments = ["operator", "run", "--platform", platformUrl, "--operator", code, "--key", keyFile, "--data", data,
            "--urls", Url, "--poll-seconds", "0.3", "--report-seconds", "0.3"];
    }

    public string Code { get; }
    public string Url { get; }
    public string Data { get; }
    public string VerificationUrl => Url + "/kangen/verify";

    /// <summary>What the process printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public async Task StartAsync()
    {
        var kangen = Path.Combine(AppContext.BaseDirectory, "kangen.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(kangen);
        foreach (var argument in _arguments)
            start.ArgumentList.Add(argument);
        start.Environment["DOTNET_NOLOGO"] = "1";
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"kangen operator run ({Code}) exited with {_process.ExitCode}: {Output}");
            try
            {
                using var response = await http.GetAsync(Url + "/health");
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"kangen operator run ({Code}) did not answer within 60 s: {Output}");
    }

    /// <summary>Kills the process at once (SIGKILL): no shutdown, no flushing, as a crash or a pulled plug.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    public async ValueTask DisposeAsync() => await KillAsync();
}

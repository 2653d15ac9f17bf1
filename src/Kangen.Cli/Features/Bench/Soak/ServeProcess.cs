using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kangen.Cli.Features.Bench.Soak;

/// <summary>
/// <c>kangen serve</c> as a child process (<c>dotnet exec kangen.dll serve ...</c>, the binary this process runs from),
/// on its own loopback port: started, killed with SIGKILL (no shutdown, no flush, as a crash or a pulled plug) and
/// started again on the same port and arguments. Only the last lines of its output are kept, for failure messages.
/// </summary>
internal sealed class ServeProcess(int index, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment) : IAsyncDisposable
{
    private const int KeptLines = 60;

    private readonly Queue<string> _output = new();
    private Process? _process;

    /// <summary>Which replica this is (0 migrates the database).</summary>
    public int Index { get; } = index;

    public string Url { get; } = "http://127.0.0.1:" + FreePort();

    /// <summary>How often it was killed.</summary>
    public int Kills { get; private set; }

    private bool _killed;

    /// <summary>The last lines it printed.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return string.Join('\n', _output);
        }
    }

    /// <summary>Starts the process and waits (at most two minutes: two loaded cores) until <c>/health</c> answers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_process is { HasExited: false })
            throw new InvalidOperationException($"Replica {Index} is already running.");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kangen.dll"));
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(Url);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        // Request logs of thousands of requests would only fill the kept lines; warnings say what went wrong.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore.DataProtection"] = "Error";
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromMinutes(2))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"kangen serve (replica {Index}) exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await http.GetAsync(Url + "/health", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // not listening yet
            }
            await Task.Delay(100, cancellationToken);
        }
        throw new TimeoutException($"kangen serve (replica {Index}) did not answer /health within 2 minutes:\n{Output}");
    }

    /// <summary>SIGKILL now, without waiting for the exit: a fault strikes from inside a request being sent.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } && !_killed)
        {
            _process.Kill(entireProcessTree: true);
            _killed = true;
            Kills++;
        }
    }

    /// <summary>SIGKILL (unless <see cref="Kill"/> did already): whatever it was doing stops mid-way; waits for the exit.</summary>
    public async Task KillAsync()
    {
        Kill();
        await StopAsync();
    }

    private async Task StopAsync()
    {
        if (_process is null)
            return;
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
        _killed = false;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > KeptLines)
                _output.Dequeue();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Kangen.Platform.Features.Staff;
using Microsoft.Data.Sqlite;
using Spectre.Console.Testing;

namespace Kangen.Cli.Tests.EndToEnd;

/// <summary>
/// The platform (<c>kangen serve</c> on demo dates, in this process, on the real clock) and two payment operators
/// (<c>kangen operator run</c>, each a separate process with its own key, database and verification endpoint),
/// registered by an administrator with <c>kangen admin operator</c>, all talking over HTTP on loopback.
/// </summary>
public sealed class OperatorsEndToEnd : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new();
    private Task<int>? _serve;

    public string Root { get; } = Directory.CreateTempSubdirectory("kangen-e2e-operators-").FullName;
    public string Data => Path.Combine(Root, "platform");
    public string Url { get; } = "http://127.0.0.1:" + FreePort();
    public string StaffToken { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
    public TestConsole ServeConsole { get; } = new TestConsole().Width(200);

    /// <summary>kangen-demo: demo-pay (QR app, granted at purchase) and demo-ecash.</summary>
    public OperatorProcess Demo { get; private set; } = null!;

    /// <summary>demo-rail: demo-transit (prepaid transit card, granted at charge).</summary>
    public OperatorProcess Rail { get; private set; } = null!;

    public string KeyFile(string code) => Path.Combine(Root, code + ".pem");

    public async Task InitializeAsync()
    {
        _serve = KangenCli.RunAsync(["serve", "--data", Data, "--urls", Url, "--demo-dates",
            "--Kangen:Staff:Tokens:0:Id=admin-e2e", "--Kangen:Staff:Tokens:0:Role=admin",
            "--Kangen:Staff:Tokens:0:Sha256=" + StaffRoles.HashToken(StaffToken),
            // Registrations below must be seen at once, and one failed verification must not open the circuit.
            "--Kangen:Operators:Verification:CacheSeconds=0.2", "--Kangen:Operators:Verification:AttemptTimeoutSeconds=1",
            "--Kangen:Operators:Verification:TotalTimeoutSeconds=3"],
            new CliContext(ServeConsole, TimeProvider.System), _stop.Token);
        await WaitForAsync(Url + "/health", () => _serve.IsCompleted ? "kangen serve stopped: " + ServeConsole.Output : null);

        Demo = await StartOperatorAsync("kangen-demo");
        Rail = await StartOperatorAsync("demo-rail");
    }

    private async Task<OperatorProcess> StartOperatorAsync(string code)
    {
        await RunOkAsync("operator", "keygen", "--out", KeyFile(code));
        var process = new OperatorProcess(code, Url, KeyFile(code), Path.Combine(Root, code), FreePort());
        await process.StartAsync();
        await RunOkAsync("admin", "operator", "add", code, "--server", Url, "--staff-token", StaffToken, "--verification-url", process.VerificationUrl);
        await RunOkAsync("admin", "operator", "key-add", code, "--server", Url, "--staff-token", StaffToken, "--public-key", KeyFile(code) + ".pub");
        return process;
    }

    /// <summary>Runs a kangen command in this process on the real clock.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var console = new TestConsole().Width(250);
        var code = await KangenCli.RunAsync(args, new CliContext(console, TimeProvider.System));
        return (code, console.Output);
    }

    public async Task<string> RunOkAsync(params string[] args)
    {
        var (code, output) = await RunAsync(args);
        Assert.True(code == 0, $"kangen {string.Join(' ', args)} exited {code}:\n{output}");
        return output;
    }

    /// <summary>Issues an emulated card from the platform's issuer (PIN 1234).</summary>
    public async Task<string> IssueCardAsync()
    {
        var path = Path.Combine(Root, Guid.NewGuid().ToString("N") + ".card.json");
        await RunOkAsync("card", "issue", "--data", Data, "--out", path, "--pin", "1234");
        return path;
    }

    /// <summary>Opens one customer account at an operator; returns its reference and the <c>--field</c> arguments to apply with.</summary>
    public async Task<(string Reference, string[] Fields)> OpenAccountAsync(OperatorProcess op, string service)
    {
        var output = await RunOkAsync("operator", "accounts", "open", "--data", op.Data, "--operator", op.Code, "--service", service, "--json");
        using var json = JsonDocument.Parse(output);
        var account = json.RootElement[0];
        string[] fields = [.. account.GetProperty("fields").EnumerateObject().SelectMany(f => new[] { "--field", f.Name + "=" + f.Value.GetString() })];
        return (account.GetProperty("reference").GetString()!, fields);
    }

    /// <summary>The operator's own counts (GET /kangen/status).</summary>
    public static async Task<JsonElement> StatusAsync(OperatorProcess op)
    {
        using var http = new HttpClient();
        return JsonSerializer.Deserialize<JsonElement>(await http.GetStringAsync(op.Url + "/kangen/status"));
    }

    /// <summary>Waits until the operator's status satisfies <paramref name="done"/> (the processes poll every 0.3 s).</summary>
    public static async Task<JsonElement> WaitForStatusAsync(OperatorProcess op, Func<JsonElement, bool> done, string what)
    {
        JsonElement status = default;
        for (var attempt = 0; attempt < 600; attempt++)
        {
            status = await StatusAsync(op);
            if (done(status))
                return status;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{op.Code} never got to: {what}; last status {status}\n{op.Output}");
    }

    /// <summary>A query on the platform's SQLite database (read-only).</summary>
    public async Task<List<object?[]>> QueryAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(Data, "kangen.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        var rows = new List<object?[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    private static async Task WaitForAsync(string url, Func<string?> failure)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (failure() is { } message)
                throw new InvalidOperationException(message);
            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(100);
        }
        throw new TimeoutException(url + " did not answer within 60 s");
    }

    public async Task DisposeAsync()
    {
        if (Demo is not null)
            await Demo.DisposeAsync();
        if (Rail is not null)
            await Rail.DisposeAsync();
        await _stop.CancelAsync();
        if (_serve is not null)
            await _serve;
        _stop.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using Kangen.Operator.Accounts;
using Kangen.Operator.Hosting;
using Kangen.Operator.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Kangen.Cli.Features.Demo;

/// <summary>One payment operator of the demo, hosted in this process on its own loopback port with its own database.</summary>
/// <param name="Code">The operator code.</param>
/// <param name="KeyFile">Its private key.</param>
/// <param name="Data">Its data folder.</param>
/// <param name="App">The running operator app.</param>
internal sealed record DemoOperator(string Code, string KeyFile, string Data, WebApplication App)
{
    public string Url => App.Urls.First();

    /// <summary>Opens a customer account in the operator's own store; returns the <c>--field</c> arguments a citizen types.</summary>
    public async Task<(OpenedAccount Account, string[] Fields)> OpenAccountAsync(string service, TimeProvider time, CancellationToken cancellationToken)
    {
        var services = OperatorServices.Load(Code);
        var store = new Kangen.Operator.Storage.OperatorStore(Data, Code);
        await using var db = store.Open();
        var opened = (await AccountBook.OpenAsync(db, services.Find(service)!, 1, new Random(), time.GetUtcNow(), cancellationToken))[0];
        return (opened, [.. opened.Fields.SelectMany(f => new[] { "--field", $"{f.Key}={f.Value}" })]);
    }
}

/// <summary>
/// The operators part of the demo: two payment operators (<c>kangen-demo</c> with its QR app and e-money,
/// <c>demo-rail</c> with its transit card) run in this process as they would beside the platform: each makes its key
/// pair (<c>kangen operator keygen</c>), the administrator registers it (<c>kangen admin operator add</c> /
/// <c>key-add</c>), and from then on the platform verifies their customers' accounts at their endpoints.
/// </summary>
internal static class DemoOperators
{
    public static readonly string[] Codes = ["kangen-demo", "demo-rail"];

    public static async Task<IReadOnlyList<DemoOperator>> StartAsync(CliContext context, string folder, string platformUrl, string adminToken, CancellationToken cancellationToken)
    {
        var console = context.Console;
        var started = new List<DemoOperator>();
        foreach (var code in Codes)
        {
            var data = Path.Combine(folder, "operators", code);
            var keyFile = Path.Combine(data, code + ".pem");
            var registered = await IsRegisteredAsync(platformUrl, adminToken, code, cancellationToken);
            if (registered && File.Exists(keyFile))
                console.MarkupLineInterpolated($"Operator [bold]{code}[/] keeps its key pair and registration from an earlier demo run.");
            else
            {
                console.MarkupLineInterpolated($"Operator [bold]{code}[/] makes its key pair; only the public key goes to the platform:");
                if (await KangenCli.RunAsync(["operator", "keygen", "--out", keyFile, "--force"], context, cancellationToken) != ExitCodes.Ok)
                    throw new InvalidOperationException($"kangen operator keygen failed for {code}.");
            }
            var app = OperatorHost.Build(["--urls=http://127.0.0.1:0"], new OperatorOptions
            {
                Code = code,
                Platform = platformUrl,
                KeyFile = keyFile,
                Data = data,
                PollInterval = TimeSpan.FromSeconds(0.5),
                ReportInterval = TimeSpan.FromSeconds(0.5),
            }, builder =>
            {
                builder.Services.AddSingleton(context.Time);
                // The operator's worker starts before the administrator has registered its key: its first rounds are refused.
                builder.Logging.SetMinimumLevel(LogLevel.Error);
            });
            await app.StartAsync(cancellationToken);
            var op = new DemoOperator(code, keyFile, data, app);
            started.Add(op);
            var endpoint = op.Url + "/kangen/verify";
            bool ok;
            if (registered && File.Exists(keyFile))
            {
                console.MarkupLineInterpolated($"The administrator points [bold]{code}[/]'s registration at its new endpoint {endpoint}:");
                ok = await KangenCli.RunAsync(["admin", "operator", "update", code, "--server", platformUrl, "--staff-token", adminToken,
                    "--verification-url", endpoint], context, cancellationToken) == ExitCodes.Ok;
            }
            else
            {
                console.MarkupLineInterpolated($"The administrator registers [bold]{code}[/] with its verification endpoint {endpoint} and its public key:");
                ok = (registered || await KangenCli.RunAsync(["admin", "operator", "add", code, "--server", platformUrl, "--staff-token", adminToken,
                        "--verification-url", endpoint], context, cancellationToken) == ExitCodes.Ok)
                    && (!registered || await KangenCli.RunAsync(["admin", "operator", "update", code, "--server", platformUrl, "--staff-token", adminToken,
                        "--verification-url", endpoint], context, cancellationToken) == ExitCodes.Ok)
                    && await KangenCli.RunAsync(["admin", "operator", "key-add", code, "--server", platformUrl, "--staff-token", adminToken,
                        "--public-key", keyFile + ".pub"], context, cancellationToken) == ExitCodes.Ok;
            }
            if (!ok)
                throw new InvalidOperationException($"Registering {code} failed.");
        }
        return started;
    }

    /// <summary>
    /// After the applications: each operator pulls its feed, simulates a month of its customers' spending, reports the
    /// grants, and checks the month's settlement estimate against its own ledger; the administrator sees the estimates.
    /// </summary>
    public static async Task<bool> GrantAndSettleAsync(CliContext context, string platformUrl, string adminToken, IReadOnlyList<DemoOperator> operators, CancellationToken cancellationToken)
    {
        var console = context.Console;
        var ok = true;
        var month = context.Time.GetUtcNow().ToOffset(TimeSpan.FromHours(9)).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var op in operators)
        {
            console.MarkupLineInterpolated($"[bold]{op.Code}[/] pulls its enrolment feed, simulates its customers' purchases (they never leave it) and reports only the grants:");
            ok &= await KangenCli.RunAsync(["operator", "simulate", "--platform", platformUrl, "--operator", op.Code, "--key", op.KeyFile,
                "--data", op.Data, "--days", "30", "--seed", "2022"], context, cancellationToken) == ExitCodes.Ok;
        }
        foreach (var op in operators)
        {
            console.MarkupLineInterpolated($"[bold]{op.Code}[/] checks {month}'s settlement estimate against its own ledger, line by line:");
            ok &= await KangenCli.RunAsync(["operator", "settle", "--platform", platformUrl, "--operator", op.Code, "--key", op.KeyFile,
                "--data", op.Data, "--month", month], context, cancellationToken) == ExitCodes.Ok;
        }
        console.MarkupLineInterpolated($"The administrator's view of {month} (the final envelope is closed once the month has ended: kangen admin settlement close):");
        ok &= await KangenCli.RunAsync(["admin", "settlement", "list", "--server", platformUrl, "--staff-token", adminToken, "--month", month], context, cancellationToken) == ExitCodes.Ok;
        return ok;
    }

    private static async Task<bool> IsRegisteredAsync(string platformUrl, string adminToken, string code, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(platformUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/admin/operators");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Staff", adminToken);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsStringAsync(cancellationToken)).Contains($"\"code\":\"{code}\"", StringComparison.Ordinal);
    }
}

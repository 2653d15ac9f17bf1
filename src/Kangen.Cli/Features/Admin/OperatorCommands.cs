using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Kangen.Cli.Features.Citizen;
using Kangen.Platform.Features.Operators;
using Kangen.Protocol;
using Spectre.Console;

namespace Kangen.Cli.Features.Admin;

/// <summary>
/// <c>kangen admin operator add|list|update|key-add|key-revoke</c> and <c>kangen admin link suspend|resume</c>: an
/// administrator's (or, for links, a municipal clerk's) console over the platform's HTTP API with a staff token. A
/// refusal prints the platform's code and message and exits 1; a bad command line exits 2.
/// </summary>
public static class OperatorCommands
{
    private const string AdminOperators = "api/v1/admin/operators";

    /// <summary>The <c>operator</c> group.</summary>
    public static Command Operator(CliContext context)
    {
        var command = new Command("operator", "Onboard payment operators: register them, set their verification endpoint and status, manage their public keys.");
        command.Subcommands.Add(Add(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Update(context));
        command.Subcommands.Add(KeyAdd(context));
        command.Subcommands.Add(KeyRevoke(context));
        return command;
    }

    /// <summary>The <c>link</c> group.</summary>
    public static Command Link(CliContext context)
    {
        var command = new Command("link", "Suspend or resume a person's links with their operators (death, fraud); the operators are told in their feeds.");
        command.Subcommands.Add(Suspend(context));
        command.Subcommands.Add(Resume(context));
        return command;
    }

    private static Option<string?> TokenOption() => PlatformConnection.StaffTokenOption("The");

    private static Argument<string> CodeArgument() => new("code") { Description = "The operator's code, as in the service catalogue." };

    private static Command Add(CliContext context)
    {
        var (server, token, code) = (PlatformConnection.ServerOption(), TokenOption(), CodeArgument());
        var url = new Option<string?>("--verification-url") { Description = "The operator's account verification endpoint (absolute http or https URL)." };
        var command = new Command("add", "Register a catalogue operator (staff role admin).") { code, server, token, url };
        command.SetAction((parse, cancellationToken) => SendAsync(context, parse, server, token, HttpMethod.Post, AdminOperators,
            new { code = parse.GetValue(code), verificationUrl = parse.GetValue(url) }, async response =>
            {
                PrintProfile(context, (await response.Content.ReadFromJsonAsync<OperatorProfile>(ProtocolJson.Options, cancellationToken))!, "Registered");
            }, cancellationToken));
        return command;
    }

    private static Command List(CliContext context)
    {
        var (server, token) = (PlatformConnection.ServerOption(), TokenOption());
        var command = new Command("list", "Every registered operator: status, endpoint, services and keys (staff role admin).") { server, token };
        command.SetAction((parse, cancellationToken) => SendAsync(context, parse, server, token, HttpMethod.Get, AdminOperators, null, async response =>
        {
            var operators = (await response.Content.ReadFromJsonAsync<OperatorProfile[]>(ProtocolJson.Options, cancellationToken))!;
            if (operators.Length == 0)
            {
                context.Console.MarkupLine("登録された事業者はありません / 没有已登记的事业者 / No operator is registered.");
                return;
            }
            var table = new Table().Border(TableBorder.Rounded).AddColumn("Operator").AddColumn("Status").AddColumn("Verification endpoint")
                .AddColumn("Services").AddColumn("Active keys");
            foreach (var o in operators)
            {
                table.AddRow(Markup.Escape(o.Code), Markup.Escape(o.Status), Markup.Escape(o.VerificationUrl ?? "-"), Markup.Escape(string.Join(", ", o.Services)),
                    Markup.Escape(string.Join("\n", o.Keys.Where(k => k.RevokedAt is null).Select(k => k.KeyId)) is { Length: > 0 } keys ? keys : "-"));
            }
            context.Console.Write(table);
        }, cancellationToken));
        return command;
    }

    private static Command Update(CliContext context)
    {
        var (server, token, code) = (PlatformConnection.ServerOption(), TokenOption(), CodeArgument());
        var url = new Option<string?>("--verification-url") { Description = "A new verification endpoint; an empty value removes it." };
        var status = new Option<string?>("--status") { Description = "active or suspended (a suspended operator's keys do not authenticate)." };
        status.AcceptOnlyFromAmong(OperatorStatuses.Active, OperatorStatuses.Suspended);
        var command = new Command("update", "Change an operator's verification endpoint or status (staff role admin).") { code, server, token, url, status };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(url) is null && parse.GetValue(status) is null)
            {
                context.Error("Give --verification-url, --status or both.");
                return ExitCodes.Usage;
            }
            return await SendAsync(context, parse, server, token, HttpMethod.Patch, $"{AdminOperators}/{Uri.EscapeDataString(parse.GetValue(code)!)}",
                new { verificationUrl = parse.GetValue(url), status = parse.GetValue(status) }, async response =>
                {
                    PrintProfile(context, (await response.Content.ReadFromJsonAsync<OperatorProfile>(ProtocolJson.Options, cancellationToken))!, "Updated");
                }, cancellationToken);
        });
        return command;
    }

    private static Command KeyAdd(CliContext context)
    {
        var (server, token, code) = (PlatformConnection.ServerOption(), TokenOption(), CodeArgument());
        var file = new Option<FileInfo>("--public-key") { Description = "The operator's P-256 public key, PEM (kangen operator keygen writes one).", Required = true };
        var command = new Command("key-add", "Add a public key to an operator's credentials (staff role admin).") { code, server, token, file };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                context.Error($"ファイルがありません / 文件不存在 / No such file: {path.FullName}");
                return ExitCodes.Usage;
            }
            var pem = await File.ReadAllTextAsync(path.FullName, cancellationToken);
            return await SendAsync(context, parse, server, token, HttpMethod.Post, $"{AdminOperators}/{Uri.EscapeDataString(parse.GetValue(code)!)}/keys",
                new KeyRegistration(pem), async response =>
                {
                    var key = (await response.Content.ReadFromJsonAsync<OperatorKeyInfo>(ProtocolJson.Options, cancellationToken))!;
                    context.Console.MarkupLineInterpolated($"[green]Key added[/] to {parse.GetValue(code)}: {key.KeyId}");
                }, cancellationToken);
        });
        return command;
    }

    private static Command KeyRevoke(CliContext context)
    {
        var (server, token, code) = (PlatformConnection.ServerOption(), TokenOption(), CodeArgument());
        var keyId = new Argument<string>("key-id") { Description = "The key to revoke (k-...)." };
        var command = new Command("key-revoke", "Revoke one of an operator's keys; it never authenticates again (staff role admin).") { code, keyId, server, token };
        command.SetAction((parse, cancellationToken) => SendAsync(context, parse, server, token, HttpMethod.Delete,
            $"{AdminOperators}/{Uri.EscapeDataString(parse.GetValue(code)!)}/keys/{Uri.EscapeDataString(parse.GetValue(keyId)!)}", null, async response =>
            {
                var key = (await response.Content.ReadFromJsonAsync<OperatorKeyInfo>(ProtocolJson.Options, cancellationToken))!;
                context.Console.MarkupLineInterpolated($"[yellow]Key revoked[/]: {key.KeyId} (since {key.RevokedAt:O})");
            }, cancellationToken));
        return command;
    }

    private static Command Suspend(CliContext context)
    {
        var (server, token) = (PlatformConnection.ServerOption(), TokenOption());
        var myKeyId = new Option<string>("--my-key-id") { Description = "The person's My Key ID.", Required = true };
        var reason = new Option<string>("--reason") { Description = "death or fraud.", Required = true };
        reason.AcceptOnlyFromAmong(LinkEndpoints.Death, LinkEndpoints.Fraud);
        var command = new Command("suspend", "Suspend a person's links: grants are refused and their operators told (staff roles municipal, admin).")
        {
            server, token, myKeyId, reason,
        };
        command.SetAction((parse, cancellationToken) => SendAsync(context, parse, server, token, HttpMethod.Post, "api/v1/admin/links/suspend",
            new { myKeyId = parse.GetValue(myKeyId), reason = parse.GetValue(reason) }, async response =>
            {
                var state = (await response.Content.ReadFromJsonAsync<LinkStateResponse>(ProtocolJson.Options, cancellationToken))!;
                context.Console.MarkupLineInterpolated($"[yellow]Suspended[/] {state.MyKeyId} ({state.Reason}); {state.Records} operator feed record(s) written.");
            }, cancellationToken));
        return command;
    }

    private static Command Resume(CliContext context)
    {
        var (server, token) = (PlatformConnection.ServerOption(), TokenOption());
        var myKeyId = new Option<string>("--my-key-id") { Description = "The person's My Key ID.", Required = true };
        var command = new Command("resume", "Resume a suspended person's links; their operators are told (staff roles municipal, admin).") { server, token, myKeyId };
        command.SetAction((parse, cancellationToken) => SendAsync(context, parse, server, token, HttpMethod.Post, "api/v1/admin/links/resume",
            new { myKeyId = parse.GetValue(myKeyId) }, async response =>
            {
                var state = (await response.Content.ReadFromJsonAsync<LinkStateResponse>(ProtocolJson.Options, cancellationToken))!;
                context.Console.MarkupLineInterpolated($"[green]Resumed[/] {state.MyKeyId}; {state.Records} operator feed record(s) written.");
            }, cancellationToken));
        return command;
    }

    /// <summary>
    /// Sends one staff request: no token is a usage error (2); a refusal prints the platform's problem and is 1;
    /// success runs <paramref name="print"/> and is 0.
    /// </summary>
    private static async Task<int> SendAsync(CliContext context, ParseResult parse, Option<string> server, Option<string?> token,
        HttpMethod method, string path, object? body, Func<HttpResponseMessage, Task> print, CancellationToken cancellationToken)
    {
        return await PlatformConnection.RunAsStaffAsync(context, parse, server, token, async http =>
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
                request.Content = JsonContent.Create(body, options: ProtocolJson.Options);
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return await PlatformConnection.ReportProblemAsync(context, response, cancellationToken);
            await print(response);
            return ExitCodes.Ok;
        }, cancellationToken);
    }

    private static void PrintProfile(CliContext context, OperatorProfile profile, string what)
    {
        context.Console.MarkupLineInterpolated($"[green]{what}[/] {profile.Code}: {profile.Status}, endpoint {profile.VerificationUrl ?? "-"}");
        context.Console.MarkupLineInterpolated($"  services: {string.Join(", ", profile.Services)}");
        var active = profile.Keys.Where(k => k.RevokedAt is null).Select(k => k.KeyId).ToArray();
        context.Console.MarkupLineInterpolated($"  active keys: {(active.Length == 0 ? "-" : string.Join(", ", active))}");
    }
}

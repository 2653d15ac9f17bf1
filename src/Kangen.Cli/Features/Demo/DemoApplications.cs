using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Spectre.Console;

namespace Kangen.Cli.Features.Demo;

/// <summary>
/// The applications part of the demo, against the platform hosted by <see cref="DemoPlatform"/>: taro registers for
/// parts 2 and 3 and applies for all three with a demo QR app account (the demo operator confirms it and shows the
/// masked holder name); taro applies for his daughter yui (under 15) as legal representative with both cards and yui's
/// signing certificate; hanako tries taro's account and is refused; the status; a call-centre lookup that matches and
/// one with wrong digits that answers exactly as for an unknown My Key ID.
/// </summary>
internal static class DemoApplications
{
    public static async Task<bool> RunAsync(CliContext context, string url, IReadOnlyList<DemoCard> cards, IReadOnlyList<DemoOperator> operators,
        string staffToken, CancellationToken cancellationToken)
    {
        var console = context.Console;
        var taro = cards.Single(c => c.Label == "taro");
        var hanako = cards.Single(c => c.Label == "hanako");
        var yui = cards.Single(c => c.Label == "yui");
        var ok = true;
        var qrOperator = operators.Single(o => o.Code == "kangen-demo");
        var railOperator = operators.Single(o => o.Code == "demo-rail");
        Task<int> Kangen(params string[] args) => KangenCli.RunAsync(args, context, cancellationToken);
        async Task<string[]> Account(DemoOperator op, string service, string owner)
        {
            var (account, fields) = await op.OpenAccountAsync(service, context.Time, cancellationToken);
            console.MarkupLineInterpolated($"{op.Code} opens a {service} account for {owner} in its own store (reference {account.Reference}, holder {account.HolderKana}): {string.Join(", ", account.Fields.Select(f => f.Key + "=" + f.Value))}");
            return fields;
        }

        console.MarkupLine("[bold]taro[/] registers his card for health insurance and a public-fund receipt account (parts 2 and 3):");
        ok &= await Kangen("register", "health-insurance", "--card", taro.CardFile, "--pin", taro.Pin, "--server", url,
            "--insurer-number", "01130012", "--symbol", "1234", "--number", "567") == ExitCodes.Ok;
        ok &= await Kangen("register", "public-fund-account", "--card", taro.CardFile, "--pin", taro.Pin, "--server", url,
            "--bank", "0005", "--branch", "001", "--account-type", "ordinary", "--account-number", "1234567", "--holder", "さとう たろう") == ExitCodes.Ok;

        var taroFields = await Account(qrOperator, "demo-pay", "taro");
        console.MarkupLine("[bold]taro[/] applies with it: the platform asks kangen-demo's endpoint over HTTP, he confirms the masked name, his card signs:");
        ok &= await Kangen(["apply", "--card", taro.CardFile, "--pin", taro.Pin, "--server", url, "--service", "demo-pay", .. taroFields, "--phone-last4", "1234", "--yes"]) == ExitCodes.Ok;

        var yuiFields = await Account(qrOperator, "demo-pay", "yui");
        console.MarkupLine("[bold]taro[/] applies for his daughter [bold]yui[/] (under 15) as legal representative, with her card and her own account:");
        ok &= await Kangen(["apply", "--card", taro.CardFile, "--pin", taro.Pin, "--server", url, "--service", "demo-pay", .. yuiFields,
            "--program", "card-acquisition", "--child-card", yui.CardFile, "--child-pin", yui.Pin, "--child-signing-password", "DEMO2022", "--yes"]) == ExitCodes.Ok;

        console.MarkupLine("[bold]hanako[/] tries taro's account (one account, one person): refused, nothing recorded:");
        ok &= await Kangen(["apply", "--card", hanako.CardFile, "--pin", hanako.Pin, "--server", url, "--service", "demo-pay", .. taroFields,
            "--program", "card-acquisition", "--yes"]) == ExitCodes.Failure;
        var hanakoFields = await Account(railOperator, "demo-transit", "hanako");
        console.MarkupLine("[bold]hanako[/] applies with her own transit card of another operator, demo-rail, instead:");
        ok &= await Kangen(["apply", "--card", hanako.CardFile, "--pin", hanako.Pin, "--server", url, "--service", "demo-transit", .. hanakoFields,
            "--program", "card-acquisition", "--phone-last4", "9876", "--yes"]) == ExitCodes.Ok;

        console.MarkupLine("[bold]taro[/] checks his status (and yui's):");
        ok &= await Kangen("status", "--card", taro.CardFile, "--pin", taro.Pin, "--server", url, "--lang", "en") == ExitCodes.Ok;

        ok &= await CallCentreAsync(context, url, taro, staffToken, cancellationToken);
        return ok;
    }

    private static async Task<bool> CallCentreAsync(CliContext context, string url, DemoCard taro, string staffToken, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/") };
        // taro's My Key ID, as he would read it out on the phone.
        var (session, _) = await Citizen.PlatformConnection.LoginAsync(context, http, taro.CardFile, taro.Pin, cancellationToken);
        if (session is null)
            return false;
        await Citizen.PlatformConnection.LogoutAsync(http, session);

        async Task<JsonElement> Lookup(string myKeyId, string digits)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/call-centre/lookups") { Content = JsonContent.Create(new { myKeyId, phoneLast4 = digits }) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Staff", staffToken);
            using var response = await http.SendAsync(request, cancellationToken);
            return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
        var console = context.Console;
        console.MarkupLineInterpolated($"A call-centre agent looks up taro by his My Key ID {session.MyKeyId} and the phone digits he gave (kangen callcentre lookup):");
        var matched = await KangenCli.RunAsync(["callcentre", "lookup", "--server", url, "--staff-token", staffToken,
            "--my-key-id", session.MyKeyId, "--phone-last4", "1234"], context, cancellationToken) == ExitCodes.Ok;
        var wrong = await Lookup(session.MyKeyId, "0000");
        var unknown = await Lookup("ZZZZ9999", "1234");
        console.MarkupLineInterpolated($"Wrong digits -> [bold]{wrong.GetRawText()}[/]; an unknown My Key ID -> [bold]{unknown.GetRawText()}[/]: the same answer, so the call centre cannot be used to find out who exists.");
        return matched && wrong.GetRawText() == unknown.GetRawText();
    }
}

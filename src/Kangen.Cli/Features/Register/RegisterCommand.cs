using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kangen.Cli.Features.Card;
using Kangen.Cli.Features.Citizen;
using Spectre.Console;

namespace Kangen.Cli.Features.Register;

/// <summary>
/// <c>kangen register</c>: a citizen registers the card for health insurance use (part 2) or a public-fund receipt
/// account (part 3), or looks at both, logging in with the card and logging out at the end. The platform validates
/// everything (field errors come back as its problem details); this command only carries what was typed.
/// </summary>
public static class RegisterCommand
{
    /// <summary>The <c>register</c> command and its subcommands.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("register", "Registrations for Mynapoint parts 2 and 3: health insurance use of the card, the public-fund receipt account.");
        command.Subcommands.Add(HealthInsurance(context));
        command.Subcommands.Add(PublicFundAccount(context));
        command.Subcommands.Add(Show(context));
        return command;
    }

    private static Command HealthInsurance(CliContext context)
    {
        var insurer = new Option<string>("--insurer-number") { Description = "保険者番号: 6 or 8 digits, as printed on the insurance card.", Required = true };
        var symbol = new Option<string?>("--symbol") { Description = "記号 as printed on the card (omit when the card has none)." };
        var number = new Option<string>("--number") { Description = "番号 as printed on the card.", Required = true };
        var branch = new Option<string?>("--branch-number") { Description = "枝番: 2 digits, when the card has one." };
        return Subcommand(context, "health-insurance", "Register the card for use as the health insurance certificate (part 2).",
            [insurer, symbol, number, branch],
            parse => ("api/v1/me/registrations/health-insurance", new
            {
                insurerNumber = parse.GetValue(insurer),
                symbol = parse.GetValue(symbol),
                number = parse.GetValue(number),
                branchNumber = parse.GetValue(branch),
            }));
    }

    private static Command PublicFundAccount(CliContext context)
    {
        var bank = new Option<string>("--bank") { Description = "金融機関コード: 4 digits (e.g. 0005).", Required = true };
        var branch = new Option<string>("--branch") { Description = "支店コード: 3 digits (e.g. 001).", Required = true };
        var type = new Option<string>("--account-type") { Description = "ordinary (普通), current (当座) or savings (貯蓄).", DefaultValueFactory = _ => "ordinary" };
        var number = new Option<string>("--account-number") { Description = "口座番号: 1 to 7 digits.", Required = true };
        var holder = new Option<string>("--holder") { Description = "口座名義 in kana, e.g. \"ヤマダ タロウ\" (half-width and hiragana are converted).", Required = true };
        return Subcommand(context, "public-fund-account", "Register the public-fund receipt account (part 3).",
            [bank, branch, type, number, holder],
            parse => ("api/v1/me/registrations/public-fund-account", new
            {
                bankCode = parse.GetValue(bank),
                branchCode = parse.GetValue(branch),
                accountType = parse.GetValue(type),
                accountNumber = parse.GetValue(number),
                holderName = parse.GetValue(holder),
            }));
    }

    private static Command Show(CliContext context)
    {
        var (command, card, pin, server, digit) = Base("show", "Show both registrations (masked).");
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (CardCli.CheckedPin(context, parse, pin, out var exit) is not { } given)
                return exit;
            return await PlatformConnection.RunAsync(context, parse.GetValue(server)!, http => WithSessionAsync(context, http, parse.GetValue(card)!, given,
                async session =>
                {
                    using var request = PlatformConnection.Authorized(HttpMethod.Get, "api/v1/me/registrations", session);
                    using var response = await http.SendAsync(request, cancellationToken);
                    if (!response.IsSuccessStatusCode)
                        return await PlatformConnection.ReportProblemAsync(context, response, cancellationToken);
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                    Print(context, "健康保険証利用 / 健康保险证使用 / health insurance", body.GetProperty("healthInsurance"));
                    Print(context, "公金受取口座 / 公费领取账户 / public-fund account", body.GetProperty("publicFundAccount"));
                    return ExitCodes.Ok;
                }, cancellationToken), cancellationToken, parse.GetValue(digit));
        });
        return command;
    }

    private static Command Subcommand(CliContext context, string name, string description, Option[] fields, Func<ParseResult, (string Path, object Body)> request)
    {
        var (command, card, pin, server, digit) = Base(name, description);
        foreach (var field in fields)
            command.Options.Add(field);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (CardCli.CheckedPin(context, parse, pin, out var exit) is not { } given)
                return exit;
            var (path, body) = request(parse);
            return await PlatformConnection.RunAsync(context, parse.GetValue(server)!, http => WithSessionAsync(context, http, parse.GetValue(card)!, given,
                async session =>
                {
                    using var put = PlatformConnection.Authorized(HttpMethod.Put, path, session, body);
                    using var response = await http.SendAsync(put, cancellationToken);
                    if (!response.IsSuccessStatusCode)
                        return await PlatformConnection.ReportProblemAsync(context, response, cancellationToken);
                    var registration = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                    context.Console.MarkupLine(response.StatusCode == HttpStatusCode.Created
                        ? "[green]登録しました / 已登记 / registered[/]"
                        : "[green]登録内容を更新しました / 已更新登记内容 / registration replaced[/]");
                    Print(context, Title(registration.GetProperty("kind").GetString()), registration);
                    return ExitCodes.Ok;
                }, cancellationToken), cancellationToken, parse.GetValue(digit));
        });
        return command;
    }

    private static (Command Command, Option<string> Card, Option<string?> Pin, Option<string> Server, Option<int?> Digit) Base(string name, string description)
    {
        var card = new Option<string>("--card") { Description = "The emulated card file (JSON).", Required = true };
        var pin = CardCli.PinOption();
        var server = PlatformConnection.ServerOption();
        var digit = PlatformConnection.BirthYearDigitOption();
        return (new Command(name, description) { card, pin, server, digit }, card, pin, server, digit);
    }

    /// <summary>Logs in, runs <paramref name="body"/>, and always ends the session (the terminal forgets the citizen).</summary>
    private static async Task<int> WithSessionAsync(CliContext context, HttpClient http, string cardFile, string pin,
        Func<CardSession, Task<int>> body, CancellationToken cancellationToken)
    {
        var (session, exit) = await PlatformConnection.LoginAsync(context, http, cardFile, pin, cancellationToken);
        if (session is null)
            return exit;
        context.Console.MarkupLineInterpolated($"マイキーID / My Key ID: [bold]{session.MyKeyId}[/]");
        try
        {
            return await body(session);
        }
        finally
        {
            await PlatformConnection.LogoutAsync(http, session);
        }
    }

    private static string Title(string? kind) => kind switch
    {
        "health-insurance" => "健康保険証利用 / 健康保险证使用 / health insurance",
        "public-fund-account" => "公金受取口座 / 公费领取账户 / public-fund account",
        _ => kind ?? "?",
    };

    private static void Print(CliContext context, string title, JsonElement registration)
    {
        if (registration.ValueKind != JsonValueKind.Object)
        {
            context.Console.MarkupLineInterpolated($"{title}: 未登録 / 未登记 / not registered");
            return;
        }
        var registered = registration.GetProperty("registeredAt").GetDateTimeOffset().ToOffset(CardCli.JstOffset);
        var updated = registration.GetProperty("updatedAt").GetDateTimeOffset().ToOffset(CardCli.JstOffset);
        context.Console.MarkupLineInterpolated($"{title}: [bold]{registration.GetProperty("summary").GetString()}[/]");
        context.Console.MarkupLineInterpolated(
            $"  registered {registered.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} JST, updated {updated.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} JST via {registration.GetProperty("channel").GetString()}");
    }
}

using System.CommandLine;
using System.Net.Http.Json;
using Kangen.Cli.Features.Card;
using Kangen.Cli.Features.Citizen;
using Kangen.Platform.Features.Status;
using Spectre.Console;

namespace Kangen.Cli.Features.Status;

/// <summary>
/// <c>kangen status</c>: flow 7 from a PC with a card reader: per program, applied or not (service, date), eligibility
/// and what is left to do, for the card's holder and for the children they applied for. Never grant amounts: those are
/// the payment service's to show.
/// </summary>
public static class StatusCommand
{
    /// <summary>The <c>status</c> command.</summary>
    public static Command Create(CliContext context)
    {
        var card = new Option<string>("--card") { Description = "The card file.", Required = true };
        var pin = CardCli.PinOption();
        var server = PlatformConnection.ServerOption();
        var lang = new Option<string>("--lang") { Description = "ja, zh or en (messages).", DefaultValueFactory = _ => "ja" };
        lang.AcceptOnlyFromAmong("ja", "zh", "en");
        var digit = PlatformConnection.BirthYearDigitOption();
        var command = new Command("status", "Show the status of your applications (applied, eligibility, what is left to do).") { card, pin, server, lang, digit };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (CardCli.CheckedPin(context, parse, pin, out var exit) is not { } given)
                return exit;
            return await PlatformConnection.RunAsync(context, parse.GetValue(server)!, async http =>
            {
                var (session, loginExit) = await PlatformConnection.LoginAsync(context, http, parse.GetValue(card)!, given, cancellationToken);
                if (session is null)
                    return loginExit;
                try
                {
                    using var request = PlatformConnection.Authorized(HttpMethod.Get, "api/v1/me/status", session);
                    using var response = await http.SendAsync(request, cancellationToken);
                    if (!response.IsSuccessStatusCode)
                        return await PlatformConnection.ReportProblemAsync(context, response, cancellationToken);
                    var status = (await response.Content.ReadFromJsonAsync<StatusResponse>(cancellationToken))!;
                    var language = parse.GetValue(lang)!;
                    Render(context, status.Me, language, child: false);
                    foreach (var child in status.Children)
                        Render(context, child, language, child: true);
                    return ExitCodes.Ok;
                }
                finally
                {
                    await PlatformConnection.LogoutAsync(http, session);
                }
            }, cancellationToken, parse.GetValue(digit));
        });
        return command;
    }

    private static void Render(CliContext context, PersonStatus status, string language, bool child)
    {
        var title = child ? "お子さま / 子女 / Child" : "あなた / 您 / You";
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"{title}: {Markup.Escape(status.MyKeyId)} ({Markup.Escape(status.Campaign)} v{status.CampaignVersion})")
            .AddColumn("#").AddColumn("ポイント / Program").AddColumn("申込み / Applied").AddColumn("対象 / Eligible").AddColumn("次にすること / To do");
        foreach (var p in status.Programs)
        {
            var applied = p.Applied && p.Service is { } s && p.AppliedAt is { } at
                ? $"[green]✓[/] {Markup.Escape(Pick(language, s.Ja, s.Zh, s.En))}\n{CardCli.Jst(at)}"
                : "-";
            var eligible = p.Eligible ? "[green]✓[/]" : "[red]✗[/] " + Markup.Escape(string.Join("\n", p.Reasons.Select(r => Pick(language, r.Ja, r.Zh, r.En))));
            table.AddRow(p.Part.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(p.Program), applied, eligible,
                Markup.Escape(Pick(language, p.ToDo.Ja, p.ToDo.Zh, p.ToDo.En)));
        }
        context.Console.Write(table);
    }

    private static string Pick(string language, string ja, string zh, string en) => language switch
    {
        "zh" => zh,
        "en" => en,
        _ => ja,
    };
}

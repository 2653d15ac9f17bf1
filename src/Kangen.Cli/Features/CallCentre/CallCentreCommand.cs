using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Kangen.Cli.Features.Citizen;
using Kangen.Platform.Features.CallCentre;
using Spectre.Console;

namespace Kangen.Cli.Features.CallCentre;

/// <summary>
/// <c>kangen callcentre lookup</c>: what a call-centre agent's console does: the caller's My Key ID and the last 4 digits
/// of the phone number they gave at application; the platform answers with the status or with "no match", the same for
/// an unknown ID and for wrong digits.
/// </summary>
public static class CallCentreCommand
{
    /// <summary>The <c>callcentre</c> command group.</summary>
    public static Command Create(CliContext context)
    {
        var server = PlatformConnection.ServerOption();
        var token = PlatformConnection.StaffTokenOption("The agent's");
        var myKeyId = new Option<string>("--my-key-id") { Description = "The caller's My Key ID.", Required = true };
        var phone = new Option<string>("--phone-last4") { Description = "The last 4 digits of the phone number the caller gave.", Required = true };
        var lookup = new Command("lookup", "Look up a caller's application status by My Key ID and phone last 4 (rate-limited and audited).")
        {
            server, token, myKeyId, phone,
        };
        lookup.SetAction(async (parse, cancellationToken) =>
        {
            return await PlatformConnection.RunAsStaffAsync(context, parse, server, token, async http =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/call-centre/lookups")
                {
                    Content = JsonContent.Create(new { myKeyId = parse.GetValue(myKeyId), phoneLast4 = parse.GetValue(phone) }),
                };
                using var response = await http.SendAsync(request, cancellationToken);
                if (!response.IsSuccessStatusCode)
                    return await PlatformConnection.ReportProblemAsync(context, response, cancellationToken);
                var answer = (await response.Content.ReadFromJsonAsync<CallCentreLookupResponse>(cancellationToken))!;
                if (answer.Status is not { } status)
                {
                    context.Console.MarkupLine("該当なし / 无匹配 / No match: the My Key ID and phone digits do not match an application.");
                    return ExitCodes.Failure;
                }
                var table = new Table().Border(TableBorder.Rounded).Title($"{Markup.Escape(status.MyKeyId)} ({Markup.Escape(status.Campaign)} v{status.CampaignVersion})")
                    .AddColumn("#").AddColumn("Program").AddColumn("Applied").AddColumn("To do");
                foreach (var p in status.Programs)
                {
                    table.AddRow(p.Part.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(p.Program),
                        p.Applied && p.Service is { } s && p.AppliedAt is { } at ? Markup.Escape($"{s.Ja} / {s.En}, {Card.CardCli.Jst(at)}") : "-",
                        Markup.Escape($"{p.ToDo.Ja}\n{p.ToDo.En}"));
                }
                context.Console.Write(table);
                return ExitCodes.Ok;
            }, cancellationToken);
        });
        var command = new Command("callcentre", "The call centre's console: status lookups.");
        command.Subcommands.Add(lookup);
        return command;
    }
}

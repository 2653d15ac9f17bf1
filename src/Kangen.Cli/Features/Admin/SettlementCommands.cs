using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Kangen.Cli.Features.Citizen;
using Kangen.Platform.Features.Settlement;
using Kangen.Protocol;
using Spectre.Console;

namespace Kangen.Cli.Features.Admin;

/// <summary>
/// <c>kangen admin settlement list|close|export</c>: the administrator's side of flow 6 over HTTP with a staff token
/// (role admin): every operator's envelope of a month, closing an operator's month, and its ledger lines as CSV.
/// </summary>
public static class SettlementCommands
{
    /// <summary>The <c>settlement</c> command group.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("settlement", "Monthly settlement with payment operators: list envelopes, close a month, export its lines (staff role admin).");
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Close(context));
        command.Subcommands.Add(Export(context));
        return command;
    }

    private static Option<string?> TokenOption() => PlatformConnection.StaffTokenOption("An administrator's");

    private static Option<string> MonthOption() => new("--month") { Description = "The month, yyyy-MM (campaign time zone).", Required = true };

    private static Argument<string> OperatorArgument() => new("operator") { Description = "The operator code." };

    private static Command List(CliContext context)
    {
        var (server, token, month) = (PlatformConnection.ServerOption(), TokenOption(), MonthOption());
        var command = new Command("list", "Every registered operator's envelope of a month: final, confirmed or a live estimate.") { server, token, month };
        command.SetAction((parse, cancellationToken) => PlatformConnection.RunAsStaffAsync(context, parse, server, token, async http =>
        {
            var m = parse.GetValue(month)!;
            using var response = await http.GetAsync($"{SettlementEndpoints.AdminRoute.TrimStart('/')}?month={Uri.EscapeDataString(m)}", cancellationToken);
            if (!response.IsSuccessStatusCode)
                return await PlatformConnection.ReportProblemAsync(context, response, cancellationToken);
            var envelopes = (await response.Content.ReadFromJsonAsync<SettlementEnvelope[]>(ProtocolJson.Options, cancellationToken))!;
            if (envelopes.Length == 0)
            {
                context.Console.MarkupLine("登録された事業者はありません / 没有已登记的事业者 / No registered operators.");
                return ExitCodes.Ok;
            }
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"Settlement {m}"))
                .AddColumn("Operator").AddColumn("State").AddColumn(new TableColumn("Lines").RightAligned())
                .AddColumn(new TableColumn("Granted").RightAligned()).AddColumn(new TableColumn("Refunded").RightAligned())
                .AddColumn(new TableColumn("Net points").RightAligned()).AddColumn("Closed").AddColumn("Confirmed");
            foreach (var e in envelopes)
            {
                table.AddRow(Markup.Escape(e.Operator), Markup.Escape(e.State), N(e.Count), N(e.GrantedPoints), N(e.RefundedPoints), N(e.Points),
                    e.ClosedAt is { } closed ? Card.CardCli.Jst(closed) : "-", e.ConfirmedAt is { } confirmed ? Card.CardCli.Jst(confirmed) : "-");
            }
            context.Console.Write(table);
            context.Console.MarkupLineInterpolated($"Total: {N(envelopes.Sum(e => e.Count))} lines, {N(envelopes.Sum(e => e.Points))} net points.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Close(CliContext context)
    {
        var (server, token, month, op) = (PlatformConnection.ServerOption(), TokenOption(), MonthOption(), OperatorArgument());
        var command = new Command("close", "Close an operator's month once it has ended: its unsettled lines become the final envelope.") { op, server, token, month };
        command.SetAction((parse, cancellationToken) => PlatformConnection.RunAsStaffAsync(context, parse, server, token, async http =>
        {
            var path = $"{SettlementEndpoints.AdminRoute.TrimStart('/')}/{Uri.EscapeDataString(parse.GetValue(op)!)}/{Uri.EscapeDataString(parse.GetValue(month)!)}/close";
            using var response = await http.PostAsync(path, null, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return await PlatformConnection.ReportProblemAsync(context, response, cancellationToken);
            var e = (await response.Content.ReadFromJsonAsync<SettlementEnvelope>(ProtocolJson.Options, cancellationToken))!;
            context.Console.MarkupLineInterpolated($"[green]Closed[/] {e.Operator} {e.Month}: {N(e.Count)} lines, {N(e.Points)} net points ({N(e.GrantedPoints)} granted, {N(e.RefundedPoints)} refunded).");
            foreach (var p in e.Programs)
                context.Console.MarkupLineInterpolated($"  {p.Program}: {N(p.Count)} lines, {N(p.Points)} points");
            context.Console.MarkupLine("The operator confirms it with its control totals (count, points).");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Export(CliContext context)
    {
        var (server, token, month, op) = (PlatformConnection.ServerOption(), TokenOption(), MonthOption(), OperatorArgument());
        var output = new Option<FileInfo?>("--out") { Description = "Write the CSV to this file (default: the console)." };
        var command = new Command("export", "An operator's ledger lines of a month's envelope (or of the estimate while open), CSV.") { op, server, token, month, output };
        command.SetAction((parse, cancellationToken) => PlatformConnection.RunAsStaffAsync(context, parse, server, token, async http =>
        {
            var path = $"{SettlementEndpoints.AdminRoute.TrimStart('/')}/{Uri.EscapeDataString(parse.GetValue(op)!)}/{Uri.EscapeDataString(parse.GetValue(month)!)}/lines";
            using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return await PlatformConnection.ReportProblemAsync(context, response, cancellationToken);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            if (parse.GetValue(output) is { } file)
            {
                long rows = -1;
                await using (var target = file.Create())
                {
                    await body.CopyToAsync(target, cancellationToken);
                    target.Position = 0;
                    using var reader = new StreamReader(target, leaveOpen: true);
                    while (await reader.ReadLineAsync(cancellationToken) is { Length: > 0 })
                        rows++;
                }
                context.Console.MarkupLineInterpolated($"Wrote {N(Math.Max(rows, 0))} lines to {file.FullName}");
            }
            else
            {
                using var reader = new StreamReader(body);
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                    context.Console.Profile.Out.Writer.WriteLine(line);
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

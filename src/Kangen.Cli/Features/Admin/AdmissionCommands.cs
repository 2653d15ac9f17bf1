using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Kangen.Cli.Features.Citizen;
using Kangen.Platform.Features.Admission;
using Spectre.Console;

namespace Kangen.Cli.Features.Admin;

/// <summary>
/// <c>kangen admin admission show|set</c>: the waiting room from a terminal (staff role admin): the live queue and
/// its last hour as a chart, and changing capacity, request rate, on/off and the staggered windows live.
/// </summary>
public static class AdmissionCommands
{
    private static readonly string Route = AdmissionHttp.AdminRoute.TrimStart('/');
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The <c>admission</c> command group.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("admission", "The citizen flow's waiting room: live queue, capacity, request rate, staggered windows (staff role admin).");
        command.Subcommands.Add(Show(context));
        command.Subcommands.Add(Set(context));
        return command;
    }

    private static Option<string?> TokenOption() => PlatformConnection.StaffTokenOption("An administrator's");

    private static Command Show(CliContext context)
    {
        var (server, token) = (PlatformConnection.ServerOption(), TokenOption());
        var command = new Command("show", "The settings in force, the queue now and people admitted per minute over the last quarter hour.") { server, token };
        command.SetAction((parse, cancellationToken) => PlatformConnection.RunAsStaffAsync(context, parse, server, token, async http =>
        {
            using var response = await http.GetAsync(Route, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return await PlatformConnection.ReportProblemAsync(context, response, cancellationToken);
            Print(context, (await response.Content.ReadFromJsonAsync<AdmissionView>(Json, cancellationToken))!);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Set(CliContext context)
    {
        var (server, token) = (PlatformConnection.ServerOption(), TokenOption());
        var enabled = new Option<bool?>("--enabled") { Description = "Admission control on (true) or off (false)." };
        var capacity = new Option<int?>("--capacity") { Description = "People in the citizen flow at once." };
        var rate = new Option<int?>("--requests-per-second") { Description = "Citizen-flow requests per second before newcomers wait (0: no limit)." };
        var until = new Option<DateTimeOffset?>("--windows-until") { Description = "Staggered opening until this instant (ISO 8601, e.g. 2026-12-03T00:00+09:00)." };
        var windows = new Option<string[]>("--window")
        {
            Description = "A birth-year last digit's opening: D=instant (e.g. 3=2026-12-01T09:00+09:00); repeat per digit.",
            AllowMultipleArgumentsPerToken = false,
        };
        var noWindows = new Option<bool>("--no-windows") { Description = "Remove the staggered windows." };
        var command = new Command("set", "Change the waiting room's settings live on every replica; what is not given stays.")
        {
            server, token, enabled, capacity, rate, until, windows, noWindows,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var given = parse.GetValue(windows) ?? [];
            var opens = new Dictionary<string, DateTimeOffset>();
            foreach (var pair in given)
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq != 1 || !char.IsAsciiDigit(pair[0])
                    || !DateTimeOffset.TryParse(pair[2..], CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
                {
                    context.Error($"--window takes D=instant with a digit 0-9 and an ISO 8601 instant, not '{pair}'.");
                    return Task.FromResult(ExitCodes.Usage);
                }
                opens[pair[..1]] = at;
            }
            if (parse.GetValue(noWindows) && (given.Length > 0 || parse.GetValue(until) is not null))
            {
                context.Error("--no-windows cannot be combined with --window or --windows-until.");
                return Task.FromResult(ExitCodes.Usage);
            }
            var windowsRequest = parse.GetValue(noWindows) ? new AdmissionWindowsRequest(null, null)
                : given.Length > 0 || parse.GetValue(until) is not null ? new AdmissionWindowsRequest(parse.GetValue(until), opens)
                : null;
            var body = new AdmissionSettingsRequest(parse.GetValue(enabled), parse.GetValue(capacity), parse.GetValue(rate), windowsRequest);
            return PlatformConnection.RunAsStaffAsync(context, parse, server, token, async http =>
            {
                using var response = await http.PutAsJsonAsync(Route, body, Json, cancellationToken);
                if (!response.IsSuccessStatusCode)
                    return await PlatformConnection.ReportProblemAsync(context, response, cancellationToken);
                context.Console.MarkupLine("[green]Saved[/]: in force on every replica at its next advance (a fraction of a second).");
                Print(context, (await response.Content.ReadFromJsonAsync<AdmissionView>(Json, cancellationToken))!);
                return ExitCodes.Ok;
            }, cancellationToken);
        });
        return command;
    }

    private static void Print(CliContext context, AdmissionView view)
    {
        var (s, live) = (view.Settings, view.Live);
        var table = new Table().Border(TableBorder.Rounded).Title("受付制御 / 排队控制 / Admission").AddColumn("").AddColumn(new TableColumn("").RightAligned());
        table.AddRow("Enabled", s.Enabled == true ? "[green]on[/]" : "off");
        table.AddRow("Capacity (people in the flow)", N(s.Capacity ?? 0));
        table.AddRow("Requests per second limit", s.RequestsPerSecond is > 0 ? N(s.RequestsPerSecond.Value) : "none");
        table.AddRow("Queue length", N(live.QueueLength));
        table.AddRow("In the flow", N(live.InFlow));
        table.AddRow("Admitted per second (last minute)", live.AdmittedPerSecond.ToString("0.0", CultureInfo.InvariantCulture));
        table.AddRow("Citizen requests per second", live.RequestsPerSecond.ToString("0.0", CultureInfo.InvariantCulture));
        table.AddRow("Oldest wait", live.OldestWaitSeconds is { } wait ? $"{wait} s" : "-");
        table.AddRow("Tickets drawn / admitted", $"{N(live.Issued)} / {N(live.Admitted)}");
        context.Console.Write(table);
        if (s.Windows is { Until: { } until } w)
        {
            context.Console.MarkupLineInterpolated($"Staggered by the birth year's last digit until {Card.CardCli.Jst(until)}:");
            for (var digit = 0; digit <= 9; digit++)
            {
                var key = digit.ToString(CultureInfo.InvariantCulture);
                context.Console.MarkupLineInterpolated($"  {digit}: {(w.Opens is not null && w.Opens.TryGetValue(key, out var at) ? "opens " + Card.CardCli.Jst(at) : "open")}");
            }
        }
        // The platform's history is per minute already, oldest first; the last quarter hour fits a terminal.
        var recent = view.History.TakeLast(15).ToList();
        if (recent.Count > 0)
        {
            var chart = new BarChart().Label("Admitted per minute (JST), last 15 minutes").Width(80);
            foreach (var minute in recent)
                chart.AddItem(minute.At.ToOffset(Card.CardCli.JstOffset).ToString("HH:mm", CultureInfo.InvariantCulture), minute.Admitted, Color.Green);
            context.Console.Write(chart);
        }
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

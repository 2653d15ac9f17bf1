using System.Globalization;
using Kangen.Rules;
using Spectre.Console;

namespace Kangen.Cli.Features.Rules;

/// <summary>Renders a campaign as tables: programs, deadlines per version, service closings. Also used by <c>kangen demo</c>.</summary>
public static class CampaignView
{
    /// <summary>Renders the campaign as in force at <paramref name="asOf"/>, with every version of its deadlines.</summary>
    public static void Render(IAnsiConsole console, CampaignDefinition definition, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(definition);
        var campaign = definition.InForceAt(asOf);
        Render(console, campaign, asOf);
        console.WriteLine();
        console.Write(VersionsTable(definition, campaign.Version));
    }

    /// <summary>Renders one campaign version: header, programs and service closings.</summary>
    public static void Render(IAnsiConsole console, Campaign campaign, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(campaign);
        var zone = campaign.TimeZone;
        console.MarkupLineInterpolated($"[bold]{campaign.Name}[/] ({campaign.Id}) version {campaign.Version}, in force at {Instant(zone, asOf)}");
        console.MarkupLineInterpolated($"Time zone {zone.Id}; a start date means 00:00, a last day means up to 23:59:59.999 local time.");
        console.MarkupLineInterpolated($"Total per person: {Points(campaign.TotalCap)} (Phase 1 included)");
        console.MarkupLineInterpolated($"Card-application deadline: {Day(campaign.CardApplicationDeadline)}; point-application deadline: {Day(campaign.PointApplicationDeadline)}");
        var phase1 = campaign.Phase1;
        console.MarkupLineInterpolated($"Phase 1: applications {Day(phase1.ApplicationsFrom)}..{Day(phase1.ApplicationDeadline)}, purchases {Day(phase1.PurchasesFrom)}..{Day(phase1.PurchasesUntil)}, {Rate(phase1.Rate)} up to {Points(phase1.Cap)}");

        var programs = new Table().Title("Programs").AddColumns("Part", "Program", "Points", "Cap", "Opens", "Last day");
        foreach (var program in campaign.Programs)
        {
            var points = program.Points switch
            {
                RatePointRule r => $"{Rate(r.Rate)} of spend",
                FixedPointRule => "fixed",
                _ => "?",
            };
            programs.AddRow(program.Kind.Part().ToString(CultureInfo.InvariantCulture), program.Kind.ToCode(), points,
                Points(program.Points.Cap), Day(program.Window.From), Day(campaign.LastDay(program)));
        }
        console.Write(programs);

        if (campaign.ServiceClosings.Count > 0)
        {
            var closings = new Table().Title("Earlier closing per payment service").AddColumns("Service", "Last day");
            foreach (var (service, day) in campaign.ServiceClosings.OrderBy(kv => kv.Key.Value, StringComparer.Ordinal))
                closings.AddRow(service.Value, Day(day));
            console.Write(closings);
        }
    }

    private static Table VersionsTable(CampaignDefinition definition, int inForce)
    {
        var table = new Table().Title("Versions (each amendment applies from its effective instant)")
            .AddColumns("Version", "Effective", "Card deadline", "Point deadline", "Service closings");
        var campaign = definition.Base;
        void Add(Campaign c, string effective) =>
            table.AddRow(
                Markup.Escape($"v{c.Version}{(c.Version == inForce ? " (in force)" : "")}"),
                Markup.Escape(effective),
                Day(c.CardApplicationDeadline),
                Day(c.PointApplicationDeadline),
                Markup.Escape(c.ServiceClosings.Count == 0 ? "-" : string.Join("\n", c.ServiceClosings.OrderBy(kv => kv.Key.Value, StringComparer.Ordinal).Select(kv => $"{kv.Key} {Day(kv.Value)}"))));
        Add(campaign, "as published");
        foreach (var amendment in definition.Amendments)
        {
            campaign = amendment.ApplyTo(campaign);
            Add(campaign, Instant(campaign.TimeZone, amendment.Effective));
        }
        var notes = definition.Amendments.Where(a => !string.IsNullOrWhiteSpace(a.Note)).ToArray();
        if (notes.Length > 0)
            table.Caption(Markup.Escape(string.Join("\n", notes.Select(a => $"v{a.Version}: {a.Note}"))));
        return table;
    }

    internal static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static string Points(Yen yen) => yen.Amount.ToString("N0", CultureInfo.InvariantCulture);

    internal static string Rate(decimal rate) => (rate * 100).ToString("0.##", CultureInfo.InvariantCulture) + " %";

    internal static string Instant(CampaignTimeZone zone, DateTimeOffset instant) =>
        zone.ToLocal(instant).ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);
}

using Kangen.Rules;
using Spectre.Console;

namespace Kangen.Cli.Features.Rules;

/// <summary>Renders an <see cref="Assessment"/>: eligibility per program, remaining entitlement, reasons.</summary>
public static class ExplainView
{
    /// <summary>Writes the assessment; reasons use <paramref name="language"/> and keep their stable codes.</summary>
    public static void Render(IAnsiConsole console, Assessment assessment, Language language)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(assessment);
        var campaign = assessment.Campaign;
        var eligibility = assessment.Eligibility;
        var entitlement = assessment.Entitlement;
        var zone = campaign.TimeZone;

        console.MarkupLineInterpolated($"Instant: [bold]{CampaignView.Instant(zone, eligibility.Instant)}[/] ({zone.Id})");
        console.MarkupLineInterpolated($"Campaign: {campaign.VersionLabel} (the version in force at the instant)");
        console.MarkupLineInterpolated($"Card-application deadline {CampaignView.Day(campaign.CardApplicationDeadline)}; point-application deadline {CampaignView.Day(campaign.PointApplicationDeadline)}");
        var service = eligibility.Service is { } s
            ? s.Value + (campaign.ServiceLastDay(s) is { } day ? $" (last day {CampaignView.Day(day)})" : "")
            : "not given";
        console.MarkupLineInterpolated($"Payment service: {service}");
        if (entitlement.Phase1Received > Yen.Zero)
            console.MarkupLineInterpolated($"Phase 1 received: {CampaignView.Points(entitlement.Phase1Received)} (counts against part 1 and the total)");

        var table = new Table().Title("Eligibility and remaining entitlement")
            .AddColumns("Part", "Program", "Eligible", "Days (inclusive)", "Cap", "Granted", "Remaining");
        foreach (var program in eligibility.Programs)
        {
            table.AddRow(
                program.Program.Part().ToString(System.Globalization.CultureInfo.InvariantCulture),
                program.Program.ToCode(),
                program.IsEligible ? "[green]yes[/]" : "[red]no[/]",
                Markup.Escape($"{CampaignView.Day(zone.DateOf(program.OpensAt))} .. {CampaignView.Day(zone.DateOf(program.ClosesAt.AddTicks(-1)))}"),
                CampaignView.Points(entitlement.Cap(program.Program)),
                CampaignView.Points(entitlement.Granted(program.Program)),
                CampaignView.Points(entitlement.Remaining(program.Program)));
        }
        table.AddRow("", "[bold]total[/]", "", "", CampaignView.Points(campaign.TotalCap), CampaignView.Points(entitlement.GrantedTotal),
            CampaignView.Points(entitlement.RemainingTotal));
        console.Write(table);

        console.WriteLine("Reasons:");
        foreach (var program in eligibility.Programs)
        {
            var lines = program.Reasons.Concat(program.Notes).ToArray();
            if (lines.Length == 0)
                console.MarkupLineInterpolated($"  {program.Program.ToCode()}: eligible");
            foreach (var reason in lines)
                WriteReason(console, program.Program.ToCode(), reason, language);
        }

        if (assessment.Proposal is { } proposal)
        {
            console.WriteLine();
            console.MarkupLineInterpolated(
                $"Proposed grant: {proposal.Proposed.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} for {proposal.Program.ToCode()} -> accepted {CampaignView.Points(proposal.Accepted)}, refused {CampaignView.Points(proposal.Refused)}; remaining after: {CampaignView.Points(proposal.RemainingAfter)} ({CampaignView.Points(proposal.RemainingTotalAfter)} in total)");
            foreach (var reason in proposal.Violations)
                WriteReason(console, "grant", reason, language);
        }
    }

    private static void WriteReason(IAnsiConsole console, string subject, RuleViolation reason, Language language)
    {
        var colour = reason.Code.Kind == RuleCodeKind.Refusal ? "red" : "blue";
        console.MarkupLine($"  {Markup.Escape(subject)}: [{colour}]{Markup.Escape(reason.Code.Code)}[/] {Markup.Escape(reason.Code.Message(language))}"
            + (reason.Detail is null ? "" : $" [grey]({Markup.Escape(reason.Detail)})[/]"));
    }
}

using System.Globalization;
using Kangen.Cli.Features.Rules;
using Kangen.Rules;
using Spectre.Console;

namespace Kangen.Cli.Features.Demo;

/// <summary>
/// The rules part of the demo: the holders of the demo cards at one instant, their eligibility and
/// remaining entitlement, what an operator's proposed grant would get, and a child's application by
/// a legal representative.
/// </summary>
internal static class DemoPeople
{
    private static readonly TimeSpan Jst = TimeSpan.FromHours(9);
    private static readonly ServiceCode Service = ServiceCode.Parse("demo-pay");

    public static void Run(CliContext context, CampaignDefinition definition, DateTimeOffset instant, IReadOnlyList<DemoCard> cards)
    {
        var console = context.Console;
        var people = new (string Label, string Story, PersonFacts Facts, GrantTotals Grants, (ProgramKind, long)? Proposal)[]
        {
            ("taro", "new card holder, health insurance registered; spent 24,000 yen with demo-pay",
                new PersonFacts(At(2021, 11, 10), At(2022, 1, 15), Phase1History.NeverApplied, At(2022, 6, 30), null, new DateOnly(1980, 4, 1)),
                GrantTotals.None,
                (ProgramKind.CardAcquisition, Entitlement.Rebate(Yen.Of(24_000), 0.25m, RebateRounding.Floor).Amount)),
            ("hanako", "Phase 1 applicant who received 3,000; both registrations done",
                new PersonFacts(At(2020, 6, 1), At(2020, 7, 1), Phase1History.Applied(At(2020, 9, 1), Yen.Of(3_000)), At(2021, 10, 20), At(2022, 6, 30), new DateOnly(1975, 11, 3)),
                GrantTotals.Of(Yen.Zero, Yen.Of(7_500), Yen.Zero),
                (ProgramKind.CardAcquisition, 2_500)),
        };

        foreach (var (label, story, _, _, _) in people)
            console.MarkupLineInterpolated($"[bold]{label}[/]: {story}");
        var table = new Table().Title($"Eligibility and entitlement at {CampaignView.Instant(CampaignTimeZone.Japan, instant)}")
            .AddColumns("Person", "Part 1", "Part 2", "Part 3", "Left in total", "Operator proposes -> accepted");
        foreach (var (label, _, facts, grants, proposal) in people)
        {
            var assessment = Assessment.Of(definition, facts, grants, instant, Service, proposal);
            string Cell(ProgramKind kind)
            {
                var program = assessment.Eligibility.For(kind)!;
                var remaining = CampaignView.Points(assessment.Entitlement.Remaining(kind));
                return program.IsEligible
                    ? $"[green]eligible[/], {remaining} left"
                    : "[red]" + Markup.Escape(string.Join(", ", program.Reasons.Select(r => r.Code.Code))) + "[/]";
            }
            var decision = assessment.Proposal!;
            table.AddRow(
                $"[bold]{Markup.Escape(label)}[/]",
                Cell(ProgramKind.CardAcquisition), Cell(ProgramKind.HealthInsurance), Cell(ProgramKind.PublicFundAccount),
                CampaignView.Points(assessment.Entitlement.RemainingTotal),
                $"part {decision.Program.Part()}: {decision.Proposed.ToString("N0", CultureInfo.InvariantCulture)} -> {CampaignView.Points(decision.Accepted)}"
                + (decision.Violations.Count > 0
                    ? $"\n[yellow]{Markup.Escape(string.Join(", ", decision.Violations.Select(v => v.Code.Code)))}[/]"
                    : ""));
        }
        console.Write(table);

        // The child: under 15, so only a legal representative may apply, and with an account of their own that differs.
        var child = cards.Single(c => c.Label == "yui");
        var band = AgeBands.At(child.Holder.BirthDate, instant, CampaignTimeZone.Japan);
        var parentAccount = AccountRef.Of(Service, "PARENT-0001");
        ApplicationRequest Request(Actor actor, AccountRef account) => new(
            PersonRef.Of(child.Serial), Service, account, actor, band, IsAdultWard: false, ChildPresent: false,
            RepresentativeOwnAccount: actor == Actor.Self ? null : parentAccount, instant);
        var attempts = new (string What, ApplicationRequest Request)[]
        {
            ("yui applies alone", Request(Actor.Self, AccountRef.Of(Service, "CHILD-0001"))),
            ("her parent applies with the parent's own account", Request(Actor.LegalRepresentative, parentAccount)),
            ("her parent applies with a second account", Request(Actor.LegalRepresentative, AccountRef.Of(Service, "CHILD-0001"))),
        };
        var applications = new Table().Title($"A child's application (yui, age band {band})").AddColumns("Attempt", "Decision");
        foreach (var (what, request) in attempts)
        {
            var result = ApplicationRules.Decide(definition, request, [], accountHolder: null);
            applications.AddRow(Markup.Escape(what), result.IsSuccess
                ? "[green]recorded[/] (once; it never changes)"
                : "[red]refused[/]: " + Markup.Escape(string.Join("; ", result.Violations.Select(v => $"{v.Code.Code} {v.Code.Message(Language.Ja)} / {v.Code.Message(Language.En)}"))));
        }
        console.Write(applications);
    }

    private static DateTimeOffset At(int year, int month, int day) => new(year, month, day, 10, 0, 0, Jst);
}

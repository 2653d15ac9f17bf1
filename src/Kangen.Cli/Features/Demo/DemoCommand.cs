using System.CommandLine;
using System.Globalization;
using Kangen.Cli.Features.Card;
using Kangen.Cli.Features.Rules;
using Kangen.Rules;
using Spectre.Console;

namespace Kangen.Cli.Features.Demo;

/// <summary>
/// <c>kangen demo</c>: runs what exists of the product in one process on the embedded default. Today that is
/// the campaign and its rules, emulated My Number Cards from their issuing authority going through the
/// challenge-response a relying service performs, and the platform service hosted in-process on loopback with two
/// payment operators beside it: the cards reserve their My Key IDs, register and apply over HTTP, the operators
/// verify the accounts, pull their enrolment feeds, grant points and check their settlement, and the audit chain is
/// verified.
/// </summary>
public static class DemoCommand
{
    /// <summary>The default instant judged by the demo: part 1 running, parts 2 and 3 just opened.</summary>
    public static readonly DateTimeOffset DefaultInstant = new(2022, 7, 1, 10, 0, 0, TimeSpan.FromHours(9));

    public static Command Create(CliContext context)
    {
        var data = CardCli.DataOption();
        var at = new Option<string?>("--at")
        {
            Description = "The instant the rules are judged at, ISO 8601 with offset (default 2022-07-01T10:00:00+09:00).",
        };
        var command = new Command("demo", "Run the whole product in one process on the embedded default: the campaign and its rules, demo My Number Cards, the platform (SQLite) and two payment operators: reservations, applications, grants and settlement over HTTP.")
        {
            data, at,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var instant = DefaultInstant;
            if (parse.GetValue(at) is { } text && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant))
            {
                context.Error($"--at must be an instant such as 2022-07-01T10:00:00+09:00; got '{text}'.");
                return ExitCodes.Usage;
            }
            return await RunAsync(context, Path.GetFullPath(CardCli.DataDirectory(parse, data)), instant, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string dataDirectory, DateTimeOffset instant, CancellationToken cancellationToken)
    {
        var console = context.Console;
        console.Write(new Rule("[bold]Kangen demo: Mynapoint Phase 2 / マイナポイント第2弾 / 个人编号积分第2轮[/]"));
        console.MarkupLine("Up to [bold]20,000[/] yen of points per person: 25 % of charges and purchases up to 5,000, "
                           + "7,500 for the health-insurance registration, 7,500 for a public-fund receipt account.");
        console.WriteLine();

        var definition = CampaignFile.LoadDefault();
        console.Write(new Rule("1. The campaign (data/campaigns/mynapoint.json)").LeftJustified());
        CampaignView.Render(console, definition, instant);
        console.WriteLine();

        console.Write(new Rule("2. My Number Cards and card authentication").LeftJustified());
        var cards = DemoCards.Run(context, Path.Combine(dataDirectory, "demo"));
        console.WriteLine();

        console.Write(new Rule("3. What the rules say about the demo people").LeftJustified());
        DemoPeople.Run(context, definition, instant, cards);
        console.WriteLine();

        console.Write(new Rule("4. The platform and two payment operators: My Key IDs, registrations, applications, grants and settlement over HTTP").LeftJustified());
        var reserved = await DemoPlatform.RunAsync(context, Path.Combine(dataDirectory, "demo"), cards, instant, cancellationToken);
        console.WriteLine();

        console.Write(new Rule("Next").LeftJustified());
        console.MarkupLine("Try [bold]kangen serve --data " + Markup.Escape(Path.Combine(dataDirectory, "demo")) + " --demo-dates --demo-operators[/], then "
                           + $"[bold]kangen status --card {Markup.Escape(cards[1].CardFile)} --pin {cards[1].Pin}[/], [bold]kangen services search[/], "
                           + "and run an operator beside it: [bold]kangen operator keygen[/], [bold]kangen admin operator add[/], [bold]kangen operator run[/] "
                           + "(docs/operators.md is the operator's integration guide).");
        return cards.All(c => c.Authenticated) && reserved ? ExitCodes.Ok : ExitCodes.Failure;
    }
}

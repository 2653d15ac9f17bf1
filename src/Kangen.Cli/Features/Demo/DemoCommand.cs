using System.CommandLine;
using System.Globalization;
using Kangen.Cli.Features.Card;
using Kangen.Cli.Features.Card.Agent;
using Kangen.Cli.Features.Card.Readers;
using Kangen.Cli.Features.Rules;
using Kangen.Cli.Features.Serve;
using Kangen.Rules;
using Spectre.Console;

namespace Kangen.Cli.Features.Demo;

/// <summary>
/// <c>kangen demo</c>: the whole product in one process on the embedded default. First a scripted tour: the campaign
/// and its rules, emulated My Number Cards from their issuing authority going through the challenge-response a relying
/// service performs, and the platform hosted in-process with two payment operators beside it: the cards reserve their
/// My Key IDs, register and apply over HTTP, the operators verify the accounts, pull their enrolment feeds, grant points
/// and check their settlement, and the audit chain is verified. Then, unless <c>--exit</c>, it stays open for a person
/// to try the web pages: the platform at <c>--urls</c>, the operators, and the local card agent holding demo cards,
/// with a printed guided tour and staff tokens, until Ctrl+C.
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
        var urls = new Option<string>("--urls")
        {
            Description = $"Where the platform and its pages listen, as for kangen serve (default {ServeCommand.DefaultUrls}). A taken port is an error.",
            DefaultValueFactory = _ => ServeCommand.DefaultUrls,
        };
        var agentPort = new Option<int>("--agent-port")
        {
            Description = $"Port of the local card agent on 127.0.0.1 (default {DemoWeb.DefaultAgentPort}; 0 = any free port).",
            DefaultValueFactory = _ => DemoWeb.DefaultAgentPort,
        };
        var exit = new Option<bool>("--exit")
        {
            Description = "End after the scripted tour (the platform on a free port, no card agent): for scripts, tests and CI.",
        };
        var command = new Command("demo", "Run the whole product on the embedded default: a scripted tour (campaign and rules, demo My Number Cards, the platform on SQLite and two payment operators: reservations, applications, grants and settlement over HTTP), then the web pages with demo cards in a local card agent and a guided tour, until Ctrl+C (or end at once with --exit).")
        {
            data, at, urls, agentPort, exit,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var instant = DefaultInstant;
            if (parse.GetValue(at) is { } text && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant))
            {
                context.Error($"--at must be an instant such as 2022-07-01T10:00:00+09:00; got '{text}'.");
                return ExitCodes.Usage;
            }
            var folder = Path.Combine(Path.GetFullPath(CardCli.DataDirectory(parse, data)), "demo");
            if (parse.GetValue(exit))
                return await RunTourOnlyAsync(context, folder, instant, cancellationToken);

            if (!DemoWeb.TryParseUrls(parse.GetValue(urls)!, out var addresses, out var error))
            {
                context.Error(error);
                return ExitCodes.Usage;
            }
            var port = parse.GetValue(agentPort);
            if (port is < 0 or > 65535)
            {
                context.Error("--agent-port must be 0-65535.");
                return ExitCodes.Usage;
            }
            // Found before the scripted tour, not a minute later: the demo keeps its documented address or says why not.
            var taken = DemoWeb.TakenAddresses(addresses, port);
            foreach (var problem in taken)
                context.Error(problem);
            if (taken.Count > 0)
                return ExitCodes.Failure;
            return await RunOpenAsync(context, folder, instant, addresses, port, cancellationToken);
        });
        return command;
    }

    /// <summary><c>--exit</c>: the scripted tour on a free port, then everything stops.</summary>
    private static async Task<int> RunTourOnlyAsync(CliContext context, string folder, DateTimeOffset instant, CancellationToken cancellationToken)
    {
        var cards = Introduce(context, folder, instant);
        var staff = DemoStaff.Create();
        bool ok;
        await using (var site = await DemoPlatform.StartAsync(context, folder, "http://127.0.0.1:0", staff, [], cancellationToken))
        {
            ok = await DemoPlatform.RunTourAsync(context, site, cards, instant, staff, cancellationToken);
        }
        ok &= await DemoPlatform.VerifyAuditAsync(context, folder, cancellationToken);
        context.Console.WriteLine();

        var console = context.Console;
        console.Write(new Rule("Next").LeftJustified());
        console.MarkupLine("Run [bold]kangen demo[/] without --exit to try the web pages with demo cards. Or try [bold]kangen serve --data " + Markup.Escape(folder) + " --demo-dates --demo-operators[/], then "
                           + $"[bold]kangen status --card {Markup.Escape(cards[1].CardFile)} --pin {cards[1].Pin}[/], [bold]kangen services search[/], "
                           + "and run an operator beside it: [bold]kangen operator keygen[/], [bold]kangen admin operator add[/], [bold]kangen operator run[/] "
                           + "(docs/operators.md is the operator's integration guide).");
        return cards.All(c => c.Authenticated) && ok ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>
    /// Without <c>--exit</c>: the card agent, then the platform at the asked address, the scripted tour against it, the
    /// web cards and accounts, the guided tour; then everything keeps running until Ctrl+C (or SIGTERM).
    /// </summary>
    private static async Task<int> RunOpenAsync(CliContext context, string folder, DateTimeOffset instant, IReadOnlyList<Uri> addresses, int agentPort,
        CancellationToken cancellationToken)
    {
        var console = context.Console;
        // Ctrl+C is ours from here: whatever runs is stopped in order and the command returns its own exit code.
        using var stop = new StopSignal(cancellationToken);
        var cards = Introduce(context, folder, instant);
        var staff = DemoStaff.Create();
        var origins = DemoWeb.AllowedOrigins(addresses);
        CardAgent agent;
        try
        {
            agent = await DemoWeb.StartAgentAsync(folder, agentPort, origins, stop.Token);
        }
        catch (IOException e)
        {
            context.Error($"The card agent cannot listen on 127.0.0.1:{agentPort}: {e.Message}. Choose another port: kangen demo --agent-port <port>.");
            return ExitCodes.Failure;
        }
        await using (agent)
        {
            var urls = string.Join(';', addresses.Select(a => a.GetLeftPart(UriPartial.Authority)));
            DemoSite site;
            try
            {
                site = await DemoPlatform.StartAsync(context, folder, urls, staff,
                    ["--Kangen:Web:CardAgentUrl=" + agent.Url, "--Kangen:Web:CardsDirectory=" + DemoCards.CardsFolder(folder)], stop.Token);
            }
            catch (IOException e)
            {
                context.Error($"Cannot listen on {urls}: {e.Message}. Choose another address: kangen demo --urls http://127.0.0.1:<port>.");
                return ExitCodes.Failure;
            }
            await using (site)
            {
                try
                {
                    var ok = await DemoPlatform.RunTourAsync(context, site, cards, instant, staff, stop.Token);
                    ok &= await DemoPlatform.VerifyAuditAsync(context, folder, stop.Token);
                    console.WriteLine();
                    if (!(ok && cards.All(c => c.Authenticated)))
                    {
                        context.Error("The scripted tour failed (see above); stopping.");
                        return ExitCodes.Failure;
                    }

                    console.Write(new Rule("5. The web pages: cards for the card agent and accounts at the demo operator").LeftJustified());
                    var webCards = DemoWeb.IssueCards(context, folder, cards);
                    var accounts = await DemoWeb.OpenAccountsAsync(context, webCards, site.Operators, stop.Token);
                    console.WriteLine();
                    DemoWeb.PrintTour(context, DemoWeb.BrowserUrl(addresses), agent.Url, webCards, accounts, staff);
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
                {
                    // Ctrl+C: the normal way to end the demo.
                }
            }
        }
        console.WriteLine("Demo stopped: platform, operators and card agent. / デモを終了しました。");
        return ExitCodes.Ok;
    }

    /// <summary>Parts 1 to 3 of the scripted tour: the campaign, the cards, the rules; returns the cards.</summary>
    private static IReadOnlyList<DemoCard> Introduce(CliContext context, string folder, DateTimeOffset instant)
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
        var cards = DemoCards.Run(context, folder);
        console.WriteLine();

        console.Write(new Rule("3. What the rules say about the demo people").LeftJustified());
        DemoPeople.Run(context, definition, instant, cards);
        console.WriteLine();
        return cards;
    }
}

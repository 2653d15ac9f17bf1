using System.CommandLine;
using Kangen.Cli.Features.Card.Readers;
using Spectre.Console;

namespace Kangen.Cli.Features.Card.Agent;

/// <summary><c>kangen card agent</c>: the local card agent (HTTP on 127.0.0.1) for web pages.</summary>
public static class AgentCommand
{
    public static Command Create(CliContext context)
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 = any free port).", DefaultValueFactory = _ => 0 };
        var cardFiles = new Option<FileInfo[]>("--card") { Description = "An emulated card file to offer (repeatable).", AllowMultipleArgumentsPerToken = false };
        var reader = new Option<string?>("--reader") { Description = "A PC/SC reader whose card to offer (see 'kangen card readers')." };
        var origins = new Option<string[]>("--allow-origin") { Description = "A web origin allowed to call the agent, e.g. https://kangen.example (repeatable)." };
        var command = new Command("agent", "Run the local card agent: a web page reads the certificate and has the card sign, over HTTP on 127.0.0.1.")
        {
            port, cardFiles, reader, origins,
        };
        command.SetAction(async (parse, ct) =>
        {
            var cards = new List<AgentCard>();
            foreach (var (file, i) in (parse.GetValue(cardFiles) ?? []).Select((f, i) => (f, i)))
            {
                if (!file.Exists)
                {
                    context.Error($"card file not found: {file.FullName}");
                    return ExitCodes.Failure;
                }
                cards.Add(new EmulatedAgentCard($"emulated-{i}", file.FullName));
            }
            if (parse.GetValue(reader) is { Length: > 0 } readerName)
                cards.Add(new PcscAgentCard("pcsc-0", readerName));
            if (cards.Count == 0)
            {
                context.Error("give at least one --card <card-file> or --reader <name>");
                return ExitCodes.Usage;
            }
            CardAgentOptions options;
            try
            {
                options = new CardAgentOptions
                {
                    Port = parse.GetValue(port),
                    Cards = cards,
                    AllowedOrigins = parse.GetValue(origins) ?? [],
                    Log = line => context.Console.WriteLine(line),
                };
                await using var agent = await CardAgent.StartAsync(options, ct);
                context.Console.MarkupLineInterpolated($"Card agent listening on [bold]{agent.Url}[/] (127.0.0.1 only). Press Ctrl+C to stop.");
                foreach (var card in cards)
                    context.Console.MarkupLineInterpolated($"  {card.Id}: {card.Kind} {card.Label}");
                if (options.AllowedOrigins.Count == 0)
                    context.Console.WriteLine("  No --allow-origin: browsers are refused; curl and native programs (no Origin header) are served.");
                try
                {
                    using var stop = new StopSignal(ct);
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
                context.Console.WriteLine("Card agent stopped.");
                return ExitCodes.Ok;
            }
            catch (ArgumentException e)
            {
                context.Error(e.Message);
                return ExitCodes.Usage;
            }
            catch (IOException e)
            {
                context.Error($"cannot listen on 127.0.0.1:{parse.GetValue(port)}: {e.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }
}

using System.CommandLine;
using Kangen.SmartCard;
using Spectre.Console;

namespace Kangen.Cli.Features.Card.Readers;

/// <summary><c>kangen card serve-vpcd</c>: inserts an emulated card file into pcscd's virtual reader.</summary>
public static class ServeVpcdCommand
{
    public static Command Create(CliContext context)
    {
        var cardFile = new Argument<FileInfo>("card-file") { Description = "The emulated card file (from 'kangen card issue')." };
        var port = new Option<int>("--port") { Description = "vpcd port: 35963 = Virtual PCD 00 00, 35964 = 00 01.", DefaultValueFactory = _ => VpcdBridgeOptions.DefaultPort };
        var host = new Option<string>("--host") { Description = "Where vpcd listens.", DefaultValueFactory = _ => "127.0.0.1" };
        var once = new Option<bool>("--no-reconnect") { Description = "Exit when pcscd closes the connection instead of reconnecting." };
        var command = new Command("serve-vpcd", "Attach an emulated card file to pcscd through vsmartcard's vpcd reader, until Ctrl+C.")
        {
            cardFile, port, host, once,
        };
        command.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(cardFile)!;
            EmulatedCard card;
            try
            {
                card = EmulatedCard.Load(file.FullName);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                context.Error($"cannot load card file {file.FullName}: {e.Message}");
                return ExitCodes.Failure;
            }
            var options = new VpcdBridgeOptions
            {
                Host = parse.GetValue(host) ?? "127.0.0.1",
                Port = parse.GetValue(port),
                Reconnect = !parse.GetValue(once),
                MaxConnectAttempts = parse.GetValue(once) ? 1 : null,
                Log = line => context.Console.WriteLine(line),
            };
            VpcdBridge bridge;
            try
            {
                bridge = new VpcdBridge(card, options);
            }
            catch (ArgumentOutOfRangeException e)
            {
                context.Error(e.Message);
                return ExitCodes.Usage;
            }
            context.Console.MarkupLineInterpolated($"Serving [bold]{file.Name}[/] to vpcd at {options.Host}:{options.Port} (state kept in the card file). Press Ctrl+C to remove the card.");
            try
            {
                using var stop = new StopSignal(ct);
                await bridge.RunAsync(stop.Token);
            }
            catch (SmartCardException e)
            {
                context.Error(e.Message);
                return ExitCodes.Failure;
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}

using System.CommandLine;
using Kangen.SmartCard;
using Spectre.Console;

namespace Kangen.Cli.Features.Card;

/// <summary><c>kangen card verify-pin</c> (a card command) and <c>kangen card reset-pin</c> (the municipal office's act).</summary>
public static class PinCommands
{
    public static Command CreateVerify(CliContext context)
    {
        var cardFile = CardCli.CardFileOrReaderArgument();
        var reader = CardCli.ReaderOption();
        var pin = CardCli.PinOption();
        var command = new Command("verify-pin", "Verify the user-authentication PIN on the card (a wrong PIN uses one of 3 tries).") { cardFile, reader, pin };
        command.SetAction(parse =>
        {
            if (!CardCli.CheckCardSource(context, parse, cardFile, reader))
                return ExitCodes.Usage;
            if (CardCli.CheckedPin(context, parse, pin, out var exit) is not { } value)
                return exit;
            return CardCli.Guard(context, () =>
            {
                var (scope, _, client) = CardCli.Open(parse, cardFile, reader);
                using (scope)
                {
                    client.VerifyAuthPin(value);
                    context.Console.MarkupLine($"[green]PIN verified[/] ({client.GetAuthPinTriesLeft()}/{PinRules.AuthenticationPinMaxTries} tries left).");
                    return ExitCodes.Ok;
                }
            });
        });
        return command;
    }

    public static Command CreateReset(CliContext context)
    {
        var data = CardCli.DataOption();
        var cardFile = CardCli.CardFileArgument();
        var newPin = CardCli.PinOption("--new-pin", "The new 4-digit PIN (prompted for when omitted on an interactive console).");
        var command = new Command("reset-pin", "Municipal office: set a new PIN and restore its 3 tries (an administrative act on the card file, not a card command).")
        {
            cardFile, newPin, data,
        };
        command.SetAction(parse =>
        {
            if (CardCli.CheckedPin(context, parse, newPin, out var exit, "New PIN (4 digits):") is not { } value)
                return exit;
            return CardCli.Guard(context, () =>
            {
                using var issuer = CardIssuer.Open(CardCli.DataDirectory(parse, data), context.Time);
                issuer.ResetPin(parse.GetValue(cardFile)!, value);
                context.Console.MarkupLine($"[green]PIN reset[/]: {PinRules.AuthenticationPinMaxTries}/{PinRules.AuthenticationPinMaxTries} tries left.");
                return ExitCodes.Ok;
            });
        });
        return command;
    }
}

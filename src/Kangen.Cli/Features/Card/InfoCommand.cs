using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Kangen.SmartCard;
using Spectre.Console;

namespace Kangen.Cli.Features.Card;

/// <summary><c>kangen card info</c> and <c>kangen card pin-status</c>: what the card shows a reader, without a PIN.</summary>
public static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var data = CardCli.DataOption();
        var cardFile = CardCli.CardFileOrReaderArgument();
        var reader = CardCli.ReaderOption();
        var command = new Command("info", "Show a card's token, user-authentication certificate, tries left and state (active, locked, expired, revoked).")
        {
            cardFile, reader, data,
        };
        command.SetAction(parse => !CardCli.CheckCardSource(context, parse, cardFile, reader) ? ExitCodes.Usage : CardCli.Guard(context, () =>
        {
            var (scope, transport, client) = CardCli.Open(parse, cardFile, reader);
            using (scope)
            {
                var token = client.ReadTokenInfo();
                using var certificate = X509CertificateLoader.LoadCertificate(client.ReadAuthenticationCertificate());
                var pinTries = client.GetAuthPinTriesLeft();
                var passwordTries = client.GetSigningPasswordTriesLeft();
                var now = context.Time.GetUtcNow();
                var dataDirectory = CardCli.DataDirectory(parse, data);
                bool? revoked = null;
                if (CardIssuer.Exists(dataDirectory))
                {
                    using var issuer = CardIssuer.Open(dataDirectory, context.Time);
                    revoked = issuer.IsRevoked(certificate.SerialNumber);
                }
                var states = new List<string>();
                if (revoked == true)
                    states.Add("[red]revoked[/]");
                if (now > certificate.NotAfter.ToUniversalTime())
                    states.Add("[red]expired[/]");
                if (now < certificate.NotBefore.ToUniversalTime())
                    states.Add("[yellow]not yet valid[/]");
                if (pinTries == 0)
                    states.Add("[red]PIN locked[/] (municipal office: kangen card reset-pin)");
                if (passwordTries == 0)
                    states.Add("[red]signing password locked[/]");
                if (states.Count == 0)
                    states.Add(revoked is null ? "[green]active[/] (revocation unknown: no issuer in the data folder)" : "[green]active[/]");

                var grid = new Grid().AddColumn().AddColumn();
                grid.AddRow("Token", Markup.Escape(token) + (token == Jpki.MyNumberCardToken ? " (My Number Card)" : ""));
                grid.AddRow("ATR", Convert.ToHexString(transport.Atr.Span));
                grid.AddRow("Subject", Markup.Escape(certificate.Subject));
                grid.AddRow("Issuer", Markup.Escape(certificate.Issuer));
                grid.AddRow("Serial", certificate.SerialNumber);
                grid.AddRow("Valid", $"{CardCli.Jst(certificate.NotBefore)} .. {CardCli.Jst(certificate.NotAfter)}");
                grid.AddRow("Policy", CardCli.Policies(certificate));
                grid.AddRow("PIN tries left", $"{pinTries}/{PinRules.AuthenticationPinMaxTries}");
                grid.AddRow("Signing password tries left", $"{passwordTries}/{PinRules.SigningPasswordMaxTries}");
                grid.AddRow("State", string.Join(", ", states));
                context.Console.Write(grid);
                return ExitCodes.Ok;
            }
        }));
        return command;
    }

    public static Command CreatePinStatus(CliContext context)
    {
        var cardFile = CardCli.CardFileOrReaderArgument();
        var reader = CardCli.ReaderOption();
        var command = new Command("pin-status", "Show the tries left of the PIN and the signing password (uses no try).") { cardFile, reader };
        command.SetAction(parse => !CardCli.CheckCardSource(context, parse, cardFile, reader) ? ExitCodes.Usage : CardCli.Guard(context, () =>
        {
            var (scope, _, client) = CardCli.Open(parse, cardFile, reader);
            using (scope)
            {
                var pin = client.GetAuthPinTriesLeft();
                var password = client.GetSigningPasswordTriesLeft();
                context.Console.MarkupLine($"PIN: {pin}/{PinRules.AuthenticationPinMaxTries} tries left{(pin == 0 ? " [red](locked: go to the municipal office, kangen card reset-pin)[/]" : "")}");
                context.Console.MarkupLine($"Signing password: {password}/{PinRules.SigningPasswordMaxTries} tries left{(password == 0 ? " [red](locked)[/]" : "")}");
                return ExitCodes.Ok;
            }
        }));
        return command;
    }
}

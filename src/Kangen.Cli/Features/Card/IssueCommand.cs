using System.CommandLine;
using Kangen.SmartCard;
using Spectre.Console;

namespace Kangen.Cli.Features.Card;

/// <summary><c>kangen card issue</c>: the issuer writes a new emulated My Number Card file.</summary>
public static class IssueCommand
{
    public static Command Create(CliContext context)
    {
        var data = CardCli.DataOption();
        var output = new Option<string>("--out") { Description = "Where to write the new card file.", Required = true };
        var pin = CardCli.PinOption();
        var password = new Option<string?>("--signing-password") { Description = "Signing password (6-16 of A-Z 0-9, a letter and a digit); generated and shown once when omitted." };
        var birthDate = new Option<string?>("--birth-date") { Description = "Birth date yyyy-MM-dd (default 1990-01-01); sets expiry to the 5th birthday after issue." };
        var name = new Option<string>("--name") { Description = "Holder's name for the signing certificate.", DefaultValueFactory = _ => "見本 太郎" };
        var sex = new Option<string>("--sex") { Description = "male, female or not-stated.", DefaultValueFactory = _ => "not-stated" };
        sex.AcceptOnlyFromAmong("male", "female", "not-stated");
        var address = new Option<string>("--address") { Description = "Registered address for the signing certificate.", DefaultValueFactory = _ => "東京都千代田区千代田1-1" };
        var validUntil = new Option<string?>("--valid-until") { Description = "Override the expiry date (yyyy-MM-dd, ends 23:59:59 JST)." };

        var command = new Command("issue", "Issue a new emulated My Number Card (user-authentication and signing certificates) into a card file.")
        {
            data, output, pin, password, birthDate, name, sex, address, validUntil,
        };
        command.SetAction(parse =>
        {
            if (!CardCli.TryParseDate(context, parse.GetValue(birthDate), "--birth-date", out var birth)
                || !CardCli.TryParseDate(context, parse.GetValue(validUntil), "--valid-until", out var until))
                return ExitCodes.Usage;
            if (CardCli.CheckedPin(context, parse, pin, out var exit) is not { } pinValue)
                return exit;
            var passwordValue = parse.GetValue(password);
            if (passwordValue is not null && !PinRules.IsValidSigningPassword(passwordValue))
            {
                context.Error("署名用パスワードは英大文字と数字の6〜16文字（英字と数字を各1文字以上）/ 签名密码为6至16位大写字母和数字（至少各一个）/ " +
                              "The signing password is 6-16 of A-Z and 0-9 with at least one letter and one digit.");
                return ExitCodes.Failure;
            }
            var holder = new CardHolder(
                parse.GetValue(name)!,
                birth ?? new DateOnly(1990, 1, 1),
                parse.GetValue(sex) switch { "male" => CardHolderSex.Male, "female" => CardHolderSex.Female, _ => CardHolderSex.NotStated },
                parse.GetValue(address)!);
            return CardCli.Guard(context, () =>
            {
                using var issuer = CardIssuer.Open(CardCli.DataDirectory(parse, data), context.Time);
                var card = issuer.Issue(parse.GetValue(output)!, holder, pinValue, passwordValue, until);
                var grid = new Grid().AddColumn().AddColumn();
                grid.AddRow("Card file", Markup.Escape(card.CardFilePath));
                grid.AddRow("Card id", card.CardId);
                grid.AddRow("Authentication serial", card.AuthenticationSerial);
                grid.AddRow("Signing serial", card.SigningSerial);
                grid.AddRow("Valid", $"{CardCli.Jst(card.NotBefore)} .. {CardCli.Jst(card.NotAfter)}");
                grid.AddRow("Issuer", Markup.Escape(issuer.IssuerDirectory));
                context.Console.MarkupLine("[green]Issued[/] a My Number Card (emulated).");
                context.Console.Write(grid);
                if (card.GeneratedSigningPassword is { } generated)
                    context.Console.MarkupLineInterpolated($"Signing password (shown once, keep it): [bold]{generated}[/]");
                return ExitCodes.Ok;
            });
        });
        return command;
    }
}

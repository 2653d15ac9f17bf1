using System.CommandLine;
using Kangen.Cli.Features.Card;
using Kangen.Cli.Features.Citizen;
using Spectre.Console;

namespace Kangen.Cli.Features.Reserve;

/// <summary>
/// <c>kangen reserve</c>: what a citizen's PC does with a card reader: get a challenge from the platform,
/// VERIFY the PIN and SIGN the challenge on the card, open a session, print the My Key ID, end the session.
/// </summary>
public static class ReserveCommand
{
    /// <summary>The <c>reserve</c> command.</summary>
    public static Command Create(CliContext context)
    {
        var card = new Option<string>("--card") { Description = "The emulated card file (JSON).", Required = true };
        var pin = CardCli.PinOption();
        var server = PlatformConnection.ServerOption();
        var digit = PlatformConnection.BirthYearDigitOption();
        var command = new Command("reserve", "Reserve (or look up) the My Key ID of a card: card authentication against a running platform.")
        {
            card, pin, server, digit,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (CardCli.CheckedPin(context, parse, pin, out var exit) is not { } given)
                return exit;
            return await PlatformConnection.RunAsync(context, parse.GetValue(server)!,
                http => ReserveAsync(context, http, parse.GetValue(card)!, given, cancellationToken), cancellationToken, parse.GetValue(digit));
        });
        return command;
    }

    private static async Task<int> ReserveAsync(CliContext context, HttpClient http, string cardFile, string pin, CancellationToken cancellationToken)
    {
        var (session, exit) = await PlatformConnection.LoginAsync(context, http, cardFile, pin, cancellationToken);
        if (session is null)
            return exit;
        // The terminal forgets the citizen at once: end the session we opened.
        await PlatformConnection.LogoutAsync(http, session);
        context.Console.MarkupLineInterpolated($"マイキーID / My Key ID: [bold]{session.MyKeyId}[/]");
        context.Console.MarkupLineInterpolated($"  {(session.PersonCreated ? "新しく設定しました / 已新设定 / reserved now" : session.LinkedByRenewal ? "更新後の証明書を同じ人に紐付けました / 已将更新后的证书关联到同一人 / renewed certificate linked to the same person" : "設定済み / 已设定 / already reserved")}; certificate {session.Serial}");
        return ExitCodes.Ok;
    }
}

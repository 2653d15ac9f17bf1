using System.CommandLine;
using Kangen.SmartCard;
using Spectre.Console;

namespace Kangen.Cli.Features.Card.Readers;

/// <summary><c>kangen card readers</c>: the PC/SC readers pcscd knows, whether each holds a card, and its ATR.</summary>
public static class ReadersCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("readers", "List PC/SC card readers (real USB readers and vpcd's Virtual PCD), with card presence and ATR.");
        command.SetAction(_ => Run(context));
        return command;
    }

    private static int Run(CliContext context)
    {
        if (!Pcsc.TryEstablish(context, out var pcsc))
            return ExitCodes.Failure;
        using (pcsc)
        {
            IReadOnlyList<PcscReaderStatus> readers;
            try
            {
                readers = pcsc.GetStatus();
            }
            catch (SmartCardException e)
            {
                context.Error(e.Message);
                return ExitCodes.Failure;
            }
            if (readers.Count == 0)
            {
                context.Error("pcscd is running but has no card reader. Plug in a reader (Debian: install libccid for USB CCID readers), " +
                              "or install vsmartcard-vpcd and restart pcscd for the virtual reader (scripts/pcsc.sh install).");
                return ExitCodes.Failure;
            }
            var table = new Table().AddColumns("Reader", "Card", "ATR");
            foreach (var reader in readers)
            {
                var card = reader switch
                {
                    { IsUnavailable: true } => "[yellow]reader unavailable[/]",
                    { IsMute: true } => "[yellow]mute card[/]",
                    { IsCardPresent: true } when reader.Atr.AsSpan().SequenceEqual(Jpki.MyNumberCardAtr) => "present (My Number Card ATR)",
                    { IsCardPresent: true } => "present",
                    _ => "no card",
                };
                table.AddRow(Markup.Escape(reader.Reader), card, reader.AtrHex.Length > 0 ? reader.AtrHex : "-");
            }
            context.Console.Write(table);
            return ExitCodes.Ok;
        }
    }
}

/// <summary>Opening pcscd with the advice a user needs when it is missing.</summary>
internal static class Pcsc
{
    public static bool TryEstablish(CliContext context, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PcscContext? pcsc)
    {
        pcsc = null;
        try
        {
            pcsc = PcscContext.Establish();
            return true;
        }
        catch (DllNotFoundException)
        {
            context.Error("libpcsclite.so.1 is not installed. Debian/Ubuntu: apt-get install pcscd libpcsclite1 (or scripts/pcsc.sh install).");
        }
        catch (SmartCardException e)
        {
            context.Error(e.Message);
        }
        return false;
    }
}

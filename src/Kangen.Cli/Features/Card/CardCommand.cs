using System.CommandLine;

namespace Kangen.Cli.Features.Card;

/// <summary><c>kangen card ...</c>: the emulated My Number Card, its issuer, and real cards over PC/SC.</summary>
public static class CardCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("card", "Issue, inspect and use My Number Cards (emulated card files or PC/SC readers).");
        // Subcommands are added here, one line each, from their own files in this folder.
        command.Subcommands.Add(Readers.ReadersCommand.Create(context));
        command.Subcommands.Add(Readers.ServeVpcdCommand.Create(context));
        command.Subcommands.Add(Agent.AgentCommand.Create(context));
        _ = context;
        return command;
    }
}

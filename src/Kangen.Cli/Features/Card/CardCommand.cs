using System.CommandLine;

namespace Kangen.Cli.Features.Card;

/// <summary><c>kangen card ...</c>: the emulated My Number Card, its issuer, and real cards over PC/SC.</summary>
public static class CardCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("card", "Issue, inspect and use My Number Cards (emulated card files or PC/SC readers).");
        // Subcommands are added here, one line each, from their own files in this folder.
        command.Subcommands.Add(IssueCommand.Create(context));
        command.Subcommands.Add(InfoCommand.Create(context));
        command.Subcommands.Add(InfoCommand.CreatePinStatus(context));
        command.Subcommands.Add(PinCommands.CreateVerify(context));
        command.Subcommands.Add(SignCommand.Create(context));
        command.Subcommands.Add(LifecycleCommands.CreateRenew(context));
        command.Subcommands.Add(LifecycleCommands.CreateRevoke(context));
        command.Subcommands.Add(LifecycleCommands.CreateCrl(context));
        command.Subcommands.Add(PinCommands.CreateReset(context));
        command.Subcommands.Add(Readers.ReadersCommand.Create(context));
        command.Subcommands.Add(Readers.ServeVpcdCommand.Create(context));
        command.Subcommands.Add(Agent.AgentCommand.Create(context));
        _ = context;
        return command;
    }
}

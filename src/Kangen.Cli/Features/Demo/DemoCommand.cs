using Spectre.Console;
using System.CommandLine;

namespace Kangen.Cli.Features.Demo;

/// <summary><c>kangen demo</c>: runs the whole product in one process on the embedded default.</summary>
public static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("demo", "Run the whole product in one process on the embedded default.");
        command.SetAction(_ =>
        {
            context.Console.WriteLine("Kangen demo");
            return ExitCodes.Ok;
        });
        return command;
    }
}

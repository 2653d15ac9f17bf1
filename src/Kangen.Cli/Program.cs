using Kangen.Cli;
using Spectre.Console;

return await KangenCli.RunAsync(args, new CliContext(AnsiConsole.Console, TimeProvider.System));

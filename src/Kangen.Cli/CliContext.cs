using Spectre.Console;

namespace Kangen.Cli;

/// <summary>What every command writes to and reads the clock from, so tests can run commands in-process.</summary>
public sealed record CliContext(IAnsiConsole Console, TimeProvider Time)
{
    /// <summary>Writes a readable error line to the console (standard error is not separate in Spectre's model).</summary>
    public void Error(string message) => Console.MarkupLineInterpolated($"[red]error:[/] {message}");
}

/// <summary>The process exit codes of every <c>kangen</c> command.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;
    /// <summary>The command ran and failed: bad input file, refused operation, failed check.</summary>
    public const int Failure = 1;
    /// <summary>The command line itself was wrong: unknown command, missing or malformed option.</summary>
    public const int Usage = 2;
}

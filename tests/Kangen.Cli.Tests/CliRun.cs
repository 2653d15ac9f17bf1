using Microsoft.Extensions.Time.Testing;
using Spectre.Console.Testing;

namespace Kangen.Cli.Tests;

/// <summary>Runs a <c>kangen</c> command line in-process and captures what it printed.</summary>
internal static class CliRun
{
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args) =>
        await RunAsync(new FakeTimeProvider(new DateTimeOffset(2022, 7, 1, 3, 0, 0, TimeSpan.Zero)), args);

    public static async Task<(int ExitCode, string Output)> RunAsync(TimeProvider time, params string[] args)
    {
        var console = new TestConsole().Width(200);
        var code = await KangenCli.RunAsync(args, new CliContext(console, time));
        return (code, console.Output);
    }
}

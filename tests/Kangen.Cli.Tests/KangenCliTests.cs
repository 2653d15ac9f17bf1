namespace Kangen.Cli.Tests;

public class KangenCliTests
{
    [Fact]
    public async Task Version_prints_the_product_version_and_succeeds()
    {
        var (code, output) = await CliRun.RunAsync("--version");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", output.Trim());
    }

    [Fact]
    public async Task Help_lists_every_top_level_command()
    {
        var (code, output) = await CliRun.RunAsync("--help");

        Assert.Equal(ExitCodes.Ok, code);
        foreach (var command in KangenCli.Build(new CliContext(new Spectre.Console.Testing.TestConsole(), TimeProvider.System)).Subcommands)
            Assert.Contains(command.Name, output);
    }

    [Fact]
    public async Task Every_command_has_a_description_and_help()
    {
        var root = KangenCli.Build(new CliContext(new Spectre.Console.Testing.TestConsole(), TimeProvider.System));
        var stack = new Stack<(string Path, System.CommandLine.Command Command)>(root.Subcommands.Select(c => (c.Name, c)));
        while (stack.Count > 0)
        {
            var (path, command) = stack.Pop();
            Assert.False(string.IsNullOrWhiteSpace(command.Description), $"'{path}' has no description");
            var (code, output) = await CliRun.RunAsync([.. path.Split(' '), "--help"]);
            Assert.Equal(ExitCodes.Ok, code);
            Assert.Contains(command.Description!, output);
            foreach (var sub in command.Subcommands)
                stack.Push(($"{path} {sub.Name}", sub));
        }
    }

    [Fact]
    public async Task An_unknown_command_is_a_usage_error_with_exit_code_2()
    {
        var (code, output) = await CliRun.RunAsync("no-such-command");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("no-such-command", output);
        Assert.Contains("--help", output);
    }

    [Fact]
    public async Task An_unknown_option_is_a_usage_error_with_exit_code_2()
    {
        var (code, _) = await CliRun.RunAsync("demo", "--no-such-option");

        Assert.Equal(ExitCodes.Usage, code);
    }
}

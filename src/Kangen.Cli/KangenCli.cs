using Spectre.Console;
using System.CommandLine;
using Kangen.Cli.Features.Card;
using Kangen.Cli.Features.Demo;

namespace Kangen.Cli;

/// <summary>Builds the <c>kangen</c> command tree and runs it with the documented exit codes.</summary>
public static class KangenCli
{
    /// <summary>The command tree. Each feature folder contributes one top-level command.</summary>
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Kangen: identity-verified cashless point programs (Mynapoint Phase 2).");
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(CardCommand.Create(context));
        root.Subcommands.Add(Features.Rules.RulesCommand.Create(context));
        root.Subcommands.Add(Features.Spots.SpotsCommand.Create(context));
        root.Subcommands.Add(Features.Services.ServicesCommand.Create(context));
        root.Subcommands.Add(Features.Serve.ServeCommand.Create(context));
        root.Subcommands.Add(Features.Admin.AdminCommand.Create(context));
        root.Subcommands.Add(Features.Reserve.ReserveCommand.Create(context));
        root.Subcommands.Add(Features.Apply.ApplyCommand.Create(context));
        root.Subcommands.Add(Features.Status.StatusCommand.Create(context));
        root.Subcommands.Add(Features.Register.RegisterCommand.Create(context));
        root.Subcommands.Add(Features.CallCentre.CallCentreCommand.Create(context));
        root.Subcommands.Add(Features.Operator.OperatorCommand.Create(context));
        root.Subcommands.Add(Features.Bench.BenchCommand.Create(context));
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; 0 ok, 1 failure, 2 usage.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = Build(context);
        var parse = root.Parse(args);
        var output = new StringWriter();
        var invocation = new InvocationConfiguration { Output = output, Error = output };
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                context.Error(error.Message);
            context.Console.WriteLine("Run 'kangen --help' (or 'kangen <command> --help') for usage.");
            return ExitCodes.Usage;
        }
        var code = await parse.InvokeAsync(invocation, cancellationToken);
        var text = output.ToString();
        if (text.Length > 0)
            context.Console.Profile.Out.Writer.Write(text);
        return code;
    }
}

using Kangen.Cli.Features.Bench.Limits;
using System.CommandLine;
using Kangen.Cli.Features.Card;
using Kangen.Platform.Features.Operators;

namespace Kangen.Cli.Features.Bench.Feed;

/// <summary><c>kangen bench feed</c>: see <see cref="FeedScenario"/>.</summary>
internal static class FeedCommand
{
    public static Command Create(CliContext context)
    {
        var data = CardCli.DataOption();
        var output = BenchCommand.OutOption();
        var people = new Option<long>("--people")
        {
            Description = "People to generate first (default 100,000; ignored when --name names a database that exists).",
            DefaultValueFactory = _ => 100_000,
        };
        var page = new Option<int>("--page-size")
        {
            Description = $"Records per feed request (default and most: {OperatorSelfEndpoints.MaxFeedLimit:N0}).",
            DefaultValueFactory = _ => OperatorSelfEndpoints.MaxFeedLimit,
        };
        var (name, postgres) = BenchCommand.DatabaseOptions();
        var command = new Command("feed",
            "The enrolment feed streamed to kangen-demo over loopback on a generated database, from the start to the end, page after page. " +
            "Figures: records/s, time to the first record; checks: every record of the operator arrived once, in order.")
        {
            people, page, name, postgres, data, output,
        };
        var limits = new LimitsOptions();
        limits.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!limits.Valid(context, parse))
                return ExitCodes.Usage;
            if (parse.GetValue(people) < 1 || parse.GetValue(page) is < 1 or > OperatorSelfEndpoints.MaxFeedLimit)
            {
                context.Error($"--people は 1 以上、--page-size は 1〜{OperatorSelfEndpoints.MaxFeedLimit} / --people 至少为 1，--page-size 为 1 至 {OperatorSelfEndpoints.MaxFeedLimit} / " +
                    $"--people must be at least 1 and --page-size 1 to {OperatorSelfEndpoints.MaxFeedLimit}.");
                return ExitCodes.Usage;
            }
            var located = await BenchCommand.LocateAsync(context, parse, data, name, postgres, cancellationToken);
            if (located.Database is null)
                return located.ExitCode;
            var settings = new FeedSettings(parse.GetValue(people), parse.GetValue(page), located.Database, located.Exists);
            return await BenchRunner.RunAsync(context, new FeedScenario(context, settings), parse.GetValue(output),
                limits.Read(parse, BenchCommand.Folder(CardCli.DataDirectory(parse, data))), cancellationToken);
        });
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using Kangen.Rules;
using Spectre.Console;

namespace Kangen.Cli.Features.Rules;

/// <summary><c>kangen rules ...</c>: validate and show campaign files, and explain the rules for a described person.</summary>
public static class RulesCommand
{
    /// <summary>The <c>rules</c> command group.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("rules", "Check and show campaign files; explain eligibility and entitlement for a case.");
        command.Subcommands.Add(Check(context));
        command.Subcommands.Add(Show(context));
        command.Subcommands.Add(Explain(context));
        return command;
    }

    private static Option<string?> AtOption() => new("--at")
    {
        Description = "Show the version in force at this instant (with offset, e.g. 2023-03-01T00:00:00+09:00); default now.",
    };

    private static Command Check(CliContext context)
    {
        var file = new Argument<FileInfo>("campaign-file") { Description = "The campaign file (JSON) to validate." };
        var at = AtOption();
        var command = new Command("check", "Validate a campaign file and print its programs and dates.");
        command.Arguments.Add(file);
        command.Options.Add(at);
        command.SetAction(parse =>
        {
            if (!TryInstant(context, parse.GetValue(at), out var asOf))
                return ExitCodes.Failure;
            var path = parse.GetValue(file)!;
            if (!TryLoad(context, path, out var definition))
                return ExitCodes.Failure;
            CampaignView.Render(context.Console, definition, asOf);
            context.Console.MarkupLineInterpolated($"[green]valid[/]: {path.Name} ({definition.Id}, versions {definition.Base.Version}..{definition.LatestVersion})");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var at = AtOption();
        var command = new Command("show", "Print the embedded default campaign (Mynapoint Phase 2).");
        command.Options.Add(at);
        command.SetAction(parse =>
        {
            if (!TryInstant(context, parse.GetValue(at), out var asOf))
                return ExitCodes.Failure;
            CampaignView.Render(context.Console, CampaignFile.LoadDefault(), asOf);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Explain(CliContext context)
    {
        var file = new Argument<FileInfo>("case-file") { Description = "The case (JSON): a described person at an instant; see docs/rules.md." };
        var campaignOption = new Option<FileInfo?>("--campaign") { Description = "A campaign file to judge by (default: the embedded Mynapoint Phase 2)." };
        var language = new Option<string>("--lang") { Description = "Language of the reasons: ja, zh or en.", DefaultValueFactory = _ => "en" };
        language.AcceptOnlyFromAmong("ja", "zh", "en");
        var command = new Command("explain", "Explain eligibility per program and remaining entitlement, with reasons, for a described person.");
        command.Arguments.Add(file);
        command.Options.Add(campaignOption);
        command.Options.Add(language);
        command.SetAction(parse =>
        {
            CampaignDefinition definition;
            if (parse.GetValue(campaignOption) is { } campaignFile)
            {
                if (!TryLoad(context, campaignFile, out definition))
                    return ExitCodes.Failure;
            }
            else
            {
                definition = CampaignFile.LoadDefault();
            }

            var casePath = parse.GetValue(file)!;
            if (!casePath.Exists)
            {
                context.Error($"case file not found: {casePath.FullName}");
                return ExitCodes.Failure;
            }
            var (explainCase, errors) = ExplainCase.Parse(File.ReadAllText(casePath.FullName));
            if (explainCase is null)
            {
                context.Error($"{casePath.Name} is not a valid case file:");
                foreach (var error in errors)
                    context.Console.MarkupLineInterpolated($"  {error}");
                return ExitCodes.Failure;
            }

            var instant = explainCase.Instant ?? context.Time.GetUtcNow();
            var assessment = Assessment.Of(definition, explainCase.Person, explainCase.Grants, instant, explainCase.Service, explainCase.Proposal);
            context.Console.MarkupLineInterpolated($"Case: {casePath.Name}");
            ExplainView.Render(context.Console, assessment, parse.GetValue(language) switch
            {
                "ja" => Language.Ja,
                "zh" => Language.Zh,
                _ => Language.En,
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static bool TryLoad(CliContext context, FileInfo path, out CampaignDefinition definition)
    {
        definition = null!;
        if (!path.Exists)
        {
            context.Error($"campaign file not found: {path.FullName}");
            return false;
        }
        Result<CampaignDefinition> result;
        using (var stream = path.OpenRead())
            result = CampaignFile.Parse(stream);
        if (!result.IsSuccess)
        {
            context.Error($"{path.Name} is not a valid campaign file ({result.Violations.Count} problem(s)):");
            foreach (var violation in result.Violations)
            {
                context.Console.MarkupLine($"  [red]{Markup.Escape(violation.Code.Code)}[/] at [bold]{Markup.Escape(violation.Path ?? "$")}[/]: "
                    + Markup.Escape(violation.Detail ?? violation.Code.En));
            }
            return false;
        }
        definition = result.Value;
        return true;
    }

    private static bool TryInstant(CliContext context, string? text, out DateTimeOffset instant)
    {
        if (text is null)
        {
            instant = context.Time.GetUtcNow();
            return true;
        }
        if (text.Contains('T', StringComparison.Ordinal) && (text.EndsWith('Z') || (text.Length > 6 && text[^6] is '+' or '-'))
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant))
            return true;
        context.Error($"--at '{text}' is not an instant with an offset, e.g. 2023-03-01T00:00:00+09:00");
        instant = default;
        return false;
    }
}

using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Kangen.Cli.Features.Citizen;
using Kangen.Platform.Features.Services;
using Kangen.Rules;
using Spectre.Console;

namespace Kangen.Cli.Features.Services;

/// <summary><c>kangen services ...</c>: search the payment services, show one, and make demo accounts for <c>kangen apply</c>.</summary>
public static class ServicesCommand
{
    private static readonly string[] Languages = ["ja", "zh", "en"];

    /// <summary>The <c>services</c> command group.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("services", "Search the payment services taking part, show one, and make demo accounts.");
        command.Subcommands.Add(Search(context));
        command.Subcommands.Add(Show(context));
        command.Subcommands.Add(DemoAccount(context));
        return command;
    }

    private static Option<string?> LangOption() => new Option<string?>("--lang")
    {
        Description = "Language of names, labels and terms: ja (default), zh or en.",
    }.AcceptOnlyFromAmong(Languages);

    private static Option<string?> ServerOption() => new("--server")
    {
        Description = "Ask a running platform (its base URL) instead of reading the catalogue built into this command.",
    };

    private static Command Search(CliContext context)
    {
        var text = new Argument<string?>("text") { Description = "Part of a code, name or operator, in any language.", Arity = ArgumentArity.ZeroOrOne };
        var kind = new Option<string?>("--kind") { Description = "Only this kind." }.AcceptOnlyFromAmong([.. ServiceKinds.All.Select(k => k.ToCode())]);
        var program = new Option<string?>("--program") { Description = "Only services that grant points for this program." }
            .AcceptOnlyFromAmong([.. ProgramKinds.All.Select(p => p.ToCode())]);
        var lang = LangOption();
        var server = ServerOption();
        var command = new Command("search", "List the payment services whose code, name or operator matches, by kind and program.")
        {
            text, kind, program, lang, server,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var url = parse.GetValue(server);
            var language = parse.GetValue(lang);
            if (url is null)
            {
                var (kindFilter, programFilter, _) = ServicesEndpoints.ParseFilters(parse.GetValue(kind), parse.GetValue(program));
                var today = ServicesEndpoints.Today(context.Time);
                var found = ServiceCatalogue.LoadDefault().Search(parse.GetValue(text), kindFilter, programFilter)
                    .Select(s => ServicesEndpoints.Summary(s, today)).ToArray();
                RenderList(context.Console, new ServiceSearchResponse(found.Length, found), language, "built-in catalogue");
                return ExitCodes.Ok;
            }
            return await PlatformConnection.RunAsync(context, url, async http =>
            {
                var query = string.Join('&', new[] { ("q", parse.GetValue(text)), ("kind", parse.GetValue(kind)), ("program", parse.GetValue(program)) }
                    .Where(p => !string.IsNullOrEmpty(p.Item2)).Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2!)));
                using var response = await http.GetAsync("api/v1/services" + (query.Length > 0 ? "?" + query : ""), cancellationToken);
                if (!response.IsSuccessStatusCode)
                    return await PlatformConnection.ReportProblemAsync(context, response, cancellationToken);
                var list = await response.Content.ReadFromJsonAsync<ServiceSearchResponse>(JsonSerializerOptions.Web, cancellationToken)
                    ?? throw new JsonException("empty answer");
                RenderList(context.Console, list, language, http.BaseAddress!.ToString());
                return ExitCodes.Ok;
            }, cancellationToken);
        });
        return command;
    }

    private static void RenderList(IAnsiConsole console, ServiceSearchResponse list, string? lang, string source)
    {
        console.MarkupLineInterpolated($"{list.Count} payment service(s) ({source})");
        if (list.Count == 0)
            return;
        var table = new Table().AddColumns("code", "name", "kind", "operator", "programs", "last day", "bonus", "terms");
        foreach (var s in list.Services)
        {
            table.AddRow(
                Markup.Escape(s.Code), Markup.Escape(s.Name.For(lang)), s.Kind, Markup.Escape(s.OperatorName.For(lang)),
                string.Join(" ", s.Programs.Select(Part)),
                s.LastDay?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
                Markup.Escape(s.Bonus?.Description.For(lang) ?? ""), Markup.Escape(s.CurrentTerms));
        }
        console.Write(table);
        console.WriteLine("programs: 1 card-acquisition, 2 health-insurance, 3 public-fund-account");
    }

    private static string Part(string program) => ProgramKinds.TryParse(program, out var kind)
        ? kind.Part().ToString(CultureInfo.InvariantCulture)
        : program;

    private static Command Show(CliContext context)
    {
        var code = new Argument<string>("code") { Description = "The service code, e.g. demo-pay." };
        var lang = LangOption();
        var server = ServerOption();
        var command = new Command("show", "One payment service: the fields to enter (which are secret), the terms in force, programs, dates, bonus.")
        {
            code, lang, server,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var url = parse.GetValue(server);
            var wanted = parse.GetValue(code)!;
            var language = parse.GetValue(lang);
            if (url is null)
            {
                var service = ServiceCatalogue.LoadDefault().Find(wanted);
                if (service is null)
                    return NotFound(context, wanted);
                RenderDetail(context.Console, ServicesEndpoints.Detail(service, ServicesEndpoints.Today(context.Time)), language);
                return ExitCodes.Ok;
            }
            return await PlatformConnection.RunAsync(context, url, async http =>
            {
                using var response = await http.GetAsync("api/v1/services/" + Uri.EscapeDataString(wanted), cancellationToken);
                if (!response.IsSuccessStatusCode)
                    return await PlatformConnection.ReportProblemAsync(context, response, cancellationToken);
                var detail = await response.Content.ReadFromJsonAsync<ServiceDetailResponse>(JsonSerializerOptions.Web, cancellationToken)
                    ?? throw new JsonException("empty answer");
                RenderDetail(context.Console, detail, language);
                return ExitCodes.Ok;
            }, cancellationToken);
        });
        return command;
    }

    private static int NotFound(CliContext context, string code)
    {
        var problem = ServiceProblems.NotFound(code);
        context.Error($"{problem.Code}: {problem.Ja} / {problem.En} ({problem.Detail}). Try 'kangen services search'.");
        return ExitCodes.Failure;
    }

    private static void RenderDetail(IAnsiConsole console, ServiceDetailResponse s, string? lang)
    {
        console.MarkupLineInterpolated($"[bold]{s.Name.For(lang)}[/] ({s.Code}), {s.Kind}");
        console.MarkupLineInterpolated($"operator: {s.OperatorName.For(lang)} ({s.Operator})");
        console.MarkupLineInterpolated($"programs: {string.Join(", ", s.Programs)}");
        console.MarkupLineInterpolated($"last day: {s.LastDay?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "the campaign's"}");
        console.MarkupLineInterpolated($"bonus: {s.Bonus?.Description.For(lang) ?? "none"}");
        console.MarkupLineInterpolated($"grant timing: {s.GrantTiming}; rounding: {s.Rounding}");
        var table = new Table().AddColumns("field", "label", "hint", "format", "check digit", "secret");
        foreach (var f in s.Fields)
        {
            var length = f.MinLength == f.MaxLength
                ? f.MinLength.ToString(CultureInfo.InvariantCulture)
                : $"{f.MinLength}-{f.MaxLength}";
            table.AddRow(
                Markup.Escape(f.Name + (f.IsAccountId ? " (account ID)" : "")), Markup.Escape(f.Label.For(lang)), Markup.Escape(f.Hint?.For(lang) ?? ""),
                Markup.Escape($"{f.Pattern} ({length} chars, {f.Normalisation})"), f.CheckDigit, f.Secret ? "secret" : "");
        }
        console.Write(table);
        console.MarkupLineInterpolated($"terms in force: {s.CurrentTerms.Version} (effective {s.CurrentTerms.Effective:yyyy-MM-dd})");
        console.MarkupLineInterpolated($"  {s.CurrentTerms.Summary.For(lang)}");
        if (s.Terms.Count > 1)
            console.MarkupLineInterpolated($"all versions: {string.Join(", ", s.Terms.Select(t => $"{t.Version} ({t.Effective:yyyy-MM-dd})"))}");
    }

    private static Command DemoAccount(CliContext context)
    {
        var code = new Argument<string>("code") { Description = "The service code, e.g. demo-pay." };
        var index = new Option<int>("--index") { Description = "Which demo account (0 and up); different indexes, different accounts.", DefaultValueFactory = _ => 0 };
        var closed = new Option<bool>("--closed") { Description = "An account the operator reports as closed instead." };
        var command = new Command("demo-account", "Field values of a demo account the built-in demo operators accept, as --field options for kangen apply.")
        {
            code, index, closed,
        };
        command.SetAction(parse =>
        {
            var wanted = parse.GetValue(code)!;
            var n = parse.GetValue(index);
            if (n < 0)
            {
                context.Error($"--index must be 0 or more, not {n}.");
                return ExitCodes.Usage;
            }
            var service = ServiceCatalogue.LoadDefault().Find(wanted);
            if (service is null)
                return NotFound(context, wanted);
            var values = parse.GetValue(closed) ? DemoAccounts.CreateClosed(service, n) : DemoAccounts.Create(service, n);
            var (fields, _) = FieldValidation.Validate(service, values.ToDictionary(v => v.Key, v => (string?)v.Value));
            var id = fields!.AccountId;
            var holder = DemoDerivation.IsClosed(service, id) ? "closed account" : "holder " + DemoDerivation.MaskedHolderName(service, id);
            context.Console.WriteLine($"# {service.Code} demo account #{n} ({holder}; account ID shown back as {service.MaskAccountId(id)})");
            // Written past Spectre's line wrapping: the line is meant to be pasted whole.
            context.Console.Profile.Out.Writer.WriteLine(string.Join(" ", values.Select(v => $"--field {v.Key}={v.Value}")));
            return ExitCodes.Ok;
        });
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text;
using Kangen.Platform;
using Kangen.Platform.Features.ReferenceData;
using Kangen.Platform.Features.Spots;
using Spectre.Console;

namespace Kangen.Cli.Features.Spots;

/// <summary><c>kangen spots ...</c>: find procedure spots, and import, export and count spot lists.</summary>
public static class SpotsCommand
{
    /// <summary>
    /// Where an imported spot list is kept unless <c>--store</c> says otherwise: <c>spots.csv</c> in the
    /// platform's data folder ($KANGEN_DATA, else ./kangen-data), which is where the platform looks for it too.
    /// </summary>
    public static string DefaultStore() =>
        Path.Combine(PlatformData.Resolve(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()), SpotsOptions.StoreFileName);

    /// <summary>The <c>spots</c> command group.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("spots", "Find procedure spots near a place; import, export and count spot lists.");
        command.Subcommands.Add(Near(context));
        command.Subcommands.Add(Export(context));
        command.Subcommands.Add(Import(context));
        command.Subcommands.Add(Stats(context));
        return command;
    }

    private static Option<FileInfo> StoreOption() => new("--store")
    {
        Description = "The spot list in use: an imported CSV. When the file does not exist, the generated list is used. Default: spots.csv in $KANGEN_DATA, else in ./kangen-data.",
        DefaultValueFactory = _ => new FileInfo(DefaultStore()),
    };

    private static SpotDirectory? Load(CliContext context, FileInfo store)
    {
        store.Refresh();
        var (directory, errors) = SpotDirectory.Load(store.Exists ? store.FullName : null);
        if (directory is not null)
            return directory;
        context.Error($"the spot store {store.FullName} is invalid (re-import a list or delete the file to use the generated one):");
        foreach (var e in errors.Take(20))
            context.Console.WriteLine("  " + e);
        return null;
    }

    private static Command Near(CliContext context)
    {
        var lat = new Option<string?>("--lat") { Description = "Latitude of the origin (decimal degrees)." };
        var lng = new Option<string?>("--lng") { Description = "Longitude of the origin (decimal degrees)." };
        var municipality = new Option<string?>("--municipality") { Description = "Or a municipality code (5 or 6 digits) as origin." };
        var postal = new Option<string?>("--postal-code") { Description = "Or a postal code (100-0001) as origin: its municipality's point." };
        var operation = new Option<string?>("--operation") { Description = "Only spots that support it: reserve, apply or health-insurance." };
        var openAt = new Option<string?>("--open-at") { Description = "Only spots open at this instant, with offset (2022-07-01T10:00+09:00)." };
        var openNow = new Option<bool>("--open-now") { Description = "Only spots open now." };
        var k = new Option<string?>("--k") { Description = $"How many spots (1..{SpotDirectory.MaxK}, default {SpotDirectory.DefaultK})." };
        var kind = new Option<string?>("--kind") { Description = "Only this kind: " + string.Join(", ", SpotSlugs.KindSlugs) + "." };
        var store = StoreOption();
        var command = new Command("near", "The nearest spots to a point, municipality or postal code, with distances.");
        foreach (var option in new Option[] { lat, lng, municipality, postal, operation, openAt, openNow, k, kind, store })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            var at = parse.GetValue(openAt);
            if (parse.GetValue(openNow))
            {
                if (at is not null)
                {
                    context.Error("give --open-at or --open-now, not both");
                    return ExitCodes.Usage;
                }
                at = context.Time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
            }
            var directory = Load(context, parse.GetValue(store)!);
            if (directory is null)
                return ExitCodes.Failure;
            var outcome = directory.Search(new SpotSearchRequest(
                parse.GetValue(lat), parse.GetValue(lng), parse.GetValue(municipality), parse.GetValue(postal),
                parse.GetValue(operation), at, parse.GetValue(k), parse.GetValue(kind)));
            if (!outcome.IsSuccess)
            {
                foreach (var e in outcome.Errors)
                    context.Error($"{e.En}{(e.Detail is null ? "" : " " + e.Detail)} [{e.Code}]");
                return ExitCodes.Failure;
            }
            Render(context.Console, outcome, directory, at);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Render(IAnsiConsole console, SpotSearchOutcome outcome, SpotDirectory directory, string? openAt)
    {
        var origin = outcome.Origin!;
        var from = origin.PostalCode is { } p
            ? $"postal code {p.PostalCode} ({origin.Municipality!.Name} {p.Town}, at the municipality's point)"
            : origin.Municipality is { } m ? $"{m.Name} ({m.Code}, point: {m.PointSource.Slug()})" : origin.Point.ToString();
        console.MarkupLineInterpolated($"From [bold]{from}[/]{(openAt is null ? "" : ", open at " + openAt)}; spots: {directory.Source}");
        if (outcome.Matches.Count == 0)
        {
            console.WriteLine("No spot matches.");
            return;
        }
        var table = new Table().AddColumns("#", "distance", "kind", "name", "municipality", "operations", "hours", "id");
        var municipalities = ReferenceDataSet.Municipalities;
        var i = 0;
        foreach (var match in outcome.Matches)
        {
            var s = match.Spot;
            table.AddRow(
                (++i).ToString(CultureInfo.InvariantCulture),
                Distance(match.DistanceMeters),
                s.Kind.Slug(),
                Markup.Escape(s.Name + (s.Generated ? " (generated)" : "")),
                Markup.Escape(municipalities.Find(s.MunicipalityCode)?.Name ?? s.MunicipalityCode),
                string.Join(" ", s.Operations.Slugs()),
                Markup.Escape(s.Hours.Text),
                Markup.Escape(s.Id));
        }
        console.Write(table);
    }

    private static string Distance(double meters) => meters < 1000
        ? meters.ToString("0", CultureInfo.InvariantCulture) + " m"
        : (meters / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " km";

    private static Command Export(CliContext context)
    {
        var output = new Option<FileInfo>("--out") { Description = "The CSV file to write.", Required = true };
        var store = StoreOption();
        var command = new Command("export", "Write the spot list in use (imported, or generated) as CSV.");
        command.Options.Add(output);
        command.Options.Add(store);
        command.SetAction(parse =>
        {
            var directory = Load(context, parse.GetValue(store)!);
            if (directory is null)
                return ExitCodes.Failure;
            var file = parse.GetValue(output)!;
            using (var writer = new StreamWriter(file.FullName, append: false, new UTF8Encoding(false)))
                SpotCsv.Write(writer, directory.Spots);
            context.Console.MarkupLineInterpolated($"exported {directory.Spots.Count} spots ({directory.Source}) to {file.FullName}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Import(CliContext context)
    {
        var input = new Argument<FileInfo>("spots-file") { Description = "A CSV spot list (see docs/spots.md for the columns)." };
        var store = StoreOption();
        var command = new Command("import", "Validate a CSV spot list and make it the list in use; any error changes nothing.");
        command.Arguments.Add(input);
        command.Options.Add(store);
        command.SetAction(parse =>
        {
            var file = parse.GetValue(input)!;
            if (!file.Exists)
            {
                context.Error($"no such file: {file.FullName}");
                return ExitCodes.Failure;
            }
            var (spots, errors) = SpotCsv.ReadFile(file.FullName, ReferenceDataSet.Municipalities);
            if (errors.Count > 0)
            {
                context.Error($"{file.Name}: {errors.Count} error(s); nothing was imported.");
                foreach (var e in errors)
                    context.Console.WriteLine($"  {e} [{e.Code}]");
                return ExitCodes.Failure;
            }
            var target = parse.GetValue(store)!;
            Directory.CreateDirectory(target.DirectoryName!);
            // Write the canonical form next to the target, then swap it in, so a crash leaves the old list intact.
            var temp = target.FullName + ".tmp";
            using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(false)))
                SpotCsv.Write(writer, spots);
            File.Move(temp, target.FullName, overwrite: true);
            var generated = spots.Count(s => s.Generated);
            context.Console.MarkupLineInterpolated($"imported {spots.Count} spots ({spots.Count - generated} real, {generated} generated) into {target.FullName}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Stats(CliContext context)
    {
        var store = StoreOption();
        var command = new Command("stats", "Count the spots in use per kind and per prefecture.");
        command.Options.Add(store);
        command.SetAction(parse =>
        {
            var directory = Load(context, parse.GetValue(store)!);
            if (directory is null)
                return ExitCodes.Failure;
            var spots = directory.Spots;
            context.Console.MarkupLineInterpolated($"{spots.Count} spots ({directory.Source}), {spots.Count(s => s.Generated)} generated");
            var chart = new BarChart().Label("Spots per kind").Width(80);
            foreach (var group in spots.GroupBy(s => s.Kind).OrderBy(g => g.Key))
                chart.AddItem(group.Key.Slug(), group.Count(), Color.Blue);
            context.Console.Write(chart);

            var kinds = Enum.GetValues<SpotKind>();
            var table = new Table().AddColumn("prefecture").AddColumn("total");
            foreach (var kind in kinds)
                table.AddColumn(kind.Slug());
            var municipalities = ReferenceDataSet.Municipalities;
            foreach (var group in spots.GroupBy(s => s.MunicipalityCode[..2]).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var prefecture = municipalities.All.FirstOrDefault(m => m.Kind == MunicipalityKind.Prefecture && m.PrefectureCode == group.Key);
                var row = new List<string> { Markup.Escape(prefecture?.Name ?? group.Key), group.Count().ToString(CultureInfo.InvariantCulture) };
                row.AddRange(kinds.Select(k => group.Count(s => s.Kind == k).ToString(CultureInfo.InvariantCulture)));
                table.AddRow(row.ToArray());
            }
            context.Console.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}

using System.Globalization;
using System.Text;
using Kangen.Platform.Features.ReferenceData;

namespace Kangen.Platform.Features.Spots;

/// <summary>
/// Reads and writes spot lists as CSV: <c>id,name,kind,municipality,lat,lng,operations,hours,generated</c>,
/// operations separated by <c>|</c>. Reading validates every row and returns all errors with line
/// numbers; a list with any error is refused whole.
/// </summary>
public static class SpotCsv
{
    /// <summary>The header line.</summary>
    public const string Header = "id,name,kind,municipality,lat,lng,operations,hours,generated";

    /// <summary>Writes spots as CSV (UTF-8, LF).</summary>
    public static void Write(TextWriter writer, IEnumerable<Spot> spots)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(spots);
        writer.Write(Header + "\n");
        foreach (var s in spots)
        {
            writer.Write(Csv.Join([
                s.Id, s.Name, s.Kind.Slug(), s.MunicipalityCode,
                s.Point.Lat.ToString("0.######", CultureInfo.InvariantCulture),
                s.Point.Lng.ToString("0.######", CultureInfo.InvariantCulture),
                string.Join('|', s.Operations.Slugs()), s.Hours.Text, s.Generated ? "true" : "false",
            ]));
            writer.Write('\n');
        }
    }

    /// <summary>Parses a whole list; either every spot or every error (with its line).</summary>
    public static (IReadOnlyList<Spot> Spots, IReadOnlyList<SpotError> Errors) Read(TextReader reader, MunicipalityDirectory municipalities)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(municipalities);
        var spots = new List<Spot>();
        var errors = new List<SpotError>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var header = reader.ReadLine();
        if (header?.TrimStart('\uFEFF') != Header)
        {
            errors.Add(SpotError.Csv(1, "spots.csv-header", "header",
                "1行目は見出し行でなければなりません。", "第1行必须是标题行。",
                "The first line must be the header: " + Header, $"'{header}'"));
            return ([], errors);
        }
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
                continue;
            var spot = ParseRow(line, lineNumber, municipalities, errors);
            if (spot is null)
                continue;
            if (ids.TryGetValue(spot.Id, out var first))
            {
                errors.Add(SpotError.Csv(lineNumber, "spots.csv-duplicate-id", "id",
                    "同じIDのスポットが既にあります。", "已有相同ID的手续点。", "Another spot already has this id.", $"'{spot.Id}' first on line {first}"));
                continue;
            }
            ids[spot.Id] = lineNumber;
            spots.Add(spot);
        }
        if (spots.Count == 0 && errors.Count == 0)
            errors.Add(SpotError.Csv(lineNumber, "spots.csv-empty", "file", "スポットが1件もありません。", "没有任何手续点。", "The file holds no spots."));
        return errors.Count > 0 ? ([], errors) : (spots, errors);
    }

    /// <summary>Reads a file with <see cref="Read(TextReader, MunicipalityDirectory)"/>.</summary>
    public static (IReadOnlyList<Spot> Spots, IReadOnlyList<SpotError> Errors) ReadFile(string path, MunicipalityDirectory municipalities)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return Read(reader, municipalities);
    }

    private static Spot? ParseRow(string line, int n, MunicipalityDirectory municipalities, List<SpotError> errors)
    {
        var f = Csv.TrySplit(line);
        if (f is null || f.Length != 9)
        {
            errors.Add(SpotError.Csv(n, "spots.csv-malformed", "row",
                "行の形式が正しくありません（9列のCSV）。", "行格式无效（需要9列CSV）。",
                "The row is not 9 well-formed CSV fields.", f is null ? "bad quoting" : $"{f.Length} fields"));
            return null;
        }
        var before = errors.Count;
        var id = f[0].Trim();
        if (id.Length == 0 || id.Length > 64)
            errors.Add(SpotError.Csv(n, "spots.csv-invalid-id", "id", "IDは1〜64文字です。", "ID为1~64个字符。", "The id must be 1 to 64 characters."));
        var name = f[1].Trim();
        if (name.Length == 0 || name.Length > 200)
            errors.Add(SpotError.Csv(n, "spots.csv-invalid-name", "name", "名称は1〜200文字です。", "名称为1~200个字符。", "The name must be 1 to 200 characters."));
        var kind = SpotSlugs.ParseKind(f[2]);
        if (kind is null)
            errors.Add(SpotError.InvalidKind("kind", f[2]) with { Line = n });
        var municipality = municipalities.Find(f[3].Trim());
        if (municipality is null || municipality.Kind == MunicipalityKind.Prefecture)
            errors.Add(SpotError.UnknownMunicipality("municipality", f[3]) with { Line = n });
        var point = GeoPoint.TryParse(f[4], f[5]);
        if (point is null && !GeoPoint.IsCoordinate(f[4], 90))
            errors.Add(SpotError.InvalidCoordinates("lat", $"'{f[4]}'") with { Line = n });
        if (point is null && !GeoPoint.IsCoordinate(f[5], 180))
            errors.Add(SpotError.InvalidCoordinates("lng", $"'{f[5]}'") with { Line = n });
        var operations = SpotOperations.None;
        foreach (var slug in f[6].Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var op = SpotSlugs.ParseOperation(slug);
            if (op is null)
                errors.Add(SpotError.InvalidOperation("operations", slug) with { Line = n });
            else if (op == SpotOperations.PublicFundAccount)
                errors.Add(SpotError.OperationNotOffered("operations") with { Line = n });
            else
                operations |= op.Value;
        }
        if (operations == SpotOperations.None && errors.Count == before)
            errors.Add(SpotError.InvalidOperation("operations", f[6]) with { Line = n, Detail = "a spot needs at least one operation" });
        var hours = OpeningHours.TryParse(f[7], out var hoursError);
        if (hours is null)
            errors.Add(SpotError.Csv(n, "spots.csv-invalid-hours", "hours",
                "営業時間の形式が正しくありません（例: Mon-Fri 09:00-17:00; Hol closed）。", "营业时间格式无效（例如 Mon-Fri 09:00-17:00; Hol closed）。",
                "Opening hours are malformed (e.g. 'Mon-Fri 09:00-17:00; Hol closed').", hoursError));
        bool? generated = f[8].Trim().ToLowerInvariant() switch { "true" => true, "false" => false, _ => null };
        if (generated is null)
            errors.Add(SpotError.Csv(n, "spots.csv-invalid-generated", "generated", "generated は true か false です。", "generated 必须是 true 或 false。", "generated must be true or false.", $"'{f[8]}'"));
        return errors.Count > before
            ? null
            : new Spot(id, name, kind!.Value, municipality!.Code, point!.Value, operations, hours!, generated!.Value);
    }
}

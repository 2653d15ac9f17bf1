using System.Collections.Frozen;
using System.Globalization;

namespace Kangen.Platform.Features.ReferenceData;

/// <summary>What kind of local government a code names.</summary>
public enum MunicipalityKind
{
    /// <summary>都道府県.</summary>
    Prefecture,
    /// <summary>政令指定都市 (its wards carry the counters).</summary>
    DesignatedCity,
    /// <summary>市.</summary>
    City,
    /// <summary>東京都の特別区.</summary>
    SpecialWard,
    /// <summary>政令指定都市の区.</summary>
    Ward,
    /// <summary>町.</summary>
    Town,
    /// <summary>村.</summary>
    Village,
}

/// <summary>Where a municipality's point comes from.</summary>
public enum PointSource
{
    /// <summary>The prefecture's own point (prefecture rows).</summary>
    Prefecture,
    /// <summary>The municipality's point in OpenStreetMap, mostly its town hall.</summary>
    TownHall,
    /// <summary>A ward of a designated city: the city's point (wards have none of their own in the source).</summary>
    CityOfWard,
    /// <summary>No point in the source: the prefecture's point stands in. Distances from it are rough.</summary>
    PrefectureFallback,
}

/// <summary>A local government code (全国地方公共団体コード): five digits and a check digit.</summary>
public static class MunicipalityCode
{
    /// <summary>
    /// The 6-digit code for a 5- or 6-digit input, or null when it is not digits, has the wrong length
    /// or a wrong check digit (weights 6,5,4,3,2; 11 minus the sum mod 11, last digit).
    /// </summary>
    public static string? TryNormalize(string? code)
    {
        if (code is null || (code.Length != 5 && code.Length != 6) || !code.All(char.IsAsciiDigit))
            return null;
        var sum = 0;
        for (var i = 0; i < 5; i++)
            sum += (code[i] - '0') * (6 - i);
        var check = (char)('0' + (11 - sum % 11) % 10);
        if (code.Length == 6 && code[5] != check)
            return null;
        return code[..5] + check;
    }
}

/// <summary>A prefecture, municipality or ward with its reading and point.</summary>
/// <param name="Code">6-digit code with check digit.</param>
/// <param name="PrefectureCode">2-digit prefecture code.</param>
/// <param name="Name">Name; wards carry their city's name (札幌市中央区).</param>
/// <param name="Reading">Reading in hiragana.</param>
/// <param name="Kind">Prefecture, city, ward, ...</param>
/// <param name="ParentCode">For wards, the designated city's code.</param>
/// <param name="Point">Where distances are measured from.</param>
/// <param name="PointSource">How good <paramref name="Point"/> is.</param>
public sealed record Municipality(
    string Code, string PrefectureCode, string Name, string Reading, MunicipalityKind Kind, string? ParentCode,
    GeoPoint Point, PointSource PointSource)
{
    /// <summary>True for the places that hold a municipal counter: every municipality and ward except prefectures and designated cities (whose wards hold them).</summary>
    public bool HasCounter => Kind is not (MunicipalityKind.Prefecture or MunicipalityKind.DesignatedCity);
}

/// <summary>All municipalities from <c>data/reference/municipalities.csv</c> and <c>municipality-points.csv</c>.</summary>
public sealed class MunicipalityDirectory
{
    private readonly FrozenDictionary<string, Municipality> _byCode;

    private MunicipalityDirectory(IReadOnlyList<Municipality> all)
    {
        All = all;
        _byCode = all.ToFrozenDictionary(m => m.Code, StringComparer.Ordinal);
    }

    /// <summary>Every row, prefectures included, in code order.</summary>
    public IReadOnlyList<Municipality> All { get; }

    /// <summary>Finds by 5- or 6-digit code (the check digit is verified when given).</summary>
    public Municipality? Find(string? code) =>
        MunicipalityCode.TryNormalize(code) is { } six && _byCode.TryGetValue(six, out var m) ? m : null;

    /// <summary>The prefecture a municipality belongs to.</summary>
    public Municipality PrefectureOf(Municipality municipality) =>
        All.First(m => m.Kind == MunicipalityKind.Prefecture && m.PrefectureCode == municipality.PrefectureCode);

    internal static MunicipalityDirectory Load()
    {
        var points = new Dictionary<string, (GeoPoint Point, PointSource Source)>(StringComparer.Ordinal);
        foreach (var r in EmbeddedData.Rows("municipality-points.csv", "code,lat,lng,source"))
        {
            var point = GeoPoint.TryCreate(double.Parse(r[1], CultureInfo.InvariantCulture), double.Parse(r[2], CultureInfo.InvariantCulture))
                ?? throw new InvalidDataException($"municipality-points.csv: bad point for {r[0]}");
            points[r[0]] = (point, ParseSource(r[3]));
        }
        var all = new List<Municipality>();
        foreach (var r in EmbeddedData.Rows("municipalities.csv", "code,prefecture,name,reading,kind,parent"))
        {
            var (point, source) = points[r[0]];
            all.Add(new Municipality(r[0], r[1], r[2], r[3], ParseKind(r[4]), r[5].Length == 0 ? null : r[5], point, source));
        }
        return new MunicipalityDirectory(all);
    }

    private static MunicipalityKind ParseKind(string s) => s switch
    {
        "prefecture" => MunicipalityKind.Prefecture,
        "designated-city" => MunicipalityKind.DesignatedCity,
        "city" => MunicipalityKind.City,
        "special-ward" => MunicipalityKind.SpecialWard,
        "ward" => MunicipalityKind.Ward,
        "town" => MunicipalityKind.Town,
        "village" => MunicipalityKind.Village,
        _ => throw new InvalidDataException($"municipalities.csv: unknown kind {s}"),
    };

    private static PointSource ParseSource(string s) => s switch
    {
        "prefecture" => PointSource.Prefecture,
        "town-hall" => PointSource.TownHall,
        "city-of-ward" => PointSource.CityOfWard,
        "prefecture-fallback" => PointSource.PrefectureFallback,
        _ => throw new InvalidDataException($"municipality-points.csv: unknown source {s}"),
    };
}

/// <summary>Slugs used in JSON, CSV and the CLI for the reference enums.</summary>
public static class ReferenceSlugs
{
    /// <summary>kebab-case slug of a municipality kind.</summary>
    public static string Slug(this MunicipalityKind kind) => kind switch
    {
        MunicipalityKind.DesignatedCity => "designated-city",
        MunicipalityKind.SpecialWard => "special-ward",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>kebab-case slug of a point source.</summary>
    public static string Slug(this PointSource source) => source switch
    {
        PointSource.TownHall => "town-hall",
        PointSource.CityOfWard => "city-of-ward",
        PointSource.PrefectureFallback => "prefecture-fallback",
        _ => "prefecture",
    };
}

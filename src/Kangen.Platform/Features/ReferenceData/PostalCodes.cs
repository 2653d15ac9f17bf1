using System.Collections.Frozen;

namespace Kangen.Platform.Features.ReferenceData;

/// <summary>A postal code and the municipality (and town) it belongs to.</summary>
public sealed record PostalCodeEntry(string PostalCode, string MunicipalityCode, string Town);

/// <summary>Japanese postal codes from <c>data/reference/postal-codes.csv.gz</c> (about 117,000).</summary>
public sealed class PostalCodeDirectory
{
    // Keyed by the 7 digits as an int to keep the table small; towns are interned (many repeat).
    private readonly FrozenDictionary<int, (string Municipality, string Town)> _byCode;

    private PostalCodeDirectory(FrozenDictionary<int, (string, string)> byCode) => _byCode = byCode;

    /// <summary>How many postal codes are known.</summary>
    public int Count => _byCode.Count;

    /// <summary>Normalises "100-0001", "1000001" or full-width digits to 7 ASCII digits; null when not a postal code shape.</summary>
    public static string? Normalize(string? postalCode)
    {
        if (postalCode is null)
            return null;
        var digits = new string(postalCode.Trim()
            .Select(c => c is >= '０' and <= '９' ? (char)(c - '０' + '0') : c)
            .Where(c => c is not ('-' or '－' or 'ー' or '〒' or ' '))
            .ToArray());
        return digits.Length == 7 && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    /// <summary>Finds a postal code in any accepted shape; null when unknown or malformed.</summary>
    public PostalCodeEntry? Find(string? postalCode)
    {
        var normalized = Normalize(postalCode);
        return normalized is not null && _byCode.TryGetValue(int.Parse(normalized, System.Globalization.CultureInfo.InvariantCulture), out var e)
            ? new PostalCodeEntry(normalized, e.Municipality, e.Town)
            : null;
    }

    /// <summary>How many postal codes each municipality has (a rough measure of its size, used to spread generated spots).</summary>
    public IReadOnlyDictionary<string, int> CountByMunicipality() =>
        _byCode.Values.GroupBy(e => e.Municipality, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    internal static PostalCodeDirectory Load()
    {
        var map = new Dictionary<int, (string, string)>();
        var municipalities = new Dictionary<string, string>(StringComparer.Ordinal);
        var towns = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in EmbeddedData.Rows("postal-codes.csv.gz", "postal,municipality,town"))
        {
            var m = municipalities.TryGetValue(r[1], out var mi) ? mi : municipalities[r[1]] = r[1];
            var t = towns.TryGetValue(r[2], out var ti) ? ti : towns[r[2]] = r[2];
            map[int.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture)] = (m, t);
        }
        return new PostalCodeDirectory(map.ToFrozenDictionary());
    }
}

using System.Globalization;

namespace Kangen.Platform.Features.ReferenceData;

/// <summary>A WGS 84 point in degrees. Create through <see cref="TryCreate"/>, which refuses impossible values.</summary>
public readonly record struct GeoPoint
{
    /// <summary>Mean Earth radius used for distances (IUGG), in metres.</summary>
    public const double EarthRadiusMeters = 6_371_008.8;

    private GeoPoint(double lat, double lng)
    {
        Lat = lat;
        Lng = lng;
    }

    /// <summary>Latitude in degrees, -90..90.</summary>
    public double Lat { get; }

    /// <summary>Longitude in degrees, -180..180.</summary>
    public double Lng { get; }

    /// <summary>A point, or null when a coordinate is not a finite number in range.</summary>
    public static GeoPoint? TryCreate(double lat, double lng) =>
        double.IsFinite(lat) && double.IsFinite(lng) && lat is >= -90 and <= 90 && lng is >= -180 and <= 180
            ? new GeoPoint(lat, lng)
            : null;

    /// <summary>Parses invariant-culture decimal degrees; null when either is not a valid coordinate.</summary>
    public static GeoPoint? TryParse(string? lat, string? lng) =>
        double.TryParse(lat, NumberStyles.Float, CultureInfo.InvariantCulture, out var la)
        && double.TryParse(lng, NumberStyles.Float, CultureInfo.InvariantCulture, out var lo)
            ? TryCreate(la, lo)
            : null;

    /// <summary>True when <paramref name="text"/> is an invariant-culture number within <paramref name="limit"/> in absolute value.</summary>
    public static bool IsCoordinate(string? text, double limit) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && Math.Abs(v) <= limit;

    /// <summary>Great-circle (haversine) distance in metres.</summary>
    public double DistanceMeters(GeoPoint other)
    {
        var p1 = double.DegreesToRadians(Lat);
        var p2 = double.DegreesToRadians(other.Lat);
        var dp = p2 - p1;
        var dl = double.DegreesToRadians(other.Lng - Lng);
        var a = Math.Sin(dp / 2) * Math.Sin(dp / 2) + Math.Cos(p1) * Math.Cos(p2) * Math.Sin(dl / 2) * Math.Sin(dl / 2);
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>"lat,lng" with six decimals (about 0.1 m).</summary>
    public override string ToString() =>
        Lat.ToString("0.######", CultureInfo.InvariantCulture) + "," + Lng.ToString("0.######", CultureInfo.InvariantCulture);
}

using System.Globalization;
using Kangen.Platform.Features.ReferenceData;

namespace Kangen.Platform.Features.Spots;

/// <summary>A search as typed by a user (query string or command line); validated by <see cref="SpotDirectory.Search"/>.</summary>
/// <param name="Lat">Latitude of the origin.</param>
/// <param name="Lng">Longitude of the origin.</param>
/// <param name="Municipality">Or a municipality code as origin (its point).</param>
/// <param name="PostalCode">Or a postal code as origin (its municipality's point).</param>
/// <param name="Operation">Only spots supporting this operation.</param>
/// <param name="OpenAt">Only spots open at this instant (ISO 8601 with offset).</param>
/// <param name="K">How many (1..100, default 10).</param>
/// <param name="Kind">Only spots of this kind.</param>
public sealed record SpotSearchRequest(
    string? Lat = null, string? Lng = null, string? Municipality = null, string? PostalCode = null,
    string? Operation = null, string? OpenAt = null, string? K = null, string? Kind = null);

/// <summary>Where a search measured from.</summary>
/// <param name="Point">The origin point.</param>
/// <param name="Municipality">The municipality when the origin was a municipality or postal code.</param>
/// <param name="PostalCode">The postal code when the origin was one.</param>
public sealed record SpotOrigin(GeoPoint Point, Municipality? Municipality, PostalCodeEntry? PostalCode);

/// <summary>The outcome of a search: the origin and the matches nearest first, or the errors.</summary>
public sealed record SpotSearchOutcome(SpotOrigin? Origin, IReadOnlyList<SpotMatch> Matches, IReadOnlyList<SpotError> Errors)
{
    /// <summary>True when the request was valid (the match list may still be empty).</summary>
    public bool IsSuccess => Errors.Count == 0;
}

/// <summary>The spots in service with their spatial indexes (one over all spots, one per kind).</summary>
public sealed class SpotDirectory
{
    /// <summary>The largest k a search may ask for.</summary>
    public const int MaxK = 100;

    /// <summary>The k used when none is given.</summary>
    public const int DefaultK = 10;

    private readonly SpotIndex _all;
    private readonly Dictionary<SpotKind, SpotIndex> _byKind;
    private readonly MunicipalityDirectory _municipalities;
    private readonly PostalCodeDirectory _postalCodes;
    private readonly HolidayCalendar _holidays;

    /// <summary>Indexes <paramref name="spots"/> for search.</summary>
    public SpotDirectory(IReadOnlyList<Spot> spots, string source, MunicipalityDirectory municipalities, PostalCodeDirectory postalCodes, HolidayCalendar holidays)
    {
        ArgumentNullException.ThrowIfNull(spots);
        Spots = spots;
        Source = source;
        _municipalities = municipalities;
        _postalCodes = postalCodes;
        _holidays = holidays;
        _all = new SpotIndex(spots);
        _byKind = spots.GroupBy(s => s.Kind).ToDictionary(g => g.Key, g => new SpotIndex(g));
    }

    /// <summary>Every spot, in list order.</summary>
    public IReadOnlyList<Spot> Spots { get; }

    /// <summary>Where the list came from: "generated (seed N)" or a file path.</summary>
    public string Source { get; }

    /// <summary>The holiday calendar opening hours are judged with.</summary>
    public HolidayCalendar Holidays => _holidays;

    /// <summary>The generated default list over the committed reference data.</summary>
    public static SpotDirectory CreateGenerated(ulong seed = SpotGenerator.DefaultSeed) =>
        new(SpotGenerator.Generate(ReferenceDataSet.Municipalities, ReferenceDataSet.PostalCodes, seed),
            $"generated (seed {seed.ToString(CultureInfo.InvariantCulture)})",
            ReferenceDataSet.Municipalities, ReferenceDataSet.PostalCodes, ReferenceDataSet.Holidays);

    /// <summary>A directory over an already validated list (e.g. read with <see cref="SpotCsv"/>).</summary>
    public static SpotDirectory Create(IReadOnlyList<Spot> spots, string source) =>
        new(spots, source, ReferenceDataSet.Municipalities, ReferenceDataSet.PostalCodes, ReferenceDataSet.Holidays);

    /// <summary>
    /// The list in use: the spot CSV at <paramref name="file"/>, or the generated list when <paramref name="file"/>
    /// is null. An invalid file gives no directory and all its errors (the platform and the CLI report them their own way).
    /// </summary>
    public static (SpotDirectory? Directory, IReadOnlyList<SpotError> Errors) Load(string? file)
    {
        if (file is null)
            return (CreateGenerated(), []);
        var (spots, errors) = SpotCsv.ReadFile(file, ReferenceDataSet.Municipalities);
        return errors.Count == 0 ? (Create(spots, file), errors) : (null, errors);
    }

    /// <summary>Validates a typed-in request and runs it.</summary>
    public SpotSearchOutcome Search(SpotSearchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<SpotError>();
        var origin = ResolveOrigin(request, errors);

        SpotOperations? operation = null;
        if (!string.IsNullOrWhiteSpace(request.Operation))
        {
            operation = SpotSlugs.ParseOperation(request.Operation);
            if (operation is null)
                errors.Add(SpotError.InvalidOperation("operation", request.Operation));
            else if (operation == SpotOperations.PublicFundAccount)
                errors.Add(SpotError.OperationNotOffered("operation"));
        }
        SpotKind? kind = null;
        if (!string.IsNullOrWhiteSpace(request.Kind))
        {
            kind = SpotSlugs.ParseKind(request.Kind);
            if (kind is null)
                errors.Add(SpotError.InvalidKind("kind", request.Kind));
        }
        DateTimeOffset? openAt = null;
        if (!string.IsNullOrWhiteSpace(request.OpenAt))
        {
            // An offset is required: "10:00" alone would silently mean the server's zone.
            if (DateTimeOffset.TryParse(request.OpenAt, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
                && HasOffset(request.OpenAt))
                openAt = at;
            else
                errors.Add(SpotError.InvalidOpenAt(request.OpenAt));
        }
        var k = DefaultK;
        if (!string.IsNullOrWhiteSpace(request.K)
            && (!int.TryParse(request.K, NumberStyles.None, CultureInfo.InvariantCulture, out k) || k < 1 || k > MaxK))
            errors.Add(SpotError.InvalidK(request.K));

        if (errors.Count > 0)
            return new SpotSearchOutcome(null, [], errors);
        return new SpotSearchOutcome(origin, Nearest(origin!.Point, k, kind, operation, openAt), []);
    }

    /// <summary>The k nearest spots passing the filters, nearest first.</summary>
    public IReadOnlyList<SpotMatch> Nearest(GeoPoint origin, int k, SpotKind? kind = null, SpotOperations? operation = null, DateTimeOffset? openAt = null)
    {
        var required = operation ?? SpotOperations.None;
        JapanMoment? moment = openAt is { } at ? JapanMoment.Of(at, _holidays) : null;
        if (kind is { } only)
            return _byKind.TryGetValue(only, out var index) ? index.Nearest(origin, k, required, moment) : [];
        return _all.Nearest(origin, k, required, moment);
    }

    /// <summary>
    /// The filters of a search as a plain predicate over spots (null when there is nothing to filter), for
    /// callers that filter whole lists; <see cref="Nearest"/> applies the same rules through the index.
    /// </summary>
    public Func<Spot, bool>? Filter(SpotOperations? operation, DateTimeOffset? openAt)
    {
        var required = operation ?? SpotOperations.None;
        if (openAt is null)
            return required == SpotOperations.None ? null : s => (s.Operations & required) == required;
        var moment = JapanMoment.Of(openAt.Value, _holidays);
        return s => (s.Operations & required) == required && s.Hours.IsOpen(moment);
    }

    private SpotOrigin? ResolveOrigin(SpotSearchRequest r, List<SpotError> errors)
    {
        var hasPoint = !string.IsNullOrWhiteSpace(r.Lat) || !string.IsNullOrWhiteSpace(r.Lng);
        var hasMunicipality = !string.IsNullOrWhiteSpace(r.Municipality);
        var hasPostal = !string.IsNullOrWhiteSpace(r.PostalCode);
        var given = (hasPoint ? 1 : 0) + (hasMunicipality ? 1 : 0) + (hasPostal ? 1 : 0);
        if (given != 1)
        {
            errors.Add(SpotError.OriginRequired(given == 0 ? "none given" : "more than one given"));
            return null;
        }
        if (hasPoint)
        {
            var point = GeoPoint.TryParse(r.Lat, r.Lng);
            if (point is null)
            {
                if (!GeoPoint.IsCoordinate(r.Lat, 90))
                    errors.Add(SpotError.InvalidCoordinates("lat", $"lat '{r.Lat}'"));
                if (!GeoPoint.IsCoordinate(r.Lng, 180))
                    errors.Add(SpotError.InvalidCoordinates("lng", $"lng '{r.Lng}'"));
                return null;
            }
            return new SpotOrigin(point.Value, null, null);
        }
        if (hasMunicipality)
        {
            var m = _municipalities.Find(r.Municipality!.Trim());
            if (m is null)
            {
                errors.Add(SpotError.UnknownMunicipality("municipality", r.Municipality));
                return null;
            }
            return new SpotOrigin(m.Point, m, null);
        }
        var normalized = PostalCodeDirectory.Normalize(r.PostalCode);
        if (normalized is null)
        {
            errors.Add(SpotError.InvalidPostalCode(r.PostalCode));
            return null;
        }
        var entry = _postalCodes.Find(normalized);
        var municipality = entry is null ? null : _municipalities.Find(entry.MunicipalityCode);
        if (entry is null || municipality is null)
        {
            errors.Add(SpotError.UnknownPostalCode(normalized));
            return null;
        }
        return new SpotOrigin(municipality.Point, municipality, entry);
    }

    private static bool HasOffset(string text)
    {
        var t = text.Trim();
        var timeStart = t.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        if (timeStart < 0)
            return false;
        var time = t[timeStart..];
        return time.EndsWith('Z') || time.EndsWith('z') || time.Contains('+', StringComparison.Ordinal) || time.Contains('-', StringComparison.Ordinal);
    }
}

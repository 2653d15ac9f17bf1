using Kangen.Platform.Features.ReferenceData;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Spots;

/// <summary>Configuration of the spots feature (section <c>Kangen:Spots</c>).</summary>
public sealed class SpotsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Kangen:Spots";

    /// <summary>The file name of an imported spot list inside the data folder (<c>kangen spots import</c> writes it).</summary>
    public const string StoreFileName = "spots.csv";

    /// <summary>
    /// A CSV spot list to serve (see docs/spots.md). When empty, <c>spots.csv</c> in the data folder
    /// (<c>Kangen:Data</c>) is served if it exists, else the generated list.
    /// </summary>
    public string? File { get; set; }

    /// <summary>The spot list file in use, or null for the generated list.</summary>
    public static string? ResolveFile(string? configuredFile, string dataFolder)
    {
        if (!string.IsNullOrWhiteSpace(configuredFile))
            return Path.GetFullPath(configuredFile);
        var store = Path.Combine(dataFolder, StoreFileName);
        return System.IO.File.Exists(store) ? store : null;
    }
}

/// <summary>One spot in a search response.</summary>
public sealed record SpotResponse(
    string Id, string Name, string Kind, string Municipality, string MunicipalityName, double Lat, double Lng,
    double DistanceMeters, IReadOnlyList<string> Operations, string Hours, bool Generated);

/// <summary>Where the search measured from.</summary>
public sealed record SpotOriginResponse(double Lat, double Lng, string? Municipality, string? MunicipalityName, string? PostalCode, string? PointSource);

/// <summary>The answer to <c>GET /api/v1/spots</c>.</summary>
public sealed record SpotSearchResponse(SpotOriginResponse Origin, string Source, int Count, IReadOnlyList<SpotResponse> Spots);

/// <summary>Registration and routes of the spots feature.</summary>
public static class SpotsEndpoints
{
    /// <summary>Registers the spot directory (an imported CSV, else the generated list; see <see cref="SpotsOptions"/>) and the reference data.</summary>
    public static IHostApplicationBuilder AddSpots(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddReferenceData();
        builder.Services.AddOptions<SpotsOptions>().BindConfiguration(SpotsOptions.Section);
        builder.Services.AddSingleton(services =>
        {
            var file = SpotsOptions.ResolveFile(
                services.GetRequiredService<IOptions<SpotsOptions>>().Value.File,
                PlatformData.Resolve(services.GetRequiredService<IConfiguration>()));
            var (directory, errors) = SpotDirectory.Load(file);
            // A broken configured list is an operator's mistake at start-up, not a request outcome.
            return directory ?? throw new InvalidOperationException($"The spot list {file} is invalid: " + string.Join("; ", errors.Take(5)));
        });
        return builder;
    }

    /// <summary>Maps <c>GET /api/v1/spots</c>.</summary>
    public static IEndpointRouteBuilder MapSpots(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var group = app.MapGroup("/api/v1/spots").WithTags("Spots");
        group.MapGet("/", Search)
            .WithName("FindSpots")
            .WithSummary("The k nearest procedure spots to a point, municipality or postal code, filtered by kind, operation and opening time.");
        return app;
    }

    private static Results<Ok<SpotSearchResponse>, ProblemHttpResult> Search(
        SpotDirectory directory, MunicipalityDirectory municipalities,
        string? lat, string? lng, string? municipality, string? postalCode, string? operation, string? openAt, string? k, string? kind)
    {
        var outcome = directory.Search(new SpotSearchRequest(lat, lng, municipality, postalCode, operation, openAt, k, kind));
        if (!outcome.IsSuccess)
            return Problem(outcome.Errors);
        var o = outcome.Origin!;
        var origin = new SpotOriginResponse(o.Point.Lat, o.Point.Lng, o.Municipality?.Code, o.Municipality?.Name,
            o.PostalCode?.PostalCode, o.Municipality?.PointSource.Slug());
        var spots = outcome.Matches.Select(m => new SpotResponse(
            m.Spot.Id, m.Spot.Name, m.Spot.Kind.Slug(), m.Spot.MunicipalityCode,
            municipalities.Find(m.Spot.MunicipalityCode)?.Name ?? "",
            m.Spot.Point.Lat, m.Spot.Point.Lng, Math.Round(m.DistanceMeters, 1),
            m.Spot.Operations.Slugs(), m.Spot.Hours.Text, m.Spot.Generated)).ToArray();
        return TypedResults.Ok(new SpotSearchResponse(origin, directory.Source, spots.Length, spots));
    }

    /// <summary>RFC 9457 problem through the platform's one mapping (<see cref="Problems.ProblemResults"/>): the first error's code and title, field errors, and every message in ja/zh/en.</summary>
    internal static ProblemHttpResult Problem(IReadOnlyList<SpotError> errors) =>
        Problems.ProblemResults.From(errors
            .Select(e => new Problems.PlatformProblem(e.Code, StatusCodes.Status400BadRequest, e.Ja, e.Zh, e.En, e.Detail, e.Field))
            .ToArray());
}

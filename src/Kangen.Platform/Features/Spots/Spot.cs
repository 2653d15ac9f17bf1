using Kangen.Platform.Features.ReferenceData;

namespace Kangen.Platform.Features.Spots;

/// <summary>A procedure spot.</summary>
/// <param name="Id">Stable id (generated spots: <c>G-131016-PO-003</c>).</param>
/// <param name="Name">Display name.</param>
/// <param name="Kind">What kind of place it is.</param>
/// <param name="MunicipalityCode">6-digit code of the municipality or ward it is in.</param>
/// <param name="Point">Where it is.</param>
/// <param name="Operations">What can be done there; never <see cref="SpotOperations.PublicFundAccount"/>.</param>
/// <param name="Hours">When it is open.</param>
/// <param name="Generated">True for spots generated around real municipalities (not real places).</param>
public sealed record Spot(
    string Id, string Name, SpotKind Kind, string MunicipalityCode, GeoPoint Point,
    SpotOperations Operations, OpeningHours Hours, bool Generated);

/// <summary>A spot found by a search, with its distance from the origin.</summary>
public readonly record struct SpotMatch(Spot Spot, double DistanceMeters);

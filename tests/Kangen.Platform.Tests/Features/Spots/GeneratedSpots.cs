using Kangen.Platform.Features.Spots;

namespace Kangen.Platform.Tests.Features.Spots;

/// <summary>The generated default directory, built once for all tests (about half a second).</summary>
internal static class GeneratedSpots
{
    private static readonly Lazy<SpotDirectory> Lazy = new(() => SpotDirectory.CreateGenerated());

    public static SpotDirectory Directory => Lazy.Value;
}

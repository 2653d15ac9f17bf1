using Kangen.Protocol;

namespace Kangen.Platform.Features.Services;

/// <summary>How a value is shown back to the applicant (e.g. on the confirmation screen).</summary>
public static class FieldMasks
{
    /// <summary>Only the last 4 characters visible: <c>************1234</c>.</summary>
    public const string Last4 = "last4";
    /// <summary>The first 2 and the last 4 visible: <c>JW***********1234</c>.</summary>
    public const string First2Last4 = "first2-last4";
    /// <summary>Only the first 2 visible: <c>ya******</c>.</summary>
    public const string First2 = "first2";
    /// <summary>Nothing visible, not even the length: <c>********</c>.</summary>
    public const string Hidden = "hidden";

    /// <summary>Every mask.</summary>
    public static IReadOnlyList<string> All { get; } = [Last4, First2Last4, First2, Hidden];

    /// <summary>Whether <paramref name="mask"/> is known.</summary>
    public static bool IsKnown(string? mask) => mask is not null && All.Contains(mask);

    /// <summary>The masked value. A value too short for the mask to hide anything is hidden entirely.</summary>
    /// <exception cref="ArgumentException">For an unknown mask (the catalogue refuses them at load).</exception>
    public static string Apply(string mask, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var (head, tail) = mask switch
        {
            Last4 => (0, 4),
            First2Last4 => (2, 4),
            First2 => (2, 0),
            Hidden => (-1, -1),
            _ => throw new ArgumentException($"Unknown mask '{mask}'.", nameof(mask)),
        };
        if (head < 0 || value.Length <= head + tail + 1)
            return new string('*', head < 0 ? 8 : Math.Max(value.Length, 4));
        return string.Concat(value.AsSpan(0, head), new string('*', value.Length - head - tail), value.AsSpan(value.Length - tail));
    }
}

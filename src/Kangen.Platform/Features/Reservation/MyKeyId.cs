using System.Security.Cryptography;

namespace Kangen.Platform.Features.Reservation;

/// <summary>
/// A My Key ID: 8 characters of A-Z and 0-9. Generated IDs use only the unambiguous alphabet (no 0, O, 1,
/// I or L) so they survive being read aloud at a counter or on the phone; an ID the person chooses may use
/// any of A-Z 0-9. Input is case-insensitive and stored in upper case.
/// </summary>
public readonly record struct MyKeyId
{
    /// <summary>The length of every My Key ID.</summary>
    public const int Length = 8;

    /// <summary>The alphabet of generated IDs: A-Z and 2-9 without O, I and L.</summary>
    public const string GeneratedAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

    private MyKeyId(string value) => Value = value;

    /// <summary>The ID in upper case.</summary>
    public string Value { get; }

    /// <summary>A fresh random ID from <see cref="GeneratedAlphabet"/> (cryptographic RNG, uniform).</summary>
    public static MyKeyId Generate() => new(RandomNumberGenerator.GetString(GeneratedAlphabet, Length));

    /// <summary>Parses a chosen ID: exactly 8 of A-Z / a-z / 0-9, upper-cased.</summary>
    public static bool TryParse(string? text, out MyKeyId id)
    {
        id = default;
        if (text is null || text.Length != Length)
            return false;
        foreach (var c in text)
            if (!char.IsAsciiLetterOrDigit(c))
                return false;
        id = new MyKeyId(text.ToUpperInvariant());
        return true;
    }

    /// <summary>Parses an ID known to be valid (stored values, tests); a bad one is a bug.</summary>
    /// <exception cref="FormatException">Not 8 characters of A-Z 0-9.</exception>
    public static MyKeyId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a My Key ID (8 characters of A-Z 0-9).");

    /// <inheritdoc />
    public override string ToString() => Value;
}

using System.Security.Cryptography;
using System.Text;

namespace Kangen.SmartCard.Internal;

/// <summary>
/// A PIN or password as the card file keeps it: a salted PBKDF2 hash and its try counter.
/// Immutable, so a failed write of the card file can put the previous value back.
/// </summary>
/// <remarks>
/// The hash keeps the secret out of plain sight in the file; it cannot protect a 4-digit PIN against
/// an attacker who has the file (10,000 candidates), which is why the iteration count is modest:
/// VERIFY stays cheap enough for load generators that drive thousands of emulated cards.
/// </remarks>
internal sealed record StoredSecret(int MaxTries, int TriesLeft, byte[] Salt, byte[] Hash, int Iterations)
{
    public const string Algorithm = "PBKDF2-SHA256";
    public const int DefaultIterations = 1000;
    private const int SaltLength = 16;
    private const int HashLength = 32;

    public bool IsBlocked => TriesLeft == 0;

    public static StoredSecret Create(string secret, int maxTries)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        return new StoredSecret(maxTries, maxTries, salt, Derive(Encoding.ASCII.GetBytes(secret), salt, DefaultIterations), DefaultIterations);
    }

    public bool Matches(ReadOnlySpan<byte> candidate) =>
        CryptographicOperations.FixedTimeEquals(Derive(candidate, Salt, Iterations), Hash);

    public StoredSecret WithTriesLeft(int triesLeft) => this with { TriesLeft = triesLeft };

    private static byte[] Derive(ReadOnlySpan<byte> secret, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(secret, salt, iterations, HashAlgorithmName.SHA256, HashLength);
}

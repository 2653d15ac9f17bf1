using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kangen.Protocol;

namespace Kangen.Operator.Grants;

/// <summary>
/// Deterministic idempotency keys: each derives only from what earned the grant (a transaction id, a person and
/// month, a person and program), so computing it again after a crash gives the same key and the platform
/// answers the replay instead of granting twice.
/// </summary>
public static class GrantKeys
{
    /// <summary>A part 1 grant of one purchase or charge.</summary>
    public static string ForTransaction(string transactionId) => Fit("p1." + transactionId);

    /// <summary>A part 1 grant of the whole cumulative spend when an after-reaching-N threshold is reached.</summary>
    public static string ForThreshold(string transactionId) => Fit("p1t." + transactionId);

    /// <summary>A part 1 grant of a monthly service for one person and month.</summary>
    public static string ForMonth(string person, string service, int month) =>
        Fit("p1m." + month.ToString(CultureInfo.InvariantCulture) + "." + person + "." + Short(service));

    /// <summary>A fixed grant (part 2 or 3) of a person: once per person and program, whichever service.</summary>
    public static string ForFixed(string person, int part) => Fit("p" + part.ToString(CultureInfo.InvariantCulture) + "." + person);

    /// <summary>The cancellation of a grant.</summary>
    public static string ForCancellation(string grantKey) => Fit("c." + grantKey);

    /// <summary>Whether a key is well formed for the protocol.</summary>
    public static bool IsValid(string key) =>
        key.Length is > 0 and <= GrantLimits.KeyLength && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-');

    // Keys longer than the protocol allows (long pseudonyms or ids) become a hash of themselves: still deterministic.
    private static string Fit(string key)
    {
        if (IsValid(key))
            return key;
        return "h." + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..40];
    }

    private static string Short(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8];
}

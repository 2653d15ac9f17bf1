using System.Numerics;

namespace Kangen.Platform.Tests.Features.Identity.Certificates;

/// <summary>What the RSA arithmetic (<c>Montgomery</c>, <c>OpenSslBignum</c>) is held to: .NET's own, and random moduli like an RSA key's.</summary>
internal static class ModPowReference
{
    /// <summary>An odd modulus of <paramref name="bytes"/> bytes with its top bit set.</summary>
    public static byte[] RandomOddModulus(Random random, int bytes)
    {
        var modulus = new byte[bytes];
        random.NextBytes(modulus);
        modulus[0] |= 0x80;
        modulus[^1] |= 1;
        return modulus;
    }

    /// <summary>
    /// <paramref name="count"/> values of <paramref name="bytes"/> bytes below any modulus of that length with its top bit
    /// set: zero, one, then random ones.
    /// </summary>
    public static IEnumerable<byte[]> Values(Random random, int bytes, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var value = new byte[bytes];
            random.NextBytes(value);
            value[0] &= 0x7F;
            if (i < 2)
            {
                Array.Clear(value);
                value[^1] = (byte)i;
            }
            yield return value;
        }
    }

    /// <summary>value^exponent mod modulus by <see cref="BigInteger.ModPow"/>, big-endian, as long as the modulus.</summary>
    public static byte[] Expected(byte[] value, long exponent, byte[] modulus)
    {
        var result = BigInteger.ModPow(
            new BigInteger(value, isUnsigned: true, isBigEndian: true),
            new BigInteger(exponent),
            new BigInteger(modulus, isUnsigned: true, isBigEndian: true));
        var bytes = new byte[modulus.Length];
        var length = result.GetByteCount(isUnsigned: true);
        result.TryWriteBytes(bytes.AsSpan(bytes.Length - length), out _, isUnsigned: true, isBigEndian: true);
        return bytes;
    }
}

using System.Numerics;
using System.Security.Cryptography;

namespace Kangen.Platform.Features.Identity.Certificates;

/// <summary>
/// An RSA public key held as plain numbers. Importing a key into an OpenSSL object per request is what made the naive
/// X509 path slow and serial on Debian 12's OpenSSL 3, so a card's key never goes there: s^e mod n is computed on the
/// numbers (<see cref="OpenSslBignum"/>, or <see cref="Montgomery"/> where libcrypto is not found), then the whole
/// expected PKCS#1 v1.5 block is rebuilt and compared in constant time (never parsed, which is how the Bleichenbacher-2006
/// forgeries got in).
/// </summary>
internal sealed class RsaPublicKey
{
    public const int MinimumBits = 2048;
    public const int MaximumBits = 4096;

    // DER DigestInfo prefix for SHA-256 (RFC 8017, 9.2 note 1): AlgorithmIdentifier with NULL parameters, then the OCTET STRING header.
    private static ReadOnlySpan<byte> Sha256DigestInfoPrefix =>
    [
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
    ];

    private readonly byte[] _modulus;
    // Built at first use, and only where OpenSSL's bignum functions are not found: its setup (R^2 mod n) is a division.
    private Montgomery? _managed;

    private RsaPublicKey(byte[] modulus, int bits, long exponentValue)
    {
        _modulus = modulus;
        ModulusBytes = modulus.Length;
        Bits = bits;
        Exponent = exponentValue;
    }

    /// <summary>Length of the modulus and of every signature, in bytes.</summary>
    public int ModulusBytes { get; }

    /// <summary>Size of the modulus in bits.</summary>
    public int Bits { get; }

    /// <summary>The public exponent (keys with an exponent over 2^62 are refused at parse).</summary>
    public long Exponent { get; }

    /// <summary>Builds a key from the big-endian unsigned INTEGER contents of RSAPublicKey.</summary>
    /// <returns>Null, with the reason, when the numbers are not a usable RSA key.</returns>
    public static RsaPublicKey? TryCreate(ReadOnlySpan<byte> modulus, ReadOnlySpan<byte> exponent, out string? problem)
    {
        // DER INTEGERs are signed: a positive modulus with the top bit set carries one leading zero byte.
        if (modulus.IsEmpty || (modulus[0] & 0x80) != 0 || exponent.IsEmpty || (exponent[0] & 0x80) != 0)
        {
            problem = "RSA modulus and exponent must be positive.";
            return null;
        }
        modulus = modulus.TrimStart((byte)0);
        exponent = exponent.TrimStart((byte)0);
        if (modulus.IsEmpty)
        {
            problem = "RSA modulus is zero.";
            return null;
        }
        var bits = (modulus.Length - 1) * 8 + (8 - BitOperations.LeadingZeroCount((uint)modulus[0]) + 24);
        if (bits < MinimumBits || bits > MaximumBits)
        {
            problem = $"RSA modulus of {bits} bits (allowed {MinimumBits}..{MaximumBits}).";
            return null;
        }
        if ((modulus[^1] & 1) == 0)
        {
            problem = "RSA modulus is even.";
            return null;
        }
        if (exponent.Length > 8 || exponent.IsEmpty)
        {
            problem = "RSA exponent out of range.";
            return null;
        }
        long e = 0;
        foreach (var b in exponent)
            e = (e << 8) | b;
        if (e < 3 || (e & 1) == 0 || e > (1L << 62))
        {
            problem = $"RSA exponent {e} is not an odd number from 3 on.";
            return null;
        }
        problem = null;
        return new RsaPublicKey(modulus.ToArray(), bits, e);
    }

    /// <summary>RSASSA-PKCS1-v1_5 verification of a signature over a SHA-256 hash.</summary>
    /// <exception cref="CryptographicException">OpenSSL's arithmetic failed (out of memory), not the signature.</exception>
    public bool VerifySha256(ReadOnlySpan<byte> sha256Hash, ReadOnlySpan<byte> signature)
    {
        if (sha256Hash.Length != 32 || signature.Length != ModulusBytes)
            return false;
        Span<byte> actual = stackalloc byte[ModulusBytes];
        var opened = OpenSslBignum.IsAvailable
            ? OpenSslBignum.ModPow(signature, _modulus, Exponent, actual)
            // Two threads may each build one: the same numbers, immutable once built.
            : (_managed ??= new Montgomery(_modulus)).ModPow(signature, Exponent, actual);
        if (!opened)
            return false;

        // EM = 00 01 FF..FF 00 || DigestInfo(SHA-256, hash), rebuilt in full (RFC 8017, 8.2.2 step 3).
        Span<byte> expected = stackalloc byte[ModulusBytes];
        var tLength = Sha256DigestInfoPrefix.Length + 32;
        expected[0] = 0x00;
        expected[1] = 0x01;
        expected[2..(ModulusBytes - tLength - 1)].Fill(0xFF);
        expected[ModulusBytes - tLength - 1] = 0x00;
        Sha256DigestInfoPrefix.CopyTo(expected[(ModulusBytes - tLength)..]);
        sha256Hash.CopyTo(expected[(ModulusBytes - 32)..]);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>The same key as a .NET RSA object (OpenSSL); for trust anchors, loaded once.</summary>
    public RSA ToRsa()
    {
        var rsa = RSA.Create();
        var exponent = new BigInteger(Exponent).ToByteArray(isUnsigned: true, isBigEndian: true);
        rsa.ImportParameters(new RSAParameters { Modulus = _modulus, Exponent = exponent });
        return rsa;
    }
}

using System.Numerics;
using System.Security.Cryptography;
using Kangen.Platform.Features.Identity.Certificates;

namespace Kangen.Platform.Tests.Features.Identity.Certificates;

/// <summary>
/// <see cref="OpenSslBignum"/>: card signatures are opened by OpenSSL's bignum functions where libcrypto is found, and
/// they must agree with .NET's arithmetic and with <see cref="Montgomery"/>, the fallback, on every input.
/// </summary>
public sealed class OpenSslBignumTests
{
    // .NET's own cryptography needs libcrypto on Linux (Debian 12: libssl3), so where the platform runs it is there; a
    // silent fall back to the slower managed arithmetic would fail here.
    [Fact]
    public void OpenSSLs_bignum_functions_are_found_on_Linux_so_they_are_what_verifies_there()
    {
        Assert.Equal(OperatingSystem.IsLinux(), OpenSslBignum.IsAvailable);
    }

    [Theory]
    [InlineData(256, 65537)]
    [InlineData(256, 3)]
    [InlineData(384, 65537)]
    [InlineData(512, 65537)]
    [InlineData(257, 65537)]
    [InlineData(260, 17)]
    [InlineData(384, 0x3FFF_FFFF_FFFF_FFFF)]
    public void Exponentiation_agrees_with_biginteger_and_with_the_managed_arithmetic(int modulusBytes, long exponent)
    {
        var random = new Random(modulusBytes * 17 + (int)(exponent & 0xFFFF));
        for (var round = 0; round < 10; round++)
        {
            var modulus = ModPowReference.RandomOddModulus(random, modulusBytes);
            var managed = new Montgomery(modulus);
            foreach (var value in ModPowReference.Values(random, modulusBytes, 5))
            {
                var ours = new byte[modulusBytes];
                var theirs = new byte[modulusBytes];

                Assert.True(OpenSslBignum.ModPow(value, modulus, exponent, ours));
                Assert.True(managed.ModPow(value, exponent, theirs));

                Assert.Equal(ModPowReference.Expected(value, exponent, modulus), ours);
                Assert.Equal(theirs, ours);
            }
        }
    }

    [Fact]
    public void Threads_computing_at_once_each_get_their_own_right_answers()
    {
        // Each thread keeps a bignum context of its own; shared, their numbers would mix.
        var random = new Random(11);
        var cases = ModPowReference.Values(random, 256, 64).Select(value =>
        {
            var modulus = ModPowReference.RandomOddModulus(random, 256);
            return (Value: value, Modulus: modulus, Expected: ModPowReference.Expected(value, 65537, modulus));
        }).ToArray();
        var wrong = 0;

        Parallel.For(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var (value, modulus, expected) = cases[i % cases.Length];
            var result = new byte[256];
            if (!OpenSslBignum.ModPow(value, modulus, 65537, result) || !result.AsSpan().SequenceEqual(expected))
                Interlocked.Increment(ref wrong);
        });

        Assert.Equal(0, wrong);
    }

    [Fact]
    public void Values_not_below_the_modulus_are_refused_and_the_largest_one_below_is_not()
    {
        var modulus = ModPowReference.RandomOddModulus(new Random(3), 256);
        var result = new byte[256];

        Assert.False(OpenSslBignum.ModPow(modulus, modulus, 65537, result));
        Assert.False(OpenSslBignum.ModPow(Enumerable.Repeat((byte)0xFF, 256).ToArray(), modulus, 65537, result));
        Assert.False(OpenSslBignum.ModPow(new byte[255], modulus, 65537, result));
        Assert.False(OpenSslBignum.ModPow(new byte[256], modulus, 65537, new byte[255]));
        // An even modulus has no Montgomery form, and an exponent must be positive: refused, not passed on to fail there.
        var even = (byte[])modulus.Clone();
        even[^1] &= 0xFE;
        Assert.False(OpenSslBignum.ModPow(new byte[256], even, 65537, result));
        Assert.False(OpenSslBignum.ModPow(new byte[256], modulus, 0, result));

        var below = (byte[])modulus.Clone();
        below[^1] -= 1; // n - 1, odd n: only the last byte changes
        Assert.True(OpenSslBignum.ModPow(below, modulus, 65537, result));
        Assert.Equal(ModPowReference.Expected(below, 65537, modulus), result);
    }

    [Fact]
    public void A_real_rsa_signature_verifies_and_a_changed_one_or_one_over_the_modulus_does_not()
    {
        var hash = SHA256.HashData("data"u8);
        // A key whose signature plus its modulus still fits the modulus' length (about a third of keys): that sum opens to
        // the same block modulo n, and only the range check (RFC 8017 5.2.2) refuses it.
        for (var attempt = 0; ; attempt++)
        {
            Assert.True(attempt < 50, "No key gave a signature that fits when the modulus is added.");
            using var rsa = RSA.Create(2048);
            var parameters = rsa.ExportParameters(false);
            var signature = rsa.SignHash(hash, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var sum = new BigInteger(signature, isUnsigned: true, isBigEndian: true) + new BigInteger(parameters.Modulus, isUnsigned: true, isBigEndian: true);
            if (sum.GetByteCount(isUnsigned: true) != 256)
                continue;
            var key = RsaPublicKey.TryCreate([0, .. parameters.Modulus!], parameters.Exponent, out var problem);
            Assert.NotNull(key);
            Assert.Null(problem);

            Assert.True(key.VerifySha256(hash, signature));
            Assert.False(key.VerifySha256(hash, sum.ToByteArray(isUnsigned: true, isBigEndian: true)));
            var changed = (byte[])signature.Clone();
            changed[100] ^= 1;
            Assert.False(key.VerifySha256(hash, changed));
            Assert.False(key.VerifySha256(SHA256.HashData("date"u8), signature));
            return;
        }
    }
}

using System.Security.Cryptography;
using Kangen.Platform.Features.Identity.Certificates;

namespace Kangen.Platform.Tests.Features.Identity.Certificates;

public sealed class MontgomeryTests
{
    [Theory]
    [InlineData(256, 65537)]
    [InlineData(256, 3)]
    [InlineData(512, 65537)]
    [InlineData(257, 65537)] // not a whole number of 64-bit limbs
    [InlineData(260, 17)]
    [InlineData(384, 0x3FFF_FFFF_FFFF_FFFF)]
    public void Montgomery_exponentiation_agrees_with_biginteger(int modulusBytes, long exponent)
    {
        var random = new Random(modulusBytes * 31 + (int)(exponent & 0xFFFF));
        for (var round = 0; round < 10; round++)
        {
            var modulus = ModPowReference.RandomOddModulus(random, modulusBytes);
            var arithmetic = new Montgomery(modulus);
            foreach (var value in ModPowReference.Values(random, modulusBytes, 5))
            {
                var actual = new byte[modulusBytes];

                Assert.True(arithmetic.ModPow(value, exponent, actual));
                Assert.Equal(ModPowReference.Expected(value, exponent, modulus), actual);
            }
        }
    }

    [Fact]
    public void Values_not_below_the_modulus_are_refused()
    {
        var modulus = ModPowReference.RandomOddModulus(new Random(1), 256);
        var arithmetic = new Montgomery(modulus);
        var result = new byte[256];

        Assert.False(arithmetic.ModPow(modulus, 65537, result));
        Assert.False(arithmetic.ModPow(Enumerable.Repeat((byte)0xFF, 256).ToArray(), 65537, result));
        Assert.False(arithmetic.ModPow(new byte[255], 65537, result));
    }

    [Fact]
    public void A_real_rsa_signature_opens_to_the_pkcs1_block()
    {
        using var rsa = RSA.Create(2048);
        var parameters = rsa.ExportParameters(false);
        var signature = rsa.SignData("data"u8.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var block = new byte[256];

        Assert.True(new Montgomery(parameters.Modulus!).ModPow(signature, 65537, block));

        Assert.Equal(0x00, block[0]);
        Assert.Equal(0x01, block[1]);
        Assert.Equal(SHA256.HashData("data"u8), block[^32..]);
    }
}

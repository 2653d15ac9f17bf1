using System.Security.Cryptography;

namespace Kangen.SmartCard.Internal;

/// <summary>
/// Recognises the DER DigestInfo encodings of RFC 8017 so the emulated card can sign through
/// <see cref="RSA.SignHash(byte[], HashAlgorithmName, RSASignaturePadding)"/>, which yields exactly the
/// PKCS#1 v1.5 type-1 signature a real card computes over the same DigestInfo. .NET has no raw RSA
/// private operation, so a DigestInfo of another hash is refused (<c>6A80</c>) instead of signed.
/// </summary>
internal static class DigestInfos
{
    /// <summary>SEQUENCE { SEQUENCE { OID sha256, NULL }, OCTET STRING (32) } up to the hash (RFC 8017, section 9.2 note 1).</summary>
    public static readonly byte[] Sha256Prefix = [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

    private static readonly (HashAlgorithmName Algorithm, byte[] Prefix, int HashLength)[] Known =
    [
        (HashAlgorithmName.SHA256, Sha256Prefix, 32),
        (HashAlgorithmName.SHA384, [0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30], 48),
        (HashAlgorithmName.SHA512, [0x30, 0x51, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40], 64),
        (HashAlgorithmName.SHA1, [0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x05, 0x00, 0x04, 0x14], 20),
    ];

    public static bool TryParse(ReadOnlySpan<byte> digestInfo, out HashAlgorithmName algorithm, out byte[] hash)
    {
        foreach (var (name, prefix, length) in Known)
        {
            if (digestInfo.Length == prefix.Length + length && digestInfo.StartsWith(prefix))
            {
                algorithm = name;
                hash = digestInfo[prefix.Length..].ToArray();
                return true;
            }
        }
        algorithm = default;
        hash = [];
        return false;
    }
}

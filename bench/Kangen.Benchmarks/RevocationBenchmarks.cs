extern alias platform;

using System.Formats.Asn1;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Kangen.SmartCard;
using platform::Kangen.Platform.Features.Identity.Certificates;

namespace Kangen.Benchmarks;

/// <summary>
/// The revocation check of every authentication (<see cref="TrustStore.IsRevoked"/>) with 0, 1,000 and 1,000,000 serials on the
/// CRL in force. DESIGN.md: the cost of authentication must not grow with the number of revoked certificates, so the
/// 1,000 and 1,000,000 columns must read the same (a set lookup), for a serial that is on the list and one that is not;
/// with 0 the set is empty and answers without hashing the serial at all.
/// </summary>
[MemoryDiagnoser]
public class RevocationBenchmarks
{
    private string _directory = "";
    private TrustStore _trust = null!;
    private string _revoked = "";
    private string _valid = "";

    /// <summary>Serials on the CRL in force.</summary>
    [Params(0, 1_000, 1_000_000)]
    public int Revoked { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("kangen-bench-revocation-").FullName;
        X509Certificate2 anchor;
        using (var issuer = CardIssuer.Open(_directory))
            anchor = issuer.AuthenticationCaCertificate;
        using var caKey = RSA.Create();
        caKey.ImportFromPem(File.ReadAllText(Path.Combine(_directory, "issuer", "private", "auth-ca.key")));

        var crlPath = Path.Combine(_directory, "auth.crl");
        File.WriteAllBytes(crlPath, Crl(anchor, caKey, Revoked));

        _trust = TrustStore.Create([anchor], TimeProvider.System);
        _trust.AddCrlSource(crlPath);
        var refresh = _trust.Refresh();
        if (!refresh.Succeeded || _trust.RevokedCount != Revoked)
            throw new InvalidOperationException("Benchmark setup: the CRL did not load: " + string.Join("; ", refresh.Problems));
        // A serial from the middle of the list, and one of the same shape that is not on it.
        _revoked = Convert.ToHexString(Serial(Revoked / 2));
        _valid = Convert.ToHexString(Serial(Revoked + 12_345));
        if (_trust.IsRevoked(_revoked) != Revoked > 0 || _trust.IsRevoked(_valid))
            throw new InvalidOperationException("Benchmark setup: the serials are not written the way the trust store reads them.");
    }

    /// <summary>
    /// A CRL of <paramref name="count"/> serials signed by the CA, written with an AsnWriter sized up front: a writer left
    /// to grow (as CertificateRevocationListBuilder's does) grows its buffer a kilobyte at a time, copying it each time,
    /// and a million entries took more than ten minutes.
    /// </summary>
    private static byte[] Crl(X509Certificate2 issuer, RSA key, int count)
    {
        var now = DateTimeOffset.UtcNow;
        // An entry is under 40 bytes: serial, date and their headers.
        var tbs = new AsnWriter(AsnEncodingRules.DER, initialCapacity: 4096 + 40 * count);
        using (tbs.PushSequence())
        {
            tbs.WriteInteger(1);
            WriteAlgorithm(tbs);
            tbs.WriteEncodedValue(issuer.SubjectName.RawData);
            tbs.WriteUtcTime(now.AddMinutes(-1));
            tbs.WriteUtcTime(now.AddDays(7));
            if (count > 0)
            {
                using (tbs.PushSequence())
                {
                    for (var i = 0; i < count; i++)
                    {
                        using (tbs.PushSequence())
                        {
                            tbs.WriteIntegerUnsigned(Serial(i));
                            tbs.WriteUtcTime(now.AddMinutes(-1));
                        }
                    }
                }
            }
        }
        var tbsBytes = tbs.Encode();
        var crl = new AsnWriter(AsnEncodingRules.DER, initialCapacity: tbsBytes.Length + 1024);
        using (crl.PushSequence())
        {
            crl.WriteEncodedValue(tbsBytes);
            WriteAlgorithm(crl);
            crl.WriteBitString(key.SignData(tbsBytes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
        return crl.Encode();
    }

    private static void WriteAlgorithm(AsnWriter writer)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier("1.2.840.113549.1.1.11");
            writer.WriteNull();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    // Card-like serials: 9 bytes, leading byte non-zero.
    private static byte[] Serial(int i) =>
        BigInteger.Parse("7" + i.ToString("D20", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture).ToByteArray(isUnsigned: true, isBigEndian: true);

    /// <summary>The usual case: the card's serial is not revoked.</summary>
    [Benchmark]
    public bool NotRevoked() => _trust.IsRevoked(_valid);

    /// <summary>A revoked serial (with 0 revoked, the same lookup missing).</summary>
    [Benchmark]
    public bool RevokedSerial() => _trust.IsRevoked(_revoked);
}

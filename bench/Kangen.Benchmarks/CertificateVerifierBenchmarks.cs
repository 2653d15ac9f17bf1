extern alias platform;

using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Kangen.SmartCard;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using platform::Kangen.Platform.Features.Identity.Certificates;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Kangen.Benchmarks;

/// <summary>
/// Card authentication on the server (DESIGN flow 1): checking the card's certificate and its signature
/// over the challenge. Compares the fast verifier (cold: cache off; cached: the same card again) with the
/// naive .NET path (X509Certificate2 + X509Chain + GetRSAPublicKey), and the user-signature alternatives
/// (managed BigInteger, BouncyCastle, an OpenSSL key imported per request, our managed Montgomery arithmetic against
/// OpenSSL's bignum functions), with 0 and 100,000 revoked serials.
/// The Parallel* benchmarks run 2 threads over distinct certificates, cache off: whole-machine throughput.
/// </summary>
[MemoryDiagnoser]
public class CertificateVerifierBenchmarks
{
    private const int Distinct = 32;
    private const int ParallelOperations = 2_000;

    private string _directory = "";
    private X509Certificate2 _anchor = null!;
    private CardCertificateVerifier _cold = null!;
    private CardCertificateVerifier _cached = null!;
    private byte[][] _certificates = [];
    private byte[][] _signatures = [];
    private VerifiedCertificate[] _verified = [];
    private RSAParameters _publicKey;
    private readonly byte[] _opened = new byte[256];
    private RSA _preloaded = null!;
    private RsaKeyParameters _bouncyKey = null!;
    private readonly byte[] _challenge = "kangen challenge 7d1f0c2a9b3e4f56 authenticate"u8.ToArray();

    /// <summary>Serials on the CRL in force.</summary>
    [Params(0, 100_000)]
    public int Revoked { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("kangen-bench-certs-").FullName;
        using (var issuer = CardIssuer.Open(_directory))
        {
            _anchor = issuer.AuthenticationCaCertificate;
        }
        using var caKey = RSA.Create();
        caKey.ImportFromPem(File.ReadAllText(Path.Combine(_directory, "issuer", "private", "auth-ca.key")));
        using var ca = _anchor.CopyWithPrivateKey(caKey);

        // Distinct certificates to the card profile, signed by the issuer's CA, each with its own key and a
        // signature over the challenge, so nothing is served from a cache unless a benchmark means it.
        var certificates = new List<byte[]>();
        var signatures = new List<byte[]>();
        for (var i = 0; i < Distinct; i++)
        {
            using var key = RSA.Create(2048);
            certificates.Add(CardProfileCertificate(ca, key));
            signatures.Add(key.SignData(_challenge, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
        _certificates = [.. certificates];
        _signatures = [.. signatures];

        var crlPath = Path.Combine(_directory, "auth.crl");
        var crl = new CertificateRevocationListBuilder();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Revoked; i++)
            crl.AddEntry(BigInteger.Parse("7" + i.ToString("D20", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture).ToByteArray(isUnsigned: true, isBigEndian: true), now, X509RevocationReason.KeyCompromise);
        File.WriteAllBytes(crlPath, crl.Build(ca, BigInteger.One, now.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, now));

        var trust = TrustStore.Create([_anchor], TimeProvider.System);
        trust.AddCrlSource(crlPath);
        var refresh = trust.Refresh();
        if (!refresh.Succeeded || trust.RevokedCount != Revoked)
            throw new InvalidOperationException("Benchmark setup: the CRL did not load: " + string.Join("; ", refresh.Problems));
        _cold = new CardCertificateVerifier(trust, TimeProvider.System, cacheCapacity: 0);
        _cached = new CardCertificateVerifier(trust, TimeProvider.System);
        _verified = [.. _certificates.Select(c => _cold.Check(c).Certificate ?? throw new InvalidOperationException("Benchmark setup: certificate refused."))];

        using var x509 = X509CertificateLoader.LoadCertificate(_certificates[0]);
        using var rsa = x509.GetRSAPublicKey()!;
        _publicKey = rsa.ExportParameters(false);
        _preloaded = RSA.Create(_publicKey);
        _bouncyKey = new RsaKeyParameters(false, new BcBigInteger(1, _publicKey.Modulus), new BcBigInteger(1, _publicKey.Exponent));
        if (!NaiveCheckAndVerify(0) || !BouncyCastleVerify() || !OpenSslImportPerRequestVerify() || !BigIntegerModPowVerify()
            || (OpenSslBignum.IsAvailable && !OpenSslBignumModPow()) || !ManagedMontgomeryModPow())
            throw new InvalidOperationException("Benchmark setup: a reference path disagrees.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _preloaded.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static byte[] CardProfileCertificate(X509Certificate2 ca, RSA key)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(Convert.ToHexString(RandomNumberGenerator.GetBytes(12)));
        subject.AddCountryOrRegion("JP");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var policies = new AsnWriter(AsnEncodingRules.DER);
        using (policies.PushSequence())
        using (policies.PushSequence())
            policies.WriteObjectIdentifier(Jpki.AuthenticationPolicyOid);
        request.CertificateExtensions.Add(new X509Extension("2.5.29.32", policies.Encode(), false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension(["http://localhost/kangen/issuer/auth.crl"]));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] = (byte)(serial[0] & 0x7F | 0x40);
        var notBefore = new DateTimeOffset(ca.NotBefore.ToUniversalTime());
        using var certificate = request.Create(ca, notBefore, notBefore.AddYears(5), serial);
        return certificate.RawData;
    }

    /// <summary>Parse, issuer signature, profile, validity, revocation: the first authentication of a card.</summary>
    [Benchmark(Baseline = true)]
    public bool CheckCold() => _cold.Check(_certificates[0]).IsValid;

    /// <summary>The same card again: hash lookup, validity, revocation.</summary>
    [Benchmark]
    public bool CheckCached() => _cached.Check(_certificates[0]).IsValid;

    /// <summary>The card's signature over the challenge (s^e mod n + full PKCS#1 v1.5 block compare).</summary>
    [Benchmark]
    public bool VerifySignature() => _cold.VerifySignature(_verified[0], _challenge, _signatures[0]);

    /// <summary>s^e mod n alone, as a cold request computes it: OpenSSL's bignum functions on the numbers (the default on Linux).</summary>
    [Benchmark]
    public bool OpenSslBignumModPow() => OpenSslBignum.ModPow(_signatures[0], _publicKey.Modulus, 65537, _opened);

    /// <summary>s^e mod n alone, the managed fallback, its per-key setup (R^2 mod n) included as a cold request pays it.</summary>
    [Benchmark]
    public bool ManagedMontgomeryModPow() => new Montgomery(_publicKey.Modulus).ModPow(_signatures[0], 65537, _opened);

    /// <summary>A whole authentication, cold: Check + VerifySignature.</summary>
    [Benchmark]
    public bool CheckColdAndVerify()
    {
        var check = _cold.Check(_certificates[0]);
        return check.IsValid && _cold.VerifySignature(check.Certificate!, _challenge, _signatures[0]);
    }

    /// <summary>The naive path: X509Certificate2 + X509Chain (custom root, no revocation) + key import + verify.</summary>
    [Benchmark]
    public bool NaiveX509ChainCheckAndVerify() => NaiveCheckAndVerify(0);

    /// <summary>Alternative for the user signature: BouncyCastle's RsaDigestSigner with the key as numbers.</summary>
    [Benchmark]
    public bool BouncyCastleVerify()
    {
        var signer = new RsaDigestSigner(new Sha256Digest());
        signer.Init(false, _bouncyKey);
        signer.BlockUpdate(_challenge, 0, _challenge.Length);
        return signer.VerifySignature(_signatures[0]);
    }

    /// <summary>Alternative for the user signature: System.Numerics.BigInteger.ModPow, then the whole PKCS#1 block compared.</summary>
    [Benchmark]
    public bool BigIntegerModPowVerify()
    {
        var n = new BigInteger(_publicKey.Modulus, isUnsigned: true, isBigEndian: true);
        var m = BigInteger.ModPow(new BigInteger(_signatures[0], isUnsigned: true, isBigEndian: true), 65537, n);
        Span<byte> block = stackalloc byte[256];
        block.Clear();
        m.TryWriteBytes(block[(256 - m.GetByteCount(isUnsigned: true))..], out _, isUnsigned: true, isBigEndian: true);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(_challenge, hash);
        return block[0] == 0 && block[1] == 1 && hash.SequenceEqual(block[^32..]);
    }

    /// <summary>Alternative for the user signature: import the key into OpenSSL per request, then verify.</summary>
    [Benchmark]
    public bool OpenSslImportPerRequestVerify()
    {
        using var rsa = RSA.Create(_publicKey);
        return rsa.VerifyData(_challenge, _signatures[0], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>Lower bound: verify with an OpenSSL key loaded once (how trust anchors are held).</summary>
    [Benchmark]
    public bool OpenSslPreloadedVerify() =>
        _preloaded.VerifyData(_challenge, _signatures[0], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    /// <summary>2 threads, distinct certificates, cache off: Check + VerifySignature per operation.</summary>
    [Benchmark(OperationsPerInvoke = ParallelOperations)]
    public int ParallelColdCheckAndVerify()
    {
        var ok = 0;
        Parallel.For(0, ParallelOperations, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var n = i % Distinct;
            var check = _cold.Check(_certificates[n]);
            if (check.IsValid && _cold.VerifySignature(check.Certificate!, _challenge, _signatures[n]))
                Interlocked.Increment(ref ok);
        });
        return ok == ParallelOperations ? ok : throw new InvalidOperationException("A verification failed.");
    }

    /// <summary>2 threads, the naive X509 path, for comparison.</summary>
    [Benchmark(OperationsPerInvoke = ParallelOperations)]
    public int ParallelNaiveX509()
    {
        var ok = 0;
        Parallel.For(0, ParallelOperations, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            if (NaiveCheckAndVerify(i % Distinct))
                Interlocked.Increment(ref ok);
        });
        return ok == ParallelOperations ? ok : throw new InvalidOperationException("A verification failed.");
    }

    private bool NaiveCheckAndVerify(int n)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(_certificates[n]);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_anchor);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(certificate))
            return false;
        using var key = certificate.GetRSAPublicKey()!;
        return key.VerifyData(_challenge, _signatures[n], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }
}

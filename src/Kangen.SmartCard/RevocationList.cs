using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kangen.SmartCard;

/// <summary>
/// A parsed and signature-checked X.509 CRL, as a relying service reads the issuer's
/// <c>auth.crl</c>: the revoked serials in a set, so a lookup costs the same for 10 or 100,000 entries.
/// </summary>
public sealed class RevocationList
{
    private const string CrlNumberOid = "2.5.29.20";
    private const string Sha256WithRsaOid = "1.2.840.113549.1.1.11";

    private RevocationList(BigInteger? number, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, HashSet<string> serials)
    {
        Number = number;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        RevokedSerials = serials;
    }

    /// <summary>The CRL number extension, if present.</summary>
    public BigInteger? Number { get; }

    /// <summary>When the CRL was issued.</summary>
    public DateTimeOffset ThisUpdate { get; }

    /// <summary>When the next CRL is due, if stated.</summary>
    public DateTimeOffset? NextUpdate { get; }

    /// <summary>The revoked serials, upper-case hex as <c>X509Certificate2.SerialNumber</c> shows them.</summary>
    public IReadOnlySet<string> RevokedSerials { get; }

    /// <summary>True when <paramref name="serial"/> (upper-case hex) is listed.</summary>
    public bool IsRevoked(string serial) => RevokedSerials.Contains(serial);

    /// <summary>Parses a DER CRL and checks its sha256WithRSAEncryption signature and issuer name against <paramref name="issuer"/>.</summary>
    /// <exception cref="InvalidDataException">Not a well-formed CRL, another signature algorithm, another issuer, or a bad signature.</exception>
    public static RevocationList Load(ReadOnlySpan<byte> der, X509Certificate2 issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        try
        {
            var outer = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var certList = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var tbsBytes = certList.ReadEncodedValue();
            var algorithm = certList.ReadSequence();
            if (algorithm.ReadObjectIdentifier() != Sha256WithRsaOid)
                throw new InvalidDataException("The CRL is not signed with sha256WithRSAEncryption.");
            var signature = certList.ReadBitString(out _);
            using var key = issuer.GetRSAPublicKey() ?? throw new InvalidDataException("The issuer certificate has no RSA key.");
            if (!key.VerifyData(tbsBytes.Span, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                throw new InvalidDataException("The CRL signature does not verify with the issuer's key.");

            var tbs = new AsnReader(tbsBytes, AsnEncodingRules.DER).ReadSequence();
            if (tbs.PeekTag() == Asn1Tag.Integer)
                tbs.ReadInteger();
            tbs.ReadSequence();
            if (!tbs.ReadEncodedValue().Span.SequenceEqual(issuer.SubjectName.RawData))
                throw new InvalidDataException("The CRL's issuer is not the given certificate's subject.");
            var thisUpdate = ReadTime(tbs);
            DateTimeOffset? nextUpdate = tbs.HasData && (tbs.PeekTag() == Asn1Tag.UtcTime || tbs.PeekTag() == Asn1Tag.GeneralizedTime) ? ReadTime(tbs) : null;
            var serials = new HashSet<string>(StringComparer.Ordinal);
            if (tbs.HasData && tbs.PeekTag() == Asn1Tag.Sequence)
            {
                var entries = tbs.ReadSequence();
                while (entries.HasData)
                {
                    var entry = entries.ReadSequence();
                    serials.Add(Convert.ToHexString(entry.ReadIntegerBytes().Span));
                }
            }
            BigInteger? number = null;
            if (tbs.HasData)
            {
                var extensions = tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
                while (extensions.HasData)
                {
                    var extension = extensions.ReadSequence();
                    var oid = extension.ReadObjectIdentifier();
                    if (extension.PeekTag() == Asn1Tag.Boolean)
                        extension.ReadBoolean();
                    var value = extension.ReadOctetString();
                    if (oid == CrlNumberOid)
                        number = new AsnReader(value, AsnEncodingRules.DER).ReadInteger();
                }
            }
            return new RevocationList(number, thisUpdate, nextUpdate, serials);
        }
        catch (AsnContentException e)
        {
            throw new InvalidDataException($"The CRL is not well-formed DER: {e.Message}", e);
        }
    }

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag() == Asn1Tag.UtcTime ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}

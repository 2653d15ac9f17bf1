using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Kangen.Platform.Features.Identity.Certificates;

/// <summary>The pieces of a DER certificate the verifier needs, as slices of the input (nothing copied).</summary>
internal ref struct CertificateParts
{
    public ReadOnlySpan<byte> Tbs;
    public ReadOnlySpan<byte> Signature;
    public ReadOnlySpan<byte> Serial;
    public ReadOnlySpan<byte> Issuer;
    public ReadOnlySpan<byte> Subject;
    public DateTimeOffset NotBefore;
    public DateTimeOffset NotAfter;
    public ReadOnlySpan<byte> Modulus;
    public ReadOnlySpan<byte> Exponent;
    public ReadOnlySpan<byte> AuthorityKeyId;
    public bool HasKeyUsage;
    public bool KeyUsageCritical;
    public bool DigitalSignature;
    public bool CaKeyUsage;
    public bool IsCa;
    public bool HasAuthenticationPolicy;
    public string? ProfileProblem;
}

/// <summary>Reads an X.509 v3 certificate (RFC 5280, section 4.1) with strict DER rules.</summary>
internal static class CertificateParser
{
    /// <summary>JPKI user-authentication certificate policy.</summary>
    public const string AuthenticationPolicyOid = "1.2.392.200149.8.5.1.3.30";

    private static readonly byte[] Sha256WithRsa = Oid("1.2.840.113549.1.1.11");
    private static readonly byte[] RsaEncryption = Oid("1.2.840.113549.1.1.1");
    private static readonly byte[] KeyUsageOid = Oid("2.5.29.15");
    private static readonly byte[] CertificatePoliciesOid = Oid("2.5.29.32");
    private static readonly byte[] BasicConstraintsOid = Oid("2.5.29.19");
    private static readonly byte[] AuthorityKeyIdentifierOid = Oid("2.5.29.35");
    private static readonly byte[] AuthenticationPolicy = Oid(AuthenticationPolicyOid);

    private static readonly Asn1Tag Context0 = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag Context3 = new(TagClass.ContextSpecific, 3, isConstructed: true);
    private static readonly Asn1Tag Context0Primitive = new(TagClass.ContextSpecific, 0);

    /// <summary>Parses <paramref name="der"/>; on failure returns the error code and detail.</summary>
    public static bool TryParse(ReadOnlySpan<byte> der, out CertificateParts parts, out string? errorCode, out string? detail)
    {
        parts = default;
        errorCode = CertificateErrorCodes.Malformed;
        try
        {
            var outer = new DerReader(der);
            var certificate = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            parts.Tbs = certificate.ReadEncodedValue();
            var outerAlgorithm = certificate.ReadEncodedValue();
            parts.Signature = certificate.ReadBitString(out var unusedBits);
            certificate.ThrowIfNotEmpty();
            if (unusedBits != 0)
            {
                detail = "The signature BIT STRING has unused bits.";
                return false;
            }

            var tbs = new DerReader(parts.Tbs).ReadSequence();
            if (!tbs.HasData || tbs.PeekTag() != Context0)
            {
                detail = "Not an X.509 v3 certificate (no version field).";
                return false;
            }
            var version = tbs.ReadExplicit(Context0);
            var versionNumber = version.ReadInt32();
            version.ThrowIfNotEmpty();
            if (versionNumber != 2)
            {
                detail = $"Not an X.509 v3 certificate (version {versionNumber + 1}).";
                return false;
            }
            parts.Serial = tbs.ReadIntegerBytes();
            if (parts.Serial.Length > 20 || (parts.Serial[0] & 0x80) != 0)
            {
                detail = "The serial number is negative or longer than 20 bytes.";
                return false;
            }
            var innerAlgorithm = tbs.ReadEncodedValue();
            if (!innerAlgorithm.SequenceEqual(outerAlgorithm))
            {
                detail = "The signature algorithm inside the certificate differs from the outer one.";
                return false;
            }
            parts.Issuer = tbs.ReadEncodedValue();
            var validity = tbs.ReadSequence();
            parts.NotBefore = validity.ReadTime();
            parts.NotAfter = validity.ReadTime();
            validity.ThrowIfNotEmpty();
            parts.Subject = tbs.ReadEncodedValue();
            ReadSubjectPublicKeyInfo(ref tbs, ref parts);
            // issuerUniqueID [1] and subjectUniqueID [2] are not used by any profile we accept.
            if (tbs.HasData && tbs.PeekTag() != Context3)
            {
                detail = "Unique identifiers are not accepted.";
                return false;
            }
            if (!tbs.HasData)
            {
                detail = "The certificate has no extensions.";
                return false;
            }
            var extensions = tbs.ReadExplicit(Context3).ReadSequence();
            tbs.ThrowIfNotEmpty();
            ReadExtensions(ref extensions, ref parts);

            // Only now that the structure is sound does the algorithm matter: another one is not ours to trust.
            if (!IsSha256WithRsa(outerAlgorithm))
            {
                errorCode = CertificateErrorCodes.Untrusted;
                detail = "The certificate is not signed with sha256WithRSAEncryption.";
                return false;
            }
            errorCode = null;
            detail = null;
            return true;
        }
        catch (AsnContentException e)
        {
            detail = "Not well-formed DER: " + e.Message;
            return false;
        }
    }

    private static void ReadSubjectPublicKeyInfo(ref DerReader tbs, ref CertificateParts parts)
    {
        var spki = tbs.ReadSequence();
        var algorithm = spki.ReadSequence();
        var algorithmOid = algorithm.ReadEncodedValue();
        var key = spki.ReadBitString(out var unused);
        spki.ThrowIfNotEmpty();
        if (!algorithmOid.SequenceEqual(RsaEncryption))
        {
            parts.ProfileProblem ??= "The subject key is not an RSA key.";
            return;
        }
        // rsaEncryption parameters must be NULL (RFC 3279, 2.3.1).
        algorithm.ReadNull();
        algorithm.ThrowIfNotEmpty();
        if (unused != 0)
            throw new AsnContentException("The key BIT STRING has unused bits.");
        var rsaKey = new DerReader(key);
        var numbers = rsaKey.ReadSequence();
        rsaKey.ThrowIfNotEmpty();
        parts.Modulus = numbers.ReadIntegerBytes();
        parts.Exponent = numbers.ReadIntegerBytes();
        numbers.ThrowIfNotEmpty();
    }

    private static void ReadExtensions(ref DerReader extensions, ref CertificateParts parts)
    {
        while (extensions.HasData)
        {
            var extension = extensions.ReadSequence();
            var oid = extension.ReadEncodedValue();
            var critical = false;
            if (extension.HasData && extension.PeekTag() == Asn1Tag.Boolean)
            {
                critical = extension.ReadBoolean();
                // DER: a DEFAULT FALSE value is never encoded.
                if (!critical)
                    throw new AsnContentException("An extension encodes critical FALSE explicitly.");
            }
            var value = extension.ReadOctetString();
            extension.ThrowIfNotEmpty();

            if (oid.SequenceEqual(KeyUsageOid))
            {
                if (parts.HasKeyUsage)
                    throw new AsnContentException("KeyUsage appears twice.");
                parts.HasKeyUsage = true;
                parts.KeyUsageCritical = critical;
                var reader = new DerReader(value);
                var bits = reader.ReadBitString(out _);
                reader.ThrowIfNotEmpty();
                // Bit 0 digitalSignature; bits 5 keyCertSign and 6 cRLSign belong to CAs.
                parts.DigitalSignature = bits.Length > 0 && (bits[0] & 0x80) != 0;
                parts.CaKeyUsage = bits.Length > 0 && (bits[0] & 0x06) != 0;
            }
            else if (oid.SequenceEqual(CertificatePoliciesOid))
            {
                var reader = new DerReader(value);
                var policies = reader.ReadSequence();
                reader.ThrowIfNotEmpty();
                while (policies.HasData)
                {
                    var policy = policies.ReadSequence();
                    if (policy.ReadEncodedValue().SequenceEqual(AuthenticationPolicy))
                        parts.HasAuthenticationPolicy = true;
                }
            }
            else if (oid.SequenceEqual(BasicConstraintsOid))
            {
                var reader = new DerReader(value);
                var constraints = reader.ReadSequence();
                reader.ThrowIfNotEmpty();
                if (constraints.HasData && constraints.PeekTag() == Asn1Tag.Boolean)
                    parts.IsCa = constraints.ReadBoolean();
            }
            else if (oid.SequenceEqual(AuthorityKeyIdentifierOid))
            {
                var reader = new DerReader(value);
                var aki = reader.ReadSequence();
                reader.ThrowIfNotEmpty();
                if (aki.HasData && aki.PeekTag() == Context0Primitive)
                {
                    var keyId = aki.ReadEncodedValue();
                    // [0] IMPLICIT OCTET STRING: skip the tag and (short-form) length.
                    parts.AuthorityKeyId = keyId.Length > 2 && keyId[1] < 0x80 ? keyId[2..] : default;
                }
            }
            else if (critical)
            {
                // RFC 5280 4.2: a critical extension we do not process means the certificate must be rejected.
                parts.ProfileProblem ??= "Unknown critical extension " + DescribeOid(oid) + ".";
            }
        }
    }

    private static bool IsSha256WithRsa(ReadOnlySpan<byte> algorithmIdentifier)
    {
        var reader = new DerReader(algorithmIdentifier);
        var sequence = reader.ReadSequence();
        if (!sequence.ReadEncodedValue().SequenceEqual(Sha256WithRsa))
            return false;
        // Parameters NULL, or absent as some encoders write them (RFC 4055, 5).
        if (sequence.HasData)
            sequence.ReadNull();
        sequence.ThrowIfNotEmpty();
        return true;
    }

    private static string DescribeOid(ReadOnlySpan<byte> encodedOid)
    {
        try
        {
            return AsnDecoder.ReadObjectIdentifier(encodedOid, AsnEncodingRules.DER, out _);
        }
        catch (AsnContentException)
        {
            return Convert.ToHexString(encodedOid);
        }
    }

    /// <summary>The DER encoding (tag, length, contents) of an OBJECT IDENTIFIER.</summary>
    internal static byte[] Oid(string dotted)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteObjectIdentifier(dotted);
        return writer.Encode();
    }

    /// <summary>
    /// Formats a Name as <c>X509Certificate2.Subject</c> does (last RDN first, ", " between). Card subjects are
    /// simple (CN and C, printable characters) and take the fast path; anything unusual goes to .NET's formatter.
    /// </summary>
    public static string FormatName(ReadOnlySpan<byte> nameDer)
    {
        try
        {
            var reader = new DerReader(nameDer);
            var rdns = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var count = 0;
            var sb = new StringBuilder(64);
            // Collect RDNs first: .NET prints them in reverse order.
            var pieces = new string?[16];
            while (rdns.HasData)
            {
                if (count == pieces.Length)
                    return Fallback(nameDer);
                var set = rdns.ReadSetOf();
                var attribute = set.ReadSequence();
                if (set.HasData)
                    return Fallback(nameDer);
                var oid = attribute.ReadEncodedValue();
                var tag = attribute.PeekTag();
                if (tag != new Asn1Tag(UniversalTagNumber.PrintableString) && tag != new Asn1Tag(UniversalTagNumber.UTF8String))
                    return Fallback(nameDer);
                var value = AsnDecoder.ReadCharacterString(attribute.ReadEncodedValue(), AsnEncodingRules.DER,
                    tag.TagValue == (int)UniversalTagNumber.PrintableString ? UniversalTagNumber.PrintableString : UniversalTagNumber.UTF8String, out _);
                var name = ShortName(oid);
                if (name is null || NeedsQuoting(value))
                    return Fallback(nameDer);
                pieces[count++] = name + "=" + value;
            }
            for (var i = count - 1; i >= 0; i--)
            {
                sb.Append(pieces[i]);
                if (i > 0)
                    sb.Append(", ");
            }
            return sb.ToString();
        }
        catch (AsnContentException)
        {
            return Fallback(nameDer);
        }
    }

    private static readonly byte[] CommonName = Oid("2.5.4.3");
    private static readonly byte[] Country = Oid("2.5.4.6");
    private static readonly byte[] Organization = Oid("2.5.4.10");
    private static readonly byte[] OrganizationalUnit = Oid("2.5.4.11");
    private static readonly byte[] Locality = Oid("2.5.4.7");
    private static readonly byte[] State = Oid("2.5.4.8");

    private static string? ShortName(ReadOnlySpan<byte> oid) =>
        oid.SequenceEqual(CommonName) ? "CN"
        : oid.SequenceEqual(Country) ? "C"
        : oid.SequenceEqual(Organization) ? "O"
        : oid.SequenceEqual(OrganizationalUnit) ? "OU"
        : oid.SequenceEqual(Locality) ? "L"
        : oid.SequenceEqual(State) ? "S"
        : null;

    private static bool NeedsQuoting(string value) =>
        value.Length == 0 || value[0] == ' ' || value[^1] == ' ' || value[0] == '#'
        || value.AsSpan().IndexOfAny(",+=\"\n\r<>;\\") >= 0;

    private static string Fallback(ReadOnlySpan<byte> nameDer)
    {
        try
        {
            return new X500DistinguishedName(nameDer).Name;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return "";
        }
    }
}

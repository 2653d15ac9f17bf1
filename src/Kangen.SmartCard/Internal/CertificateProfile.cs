using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kangen.SmartCard.Internal;

/// <summary>Builds certificates to the JPKI profile (reference: shared/reference/jpki-card.md).</summary>
internal static class CertificateProfile
{
    private const string CertificatePoliciesOid = "2.5.29.32";
    private const string SubjectAltNameOid = "2.5.29.17";
    private const string OpaqueAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    public static readonly TimeSpan Jst = TimeSpan.FromHours(9);

    public static X500DistinguishedName CaName(CertificateKind kind)
    {
        // The builder encodes RDNs in reverse order of the Add calls; the encoded order is C, O, OU, OU as on real cards.
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationalUnitName("Japan Agency for Local Authority Information Systems");
        builder.AddOrganizationalUnitName(kind == CertificateKind.Authentication ? "JPKI for user authentication" : "JPKI for digital signature");
        builder.AddOrganizationName("JPKI");
        builder.AddCountryOrRegion("JP");
        return builder.Build();
    }

    public static X509Certificate2 CreateCa(CertificateKind kind, RSA key, DateTimeOffset now)
    {
        var request = new CertificateRequest(CaName(kind), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var notBefore = Truncate(now);
        return request.CreateSelfSigned(notBefore, notBefore.AddYears(30));
    }

    public static X509Certificate2 CreateLeaf(
        CertificateKind kind, RSA key, X509Certificate2 caWithKey, CardHolder holder,
        DateTimeOffset notBefore, DateTimeOffset notAfter, string crlUri, string commonName)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        subject.AddCountryOrRegion("JP");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var usage = kind == CertificateKind.Authentication
            ? X509KeyUsageFlags.DigitalSignature
            : X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation;
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(CertificatePolicies(kind == CertificateKind.Authentication ? Jpki.AuthenticationPolicyOid : Jpki.SigningPolicyOid));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(caWithKey, true, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crlUri]));
        if (kind == CertificateKind.Signing)
            request.CertificateExtensions.Add(PersonalData(holder));
        return request.Create(caWithKey, Truncate(notBefore), notAfter, NewSerial());
    }

    /// <summary>The end of validity: 23:59:59 JST on the 5th birthday strictly after the issue date (JST).</summary>
    /// <remarks>A 29 February birthday falls on 28 February in common years.</remarks>
    public static DateTimeOffset FifthBirthdayAfter(DateOnly birthDate, DateTimeOffset issuedAt)
    {
        var issueDate = DateOnly.FromDateTime(issuedAt.ToOffset(Jst).DateTime);
        var year = issueDate.Year;
        if (BirthdayIn(birthDate, year) <= issueDate)
            year++;
        var fifth = BirthdayIn(birthDate, year + 4);
        return new DateTimeOffset(fifth.ToDateTime(new TimeOnly(23, 59, 59)), Jst);
    }

    public static DateTimeOffset EndOfDayJst(DateOnly date) => new(date.ToDateTime(new TimeOnly(23, 59, 59)), Jst);

    private static DateOnly BirthdayIn(DateOnly birthDate, int year) =>
        birthDate is { Month: 2, Day: 29 } && !DateTime.IsLeapYear(year)
            ? new DateOnly(year, 2, 28)
            : new DateOnly(year, birthDate.Month, birthDate.Day);

    public static string OpaqueName(int length) => new(RandomNumberGenerator.GetItems<char>(OpaqueAlphabet, length));

    private static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(12);
        // Positive, and no leading zero byte, so DER keeps all 12 bytes and the hex stays stable.
        serial[0] = (byte)(serial[0] & 0x7F | 0x40);
        return serial;
    }

    private static DateTimeOffset Truncate(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, t.Offset);

    private static X509Extension CertificatePolicies(string policyOid)
    {
        // CertificatePolicies ::= SEQUENCE OF PolicyInformation; PolicyInformation ::= SEQUENCE { policyIdentifier }
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence())
            writer.WriteObjectIdentifier(policyOid);
        return new X509Extension(CertificatePoliciesOid, writer.Encode(), false);
    }

    private static X509Extension PersonalData(CardHolder holder)
    {
        // subjectAltName otherName entries under the JPKI personal-data arc, each value a UTF8String.
        var writer = new AsnWriter(AsnEncodingRules.DER);
        var context0 = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        using (writer.PushSequence())
        {
            foreach (var (oid, value) in new[]
            {
                (Jpki.NameOid, holder.Name),
                (Jpki.SexOid, SexCode(holder.Sex)),
                (Jpki.BirthDateOid, EraBirthDate(holder.BirthDate)),
                (Jpki.AddressOid, holder.Address),
            })
            {
                using (writer.PushSequence(context0))
                {
                    writer.WriteObjectIdentifier(oid);
                    using (writer.PushSequence(context0))
                        writer.WriteCharacterString(UniversalTagNumber.UTF8String, value);
                }
            }
        }
        return new X509Extension(SubjectAltNameOid, writer.Encode(), false);
    }

    public static string SexCode(CardHolderSex sex) => sex switch
    {
        CardHolderSex.Male => "1",
        CardHolderSex.Female => "2",
        _ => "3",
    };

    /// <summary>Era digit (1 Meiji, 2 Taisho, 3 Showa, 4 Heisei, 5 Reiwa) followed by the Gregorian yyyyMMdd.</summary>
    public static string EraBirthDate(DateOnly date)
    {
        var era = date switch
        {
            _ when date >= new DateOnly(2019, 5, 1) => 5,
            _ when date >= new DateOnly(1989, 1, 8) => 4,
            _ when date >= new DateOnly(1926, 12, 25) => 3,
            _ when date >= new DateOnly(1912, 7, 30) => 2,
            _ => 1,
        };
        return $"{era}{date:yyyyMMdd}";
    }
}

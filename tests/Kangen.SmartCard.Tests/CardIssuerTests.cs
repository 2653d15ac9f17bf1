using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.SmartCard.Tests;

/// <summary>The issuing authority: certificate profile, renewal, revocation, CRLs, PIN reset, published layout.</summary>
[Collection(IssuerCollection.Name)]
public class CardIssuerTests(IssuerFixture fixture)
{
    private static X509Certificate2 Certificate(string cardPath, string kind)
    {
        var root = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(cardPath)).RootElement;
        return X509CertificateLoader.LoadCertificate(root.GetProperty(kind).GetProperty("certificate").GetBytesFromBase64());
    }

    private static string[] Policies(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions["2.5.29.32"]!;
        var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
        var policies = new List<string>();
        while (reader.HasData)
            policies.Add(reader.ReadSequence().ReadObjectIdentifier());
        return [.. policies];
    }

    [Fact]
    public void The_authentication_certificate_follows_the_jpki_profile()
    {
        using var certificate = Certificate(fixture.TemplatePath, "authentication");
        using var ca = fixture.Issuer.AuthenticationCaCertificate;

        Assert.Equal("C=JP, O=JPKI, OU=JPKI for user authentication, OU=Japan Agency for Local Authority Information Systems",
            string.Join(", ", certificate.IssuerName.EnumerateRelativeDistinguishedNames(reversed: false).Select(r => $"{ShortName(r)}={r.GetSingleElementValue()}")));
        Assert.Matches("^[0-9A-Z]{24}$", certificate.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Equal(["C", "CN"], certificate.SubjectName.EnumerateRelativeDistinguishedNames(reversed: false).Select(ShortName));
        Assert.Equal("1.2.840.113549.1.1.11", certificate.SignatureAlgorithm.Value);
        using var key = certificate.GetRSAPublicKey()!;
        Assert.Equal(2048, key.KeySize);
        Assert.Equal([1, 0, 1], key.ExportParameters(false).Exponent);
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(usage.Critical);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);
        Assert.Equal([Jpki.AuthenticationPolicyOid], Policies(certificate));
        Assert.NotNull(certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().SingleOrDefault());
        Assert.NotNull(certificate.Extensions["2.5.29.31"]);
        Assert.Null(certificate.Extensions["2.5.29.17"]);
        Assert.True(ChainsTo(certificate, ca));
    }

    [Fact]
    public void The_signing_certificate_carries_the_basic_four_facts_in_its_subject_alt_name()
    {
        using var certificate = Certificate(fixture.TemplatePath, "signing");
        var san = new AsnReader(certificate.Extensions["2.5.29.17"]!.RawData, AsnEncodingRules.DER).ReadSequence();
        var values = new Dictionary<string, string>();
        while (san.HasData)
        {
            var otherName = san.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
            var oid = otherName.ReadObjectIdentifier();
            values[oid] = otherName.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadCharacterString(UniversalTagNumber.UTF8String);
        }

        Assert.Equal(IssuerFixture.Holder.Name, values[Jpki.NameOid]);
        Assert.Equal("1", values[Jpki.SexOid]);
        Assert.Equal("419900615", values[Jpki.BirthDateOid]);
        Assert.Equal(IssuerFixture.Holder.Address, values[Jpki.AddressOid]);
        Assert.Equal([Jpki.SigningPolicyOid], Policies(certificate));
        Assert.Contains("JPKI for digital signature", certificate.Issuer);
        Assert.True(certificate.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages.HasFlag(X509KeyUsageFlags.NonRepudiation));
    }

    [Fact]
    public void A_cards_two_certificates_share_one_opaque_subject_and_a_renewal_gives_them_a_new_one()
    {
        var card = fixture.IssueFreshCard();
        using var authentication = Certificate(card.CardFilePath, "authentication");
        using var signing = Certificate(card.CardFilePath, "signing");
        using var other = Certificate(fixture.TemplatePath, "authentication");

        Assert.Equal(authentication.Subject, signing.Subject);
        Assert.NotEqual(authentication.Subject, other.Subject);

        fixture.Issuer.Renew(card.CardFilePath);
        using var renewedAuthentication = Certificate(card.CardFilePath, "authentication");
        using var renewedSigning = Certificate(card.CardFilePath, "signing");
        Assert.Equal(renewedAuthentication.Subject, renewedSigning.Subject);
        Assert.NotEqual(authentication.Subject, renewedAuthentication.Subject);
    }

    [Fact]
    public void Both_certificates_expire_on_the_fifth_birthday_after_issue_at_23_59_japan_time()
    {
        using var certificate = Certificate(fixture.TemplatePath, "authentication");

        // Issued 2026-04-01 (JST); birthdays after that: 2026-06-15 is the first, 2030-06-15 the fifth.
        var expected = new DateTimeOffset(2030, 6, 15, 23, 59, 59, TimeSpan.FromHours(9));
        Assert.Equal(expected, new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero));
        Assert.Equal(expected, fixture.Template.NotAfter);
    }

    [Theory]
    [InlineData("1990-06-15", "2026-04-01T03:00:00Z", "2030-06-15")]
    [InlineData("1990-03-01", "2026-04-01T03:00:00Z", "2031-03-01")]
    [InlineData("1990-04-01", "2026-04-01T03:00:00Z", "2031-04-01")]
    [InlineData("1990-04-01", "2026-03-31T16:00:00Z", "2031-04-01")]
    [InlineData("1990-04-02", "2026-03-31T16:00:00Z", "2030-04-02")]
    [InlineData("2000-02-29", "2026-04-01T03:00:00Z", "2031-02-28")]
    [InlineData("2000-02-29", "2027-01-10T03:00:00Z", "2031-02-28")]
    [InlineData("2000-02-29", "2027-03-10T03:00:00Z", "2032-02-29")]
    public void The_validity_end_counts_birthdays_strictly_after_the_japan_issue_date(string birth, string issuedAt, string end)
    {
        var result = CardIssuer.ValidityEnd(DateOnly.Parse(birth), DateTimeOffset.Parse(issuedAt));

        Assert.Equal(new DateTimeOffset(DateOnly.Parse(end).ToDateTime(new TimeOnly(23, 59, 59)), TimeSpan.FromHours(9)), result);
    }

    [Fact]
    public void A_feb_29_birthday_card_really_carries_feb_28_in_a_common_year()
    {
        var path = Path.Combine(fixture.NewDirectory(), "leap.json");
        var issued = fixture.Issuer.Issue(path, IssuerFixture.Holder with { BirthDate = new DateOnly(2000, 2, 29) }, "1111");

        Assert.Equal(new DateTimeOffset(2031, 2, 28, 14, 59, 59, TimeSpan.Zero), issued.NotAfter);
        Assert.NotNull(issued.GeneratedSigningPassword);
        Assert.True(PinRules.IsValidSigningPassword(issued.GeneratedSigningPassword));
    }

    [Fact]
    public void Renewal_gives_new_keys_and_serials_on_the_same_card_and_publishes_the_link()
    {
        var card = fixture.IssueFreshCard();
        using var oldCertificate = Certificate(card.CardFilePath, "authentication");

        var renewed = fixture.Issuer.Renew(card.CardFilePath);

        Assert.NotEqual(card.AuthenticationSerial, renewed.AuthenticationSerial);
        Assert.NotEqual(card.SigningSerial, renewed.SigningSerial);
        Assert.Equal(card.CardId, renewed.CardId);
        using var newCertificate = Certificate(card.CardFilePath, "authentication");
        Assert.NotEqual(oldCertificate.GetPublicKey(), newCertificate.GetPublicKey());
        var link = Assert.Single(fixture.Issuer.ReadRenewalLinks(), l => l.OldSerial == card.AuthenticationSerial);
        Assert.Equal((CertificateKind.Authentication, renewed.AuthenticationSerial), (link.Kind, link.NewSerial));
        Assert.Contains(File.ReadAllLines(Path.Combine(fixture.Issuer.IssuerDirectory, "renewals.jsonl")),
            line => line.Contains(card.AuthenticationSerial) && line.Contains(renewed.AuthenticationSerial));
        Assert.True(fixture.Issuer.IsRevoked(card.AuthenticationSerial));
        Assert.False(fixture.Issuer.IsRevoked(renewed.AuthenticationSerial));

        // Same PIN, new key: the card signs with the key of the new certificate.
        using var transport = new InProcessTransport(EmulatedCard.Load(card.CardFilePath));
        var client = new JpkiClient(transport);
        client.VerifyAuthPin(IssuerFixture.Pin);
        var signature = client.SignWithAuthenticationKey(JpkiClient.CreateSha256DigestInfo("after renewal"u8));
        using var key = newCertificate.GetRSAPublicKey()!;
        Assert.True(key.VerifyData("after renewal"u8, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Revocation_shows_in_a_crl_signed_by_the_ca_with_a_higher_number()
    {
        var card = fixture.IssueFreshCard();
        using var ca = fixture.Issuer.AuthenticationCaCertificate;
        var before = RevocationList.Load(File.ReadAllBytes(fixture.Issuer.CrlPath(CertificateKind.Authentication)), ca);

        var revoked = fixture.Issuer.Revoke(card.CardFilePath, X509RevocationReason.KeyCompromise);

        Assert.Equal(2, revoked.Count);
        var after = RevocationList.Load(File.ReadAllBytes(fixture.Issuer.CrlPath(CertificateKind.Authentication)), ca);
        Assert.True(after.IsRevoked(card.AuthenticationSerial));
        Assert.False(before.IsRevoked(card.AuthenticationSerial));
        Assert.True(after.Number > before.Number);
        Assert.Equal(after.ThisUpdate + CardIssuer.CrlValidity, after.NextUpdate);
        using var signCa = fixture.Issuer.SigningCaCertificate;
        Assert.True(RevocationList.Load(File.ReadAllBytes(fixture.Issuer.CrlPath(CertificateKind.Signing)), signCa).IsRevoked(card.SigningSerial));
        Assert.Empty(fixture.Issuer.Revoke(card.CardFilePath));
    }

    [Fact]
    public void A_crl_signed_by_another_key_or_tampered_is_refused()
    {
        var crl = File.ReadAllBytes(fixture.Issuer.CrlPath(CertificateKind.Authentication));
        using var signCa = fixture.Issuer.SigningCaCertificate;
        using var authCa = fixture.Issuer.AuthenticationCaCertificate;

        Assert.Throws<InvalidDataException>(() => RevocationList.Load(crl, signCa));
        var tampered = (byte[])crl.Clone();
        tampered[^1] ^= 0x01;
        Assert.Throws<InvalidDataException>(() => RevocationList.Load(tampered, authCa));
        Assert.Throws<InvalidDataException>(() => RevocationList.Load(crl.AsSpan(0, crl.Length / 2), authCa));
    }

    [Fact]
    public void A_revoked_card_cannot_be_renewed()
    {
        var card = fixture.IssueFreshCard();
        fixture.Issuer.Revoke(card.CardFilePath);

        Assert.Throws<InvalidOperationException>(() => fixture.Issuer.Renew(card.CardFilePath));
    }

    [Fact]
    public void The_municipal_pin_reset_unblocks_the_card_with_a_new_pin()
    {
        var path = fixture.CopyOfTemplate();
        using (var transport = new InProcessTransport(EmulatedCard.Load(path)))
        {
            var client = new JpkiClient(transport);
            for (var i = 0; i < 3; i++)
                Assert.Throws<SmartCardException>(() => client.VerifyAuthPin("0000"));
        }

        fixture.Issuer.ResetPin(path, "7777");

        using var again = new InProcessTransport(EmulatedCard.Load(path));
        var reloaded = new JpkiClient(again);
        Assert.Equal(3, reloaded.GetAuthPinTriesLeft());
        Assert.Equal(2, Assert.Throws<SmartCardException>(() => reloaded.VerifyAuthPin(IssuerFixture.Pin)).TriesLeft);
        reloaded.VerifyAuthPin("7777");
    }

    [Fact]
    public void The_signing_password_reset_unblocks_the_signing_key_with_a_new_password()
    {
        var path = fixture.CopyOfTemplate();
        using (var transport = new InProcessTransport(EmulatedCard.Load(path)))
        {
            var client = new JpkiClient(transport);
            for (var i = 0; i < 5; i++)
                Assert.Throws<SmartCardException>(() => client.VerifySigningPassword("ZZZ999"));
            Assert.Equal(0, client.GetSigningPasswordTriesLeft());
        }

        fixture.Issuer.ResetSigningPassword(path, "NEW2468");

        using var again = new InProcessTransport(EmulatedCard.Load(path));
        var reloaded = new JpkiClient(again);
        Assert.Equal(5, reloaded.GetSigningPasswordTriesLeft());
        Assert.Equal(4, Assert.Throws<SmartCardException>(() => reloaded.VerifySigningPassword(IssuerFixture.SigningPassword)).TriesLeft);
        reloaded.VerifySigningPassword("NEW2468");
        Assert.Equal(3, reloaded.GetAuthPinTriesLeft());
    }

    [Fact]
    public void A_card_from_another_issuer_is_refused_by_administrative_acts()
    {
        var otherData = fixture.NewDirectory();
        using var other = CardIssuer.Open(otherData, fixture.Time);
        var foreign = other.Issue(Path.Combine(otherData, "foreign.json"), IssuerFixture.Holder, "1234", "ABC123");

        Assert.Throws<InvalidOperationException>(() => fixture.Issuer.ResetPin(foreign.CardFilePath, "1111"));
        Assert.Throws<InvalidOperationException>(() => fixture.Issuer.Revoke(foreign.CardFilePath));
        Assert.Throws<InvalidOperationException>(() => fixture.Issuer.Renew(foreign.CardFilePath));
    }

    [Fact]
    public void Cards_issued_with_given_keys_certify_those_keys_under_their_own_serials_and_sign_with_them()
    {
        var directory = fixture.NewDirectory();
        using var authentication = RSA.Create(2048);
        using var signing = RSA.Create(2048);
        var keys = new CardKeys(authentication, signing);

        var first = fixture.Issuer.Issue(Path.Combine(directory, "a.json"), IssuerFixture.Holder, "1234", "ABC123", keys: keys);
        var second = fixture.Issuer.Issue(Path.Combine(directory, "b.json"), IssuerFixture.Holder, "1234", "ABC123", keys: keys);

        Assert.NotEqual(first.AuthenticationSerial, second.AuthenticationSerial);
        foreach (var path in new[] { first.CardFilePath, second.CardFilePath })
        {
            using var certificate = Certificate(path, "authentication");
            using var key = certificate.GetRSAPublicKey()!;
            Assert.Equal(authentication.ExportSubjectPublicKeyInfo(), key.ExportSubjectPublicKeyInfo());
            using var signingCertificate = Certificate(path, "signing");
            using var signingKey = signingCertificate.GetRSAPublicKey()!;
            Assert.Equal(signing.ExportSubjectPublicKeyInfo(), signingKey.ExportSubjectPublicKeyInfo());
        }
        // The card signs with the key it was given: its signature verifies under that key.
        var data = "challenge"u8.ToArray();
        using var transport = new InProcessTransport(EmulatedCard.Load(second.CardFilePath));
        var client = new JpkiClient(transport);
        client.SelectJpkiAp();
        client.VerifyAuthPin("1234");
        var signature = client.SignWithAuthenticationKey(JpkiClient.CreateSha256DigestInfo(data));
        Assert.True(authentication.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Bad_issue_requests_are_refused_and_write_nothing()
    {
        var directory = fixture.NewDirectory();
        var path = Path.Combine(directory, "card.json");

        Assert.Throws<ArgumentException>(() => fixture.Issuer.Issue(path, IssuerFixture.Holder, "12345"));
        Assert.Throws<ArgumentException>(() => fixture.Issuer.Issue(path, IssuerFixture.Holder, "1234", "short"));
        Assert.Throws<ArgumentException>(() => fixture.Issuer.Issue(path, IssuerFixture.Holder, "1234", "ABC123", new DateOnly(2020, 1, 1)));
        Assert.Throws<ArgumentException>(() => fixture.Issuer.ResetPin(fixture.CopyOfTemplate(), "12"));
        using (var small = RSA.Create(1024))
        using (var good = RSA.Create(2048))
            Assert.Throws<ArgumentException>(() => fixture.Issuer.Issue(path, IssuerFixture.Holder, "1234", "ABC123", keys: new CardKeys(small, good)));
        Assert.Empty(Directory.GetFileSystemEntries(directory));
        Assert.Throws<IOException>(() => fixture.Issuer.Issue(fixture.TemplatePath, IssuerFixture.Holder, "1234"));
    }

    [Fact]
    public void The_issuer_publishes_its_material_in_the_documented_layout_with_private_keys_kept_private()
    {
        var directory = fixture.Issuer.IssuerDirectory;

        Assert.Equal(fixture.Issuer.AuthenticationCaCertificate.RawData, File.ReadAllBytes(Path.Combine(directory, "auth-ca.cer")));
        Assert.Equal(fixture.Issuer.SigningCaCertificate.RawData, File.ReadAllBytes(Path.Combine(directory, "sign-ca.cer")));
        Assert.True(File.Exists(Path.Combine(directory, "auth.crl")));
        Assert.True(File.Exists(Path.Combine(directory, "sign.crl")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, "private", "auth-ca.key")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, "private", "sign-ca.key")));
        }
        Assert.Empty(Directory.GetFiles(directory, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Reopening_the_issuer_keeps_its_cas_and_the_crl_number_keeps_rising()
    {
        var data = fixture.NewDirectory();
        var time = new FakeTimeProvider(IssuerFixture.Start);
        byte[] caBytes;
        System.Numerics.BigInteger first;
        using (var issuer = CardIssuer.Open(data, time))
        {
            caBytes = issuer.AuthenticationCaCertificate.RawData;
            first = issuer.PublishCrls()[0].Number;
        }
        time.Advance(TimeSpan.FromDays(1));

        using var reopened = CardIssuer.Open(data, time);
        var next = reopened.PublishCrls();

        Assert.Equal(caBytes, reopened.AuthenticationCaCertificate.RawData);
        Assert.Equal(first + 1, next[0].Number);
        Assert.Equal(IssuerFixture.Start.AddDays(1), next[0].ThisUpdate);
        Assert.True(CardIssuer.Exists(data));
    }

    [Fact]
    public void A_damaged_ca_key_is_reported_not_replaced()
    {
        var data = fixture.NewDirectory();
        using (CardIssuer.Open(data, fixture.Time)) { }
        var keyPath = Path.Combine(data, "issuer", "private", "auth-ca.key");
        File.WriteAllText(keyPath, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");

        Assert.Throws<InvalidDataException>(() => CardIssuer.Open(data, fixture.Time));
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = IssuerFixture.Start.UtcDateTime.AddHours(1);
        return chain.Build(certificate);
    }

    private static string ShortName(X500RelativeDistinguishedName rdn) => rdn.GetSingleElementType().Value switch
    {
        "2.5.4.6" => "C",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.3" => "CN",
        var other => other!,
    };
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kangen.SmartCard.Tests;

/// <summary>The client against the emulated card over the in-process transport.</summary>
[Collection(IssuerCollection.Name)]
public sealed class JpkiClientTests(IssuerFixture fixture) : IDisposable
{
    private readonly EmulatedCard _card = EmulatedCard.Load(fixture.CopyOfTemplate());
    private InProcessTransport? _transport;

    private JpkiClient Client()
    {
        _transport ??= new InProcessTransport(_card);
        return new JpkiClient(_transport);
    }

    public void Dispose() => _transport?.Dispose();

    [Fact]
    public void The_token_info_identifies_a_my_number_card()
    {
        Assert.Equal(Jpki.MyNumberCardToken, Client().ReadTokenInfo());
    }

    [Fact]
    public void The_transport_shows_the_cards_atr()
    {
        Client();
        Assert.Equal(Jpki.MyNumberCardAtr.ToArray(), _transport!.Atr.ToArray());
    }

    [Fact]
    public void All_four_certificates_read_back_exactly_as_issued()
    {
        var client = Client();
        var image = System.Text.Json.JsonDocument.Parse(fixture.TemplateBytes).RootElement;

        Assert.Equal(image.GetProperty("authentication").GetProperty("certificate").GetBytesFromBase64(), client.ReadAuthenticationCertificate());
        Assert.Equal(fixture.Issuer.AuthenticationCaCertificate.RawData, client.ReadAuthenticationCaCertificate());
        Assert.Equal(fixture.Issuer.SigningCaCertificate.RawData, client.ReadSigningCaCertificate());
        Assert.Equal(image.GetProperty("signing").GetProperty("certificate").GetBytesFromBase64(), client.ReadSigningCertificate(IssuerFixture.SigningPassword));
        using var auth = X509CertificateLoader.LoadCertificate(client.ReadAuthenticationCertificate());
        Assert.Equal(fixture.Template.AuthenticationSerial, auth.SerialNumber);
    }

    [Fact]
    public void A_signature_from_the_authentication_key_verifies_with_the_certificate()
    {
        var client = Client();
        var challenge = RandomNumberGenerator.GetBytes(32);
        client.VerifyAuthPin(IssuerFixture.Pin);

        var signature = client.SignWithAuthenticationKey(JpkiClient.CreateSha256DigestInfo(challenge));

        using var certificate = X509CertificateLoader.LoadCertificate(client.ReadAuthenticationCertificate());
        using var key = certificate.GetRSAPublicKey()!;
        Assert.True(key.VerifyData(challenge, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.False(key.VerifyData("another"u8.ToArray(), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void A_signature_from_the_signing_key_verifies_with_the_signing_certificate()
    {
        var client = Client();
        var certificateBytes = client.ReadSigningCertificate(IssuerFixture.SigningPassword);
        var document = "契約書 v1"u8.ToArray();

        var signature = client.SignWithSigningKey(JpkiClient.CreateSha256DigestInfo(document));

        using var certificate = X509CertificateLoader.LoadCertificate(certificateBytes);
        using var key = certificate.GetRSAPublicKey()!;
        Assert.True(key.VerifyData(document, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Signing_before_verifying_the_pin_raises_security_status_not_satisfied()
    {
        var error = Assert.Throws<SmartCardException>(() => Client().SignWithAuthenticationKey(JpkiClient.CreateSha256DigestInfo("x"u8)));

        Assert.Equal(StatusWords.SecurityStatusNotSatisfied, error.StatusWord);
        Assert.False(error.IsBlocked);
    }

    [Fact]
    public void A_wrong_pin_raises_an_error_with_the_tries_left_and_a_third_blocks_the_card()
    {
        var client = Client();

        var first = Assert.Throws<SmartCardException>(() => client.VerifyAuthPin("9999"));
        var second = Assert.Throws<SmartCardException>(() => client.VerifyAuthPin("9998"));
        var third = Assert.Throws<SmartCardException>(() => client.VerifyAuthPin("9997"));
        var fourth = Assert.Throws<SmartCardException>(() => client.VerifyAuthPin(IssuerFixture.Pin));

        Assert.Equal((2, false), (first.TriesLeft, first.IsBlocked));
        Assert.Equal((1, false), (second.TriesLeft, second.IsBlocked));
        Assert.Equal((0, true), (third.TriesLeft, third.IsBlocked));
        Assert.True(fourth.IsBlocked);
        Assert.Equal(StatusWords.AuthenticationMethodBlocked, fourth.StatusWord);
        Assert.Equal(0, client.GetAuthPinTriesLeft());
    }

    [Fact]
    public void The_right_pin_after_a_wrong_one_restores_three_tries()
    {
        var client = Client();
        Assert.Throws<SmartCardException>(() => client.VerifyAuthPin("0000"));
        Assert.Equal(2, client.GetAuthPinTriesLeft());

        client.VerifyAuthPin(IssuerFixture.Pin);

        Assert.Equal(3, client.GetAuthPinTriesLeft());
    }

    [Fact]
    public void The_signing_password_has_five_tries()
    {
        var client = Client();
        Assert.Equal(5, client.GetSigningPasswordTriesLeft());
        for (var left = 4; left >= 1; left--)
            Assert.Equal(left, Assert.Throws<SmartCardException>(() => client.VerifySigningPassword("WRONG9")).TriesLeft);
        Assert.True(Assert.Throws<SmartCardException>(() => client.VerifySigningPassword("WRONG9")).IsBlocked);
        Assert.True(Assert.Throws<SmartCardException>(() => client.ReadSigningCertificate(IssuerFixture.SigningPassword)).IsBlocked);
        Assert.Equal(3, client.GetAuthPinTriesLeft());
    }

    [Theory]
    [InlineData("123")]
    [InlineData("12345")]
    [InlineData("12a4")]
    [InlineData("")]
    public void A_malformed_pin_is_refused_before_it_reaches_the_card(string pin)
    {
        var client = Client();

        Assert.Throws<ArgumentException>(() => client.VerifyAuthPin(pin));

        Assert.Equal(3, client.GetAuthPinTriesLeft());
    }

    [Theory]
    [InlineData("ABC12", false)]
    [InlineData("ABCDEF", false)]
    [InlineData("123456", false)]
    [InlineData("abc123", false)]
    [InlineData("ABC 123", false)]
    [InlineData("ABCDEFGHIJKLMNOP1", false)]
    [InlineData("A12345", true)]
    [InlineData("ABCDEFGHIJKLMNO1", true)]
    public void Signing_password_rules_require_6_to_16_upper_case_letters_and_digits_with_both_kinds(string password, bool valid)
    {
        Assert.Equal(valid, PinRules.IsValidSigningPassword(password));
    }

    [Fact]
    public void Changing_the_pin_makes_the_old_one_wrong_and_the_new_one_right()
    {
        var client = Client();

        client.ChangeAuthPin(IssuerFixture.Pin, "8642");

        client.SelectJpkiAp();
        Assert.Equal(2, Assert.Throws<SmartCardException>(() => client.VerifyAuthPin(IssuerFixture.Pin)).TriesLeft);
        client.VerifyAuthPin("8642");
        Assert.Equal(3, client.GetAuthPinTriesLeft());
    }

    [Fact]
    public void Reselecting_the_application_logs_out()
    {
        var client = Client();
        client.VerifyAuthPin(IssuerFixture.Pin);

        client.SelectJpkiAp();

        Assert.Equal(StatusWords.SecurityStatusNotSatisfied,
            Assert.Throws<SmartCardException>(() => client.SignWithAuthenticationKey(JpkiClient.CreateSha256DigestInfo("x"u8))).StatusWord);
    }

    [Fact]
    public void The_sha256_digest_info_is_the_rfc_8017_encoding()
    {
        var digestInfo = JpkiClient.CreateSha256DigestInfo("abc"u8);

        Assert.Equal("3031300D060960864801650304020105000420BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
            Convert.ToHexString(digestInfo));
        Assert.Throws<ArgumentException>(() => JpkiClient.CreateSha256DigestInfoFromHash(new byte[31]));
    }

    [Fact]
    public void A_card_without_the_jpki_application_is_reported_as_not_found()
    {
        using var transport = new InProcessTransport(new NotJpkiCard());

        var error = Assert.Throws<SmartCardException>(() => new JpkiClient(transport).ReadTokenInfo());

        Assert.Equal(StatusWords.FileNotFound, error.StatusWord);
    }

    [Fact]
    public void A_removed_card_cannot_be_used()
    {
        var transport = new InProcessTransport(_card);
        transport.Dispose();

        Assert.Throws<ObjectDisposedException>(() => new JpkiClient(transport).ReadTokenInfo());
    }

    /// <summary>A card with no applications at all: every SELECT by AID answers 6A82.</summary>
    private sealed class NotJpkiCard : ICardSide
    {
        public ReadOnlyMemory<byte> Atr => new byte[] { 0x3B, 0x00 };
        public void Reset() { }
        public void PowerOff() { }
        public byte[] Process(ReadOnlySpan<byte> commandApdu) => ResponseApdu.Encode(StatusWords.FileNotFound);
    }
}

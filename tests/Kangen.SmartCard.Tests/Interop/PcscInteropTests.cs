using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kangen.SmartCard.Tests.Interop;

/// <summary>
/// Our PC/SC transport and JPKI client against the emulated card, with pcscd and vpcd between them:
/// every APDU crosses libpcsclite, pcscd, the vpcd driver, TCP and <see cref="VpcdBridge"/>.
/// </summary>
[Collection(PcscdCollection.Name)]
[Trait("Category", "Interop")]
public sealed class PcscInteropTests(IssuerFixture issuer)
{
    [Fact]
    public async Task The_virtual_reader_shows_the_card_with_the_My_Number_Card_ATR()
    {
        await using var card = await InsertedCard.InsertAsync(EmulatedCard.Load(issuer.CopyOfTemplate()));
        using var context = PcscContext.Establish();

        Assert.Contains(PcscdCollection.Reader, context.ListReaders());
        var status = Assert.Single(context.GetStatus([PcscdCollection.Reader]));
        Assert.True(status.IsCardPresent);
        Assert.Equal(Jpki.MyNumberCardAtr.ToArray(), status.Atr);
        Assert.Equal("3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B", status.AtrHex);
    }

    [Fact]
    public async Task The_client_reads_the_certificate_verifies_the_PIN_and_signs_through_pcscd()
    {
        await using var card = await InsertedCard.InsertAsync(EmulatedCard.Load(issuer.CopyOfTemplate()));
        using var transport = PcscTransport.Connect(PcscdCollection.Reader);
        Assert.Equal(PcscProtocols.T1, transport.Protocol);
        Assert.Equal(Jpki.MyNumberCardAtr.ToArray(), transport.Atr.ToArray());
        var client = new JpkiClient(transport);

        byte[] signature;
        byte[] certificateDer;
        var challenge = RandomNumberGenerator.GetBytes(32);
        using (transport.BeginTransaction())
        {
            client.SelectJpkiAp();
            Assert.StartsWith(Jpki.MyNumberCardToken, client.ReadTokenInfo());
            certificateDer = client.ReadAuthenticationCertificate();
            Assert.Equal(3, client.GetAuthPinTriesLeft());
            client.VerifyAuthPin(IssuerFixture.Pin);
            signature = client.SignWithAuthenticationKey(JpkiClient.CreateSha256DigestInfo(challenge));
        }

        using var certificate = X509CertificateLoader.LoadCertificate(certificateDer);
        Assert.Equal(issuer.Template.AuthenticationSerial, certificate.SerialNumber);
        using var key = certificate.GetRSAPublicKey()!;
        Assert.Equal(256, signature.Length);
        Assert.True(key.VerifyData(challenge, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.False(key.VerifyData((byte[])[.. challenge, 0], signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task A_wrong_PIN_through_pcscd_reports_the_tries_left_and_stays_counted_in_the_card_file()
    {
        var path = issuer.CopyOfTemplate();
        await using (var card = await InsertedCard.InsertAsync(EmulatedCard.Load(path)))
        {
            using var transport = PcscTransport.Connect(PcscdCollection.Reader);
            var client = new JpkiClient(transport);
            client.SelectJpkiAp();

            var wrong = Assert.Throws<SmartCardException>(() => client.VerifyAuthPin("0000"));

            Assert.Equal(2, wrong.TriesLeft);
            Assert.Equal(0x63C2, wrong.StatusWord);
            Assert.False(wrong.IsBlocked);
            Assert.Equal(2, client.GetAuthPinTriesLeft());
        }
        Assert.Equal(2, EmulatedCard.Load(path).AuthPinTriesLeft);
    }

    [Fact]
    public async Task Removing_the_card_is_seen_by_PC_SC_as_no_card()
    {
        var card = await InsertedCard.InsertAsync(EmulatedCard.Load(issuer.CopyOfTemplate()));
        using var before = PcscTransport.Connect(PcscdCollection.Reader);
        new JpkiClient(before).SelectJpkiAp();

        await card.RemoveAsync();
        await card.DisposeAsync();

        using var context = PcscContext.Establish();
        var status = Assert.Single(context.GetStatus([PcscdCollection.Reader]));
        Assert.False(status.IsCardPresent);
        Assert.Empty(status.Atr);
        var stale = Assert.Throws<SmartCardException>(() => before.Transmit(new CommandApdu(0x00, 0xA4, 0x04, 0x0C, Jpki.ApplicationId.ToArray()).Encode()));
        Assert.True(stale.IsTransient);
        var none = Assert.Throws<SmartCardException>(() => PcscTransport.Connect(PcscdCollection.Reader));
        Assert.True(none.IsTransient);
        Assert.Contains("SCARD_E_NO_SMARTCARD (0x8010000C)", none.Message);
    }

    [Fact]
    public void An_unknown_reader_is_a_readable_error()
    {
        PcscdCollection.RequirePcscd();

        var error = Assert.Throws<SmartCardException>(() => PcscTransport.Connect("No Such Reader 99"));

        Assert.Contains("SCARD_E_UNKNOWN_READER", error.Message);
        Assert.Contains("No Such Reader 99", error.Message);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task Waiting_for_a_card_in_an_empty_reader_times_out()
    {
        PcscdCollection.RequirePcscd();
        using var context = PcscContext.Establish();

        var waited = System.Diagnostics.Stopwatch.StartNew();
        var found = await Task.Run(() => context.WaitForCard(PcscdCollection.Reader, TimeSpan.FromMilliseconds(500)));

        Assert.False(found);
        Assert.InRange(waited.Elapsed, TimeSpan.FromMilliseconds(400), PcscdCollection.Wait);
    }
}

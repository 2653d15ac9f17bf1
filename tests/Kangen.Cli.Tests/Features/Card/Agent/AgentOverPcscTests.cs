using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Kangen.Cli.Features.Card.Agent;
using Kangen.SmartCard;
using Spectre.Console.Testing;

namespace Kangen.Cli.Tests.Features.Card.Agent;

/// <summary>
/// End to end through pcscd: <c>kangen card serve-vpcd</c> puts a card file into vpcd slot 1
/// (<c>Virtual PCD 00 01</c>, port 35964, so these tests never collide with the SmartCard suite on
/// slot 0), <c>kangen card readers</c> sees it, and the agent serves it with <c>--reader</c>.
/// Needs <c>scripts/pcsc.sh install &amp;&amp; scripts/pcsc.sh start</c>; fails, never skips, without pcscd.
/// </summary>
[Trait("Category", "Interop")]
[Collection(Name)]
public sealed class AgentOverPcscTests(AgentCardFixture fixture) : IClassFixture<AgentCardFixture>
{
    public const string Name = "pcscd (vpcd slot 1)";
    private const string Reader = "Virtual PCD 00 01";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static void RequirePcscd() =>
        Assert.True(File.Exists("/run/pcscd/pcscd.comm"), "pcscd is not running. Run: scripts/pcsc.sh install && scripts/pcsc.sh start");

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task A_card_file_served_to_vpcd_is_listed_by_readers_and_signs_through_the_agent()
    {
        RequirePcscd();
        var cardPath = fixture.CopyOfCard();
        var serveConsole = new TestConsole().Width(200);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var serve = KangenCli.RunAsync(["card", "serve-vpcd", cardPath, "--port", "35964"], new CliContext(serveConsole, TimeProvider.System), stop.Token);
        using (var pcsc = PcscContext.Establish())
            Assert.True(await Task.Run(() => pcsc.WaitForCard(Reader, Wait)), $"pcscd did not see the card:\n{serveConsole.Output}");

        var (readersCode, readers) = await CliRun.RunAsync("card", "readers");
        Assert.Equal(ExitCodes.Ok, readersCode);
        Assert.Matches(@"Virtual PCD 00 01\s*│\s*present \(My Number Card ATR\)\s*│\s*3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B", readers);

        // The card commands work on the card in the reader as they do on a card file.
        var (infoCode, info) = await CliRun.RunAsync("card", "info", "--reader", Reader);
        Assert.Equal(ExitCodes.Ok, infoCode);
        Assert.Contains(fixture.Issued.AuthenticationSerial, info);
        Assert.Contains("3/3", info);
        var (verifyCode, verified) = await CliRun.RunAsync("card", "verify-pin", "--reader", Reader, "--pin", AgentCardFixture.Pin);
        Assert.Equal(ExitCodes.Ok, verifyCode);
        Assert.Contains("PIN verified", verified);
        var (signCode, signedLine) = await CliRun.RunAsync("card", "sign", "--reader", Reader, "--pin", AgentCardFixture.Pin, "--data", "challenge");
        Assert.Equal(ExitCodes.Ok, signCode);
        Assert.Equal(256, Convert.FromBase64String(signedLine.Trim()).Length);
        var (bothCode, _) = await CliRun.RunAsync("card", "pin-status", cardPath, "--reader", Reader);
        Assert.Equal(ExitCodes.Usage, bothCode);

        await using (var agent = await CardAgent.StartAsync(new CardAgentOptions { Cards = [new PcscAgentCard("pcsc-0", Reader)] }))
        using (var http = new HttpClient { BaseAddress = agent.Url, Timeout = Wait })
        {
            var cards = await JsonAsync(await http.GetAsync("v1/cards"));
            Assert.Equal("pcsc", cards.GetProperty("cards")[0].GetProperty("kind").GetString());
            Assert.True(cards.GetProperty("cards")[0].GetProperty("present").GetBoolean());

            var certificate = await JsonAsync(await http.GetAsync("v1/cards/pcsc-0/certificate"));
            using var cert = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(certificate.GetProperty("der").GetString()!));
            Assert.Equal(fixture.Issued.AuthenticationSerial, cert.SerialNumber);

            var challenge = RandomNumberGenerator.GetBytes(32);
            var signed = await http.PostAsJsonAsync("v1/cards/pcsc-0/sign", new { pin = AgentCardFixture.Pin, challenge = Convert.ToBase64String(challenge) });
            Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
            var signature = Convert.FromBase64String((await JsonAsync(signed)).GetProperty("signature").GetString()!);
            using var key = cert.GetRSAPublicKey()!;
            Assert.True(key.VerifyData(challenge, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

            var wrong = await http.PostAsJsonAsync("v1/cards/pcsc-0/sign", new { pin = "0000", challenge = "AQID" });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong.StatusCode);
            Assert.Equal(2, (await JsonAsync(wrong)).GetProperty("triesLeft").GetInt32());

            // Ctrl+C on serve-vpcd pulls the card out: the agent now reports it absent.
            await stop.CancelAsync();
            Assert.Equal(ExitCodes.Ok, await serve.WaitAsync(Wait));
            using (var pcsc = PcscContext.Establish())
                Assert.True(await Task.Run(() => pcsc.WaitForCardRemoval(Reader, Wait)));
            var absent = await http.GetAsync("v1/cards/pcsc-0/pin-status");
            Assert.Equal(HttpStatusCode.Conflict, absent.StatusCode);
            Assert.Equal("card.absent", (await JsonAsync(absent)).GetProperty("code").GetString());
        }

        // The wrong PIN went through pcscd into the card file that serve-vpcd had loaded.
        Assert.Equal(2, EmulatedCard.Load(cardPath).AuthPinTriesLeft);
        Assert.Contains("the card is inserted", serveConsole.Output);
    }

    [Fact]
    public async Task Serve_vpcd_without_reconnect_fails_clearly_when_nothing_listens()
    {
        var cardPath = fixture.CopyOfCard();

        var (code, output) = await CliRun.RunAsync("card", "serve-vpcd", cardPath, "--port", "1", "--no-reconnect");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("Could not connect to vpcd at 127.0.0.1:1", output);
    }

    [Fact]
    public async Task Serve_vpcd_refuses_a_missing_card_file()
    {
        var (code, output) = await CliRun.RunAsync("card", "serve-vpcd", Path.Combine(fixture.Root, "missing.card"));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("cannot load card file", output);
    }
}

[CollectionDefinition(AgentOverPcscTests.Name, DisableParallelization = true)]
public sealed class AgentOverPcscCollection;

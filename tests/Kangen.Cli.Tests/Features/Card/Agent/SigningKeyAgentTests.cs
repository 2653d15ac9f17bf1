using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Kangen.Cli.Features.Card.Agent;
using Kangen.SmartCard;
using Microsoft.Extensions.Logging;

namespace Kangen.Cli.Tests.Features.Card.Agent;

/// <summary>
/// The agent's signing-key endpoint (<c>POST /v1/cards/{id}/signing/sign</c>), which a legal representative's page uses
/// for the child's age proof: the signing certificate and a signature by the signing key after the signing password.
/// </summary>
public sealed class SigningKeyAgentTests(AgentCardFixture fixture) : IClassFixture<AgentCardFixture>, IAsyncLifetime
{
    private const string Password = "PASS123";
    private const string AllowedOrigin = "https://kangen.example";
    private readonly ConcurrentQueue<string> _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private string _cardPath = null!;
    private CardAgent _agent = null!;

    public async Task InitializeAsync()
    {
        _cardPath = fixture.CopyOfCard();
        _agent = await CardAgent.StartAsync(new CardAgentOptions
        {
            Cards = [new EmulatedAgentCard("emulated-0", _cardPath)],
            AllowedOrigins = [AllowedOrigin],
            Log = _log.Enqueue,
            MinimumLogLevel = LogLevel.Trace,
        });
        _http.BaseAddress = _agent.Url;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _agent.DisposeAsync();
    }

    private Task<HttpResponseMessage> SignAsync(string password, byte[] challenge) =>
        _http.PostAsJsonAsync("v1/cards/emulated-0/signing/sign", new { password, challenge = Convert.ToBase64String(challenge) });

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task The_signing_certificate_and_a_signature_by_the_signing_key_come_back_after_the_signing_password()
    {
        var challenge = RandomNumberGenerator.GetBytes(40);

        var response = await SignAsync(Password, challenge);
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(body.GetProperty("certificate").GetString()!));
        Assert.Equal(fixture.Issued.SigningSerial, certificate.SerialNumber);
        Assert.NotEqual(fixture.Issued.AuthenticationSerial, certificate.SerialNumber);
        using var key = certificate.GetRSAPublicKey()!;
        Assert.True(key.VerifyData(challenge, Convert.FromBase64String(body.GetProperty("signature").GetString()!), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        // The user-authentication PIN was not involved.
        Assert.Equal(3, EmulatedCard.Load(_cardPath).AuthPinTriesLeft);
    }

    [Fact]
    public async Task A_wrong_signing_password_answers_its_own_code_with_the_tries_left_and_leaves_the_PIN_alone()
    {
        var response = await SignAsync("WRONG99", [1, 2, 3]);
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("card.signing-password-wrong", body.GetProperty("code").GetString());
        Assert.Equal(4, body.GetProperty("triesLeft").GetInt32());
        Assert.Contains("4", body.GetProperty("messages").GetProperty("zh").GetString());
        var card = EmulatedCard.Load(_cardPath);
        Assert.Equal(4, card.SigningPasswordTriesLeft);
        Assert.Equal(3, card.AuthPinTriesLeft);
    }

    [Fact]
    public async Task The_fifth_wrong_signing_password_blocks_it()
    {
        for (var i = 0; i < 4; i++)
            await SignAsync("WRONG99", [1]);

        var fifth = await SignAsync("WRONG99", [1]);
        var right = await SignAsync(Password, [1]);

        Assert.Equal(HttpStatusCode.Locked, fifth.StatusCode);
        Assert.Equal("card.signing-password-blocked", (await JsonAsync(fifth)).GetProperty("code").GetString());
        Assert.Equal("card.signing-password-blocked", (await JsonAsync(right)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("1234")]
    [InlineData("pass123")]
    [InlineData("PASSWORD")]
    public async Task A_malformed_signing_password_is_refused_before_the_card_and_costs_no_try(string password)
    {
        var response = await SignAsync(password, [1]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("card.signing-password-format", (await JsonAsync(response)).GetProperty("code").GetString());
        Assert.Equal(5, EmulatedCard.Load(_cardPath).SigningPasswordTriesLeft);
    }

    [Fact]
    public async Task The_authentication_PIN_does_not_unlock_the_signing_key()
    {
        var response = await _http.PostAsJsonAsync("v1/cards/emulated-0/signing/sign", new { pin = AgentCardFixture.Pin, challenge = "AQID" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("card.signing-password-format", (await JsonAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Another_origin_is_refused_before_the_card()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/cards/emulated-0/signing/sign")
        {
            Headers = { { "Origin", "https://evil.example" } },
            Content = JsonContent.Create(new { password = "WRONG99", challenge = "AQID" }),
        };

        var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(5, EmulatedCard.Load(_cardPath).SigningPasswordTriesLeft);
    }

    [Fact]
    public async Task The_signing_password_never_appears_in_the_log()
    {
        await SignAsync(Password, [9]);
        await SignAsync("WRONG77", [9]);

        var log = string.Join('\n', _log);
        Assert.Contains("POST /v1/cards/emulated-0/signing/sign -> 200", log);
        Assert.Contains("POST /v1/cards/emulated-0/signing/sign -> 422", log);
        Assert.DoesNotContain(Password, log, StringComparison.Ordinal);
        Assert.DoesNotContain("WRONG77", log, StringComparison.Ordinal);
        Assert.DoesNotContain("\"password\"", log, StringComparison.OrdinalIgnoreCase);
    }
}

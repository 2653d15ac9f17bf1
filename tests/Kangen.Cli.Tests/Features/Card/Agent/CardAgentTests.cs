using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kangen.Cli.Features.Card.Agent;
using Kangen.SmartCard;
using Microsoft.Extensions.Logging;
using Spectre.Console.Testing;

namespace Kangen.Cli.Tests.Features.Card.Agent;

/// <summary>The local card agent over real HTTP on 127.0.0.1, with emulated card files.</summary>
public sealed class CardAgentTests(AgentCardFixture fixture) : IClassFixture<AgentCardFixture>, IAsyncLifetime
{
    private const string AllowedOrigin = "https://kangen.example";
    private readonly ConcurrentQueue<string> _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private string _cardPath = null!;
    private EmulatedAgentCard _card = null!;
    private CardAgent _agent = null!;

    public async Task InitializeAsync()
    {
        _cardPath = fixture.CopyOfCard();
        _card = new EmulatedAgentCard("emulated-0", _cardPath);
        _agent = await StartAsync(_card, new EmulatedAgentCard("emulated-1", Path.Combine(fixture.Root, "no-such.card")));
        _http.BaseAddress = _agent.Url;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _agent.DisposeAsync();
    }

    private Task<CardAgent> StartAsync(params AgentCard[] cards) => StartAsync(TimeSpan.FromSeconds(30), cards);

    private Task<CardAgent> StartAsync(TimeSpan busyTimeout, params AgentCard[] cards) => CardAgent.StartAsync(new CardAgentOptions
    {
        Cards = cards,
        AllowedOrigins = [AllowedOrigin],
        BusyTimeout = busyTimeout,
        Log = _log.Enqueue,
        // Everything the framework can say, so the PIN test sees every line that could ever leak it.
        MinimumLogLevel = LogLevel.Trace,
    });

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private Task<HttpResponseMessage> SignAsync(string pin, byte[] challenge, string id = "emulated-0") =>
        _http.PostAsJsonAsync($"v1/cards/{id}/sign", new { pin, challenge = Convert.ToBase64String(challenge) });

    private X509Certificate2 Certificate()
    {
        var client = new JpkiClient(new InProcessTransport(EmulatedCard.FromBytes(fixture.TemplateBytes)));
        client.SelectJpkiAp();
        return X509CertificateLoader.LoadCertificate(client.ReadAuthenticationCertificate());
    }

    [Fact]
    public void The_agent_listens_on_loopback_only()
    {
        Assert.Equal("127.0.0.1", _agent.Url.Host);
        Assert.True(_agent.Url.Port > 0);
    }

    [Fact]
    public async Task The_card_list_shows_each_card_with_its_kind_and_presence()
    {
        var body = await JsonAsync(await _http.GetAsync("v1/cards"));

        var cards = body.GetProperty("cards").EnumerateArray().ToArray();
        Assert.Equal(2, cards.Length);
        Assert.Equal("emulated-0", cards[0].GetProperty("id").GetString());
        Assert.Equal("emulated", cards[0].GetProperty("kind").GetString());
        Assert.True(cards[0].GetProperty("present").GetBoolean());
        Assert.Equal("emulated-1", cards[1].GetProperty("id").GetString());
        Assert.False(cards[1].GetProperty("present").GetBoolean());
    }

    [Fact]
    public async Task The_certificate_comes_as_DER_and_PEM_of_the_issued_user_authentication_certificate()
    {
        var response = await _http.GetAsync("v1/cards/emulated-0/certificate");
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var fromDer = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(body.GetProperty("der").GetString()!));
        using var fromPem = X509Certificate2.CreateFromPem(body.GetProperty("pem").GetString()!);
        Assert.Equal(fixture.Issued.AuthenticationSerial, fromDer.SerialNumber);
        Assert.Equal(fromDer.RawData, fromPem.RawData);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task A_challenge_signed_through_the_agent_verifies_with_the_certificate()
    {
        var challenge = RandomNumberGenerator.GetBytes(48);

        var response = await SignAsync(AgentCardFixture.Pin, challenge);
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var signature = Convert.FromBase64String(body.GetProperty("signature").GetString()!);
        using var certificate = Certificate();
        using var key = certificate.GetRSAPublicKey()!;
        Assert.True(key.VerifyData(challenge, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.Equal(JpkiClient.CreateSha256DigestInfo(challenge), Convert.FromBase64String(body.GetProperty("digestInfo").GetString()!));
    }

    [Fact]
    public async Task A_DigestInfo_is_signed_as_given()
    {
        var hash = SHA256.HashData("application digest"u8);
        var digestInfo = JpkiClient.CreateSha256DigestInfoFromHash(hash);

        var response = await _http.PostAsJsonAsync("v1/cards/emulated-0/sign", new { pin = AgentCardFixture.Pin, digestInfo = Convert.ToBase64String(digestInfo) });
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var certificate = Certificate();
        using var key = certificate.GetRSAPublicKey()!;
        Assert.True(key.VerifyHash(hash, Convert.FromBase64String(body.GetProperty("signature").GetString()!), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task A_wrong_PIN_answers_pin_wrong_with_the_tries_left_and_the_third_blocks_the_card()
    {
        var first = await SignAsync("0000", [1, 2, 3]);
        var firstBody = await JsonAsync(first);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, first.StatusCode);
        Assert.Equal("application/problem+json", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal("card.pin-wrong", firstBody.GetProperty("code").GetString());
        Assert.Equal(2, firstBody.GetProperty("triesLeft").GetInt32());
        Assert.Contains("2", firstBody.GetProperty("messages").GetProperty("ja").GetString());

        var status = await JsonAsync(await _http.GetAsync("v1/cards/emulated-0/pin-status"));
        Assert.Equal(2, status.GetProperty("triesLeft").GetInt32());
        Assert.False(status.GetProperty("blocked").GetBoolean());

        await SignAsync("0000", [1, 2, 3]);
        var third = await SignAsync("0000", [1, 2, 3]);
        Assert.Equal(HttpStatusCode.Locked, third.StatusCode);
        Assert.Equal("card.pin-blocked", (await JsonAsync(third)).GetProperty("code").GetString());

        // Blocked means blocked: even the right PIN is refused now, and the card file remembers.
        var right = await SignAsync(AgentCardFixture.Pin, [1, 2, 3]);
        Assert.Equal("card.pin-blocked", (await JsonAsync(right)).GetProperty("code").GetString());
        Assert.Equal(0, EmulatedCard.Load(_cardPath).AuthPinTriesLeft);
        Assert.True((await JsonAsync(await _http.GetAsync("v1/cards/emulated-0/pin-status"))).GetProperty("blocked").GetBoolean());
    }

    [Fact]
    public async Task A_malformed_PIN_is_refused_before_the_card_and_costs_no_try()
    {
        var response = await SignAsync("12a4", [1]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("card.pin-format", (await JsonAsync(response)).GetProperty("code").GetString());
        Assert.Equal(3, EmulatedCard.Load(_cardPath).AuthPinTriesLeft);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"pin\":\"7391\"}")]
    [InlineData("{\"pin\":\"7391\",\"challenge\":\"AA==\",\"digestInfo\":\"AA==\"}")]
    [InlineData("{\"pin\":\"7391\",\"challenge\":\"not base64!\"}")]
    [InlineData("not json")]
    public async Task A_malformed_sign_request_is_a_bad_request(string json)
    {
        var response = await _http.PostAsync("v1/cards/emulated-0/sign", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("request.invalid", (await JsonAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Unknown_and_absent_cards_have_their_own_codes()
    {
        var unknown = await _http.GetAsync("v1/cards/emulated-7/certificate");
        var absent = await _http.GetAsync("v1/cards/emulated-1/certificate");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("card.unknown", (await JsonAsync(unknown)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Conflict, absent.StatusCode);
        Assert.Equal("card.absent", (await JsonAsync(absent)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_allow_listed_origin_gets_CORS_headers_and_its_preflight_is_answered()
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, "v1/cards/emulated-0/pin-status") { Headers = { { "Origin", AllowedOrigin } } };
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "v1/cards/emulated-0/sign")
        {
            Headers = { { "Origin", AllowedOrigin }, { "Access-Control-Request-Method", "POST" }, { "Access-Control-Request-Private-Network", "true" } },
        };

        var response = await _http.SendAsync(get);
        var pre = await _http.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(AllowedOrigin, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal(HttpStatusCode.NoContent, pre.StatusCode);
        Assert.Equal(AllowedOrigin, Assert.Single(pre.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("POST", Assert.Single(pre.Headers.GetValues("Access-Control-Allow-Methods")));
        Assert.Equal("true", Assert.Single(pre.Headers.GetValues("Access-Control-Allow-Private-Network")));
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("https://kangen.example.evil.example")]
    [InlineData("http://kangen.example")]
    [InlineData("null")]
    public async Task Any_other_origin_is_refused_and_never_reaches_the_card(string origin)
    {
        using var sign = new HttpRequestMessage(HttpMethod.Post, "v1/cards/emulated-0/sign")
        {
            Headers = { { "Origin", origin } },
            Content = JsonContent.Create(new { pin = "0000", challenge = "AQID" }),
        };
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "v1/cards/emulated-0/sign") { Headers = { { "Origin", origin } } };

        var response = await _http.SendAsync(sign);
        var pre = await _http.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("agent.origin-refused", (await JsonAsync(response)).GetProperty("code").GetString());
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.Forbidden, pre.StatusCode);
        Assert.False(pre.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(3, EmulatedCard.Load(_cardPath).AuthPinTriesLeft);
    }

    [Fact]
    public async Task A_request_under_a_foreign_host_name_is_refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/cards") { Headers = { Host = "attacker.example" } };

        var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("agent.host-refused", (await JsonAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_PIN_never_appears_in_the_log()
    {
        await SignAsync(AgentCardFixture.Pin, [9, 9, 9]);
        await SignAsync("8642", [9, 9, 9]);
        await _http.PostAsync("v1/cards/emulated-0/sign", new StringContent("{\"pin\":\"5173\", broken", System.Text.Encoding.UTF8, "application/json"));

        var log = string.Join('\n', _log);
        Assert.Contains("POST /v1/cards/emulated-0/sign -> 200", log);
        Assert.Contains("POST /v1/cards/emulated-0/sign -> 422", log);
        foreach (var pin in new[] { AgentCardFixture.Pin, "8642", "5173" })
            Assert.DoesNotMatch($"(?<![0-9A-Za-z]){pin}(?![0-9A-Za-z])", log);
        Assert.DoesNotContain("\"pin\"", log, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_request_waits_while_another_operation_holds_the_card()
    {
        var held = await _card.LockAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.NotNull(held);

        var waiting = SignAsync(AgentCardFixture.Pin, [4, 5, 6]);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        held.Dispose();

        var response = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_request_that_waits_longer_than_the_busy_timeout_gets_card_busy()
    {
        var card = new EmulatedAgentCard("emulated-0", fixture.CopyOfCard());
        await using var agent = await StartAsync(TimeSpan.FromMilliseconds(200), card);
        using var held = await card.LockAsync(TimeSpan.FromSeconds(5), CancellationToken.None);

        var response = await _http.GetAsync(new Uri(agent.Url, "v1/cards/emulated-0/pin-status"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("card.busy", (await JsonAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Concurrent_signatures_on_one_card_all_succeed_one_at_a_time()
    {
        var requests = Enumerable.Range(0, 6).Select(i => SignAsync(AgentCardFixture.Pin, [(byte)i])).ToArray();

        var responses = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(3, EmulatedCard.Load(_cardPath).AuthPinTriesLeft);
    }

    [Fact]
    public async Task The_agent_command_prints_its_URL_and_serves_until_cancelled()
    {
        var console = new TestConsole().Width(200);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = KangenCli.RunAsync(["card", "agent", "--card", _cardPath, "--allow-origin", AllowedOrigin],
            new CliContext(console, TimeProvider.System), stop.Token);

        Match url = Match.Empty;
        for (var i = 0; i < 200 && !(url = Regex.Match(console.Output, @"http://127\.0\.0\.1:\d+/")).Success; i++)
            await Task.Delay(50);
        Assert.True(url.Success, $"no URL printed:\n{console.Output}");
        var cards = await JsonAsync(await _http.GetAsync(new Uri(new Uri(url.Value), "v1/cards")));
        Assert.Equal("emulated-0", cards.GetProperty("cards")[0].GetProperty("id").GetString());

        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task The_agent_command_needs_a_card_or_a_reader()
    {
        var (code, output) = await CliRun.RunAsync("card", "agent");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--card", output);
    }
}

using System.Net;
using System.Text;
using Kangen.Platform.Features.Reservation;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Identity;

/// <summary>Flow 1 over HTTP, every refusal with its own code and nothing written; run on SQLite and on PostgreSQL.</summary>
public abstract class CardAuthenticationTests<TFixture>(TFixture fixture) where TFixture : PlatformFixture
{
    protected TFixture Fixture { get; } = fixture;

    private async Task AssertRefusedAsync(Reply reply, HttpStatusCode status, string code, Counts before)
    {
        Assert.Equal(status, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
        Assert.Equal(code, reply.Code);
        Assert.Equal("https://kangen.dev/problems/" + code, reply.Text("type"));
        Assert.False(string.IsNullOrEmpty(reply.Text("title")));
        var messages = reply.Body.GetProperty("problems")[0];
        Assert.False(string.IsNullOrEmpty(messages.GetProperty("ja").GetString()));
        Assert.False(string.IsNullOrEmpty(messages.GetProperty("zh").GetString()));
        Assert.Equal(before, await Fixture.CountAsync());
    }

    [Fact]
    public async Task A_good_card_authenticates_and_its_first_login_reserves_a_my_key_id()
    {
        using var client = Fixture.CreateClient();
        var card = Fixture.IssueCard();
        var before = await Fixture.CountAsync();

        var reply = await LoginAsync(client, card);

        Assert.Equal(HttpStatusCode.Created, reply.Status);
        Assert.Equal("Bearer", reply.Text("tokenType"));
        Assert.True(reply.Body.GetProperty("personCreated").GetBoolean());
        Assert.Equal(card.Serial, reply.Text("serial"));
        var myKeyId = reply.Text("myKeyId");
        Assert.Equal(8, myKeyId.Length);
        Assert.All(myKeyId, c => Assert.Contains(c, MyKeyId.GeneratedAlphabet));
        Assert.Equal(before with
        {
            Persons = before.Persons + 1, Certificates = before.Certificates + 1, Sessions = before.Sessions + 1,
            ConsumedChallenges = before.ConsumedChallenges + 1, Audit = before.Audit + 2,
        }, await Fixture.CountAsync());

        var me = await SendAsync(client, HttpMethod.Get, "/api/v1/me", token: reply.Text("token"));
        Assert.Equal(HttpStatusCode.OK, me.Status);
        Assert.Equal(myKeyId, me.Text("myKeyId"));
        var certificate = Assert.Single(me.Body.GetProperty("certificates").EnumerateArray());
        Assert.Equal(card.Serial, certificate.GetProperty("serial").GetString());
        Assert.Equal("first-login", certificate.GetProperty("how").GetString());
        Assert.True(certificate.GetProperty("current").GetBoolean());

        // A second login of the same card reaches the same person.
        var again = await LoginAsync(client, card);
        Assert.Equal(HttpStatusCode.Created, again.Status);
        Assert.False(again.Body.GetProperty("personCreated").GetBoolean());
        Assert.Equal(myKeyId, again.Text("myKeyId"));
        await using var db = Fixture.NewContext();
        Assert.Equal(1, await db.Persons.CountAsync(p => p.MyKeyId == myKeyId));
        var actions = await db.AuditLog.OrderBy(a => a.Sequence).Select(a => a.Action).ToListAsync();
        Assert.Contains("person.created", actions);
        Assert.Contains("session.created", actions);
    }

    [Fact]
    public async Task A_replayed_challenge_is_refused_and_writes_nothing()
    {
        using var client = Fixture.CreateClient();
        var card = Fixture.IssueCard();
        var challenge = await ChallengeAsync(client);
        var certificate = card.Certificate();
        var signature = card.Sign(Encoding.UTF8.GetBytes(challenge));
        Assert.Equal(HttpStatusCode.Created, (await OpenSessionAsync(client, challenge, certificate, signature)).Status);
        var before = await Fixture.CountAsync();

        var replay = await OpenSessionAsync(client, challenge, certificate, signature);

        await AssertRefusedAsync(replay, HttpStatusCode.Unauthorized, "auth.challenge-used", before);
    }

    [Fact]
    public async Task An_expired_challenge_is_refused_and_writes_nothing()
    {
        using var client = Fixture.CreateClient();
        var card = Fixture.IssueCard();
        var challenge = await ChallengeAsync(client);
        var signature = card.Sign(Encoding.UTF8.GetBytes(challenge));
        Fixture.Time.Advance(TimeSpan.FromSeconds(121));
        var before = await Fixture.CountAsync();

        var reply = await OpenSessionAsync(client, challenge, card.Certificate(), signature);

        await AssertRefusedAsync(reply, HttpStatusCode.Unauthorized, "auth.challenge-expired", before);
    }

    [Fact]
    public async Task A_challenge_for_another_purpose_is_refused_and_writes_nothing()
    {
        using var client = Fixture.CreateClient();
        var card = Fixture.IssueCard();
        var challenge = await ChallengeAsync(client, "application");
        var before = await Fixture.CountAsync();

        var reply = await OpenSessionAsync(client, challenge, card.Certificate(), card.Sign(Encoding.UTF8.GetBytes(challenge)));

        await AssertRefusedAsync(reply, HttpStatusCode.Unauthorized, "auth.challenge-wrong-purpose", before);
    }

    [Theory]
    [InlineData("nonce")]
    [InlineData("expiry")]
    [InlineData("garbage")]
    public async Task A_forged_or_garbled_challenge_is_refused_and_writes_nothing(string what)
    {
        using var client = Fixture.CreateClient();
        var card = Fixture.IssueCard();
        var parts = (await ChallengeAsync(client)).Split('.');
        if (what == "nonce")
            parts[2] = (parts[2][0] == 'A' ? 'B' : 'A') + parts[2][1..];
        else if (what == "expiry")
            parts[3] = (long.Parse(parts[3]) + 3600).ToString();
        var forged = what == "garbage" ? "not-a-challenge" : string.Join('.', parts);
        var before = await Fixture.CountAsync();

        var reply = await OpenSessionAsync(client, forged, card.Certificate(), card.Sign(Encoding.UTF8.GetBytes(forged)));

        await AssertRefusedAsync(reply, HttpStatusCode.Unauthorized, "auth.challenge-invalid", before);
    }

    [Fact]
    public async Task A_certificate_from_another_ca_is_refused_and_writes_nothing()
    {
        using var client = Fixture.CreateClient();
        var stranger = Fixture.IssueCard(trusted: false);
        var before = await Fixture.CountAsync();

        var reply = await LoginAsync(client, stranger);

        await AssertRefusedAsync(reply, HttpStatusCode.Unauthorized, "auth.certificate-untrusted", before);
    }

    [Fact]
    public async Task An_expired_certificate_is_refused_and_writes_nothing()
    {
        using var client = Fixture.CreateClient();
        // Valid until 23:59:59 JST today; twelve hours on, it has expired (the CRL is still current).
        var today = DateOnly.FromDateTime(Fixture.Time.GetUtcNow().ToOffset(TimeSpan.FromHours(9)).DateTime);
        var card = Fixture.IssueCard(validUntil: today);
        Fixture.Time.Advance(TimeSpan.FromHours(12));
        var before = await Fixture.CountAsync();

        var reply = await LoginAsync(client, card);

        await AssertRefusedAsync(reply, HttpStatusCode.Unauthorized, "auth.certificate-expired", before);
    }

    [Fact]
    public async Task A_revoked_certificate_is_refused_and_writes_nothing()
    {
        using var client = Fixture.CreateClient();
        var card = Fixture.IssueCard();
        Fixture.Issuer.Revoke(card.Path, System.Security.Cryptography.X509Certificates.X509RevocationReason.KeyCompromise);
        Fixture.Trust.Refresh(); // what the background refresh does every minute
        var before = await Fixture.CountAsync();

        var reply = await LoginAsync(client, card);

        await AssertRefusedAsync(reply, HttpStatusCode.Unauthorized, "auth.certificate-revoked", before);
    }

    [Fact]
    public async Task A_signature_over_other_bytes_is_refused_and_writes_nothing()
    {
        using var client = Fixture.CreateClient();
        var card = Fixture.IssueCard();
        var challenge = await ChallengeAsync(client);
        var before = await Fixture.CountAsync();

        var reply = await OpenSessionAsync(client, challenge, card.Certificate(), card.Sign(Encoding.UTF8.GetBytes(challenge + "x")));

        await AssertRefusedAsync(reply, HttpStatusCode.Unauthorized, "auth.signature-invalid", before);
    }

    [Fact]
    public async Task Another_cards_signature_is_refused_and_writes_nothing()
    {
        using var client = Fixture.CreateClient();
        var card = Fixture.IssueCard();
        var thief = Fixture.IssueCard();
        var challenge = await ChallengeAsync(client);
        var before = await Fixture.CountAsync();

        var reply = await OpenSessionAsync(client, challenge, card.Certificate(), thief.Sign(Encoding.UTF8.GetBytes(challenge)));

        await AssertRefusedAsync(reply, HttpStatusCode.Unauthorized, "auth.signature-invalid", before);
    }

    [Theory]
    [InlineData("{}", "challenge")]
    [InlineData("{\"challenge\":\"kc1.x\",\"certificate\":\"%%%\",\"signature\":\"AAAA\"}", "certificate")]
    [InlineData("{\"challenge\":\"kc1.x\",\"certificate\":\"AAAA\"}", "signature")]
    [InlineData("{\"challenge\":", "body")]
    [InlineData("[1,2]", "body")]
    public async Task A_malformed_session_request_gets_a_field_error_and_writes_nothing(string json, string field)
    {
        using var client = Fixture.CreateClient();
        var before = await Fixture.CountAsync();

        var reply = await SendAsync(client, HttpMethod.Post, "/api/v1/sessions", rawJson: json);

        await AssertRefusedAsync(reply, HttpStatusCode.BadRequest, "auth.request-invalid", before);
        Assert.True(reply.Body.GetProperty("errors").TryGetProperty(field, out _), reply.Body.ToString());
    }

    [Fact]
    public async Task A_chunked_body_over_64_KB_is_refused_as_too_large_and_writes_nothing()
    {
        using var client = Fixture.CreateClient();
        var before = await Fixture.CountAsync();
        var json = System.Text.Json.JsonSerializer.Serialize(new { challenge = "kc1.x", certificate = new string('A', 100_000), signature = "AAAA" });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/sessions") { Content = new UnknownLengthContent(Encoding.UTF8.GetBytes(json)) };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        var reply = new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);

        await AssertRefusedAsync(reply, HttpStatusCode.BadRequest, "auth.request-invalid", before);
        Assert.True(reply.Body.GetProperty("errors").TryGetProperty("body", out _), reply.Body.ToString());
        Assert.Contains("64 KB", reply.Text("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_garbage_certificate_is_refused_as_malformed_and_writes_nothing()
    {
        using var client = Fixture.CreateClient();
        var challenge = await ChallengeAsync(client);
        var before = await Fixture.CountAsync();

        var reply = await OpenSessionAsync(client, challenge, [0x30, 0x03, 0x02, 0x01, 0x01], new byte[256]);

        await AssertRefusedAsync(reply, HttpStatusCode.BadRequest, "auth.certificate-malformed", before);
    }

    [Fact]
    public async Task An_unknown_challenge_purpose_is_refused()
    {
        using var client = Fixture.CreateClient();
        var reply = await SendAsync(client, HttpMethod.Post, "/api/v1/challenges", new { purpose = "lottery" });
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("auth.purpose-invalid", reply.Code);
    }

    [Fact]
    public async Task Two_concurrent_first_logins_of_the_same_card_create_one_person()
    {
        using var client = Fixture.CreateClient();
        var card = Fixture.IssueCard();
        var certificate = card.Certificate();
        var first = await ChallengeAsync(client);
        var second = await ChallengeAsync(client);
        var firstSignature = card.Sign(Encoding.UTF8.GetBytes(first));
        var secondSignature = card.Sign(Encoding.UTF8.GetBytes(second));
        var before = await Fixture.CountAsync();

        var replies = await Task.WhenAll(
            OpenSessionAsync(client, first, certificate, firstSignature),
            OpenSessionAsync(client, second, certificate, secondSignature));

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal(replies[0].Text("myKeyId"), replies[1].Text("myKeyId"));
        Assert.Single(replies, r => r.Body.GetProperty("personCreated").GetBoolean());
        var after = await Fixture.CountAsync();
        Assert.Equal(before.Persons + 1, after.Persons);
        Assert.Equal(before.Certificates + 1, after.Certificates);
        Assert.Equal(before.Sessions + 2, after.Sessions);
        await using var db = Fixture.NewContext();
        Assert.Equal(1, await db.Certificates.CountAsync(c => c.Serial == card.Serial));
    }

    [Theory]
    [InlineData("Kangen:Challenges:LifetimeSeconds", "0", "Kangen:Challenges:LifetimeSeconds must be 1..3600.")]
    [InlineData("Kangen:Sessions:LifetimeMinutes", "1441", "Kangen:Sessions:LifetimeMinutes must be 1..1440.")]
    public void A_lifetime_out_of_range_stops_the_platform_at_start_with_the_setting_named(string key, string value, string message)
    {
        var refused = Assert.ThrowsAny<Exception>(() => Fixture.StartReplica((key, value)).Dispose());

        var validation = Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(Innermost(refused, e => e is Microsoft.Extensions.Options.OptionsValidationException));
        Assert.Contains(message, validation.Failures);
    }

    private static Exception Innermost(Exception e, Func<Exception, bool> match)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (match(x))
                return x;
        }
        return e;
    }

    [Fact]
    public async Task A_renewed_certificate_keeps_the_my_key_id_and_the_old_one_is_refused()
    {
        using var client = Fixture.CreateClient();
        var card = Fixture.IssueCard();
        var (_, myKeyId) = await LoginOkAsync(client, card);
        var oldCertificate = card.Certificate();
        Fixture.Time.Advance(TimeSpan.FromMinutes(1));

        var renewed = Fixture.Issuer.Renew(card.Path);
        Fixture.Trust.Refresh();
        var reply = await LoginAsync(client, card);

        Assert.Equal(HttpStatusCode.Created, reply.Status);
        Assert.Equal(myKeyId, reply.Text("myKeyId"));
        Assert.Equal(renewed.AuthenticationSerial, reply.Text("serial"));
        Assert.False(reply.Body.GetProperty("personCreated").GetBoolean());
        Assert.True(reply.Body.GetProperty("linkedByRenewal").GetBoolean());
        var me = await SendAsync(client, HttpMethod.Get, "/api/v1/me", token: reply.Text("token"));
        var certificates = me.Body.GetProperty("certificates").EnumerateArray().ToArray();
        Assert.Equal(2, certificates.Length);
        Assert.Equal(["first-login", "renewal"], certificates.Select(c => c.GetProperty("how").GetString()));
        Assert.Equal(card.Serial, certificates[1].GetProperty("predecessorSerial").GetString());
        await using (var db = Fixture.NewContext())
            Assert.Contains(await db.AuditLog.Select(a => a.Action).ToListAsync(), a => a == "certificate.linked-by-renewal");

        // The superseded certificate is on the CRL now: presenting it is refused before any signature check.
        var before = await Fixture.CountAsync();
        var challenge = await ChallengeAsync(client);
        var old = await OpenSessionAsync(client, challenge, oldCertificate, card.Sign(Encoding.UTF8.GetBytes(challenge)));
        await AssertRefusedAsync(old, HttpStatusCode.Unauthorized, "auth.certificate-revoked", before);
    }

    [Fact]
    public async Task An_ended_session_is_refused_afterwards()
    {
        using var client = Fixture.CreateClient();
        var (token, _) = await LoginOkAsync(client, Fixture.IssueCard());
        var before = await Fixture.CountAsync();

        var end = await SendAsync(client, HttpMethod.Delete, "/api/v1/sessions/current", token: token);

        Assert.Equal(HttpStatusCode.NoContent, end.Status);
        Assert.Equal(before with { Audit = before.Audit + 1 }, await Fixture.CountAsync());
        var me = await SendAsync(client, HttpMethod.Get, "/api/v1/me", token: token);
        Assert.Equal(HttpStatusCode.Unauthorized, me.Status);
        Assert.Equal("auth.session-invalid", me.Code);
        var again = await SendAsync(client, HttpMethod.Delete, "/api/v1/sessions/current", token: token);
        Assert.Equal("auth.session-invalid", again.Code);
    }

    [Fact]
    public async Task A_session_expires_after_its_lifetime()
    {
        using var client = Fixture.CreateClient();
        var (token, _) = await LoginOkAsync(client, Fixture.IssueCard());
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Get, "/api/v1/me", token: token)).Status);

        Fixture.Time.Advance(TimeSpan.FromMinutes(16));

        var me = await SendAsync(client, HttpMethod.Get, "/api/v1/me", token: token);
        Assert.Equal(HttpStatusCode.Unauthorized, me.Status);
        Assert.Equal("auth.session-expired", me.Code);
    }

    [Theory]
    [InlineData(null, "auth.session-required")]
    [InlineData("made-up-token", "auth.session-invalid")]
    public async Task Personal_routes_need_a_live_session(string? token, string code)
    {
        using var client = Fixture.CreateClient();
        var me = await SendAsync(client, HttpMethod.Get, "/api/v1/me", token: token);
        Assert.Equal(HttpStatusCode.Unauthorized, me.Status);
        Assert.Equal("application/problem+json", me.ContentType);
        Assert.Equal(code, me.Code);
    }
}

/// <summary>A JSON body sent without Content-Length, as a chunked upload is.</summary>
internal sealed class UnknownLengthContent : HttpContent
{
    private readonly byte[] _bytes;

    public UnknownLengthContent(byte[] bytes)
    {
        _bytes = bytes;
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    }

    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

public sealed class SqliteCardAuthenticationTests(SqlitePlatformFixture fixture)
    : CardAuthenticationTests<SqlitePlatformFixture>(fixture), IClassFixture<SqlitePlatformFixture>;

public sealed class PostgresCardAuthenticationTests(PostgresPlatformFixture fixture)
    : CardAuthenticationTests<PostgresPlatformFixture>(fixture), IClassFixture<PostgresPlatformFixture>;

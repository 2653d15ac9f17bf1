using System.Net;
using System.Net.Http.Json;
using System.Text;
using Kangen.Platform.Features.Operators;
using Kangen.Protocol;
using Microsoft.Extensions.Time.Testing;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Operators;

/// <summary>
/// Signed operator requests over HTTP: what authenticates (a registered, active key of an active operator, a fresh
/// timestamp, a signature over method, path, time and body digest, a body matching its digest) and key rotation by
/// the operator itself. Run on SQLite and on PostgreSQL; each test onboards operators of its own.
/// </summary>
public abstract class SignedRequestTests<TFixture>(TFixture fixture) where TFixture : OperatorsFixture
{
    protected TFixture Fixture { get; } = fixture;

    [Fact]
    public async Task A_request_signed_with_a_registered_key_reads_the_operators_own_profile()
    {
        using var admin = Fixture.CreateClient();
        var key = await Fixture.OnboardAsync(admin, "tanpopo", "https://tanpopo.example/verify");
        using var client = Fixture.SignedClient(key);

        var me = await SendAsync(client, HttpMethod.Get, OperatorRoutes.Me);

        Assert.Equal(HttpStatusCode.OK, me.Status);
        var profile = System.Text.Json.JsonSerializer.Deserialize<OperatorProfile>(me.Raw, ProtocolJson.Options)!;
        Assert.Equal("tanpopo", profile.Code);
        Assert.Equal("active", profile.Status);
        Assert.Equal("https://tanpopo.example/verify", profile.VerificationUrl);
        Assert.Equal(["tanpopo-card", "tanpopo-money", "tanpopo-pay"], profile.Services);
        Assert.Equal([SigningKeys.KeyId(key)], profile.Keys.Select(k => k.KeyId));
    }

    [Fact]
    public async Task Unsigned_wrongly_signed_stale_and_unknown_key_requests_are_refused_with_their_codes()
    {
        using var admin = Fixture.CreateClient();
        var key = await Fixture.OnboardAsync(admin, "yuzu-pay");
        var keyId = SigningKeys.KeyId(key);
        using var client = Fixture.CreateClient();

        var unsigned = await SendAsync(client, HttpMethod.Get, OperatorRoutes.Me);
        using var forged = await client.SendAsync(await OperatorsFixture.SignedRequestAsync(HttpMethod.Get, OperatorRoutes.Me, SigningKeys.Create(), keyId, Fixture.Time));
        var stale = new FakeTimeProvider(Fixture.Time.GetUtcNow() - RequestSigning.MaxSkew - TimeSpan.FromSeconds(5));
        using var staleClient = Fixture.SignedClient(key, stale);
        var late = await SendAsync(staleClient, HttpMethod.Get, OperatorRoutes.Me);
        using var strangerClient = Fixture.SignedClient(SigningKeys.Create());
        var stranger = await SendAsync(strangerClient, HttpMethod.Get, OperatorRoutes.Me);
        // A signature for one path does not open another.
        var otherPath = await OperatorsFixture.SignedRequestAsync(HttpMethod.Get, OperatorRoutes.Me, key, keyId, Fixture.Time);
        otherPath.RequestUri = new Uri(new Uri("http://localhost"), OperatorRoutes.Enrolments);
        using var moved = await client.SendAsync(otherPath);

        Assert.Equal((HttpStatusCode.Unauthorized, "operator.credential-required"), (unsigned.Status, unsigned.Code));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Contains("operator.signature-invalid", await forged.Content.ReadAsStringAsync());
        Assert.Equal((HttpStatusCode.Unauthorized, "operator.timestamp-stale"), (late.Status, late.Code));
        Assert.Equal((HttpStatusCode.Unauthorized, "operator.key-unknown"), (stranger.Status, stranger.Code));
        Assert.Equal(HttpStatusCode.Unauthorized, moved.StatusCode);
        Assert.Contains("operator.signature-invalid", await moved.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_body_changed_after_signing_is_refused_and_its_key_is_not_added()
    {
        using var admin = Fixture.CreateClient();
        var key = await Fixture.OnboardAsync(admin, "hibari");
        var signed = JsonContent.Create(new KeyRegistration(SigningKeys.PublicPem(SigningKeys.Create())));
        var request = await OperatorsFixture.SignedRequestAsync(HttpMethod.Post, OperatorRoutes.Keys, key, SigningKeys.KeyId(key), Fixture.Time,
            await signed.ReadAsStringAsync());
        var digest = request.Content!.Headers.GetValues(RequestSigning.DigestHeader).Single();
        var intruder = SigningKeys.Create();
        request.Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(new KeyRegistration(SigningKeys.PublicPem(intruder)), ProtocolJson.Options),
            Encoding.UTF8, "application/json");
        request.Content.Headers.TryAddWithoutValidation(RequestSigning.DigestHeader, digest);
        var before = await Fixture.CountOperatorRowsAsync();
        using var client = Fixture.CreateClient();

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("operator.digest-mismatch", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await Fixture.CountOperatorRowsAsync());
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_once_on_the_replica_that_revoked_it_and_on_others_after_the_cache_lifetime()
    {
        using var admin = Fixture.CreateClient();
        var old = await Fixture.OnboardAsync(admin, "kotobuki");
        var fresh = SigningKeys.Create();
        Assert.Equal(HttpStatusCode.Created, (await Fixture.AdminAsync(admin, HttpMethod.Post, "/api/v1/admin/operators/kotobuki/keys",
            new { publicKeyPem = SigningKeys.PublicPem(fresh) })).Status);
        await using var replica = Fixture.StartReplica();
        using var here = Fixture.SignedClient(old);
        using var there = Fixture.SignedClient(old, factory: replica);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(here, HttpMethod.Get, OperatorRoutes.Me)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(there, HttpMethod.Get, OperatorRoutes.Me)).Status);

        Assert.Equal(HttpStatusCode.OK, (await Fixture.AdminAsync(admin, HttpMethod.Delete, $"/api/v1/admin/operators/kotobuki/keys/{SigningKeys.KeyId(old)}")).Status);

        Assert.Equal("operator.key-unknown", (await SendAsync(here, HttpMethod.Get, OperatorRoutes.Me)).Code);
        // The other replica trusted the key it read a moment ago, for at most the cache lifetime.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(there, HttpMethod.Get, OperatorRoutes.Me)).Status);
        Fixture.Time.Advance(OperatorKeyCache.Lifetime + TimeSpan.FromSeconds(1));
        Assert.Equal("operator.key-unknown", (await SendAsync(there, HttpMethod.Get, OperatorRoutes.Me)).Code);
        using var freshThere = Fixture.SignedClient(fresh, factory: replica);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(freshThere, HttpMethod.Get, OperatorRoutes.Me)).Status);
    }

    [Fact]
    public async Task A_suspended_operators_keys_do_not_authenticate_until_it_is_active_again()
    {
        using var admin = Fixture.CreateClient();
        var key = await Fixture.OnboardAsync(admin, "shirakaba");
        using var client = Fixture.SignedClient(key);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Get, OperatorRoutes.Me)).Status);

        await Fixture.AdminAsync(admin, HttpMethod.Patch, "/api/v1/admin/operators/shirakaba", new { status = "suspended" });
        var suspended = await SendAsync(client, HttpMethod.Get, OperatorRoutes.Me);
        var feed = await OperatorsFixture.FeedAsync(client);
        await Fixture.AdminAsync(admin, HttpMethod.Patch, "/api/v1/admin/operators/shirakaba", new { status = "active" });
        var active = await SendAsync(client, HttpMethod.Get, OperatorRoutes.Me);

        Assert.Equal((HttpStatusCode.Forbidden, "operator.suspended"), (suspended.Status, suspended.Code));
        Assert.Equal(HttpStatusCode.Forbidden, feed.Status);
        Assert.Equal(HttpStatusCode.OK, active.Status);
    }

    [Fact]
    public async Task An_operator_rotates_its_key_without_downtime_and_cannot_revoke_its_last_key()
    {
        using var admin = Fixture.CreateClient();
        var old = await Fixture.OnboardAsync(admin, "tsukushi");
        var next = SigningKeys.Create();
        using var oldClient = Fixture.SignedClient(old);
        using var nextClient = Fixture.SignedClient(next);
        var audit = (await Fixture.CountOperatorRowsAsync()).Audit;

        var added = await SendAsync(oldClient, HttpMethod.Post, OperatorRoutes.Keys, new KeyRegistration(SigningKeys.PublicPem(next)));
        var bothOld = await SendAsync(oldClient, HttpMethod.Get, OperatorRoutes.Me);
        var bothNext = await SendAsync(nextClient, HttpMethod.Get, OperatorRoutes.Me);
        var revoked = await SendAsync(nextClient, HttpMethod.Delete, $"{OperatorRoutes.Keys}/{SigningKeys.KeyId(old)}");
        var oldAfter = await SendAsync(oldClient, HttpMethod.Get, OperatorRoutes.Me);
        var nextAfter = await SendAsync(nextClient, HttpMethod.Get, OperatorRoutes.Me);
        var last = await SendAsync(nextClient, HttpMethod.Delete, $"{OperatorRoutes.Keys}/{SigningKeys.KeyId(next)}");
        var notMine = await SendAsync(nextClient, HttpMethod.Delete, $"{OperatorRoutes.Keys}/k-00000000000000000000");
        var again = await SendAsync(nextClient, HttpMethod.Post, OperatorRoutes.Keys, new KeyRegistration(SigningKeys.PublicPem(old)));

        Assert.Equal(HttpStatusCode.Created, added.Status);
        Assert.Equal(SigningKeys.KeyId(next), added.Text("keyId"));
        Assert.Equal(HttpStatusCode.OK, bothOld.Status);
        Assert.Equal(HttpStatusCode.OK, bothNext.Status);
        Assert.Equal(HttpStatusCode.OK, revoked.Status);
        Assert.Equal("operator.key-unknown", oldAfter.Code);
        Assert.Equal(HttpStatusCode.OK, nextAfter.Status);
        Assert.Equal((HttpStatusCode.Conflict, "operators.last-key"), (last.Status, last.Code));
        Assert.Equal((HttpStatusCode.NotFound, "operators.key-not-found"), (notMine.Status, notMine.Code));
        Assert.Equal((HttpStatusCode.Conflict, "operators.key-registered"), (again.Status, again.Code));
        var keys = nextAfter.Body.GetProperty("keys").EnumerateArray().ToArray();
        Assert.Equal(2, keys.Length);
        var revokedIds = keys.Where(k => k.TryGetProperty("revokedAt", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.String)
            .Select(k => k.GetProperty("keyId").GetString());
        Assert.Equal([SigningKeys.KeyId(old)], revokedIds);
        Assert.Equal(audit + 2, (await Fixture.CountOperatorRowsAsync()).Audit);
        await using var db = Fixture.NewContext();
        Assert.Equal(["operator:tsukushi", "operator:tsukushi"],
            db.AuditLog.Where(e => e.Subject == "operator:tsukushi" && (e.Action == "operator.key-added" || e.Action == "operator.key-revoked"))
                .OrderBy(e => e.Sequence).Select(e => e.Actor).ToList().Skip(1));
    }
}

public sealed class SqliteSignedRequestTests(SqliteOperatorsFixture fixture)
    : SignedRequestTests<SqliteOperatorsFixture>(fixture), IClassFixture<SqliteOperatorsFixture>;

public sealed class PostgresSignedRequestTests(PostgresOperatorsFixture fixture)
    : SignedRequestTests<PostgresOperatorsFixture>(fixture), IClassFixture<PostgresOperatorsFixture>;

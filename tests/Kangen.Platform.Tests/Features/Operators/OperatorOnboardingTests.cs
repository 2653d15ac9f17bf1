using System.Net;
using System.Text.Json;
using Kangen.Platform.Tests.Features.CallCentre;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Operators;

/// <summary>
/// Onboarding over HTTP (staff role admin): registering catalogue operators, their endpoints, status and keys, each
/// change audited, every refusal with a stable code and nothing changed. Run on SQLite and on PostgreSQL. Each test
/// uses operators of its own (the fixture is shared).
/// </summary>
public abstract class OperatorOnboardingTests<TFixture>(TFixture fixture) where TFixture : OperatorsFixture
{
    protected TFixture Fixture { get; } = fixture;

    private const string Url = "/api/v1/admin/operators";

    [Fact]
    public async Task An_admin_registers_a_catalogue_operator_adds_a_key_and_sees_it_listed_with_its_services()
    {
        using var client = Fixture.CreateClient();
        var audit = (await Fixture.CountOperatorRowsAsync()).Audit;

        var registered = await Fixture.AdminAsync(client, HttpMethod.Post, Url, new { code = "sakura-pay", verificationUrl = "https://verify.sakura.example/v1/accounts" });
        var key = SigningKeys.Create();
        var added = await Fixture.AdminAsync(client, HttpMethod.Post, $"{Url}/sakura-pay/keys", new { publicKeyPem = SigningKeys.PublicPem(key) });
        var list = await Fixture.AdminAsync(client, HttpMethod.Get, Url);

        Assert.Equal(HttpStatusCode.Created, registered.Status);
        Assert.Equal("active", registered.Text("status"));
        Assert.Equal(["sakura-card", "sakura-money", "sakura-pay"], registered.Body.GetProperty("services").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(HttpStatusCode.Created, added.Status);
        Assert.Equal(SigningKeys.KeyId(key), added.Text("keyId"));
        var sakura = list.Body.EnumerateArray().Single(o => o.GetProperty("code").GetString() == "sakura-pay");
        Assert.Equal("https://verify.sakura.example/v1/accounts", sakura.GetProperty("verificationUrl").GetString());
        Assert.Equal([SigningKeys.KeyId(key)], sakura.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("keyId").GetString()));
        await using var db = Fixture.NewContext();
        var stored = await db.OperatorKeys.SingleAsync(k => k.OperatorCode == "sakura-pay");
        Assert.Equal(Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()), stored.PublicKey);
        var entries = await db.AuditLog.Where(e => e.Subject == "operator:sakura-pay").OrderBy(e => e.Sequence).ToListAsync();
        Assert.Equal(["operator.registered", "operator.key-added"], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal("staff:" + Fixture.Admin.Id, e.Actor));
        Assert.Equal(audit + 2, (await Fixture.CountOperatorRowsAsync()).Audit);
    }

    [Fact]
    public async Task Registration_refusals_have_stable_codes_and_change_nothing()
    {
        using var client = Fixture.CreateClient();
        await Fixture.OnboardAsync(client, "kaede-bank");
        var before = await Fixture.CountOperatorRowsAsync();

        var notInCatalogue = await Fixture.AdminAsync(client, HttpMethod.Post, Url, new { code = "no-such-operator" });
        var serviceNotOperator = await Fixture.AdminAsync(client, HttpMethod.Post, Url, new { code = "kaede-pay" });
        var twice = await Fixture.AdminAsync(client, HttpMethod.Post, Url, new { code = "kaede-bank" });
        var ftp = await Fixture.AdminAsync(client, HttpMethod.Post, Url, new { code = "hotaru-card", verificationUrl = "ftp://hotaru.example/verify" });
        var relative = await Fixture.AdminAsync(client, HttpMethod.Post, Url, new { code = "hotaru-card", verificationUrl = "/verify" });
        var noCode = await Fixture.AdminAsync(client, HttpMethod.Post, Url, new { verificationUrl = "https://hotaru.example/verify" });
        var clerk = await Fixture.AdminAsync(client, HttpMethod.Post, Url, new { code = "hotaru-card" }, Fixture.Clerk);
        var agent = await Fixture.AdminAsync(client, HttpMethod.Get, Url, staff: Fixture.NewAgent());
        var anonymous = await SendAsync(client, HttpMethod.Post, Url, new { code = "hotaru-card" });

        Assert.Equal((HttpStatusCode.BadRequest, "operators.code-unknown"), (notInCatalogue.Status, notInCatalogue.Code));
        Assert.Equal((HttpStatusCode.BadRequest, "operators.code-unknown"), (serviceNotOperator.Status, serviceNotOperator.Code));
        Assert.Equal((HttpStatusCode.Conflict, "operators.already-registered"), (twice.Status, twice.Code));
        Assert.Equal((HttpStatusCode.BadRequest, "operators.request-invalid"), (ftp.Status, ftp.Code));
        Assert.Equal(["verificationUrl"], ftp.ErrorFields);
        Assert.Equal((HttpStatusCode.BadRequest, "operators.request-invalid"), (relative.Status, relative.Code));
        Assert.Equal((HttpStatusCode.BadRequest, "operators.request-invalid"), (noCode.Status, noCode.Code));
        Assert.Equal((HttpStatusCode.Forbidden, "staff.role-forbidden"), (clerk.Status, clerk.Code));
        Assert.Equal((HttpStatusCode.Forbidden, "staff.role-forbidden"), (agent.Status, agent.Code));
        Assert.Equal((HttpStatusCode.Unauthorized, "staff.credential-required"), (anonymous.Status, anonymous.Code));
        Assert.Equal(before, await Fixture.CountOperatorRowsAsync());
    }

    [Fact]
    public async Task Key_refusals_have_stable_codes_and_change_nothing()
    {
        using var client = Fixture.CreateClient();
        var key = await Fixture.OnboardAsync(client, "hinode");
        await Fixture.AdminAsync(client, HttpMethod.Post, Url, new { code = "ayame" });
        var before = await Fixture.CountOperatorRowsAsync();
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        using var p384 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);

        var same = await Fixture.AdminAsync(client, HttpMethod.Post, $"{Url}/hinode/keys", new { publicKeyPem = SigningKeys.PublicPem(key) });
        var sameElsewhere = await Fixture.AdminAsync(client, HttpMethod.Post, $"{Url}/ayame/keys", new { publicKeyPem = SigningKeys.PublicPem(key) });
        var privateKey = await Fixture.AdminAsync(client, HttpMethod.Post, $"{Url}/ayame/keys", new { publicKeyPem = SigningKeys.PrivatePem(SigningKeys.Create()) });
        var rsaKey = await Fixture.AdminAsync(client, HttpMethod.Post, $"{Url}/ayame/keys", new { publicKeyPem = rsa.ExportSubjectPublicKeyInfoPem() });
        var otherCurve = await Fixture.AdminAsync(client, HttpMethod.Post, $"{Url}/ayame/keys", new { publicKeyPem = p384.ExportSubjectPublicKeyInfoPem() });
        var garbage = await Fixture.AdminAsync(client, HttpMethod.Post, $"{Url}/ayame/keys", new { publicKeyPem = "hello" });
        var unregistered = await Fixture.AdminAsync(client, HttpMethod.Post, $"{Url}/koharu/keys", new { publicKeyPem = SigningKeys.PublicPem(SigningKeys.Create()) });
        var unknownKey = await Fixture.AdminAsync(client, HttpMethod.Delete, $"{Url}/ayame/keys/{SigningKeys.KeyId(key)}");
        var otherOperator = await Fixture.AdminAsync(client, HttpMethod.Delete, $"{Url}/koharu/keys/{SigningKeys.KeyId(key)}");

        Assert.Equal((HttpStatusCode.Conflict, "operators.key-registered"), (same.Status, same.Code));
        Assert.Equal((HttpStatusCode.Conflict, "operators.key-registered"), (sameElsewhere.Status, sameElsewhere.Code));
        foreach (var refused in new[] { privateKey, rsaKey, otherCurve, garbage })
        {
            Assert.Equal((HttpStatusCode.BadRequest, "operators.key-invalid"), (refused.Status, refused.Code));
            Assert.Equal(["publicKeyPem"], refused.ErrorFields);
        }
        Assert.Equal((HttpStatusCode.NotFound, "operators.not-registered"), (unregistered.Status, unregistered.Code));
        Assert.Equal((HttpStatusCode.NotFound, "operators.key-not-found"), (unknownKey.Status, unknownKey.Code));
        Assert.Equal((HttpStatusCode.NotFound, "operators.not-registered"), (otherOperator.Status, otherOperator.Code));
        Assert.Equal(before, await Fixture.CountOperatorRowsAsync());
    }

    [Fact]
    public async Task An_admin_changes_the_endpoint_and_status_and_revokes_a_key_and_each_change_is_audited()
    {
        using var client = Fixture.CreateClient();
        var key = await Fixture.OnboardAsync(client, "kumo-net", "https://kumo.example/verify");
        var keyId = SigningKeys.KeyId(key);

        var moved = await Fixture.AdminAsync(client, HttpMethod.Patch, $"{Url}/kumo-net", new { verificationUrl = "http://10.0.0.7:8080/verify" });
        var suspended = await Fixture.AdminAsync(client, HttpMethod.Patch, $"{Url}/kumo-net", new { status = "suspended" });
        var removed = await Fixture.AdminAsync(client, HttpMethod.Patch, $"{Url}/kumo-net", new { verificationUrl = "", status = "active" });
        var revoked = await Fixture.AdminAsync(client, HttpMethod.Delete, $"{Url}/kumo-net/keys/{keyId}");
        var again = await Fixture.AdminAsync(client, HttpMethod.Delete, $"{Url}/kumo-net/keys/{keyId}");
        var badStatus = await Fixture.AdminAsync(client, HttpMethod.Patch, $"{Url}/kumo-net", new { status = "closed" });
        var empty = await Fixture.AdminAsync(client, HttpMethod.Patch, $"{Url}/kumo-net", new { });
        var unknown = await Fixture.AdminAsync(client, HttpMethod.Patch, $"{Url}/koharu", new { status = "active" });

        Assert.Equal("http://10.0.0.7:8080/verify", moved.Text("verificationUrl"));
        Assert.Equal("active", moved.Text("status"));
        Assert.Equal("suspended", suspended.Text("status"));
        Assert.Equal("http://10.0.0.7:8080/verify", suspended.Text("verificationUrl"));
        Assert.Equal("active", removed.Text("status"));
        Assert.False(removed.Body.TryGetProperty("verificationUrl", out var url) && url.ValueKind != JsonValueKind.Null);
        Assert.Equal(HttpStatusCode.OK, revoked.Status);
        Assert.NotNull(revoked.Body.GetProperty("revokedAt").GetString());
        Assert.Equal(revoked.Raw, again.Raw);
        Assert.Equal((HttpStatusCode.BadRequest, "operators.request-invalid"), (badStatus.Status, badStatus.Code));
        Assert.Equal((HttpStatusCode.BadRequest, "operators.request-invalid"), (empty.Status, empty.Code));
        Assert.Equal((HttpStatusCode.NotFound, "operators.not-registered"), (unknown.Status, unknown.Code));
        await using var db = Fixture.NewContext();
        var actions = await db.AuditLog.Where(e => e.Subject == "operator:kumo-net").OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync();
        Assert.Equal(["operator.registered", "operator.key-added", "operator.updated", "operator.updated", "operator.updated", "operator.key-revoked"], actions);
    }

    [Fact]
    public async Task The_platform_key_is_served_anonymously_as_a_P256_public_key()
    {
        using var client = Fixture.CreateClient();

        using var response = await client.GetAsync(OperatorRoutes.PlatformKey);
        var pem = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-pem-file", response.Content.Headers.ContentType?.MediaType);
        Assert.True(SigningKeys.TryReadPublic(pem, out var key, out var reason), reason);
        key!.Dispose();
        Assert.True(File.Exists(Path.Combine(Fixture.DataDirectory, "platform", "signing-key.pem")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Fixture.DataDirectory, "platform", "signing-key.pem")));
        }
    }
}

public sealed class SqliteOperatorOnboardingTests(SqliteOperatorsFixture fixture)
    : OperatorOnboardingTests<SqliteOperatorsFixture>(fixture), IClassFixture<SqliteOperatorsFixture>;

public sealed class PostgresOperatorOnboardingTests(PostgresOperatorsFixture fixture)
    : OperatorOnboardingTests<PostgresOperatorsFixture>(fixture), IClassFixture<PostgresOperatorsFixture>;

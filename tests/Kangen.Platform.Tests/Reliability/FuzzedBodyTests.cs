using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Kangen.Platform.Features.Registrations;
using Kangen.Platform.Tests.Platform;
using Xunit.Abstractions;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Reliability;

/// <summary>
/// Invariant 9 for every write operation the OpenAPI document lists: a fixed-seed set of mutated bodies
/// (<see cref="BodyMutations"/>), each sent as the caller the operation is for. Never a 5xx; a refusal is
/// <c>application/problem+json</c> with a <c>code</c> and leaves the database's fingerprint as it was. The seeds are
/// well-formed bodies that the rules refuse (an existing operator code, an unknown My Key ID, a wrong check digit...),
/// so a mutation that happens to stay well-formed is still refused and nothing real is written.
/// </summary>
public abstract class FuzzedBodyTests<TFixture>(TFixture fixture, ITestOutputHelper output) where TFixture : HostileFixture
{
    /// <summary>The route values sent for each placeholder: things that do not exist, or the fixture's own operator.</summary>
    private static readonly Dictionary<string, string> RouteValues = new()
    {
        ["{code}"] = "no-such-operator",
        ["{keyId}"] = "no-such-key",
        ["{month}"] = "2026-03",
        ["{operator}"] = HostileFixture.OperatorCode,
    };

    /// <summary>Operations that declare no body: the body is never read, so there is nothing to fuzz (route values are: InjectionTests).</summary>
    private static readonly HashSet<string> WithoutBody =
    [
        "DELETE /api/v1/sessions/current",
        "POST /api/v1/me/my-key-id/regenerate",
        "DELETE /api/v1/admin/operators/{code}/keys/{keyId}",
        "DELETE /api/v1/operator/keys/{keyId}",
        "POST /api/v1/admission",
        "POST /api/v1/admin/settlements/{operator}/{month}/close",
    ];

    /// <summary>
    /// Operations whose seed a mutation may turn into a valid request that writes: the admission settings (the seed's only
    /// fault is the capacity; admission stays off whatever is kept), and the grant ledger, which records a well-formed
    /// line's decision even when it is a refusal, so that a retry with the same key gets the same answer (invariant 7).
    /// </summary>
    private static readonly HashSet<string> AcceptedMayWrite =
        ["PUT /api/v1/admin/admission", "POST /api/v1/operator/grants", "POST /api/v1/operator/grants/bulk", "POST /api/v1/operator/grants/cancellations"];

    private record Seed(Caller Caller, JsonObject Body, bool Ndjson = false);

    private async Task<Dictionary<string, Seed>> SeedsAsync()
    {
        await fixture.ReadyAsync();
        using var client = fixture.CreateClient();
        var card = fixture.IssueCard();
        var challenge = await ChallengeAsync(client);
        var application = await SignApplicationAsync(client,
            new ApplicationDraft(["card-acquisition"], "demo-pay", "2022-10", "forged-verification-token", card), challenge: await ChallengeAsync(client, "application"));
        const string insurer = "0613001";
        var wrongDigit = (char)('0' + (HealthInsuranceCard.CheckDigit(insurer) - '0' + 1) % 10);
        JsonObject Json(object value) => System.Text.Json.JsonSerializer.SerializeToNode(value)!.AsObject();
        var grantLine = new { key = SeedKey, person = "p-unknown", service = "demo-pay", program = "card-acquisition", points = 100, grantedAt = "2026-03-10T03:00:00+00:00" };
        return new Dictionary<string, Seed>
        {
            // Issuing a challenge writes nothing (it is stateless until used), so even accepted mutations change nothing.
            ["POST /api/v1/challenges"] = new(Caller.Anonymous, Json(new { purpose = "session" })),
            // A real certificate with a signature over nothing.
            ["POST /api/v1/sessions"] = new(Caller.Anonymous, Json(new
            {
                challenge, certificate = Convert.ToBase64String(card.Certificate()), signature = Convert.ToBase64String(new byte[256]), channel = "web",
            })),
            // Too short to be a My Key ID.
            ["PUT /api/v1/me/my-key-id"] = new(Caller.Citizen, Json(new { myKeyId = "AB12" })),
            ["PUT /api/v1/me/registrations/health-insurance"] = new(Caller.Citizen, Json(new
            {
                insurerNumber = insurer + wrongDigit, symbol = "12", number = "3456", branchNumber = "01",
            })),
            // Bank 0000 is in no bank code list.
            ["PUT /api/v1/me/registrations/public-fund-account"] = new(Caller.Citizen, Json(new
            {
                bankCode = "0000", branchCode = "001", accountType = "ordinary", accountNumber = "7654321", holderName = "ミホン ハナコ",
            })),
            ["POST /api/v1/applications/verify-account"] = new(Caller.Citizen, Json(new
            {
                service = "no-such-service", fields = new Dictionary<string, string> { ["id"] = "12345678" }, forChild = false,
            })),
            // Signed by a real card, with a verification token the platform never issued.
            ["POST /api/v1/applications"] = new(Caller.Anonymous, application),
            // The fixture's operator exists already.
            ["POST /api/v1/admin/operators"] = new(Caller.Admin, Json(new { code = HostileFixture.OperatorCode, verificationUrl = "http://127.0.0.1:9/verify" })),
            ["PATCH /api/v1/admin/operators/{code}"] = new(Caller.Admin, Json(new { verificationUrl = "http://127.0.0.1:9/verify", status = "suspended" })),
            ["POST /api/v1/admin/operators/{code}/keys"] = new(Caller.Admin, Json(new { publicKeyPem = HostileFixture.SomePublicKeyPem() })),
            // Not a key.
            ["POST /api/v1/operator/keys"] = new(Caller.Operator, Json(new { publicKeyPem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n" })),
            ["POST /api/v1/admin/links/suspend"] = new(Caller.Clerk, Json(new { myKeyId = "ZZZZ9999", reason = "hostile input" })),
            ["POST /api/v1/admin/links/resume"] = new(Caller.Clerk, Json(new { myKeyId = "ZZZZ9999" })),
            // A capacity below zero; admission stays off whatever a mutation keeps.
            ["PUT /api/v1/admin/admission"] = new(Caller.Admin, Json(new { enabled = false, capacity = -5, requestsPerSecond = 10 })),
            // Not a My Key ID.
            ["POST /api/v1/call-centre/lookups"] = new(Caller.Agent, Json(new { myKeyId = "AB", phoneLast4 = "1234" })),
            // A pseudonym the platform never gave out.
            ["POST /api/v1/operator/grants"] = new(Caller.Operator, Json(new { grants = new[] { grantLine } })),
            ["POST /api/v1/operator/grants/bulk"] = new(Caller.Operator, Json(grantLine), Ndjson: true),
            ["POST /api/v1/operator/grants/cancellations"] = new(Caller.Operator, Json(new
            {
                cancellations = new[] { new { key = SeedKey, grantKey = "no-such-grant", cancelledAt = "2026-03-11T03:00:00+00:00" } },
            })),
            // The fixture's operator has no envelope for the month.
            ["POST /api/v1/operator/settlements/{month}/confirm"] = new(Caller.Operator, Json(new { count = 1, points = 100 })),
            ["POST /api/v1/operator/settlements/{month}/reconcile"] = new(Caller.Operator, Json(new { key = SeedKey, points = 100 }), Ndjson: true),
        };
    }

    [Fact]
    public async Task Every_write_operation_in_the_openapi_document_has_a_hostile_seed_or_takes_no_body()
    {
        var seeds = await SeedsAsync();
        foreach (var (operation, hasBody) in await fixture.WriteOperationsAsync())
        {
            if (hasBody)
                Assert.True(seeds.ContainsKey(operation), $"{operation} declares a body but has no seed in {nameof(FuzzedBodyTests<TFixture>)}.");
            else
                Assert.True(WithoutBody.Contains(operation), $"{operation} declares no body and is not listed as such.");
        }
    }

    [Fact]
    public async Task Fuzzed_bodies_on_every_write_operation_never_fail_the_server_and_each_refusal_has_a_code_and_changes_nothing()
    {
        var seeds = await SeedsAsync();
        var failures = new List<string>();
        var sent = 0;
        var randomSeed = 9;
        foreach (var (operation, hasBody) in await fixture.WriteOperationsAsync())
        {
            if (!hasBody)
                continue;
            var seed = seeds[operation];
            var method = new HttpMethod(operation[..operation.IndexOf(' ', StringComparison.Ordinal)]);
            var url = RouteValues.Aggregate(operation[(operation.IndexOf(' ', StringComparison.Ordinal) + 1)..], (u, r) => u.Replace(r.Key, r.Value, StringComparison.Ordinal));
            var codes = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var accepted = 0;
            var acceptedNames = new List<string>();
            var before = await fixture.FingerprintAsync();
            foreach (var mutation in BodyMutations.Of(seed.Body, randomSeed++, seed.Ndjson))
            {
                var (status, contentType, text) = await fixture.SendRawAsync(seed.Caller, method, url, FreshKey(mutation.Body, sent), mutation.ContentType);
                sent++;
                var after = await fixture.FingerprintAsync();
                var changes = before.Differences(after);
                before = after;
                var what = $"{operation} [{mutation.Name}]";
                if ((int)status >= 500)
                {
                    failures.Add($"{what}: {(int)status} {Shorten(text)}");
                    continue;
                }
                if ((int)status < 300)
                {
                    // Accepted: the mutation left a request the rules allow, or a per-line answer (grants, bulk files,
                    // reconciliation) that refused every line since the seed names nobody the platform knows.
                    accepted++;
                    codes[$"{(int)status}"] = codes.GetValueOrDefault($"{(int)status}") + 1;
                    if (changes.Count > 0 && !AcceptedMayWrite.Contains(operation))
                        failures.Add($"{what}: accepted with {(int)status} and changed {string.Join(", ", changes)}: {Shorten(text)}");
                    if (acceptedNames.Count < 6)
                        acceptedNames.Add(mutation.Name);
                    continue;
                }
                var code = HostileFixture.ProblemCode(contentType, text);
                if (code is null)
                    failures.Add($"{what}: {(int)status} {contentType} without a problem code: {Shorten(text)}");
                else
                    codes[$"{(int)status} {code}"] = codes.GetValueOrDefault($"{(int)status} {code}") + 1;
                if (changes.Count > 0)
                    failures.Add($"{what}: refused with {(int)status} {code} but changed {string.Join(", ", changes)}");
            }
            output.WriteLine($"{operation} ({seed.Caller}): {string.Join("; ", codes.Select(c => $"{c.Key} x{c.Value}"))}"
                + (accepted > 0 ? $"; accepted e.g. {string.Join(" | ", acceptedNames)}" : ""));
        }
        output.WriteLine($"{sent} hostile bodies sent");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} hostile bodies misbehaved:\n" + string.Join('\n', failures.Take(60)));
    }

    [Theory]
    [InlineData("person", @"p-\u0000")]
    [InlineData("service", @"demo-pay\u0000")]
    [InlineData("program", @"\u0000")]
    [InlineData("person", @"p-\u001b[2J")]
    [InlineData("person", "LONG")]
    public async Task A_grant_line_naming_something_with_a_control_character_or_a_huge_value_is_refused_by_line_and_not_recorded(string field, string value)
    {
        await fixture.ReadyAsync();
        var line = new JsonObject
        {
            ["key"] = "nul-" + Guid.NewGuid().ToString("N"), ["person"] = "p-unknown", ["service"] = "demo-pay", ["program"] = "card-acquisition",
            ["points"] = 100, ["grantedAt"] = "2026-03-10T03:00:00+00:00",
        };
        // Written raw: a JsonObject would escape the escape.
        var json = new JsonObject { ["grants"] = new JsonArray(line) }.ToJsonString()
            .Replace($"\"{field}\":\"{line[field]}\"", $"\"{field}\":\"{(value == "LONG" ? new string('p', 30_000) : value)}\"", StringComparison.Ordinal);
        var before = await fixture.FingerprintAsync();

        var (status, _, text) = await fixture.SendRawAsync(Caller.Operator, HttpMethod.Post, "/api/v1/operator/grants", Encoding.UTF8.GetBytes(json), "application/json");

        Assert.True(status == HttpStatusCode.OK, $"{status} {text}");
        Assert.Equal("grant.line-invalid", JsonNode.Parse(text)!["results"]![0]!["reason"]!.GetValue<string>());
        Assert.Empty(before.Differences(await fixture.FingerprintAsync()));
    }

    [Fact]
    public async Task A_cancellation_naming_a_grant_key_with_a_nul_is_refused_by_line_and_not_recorded()
    {
        await fixture.ReadyAsync();
        var json = $$"""{"cancellations":[{"key":"nul-{{Guid.NewGuid():N}}","grantKey":"k\u0000","cancelledAt":"2026-03-11T03:00:00+00:00"}]}""";
        var before = await fixture.FingerprintAsync();

        var (status, _, text) = await fixture.SendRawAsync(Caller.Operator, HttpMethod.Post, "/api/v1/operator/grants/cancellations", Encoding.UTF8.GetBytes(json), "application/json");

        Assert.True(status == HttpStatusCode.OK, $"{status} {text}");
        Assert.Equal("grant.line-invalid", JsonNode.Parse(text)!["results"]![0]!["reason"]!.GetValue<string>());
        Assert.Empty(before.Differences(await fixture.FingerprintAsync()));
    }

    /// <summary>
    /// The grant ledger records a well-formed line's decision under its key, and answers a later line with that key as a
    /// replay or a reuse without looking further; each body gets a key of its own so every mutation reaches the rules.
    /// </summary>
    private static byte[] FreshKey(byte[] body, int number)
    {
        var text = Encoding.UTF8.GetString(body);
        if (!text.Contains(SeedKey, StringComparison.Ordinal) || !Encoding.UTF8.GetBytes(text).AsSpan().SequenceEqual(body))
            return body;
        return Encoding.UTF8.GetBytes(text.Replace(SeedKey, "hostile-" + number.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }

    private const string SeedKey = "hostile-key";

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";
}

public sealed class SqliteFuzzedBodyTests(SqliteHostileFixture fixture, ITestOutputHelper output)
    : FuzzedBodyTests<SqliteHostileFixture>(fixture, output), IClassFixture<SqliteHostileFixture>;

public sealed class PostgresFuzzedBodyTests(PostgresHostileFixture fixture, ITestOutputHelper output)
    : FuzzedBodyTests<PostgresHostileFixture>(fixture, output), IClassFixture<PostgresHostileFixture>;

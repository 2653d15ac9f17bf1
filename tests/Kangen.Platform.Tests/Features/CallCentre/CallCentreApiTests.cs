using System.Globalization;
using System.Net;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Tests.Features.Applications;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Features.CallCentre.CallCentreClient;
using static Kangen.Platform.Tests.Features.Status.StatusReplies;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.CallCentre;

/// <summary>
/// Flow 7 for the call centre over HTTP: lookups by My Key ID and phone last 4, staff credentials, limits and the audit
/// log, and above all one answer for every kind of non-match, so the call centre is no oracle for who exists. Run on
/// SQLite and on PostgreSQL.
/// </summary>
public abstract class CallCentreApiTests<TFixture>(TFixture fixture) where TFixture : CallCentreFixture
{
    protected TFixture Fixture { get; } = fixture;

    private const string NotMatched = """{"matched":false,"status":null}""";

    [Fact]
    public async Task A_lookup_with_the_phone_digits_given_at_application_returns_the_status()
    {
        using var client = Fixture.CreateClient();
        var person = await Fixture.AppliedAsync(client, "4821");
        var agent = Fixture.NewAgent();

        var reply = await LookupAsync(client, agent, person.MyKeyId, "4821");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.True(reply.Body.GetProperty("matched").GetBoolean());
        var status = reply.Body.GetProperty("status");
        Assert.Equal(person.MyKeyId, status.GetProperty("myKeyId").GetString());
        var programs = status.GetProperty("programs").EnumerateArray().ToArray();
        Assert.Equal([Card, Health, PublicFund], programs.Select(p => p.GetProperty("program").GetString()));
        Assert.True(programs[0].GetProperty("applied").GetBoolean());
        Assert.Equal("demo-pay", programs[0].GetProperty("service").GetProperty("code").GetString());
        Assert.Equal("self", programs[0].GetProperty("actor").GetString());
        Assert.Equal(["todo.check-with-operator", "todo.register-health-insurance", "todo.register-public-fund-account"], programs.Select(ToDo));
        // The same status the person sees themselves, and no amounts in it.
        Assert.Equal(Programs(await GetStatusOkAsync(client, person.Token)).Select(p => p.GetRawText()), programs.Select(p => p.GetRawText()));
        AssertNoAmounts(reply.Body);
    }

    [Fact]
    public async Task The_ID_in_lower_case_and_full_width_digits_as_an_agent_may_type_them_still_match()
    {
        using var client = Fixture.CreateClient();
        var person = await Fixture.AppliedAsync(client, "0907");
        var agent = Fixture.NewAgent();

        var reply = await LookupAsync(client, agent, person.MyKeyId.ToLowerInvariant(), " ０９０７ ");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.True(reply.Body.GetProperty("matched").GetBoolean(), reply.Raw);
    }

    [Fact]
    public async Task Wrong_digits_an_unknown_ID_no_digits_given_and_no_application_all_get_the_very_same_answer()
    {
        using var client = Fixture.CreateClient();
        var applied = await Fixture.AppliedAsync(client, "4821");
        var withoutPhone = await Fixture.AppliedAsync(client, null);
        var neverApplied = await SignInAsync(client, Fixture.IssueCard());
        var unknown = await Fixture.UnknownMyKeyIdAsync();
        var agent = Fixture.NewAgent();

        Reply[] replies =
        [
            await LookupAsync(client, agent, applied.MyKeyId, "4822"),
            await LookupAsync(client, agent, unknown, "4821"),
            await LookupAsync(client, agent, withoutPhone.MyKeyId, "4821"),
            await LookupAsync(client, agent, neverApplied.MyKeyId, "4821"),
        ];

        foreach (var reply in replies)
        {
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(NotMatched, reply.Raw);
            Assert.Equal(Headers(replies[0]), Headers(reply));
        }
        Assert.Equal("application/json; charset=utf-8", replies[0].Headers["Content-Type"]);
        Assert.DoesNotContain("Retry-After", replies[0].Headers.Keys);
        // The right digits still match afterwards: the misses did not lock the person out.
        Assert.True((await LookupAsync(client, agent, applied.MyKeyId, "4821")).Body.GetProperty("matched").GetBoolean());
    }

    [Fact]
    public async Task A_child_applied_for_by_a_representative_is_found_with_the_digits_given_in_that_application()
    {
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        var childCard = Fixture.IssueCard(birthDate: new DateOnly(2016, 5, 5));
        var verified = await VerifyOkAsync(client, parent.Token, "demo-pay", Fixture.NewAccount("demo-pay"), forChild: true);
        var applied = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, childCard,
            Representative: parent.Card, AgeProof: childCard, PhoneLast4: "6060"));
        Assert.Equal(HttpStatusCode.Created, applied.Status);
        var agent = Fixture.NewAgent();

        var child = await LookupAsync(client, agent, applied.Text("myKeyId"), "6060");
        var parentWithTheChildsDigits = await LookupAsync(client, agent, parent.MyKeyId, "6060");

        Assert.True(child.Body.GetProperty("matched").GetBoolean());
        var part1 = child.Body.GetProperty("status").GetProperty("programs")[0];
        Assert.Equal("legal-representative", part1.GetProperty("actor").GetString());
        Assert.Equal("todo.check-with-operator", ToDo(part1));
        // The digits belong to the child's application: the parent, who applied for nothing themselves, is not found by them.
        Assert.Equal(NotMatched, parentWithTheChildsDigits.Raw);
    }

    [Theory]
    [InlineData("""{"myKeyId":"ABC","phoneLast4":"1234"}""", "myKeyId")]
    [InlineData("""{"myKeyId":"ABCD-123","phoneLast4":"1234"}""", "myKeyId")]
    [InlineData("""{"myKeyId":"ABCD12345","phoneLast4":"1234"}""", "myKeyId")]
    [InlineData("""{"phoneLast4":"1234"}""", "myKeyId")]
    [InlineData("""{"myKeyId":"ABCD1234","phoneLast4":"123"}""", "phoneLast4")]
    [InlineData("""{"myKeyId":"ABCD1234","phoneLast4":"12345"}""", "phoneLast4")]
    [InlineData("""{"myKeyId":"ABCD1234","phoneLast4":"12a4"}""", "phoneLast4")]
    [InlineData("""{"myKeyId":"ABCD1234"}""", "phoneLast4")]
    [InlineData("""{"myKeyId":"ABCD1234","phoneLast4":""", null)]
    [InlineData("""[]""", null)]
    [InlineData("""null""", null)]
    [InlineData("", null)]
    [InlineData("""{"myKeyId":12345678,"phoneLast4":"1234"}""", null)]
    [InlineData("""{"myKeyId":"ABCD1234","phoneLast4":1234}""", null)]
    public async Task A_malformed_lookup_is_refused_and_counts_against_nothing(string json, string? field)
    {
        using var client = Fixture.CreateClient();
        var agent = Fixture.NewAgent();
        var before = await CountAsync();

        var reply = await LookupRawAsync(client, agent, json);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
        Assert.Equal("callcentre.request-invalid", reply.Code);
        if (field is not null)
            Assert.Equal([field], reply.ErrorFields);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_lookup_needs_a_call_centre_or_admin_credential()
    {
        using var client = Fixture.CreateClient();
        var person = await Fixture.AppliedAsync(client, "5150");
        var before = await CountAsync();

        var none = await LookupAsync(client, (string?)null, person.MyKeyId, "5150");
        var wrong = await LookupAsync(client, "Staff kst_" + new string('0', 48), person.MyKeyId, "5150");
        var municipal = await LookupAsync(client, Fixture.Clerk, person.MyKeyId, "5150");
        var citizen = await LookupAsync(client, "Bearer " + person.Token, person.MyKeyId, "5150");
        var citizenAsStaff = await LookupAsync(client, "Staff " + person.Token, person.MyKeyId, "5150");
        var refused = await CountAsync();
        var admin = await LookupAsync(client, Fixture.Admin, person.MyKeyId, "5150");

        foreach (var (reply, status, code) in new[]
                 {
                     (none, HttpStatusCode.Unauthorized, "staff.credential-required"),
                     (wrong, HttpStatusCode.Unauthorized, "staff.credential-invalid"),
                     (municipal, HttpStatusCode.Forbidden, "staff.role-forbidden"),
                     (citizen, HttpStatusCode.Unauthorized, "staff.credential-required"),
                     (citizenAsStaff, HttpStatusCode.Unauthorized, "staff.credential-invalid"),
                 })
        {
            Assert.Equal(status, reply.Status);
            Assert.Equal("application/problem+json", reply.ContentType);
            Assert.Equal(code, reply.Code);
            Assert.DoesNotContain("matched", reply.Raw, StringComparison.Ordinal);
        }
        Assert.Equal("Staff", none.Headers["WWW-Authenticate"]);
        // Refused credentials look nothing up, so they count against no limit.
        Assert.Equal(before, refused);
        Assert.Equal(HttpStatusCode.OK, admin.Status);
        Assert.True(admin.Body.GetProperty("matched").GetBoolean());
    }

    [Fact]
    public async Task A_staff_credential_is_no_citizen_session()
    {
        using var client = Fixture.CreateClient();
        var agent = Fixture.NewAgent();

        var reply = await SendAsync(client, HttpMethod.Get, "/api/v1/me/status", headers: new Dictionary<string, string> { ["Authorization"] = agent.Authorization });

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("auth.session-required", reply.Code);
    }

    [Fact]
    public async Task The_per_ID_limit_counts_an_unknown_ID_exactly_like_a_known_one()
    {
        using var client = Fixture.CreateClient();
        var known = await Fixture.AppliedAsync(client, "2718");
        var unknown = await Fixture.UnknownMyKeyIdAsync();
        // Each agent makes fewer lookups than its own limit: only the per-ID limit is in play, and it counts over all agents.
        var agents = Enumerable.Range(0, CallCentreFixture.PerMyKeyIdPerHour + 1).Select(_ => Fixture.NewAgent()).ToArray();

        var knownReplies = new List<Reply>();
        var unknownReplies = new List<Reply>();
        foreach (var (agent, i) in agents.Select((a, i) => (a, i)))
        {
            // Typed in either case, it is the same ID with one count.
            knownReplies.Add(await LookupAsync(client, agent, i % 2 == 0 ? known.MyKeyId : known.MyKeyId.ToLowerInvariant(), "2718"));
            unknownReplies.Add(await LookupAsync(client, agent, unknown, "2718"));
        }

        Assert.All(knownReplies[..^1], r => Assert.True(r.Body.GetProperty("matched").GetBoolean()));
        Assert.All(unknownReplies[..^1], r => Assert.Equal(NotMatched, r.Raw));
        var (limitedKnown, limitedUnknown) = (knownReplies[^1], unknownReplies[^1]);
        foreach (var limited in new[] { limitedKnown, limitedUnknown })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
            Assert.Equal("callcentre.rate-limited", limited.Code);
            var retryAfter = int.Parse(limited.Headers["Retry-After"], CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 1, 3600);
        }
        // Even the right digits cannot tell the limited known ID from the limited unknown one (only the trace ids differ).
        Assert.Equal(WithoutTraceId(limitedUnknown), WithoutTraceId(limitedKnown));
        Assert.Equal(Headers(limitedUnknown), Headers(limitedKnown));
        // Another ID is not held up by them.
        Assert.Equal(NotMatched, (await LookupAsync(client, agents[^1], await Fixture.UnknownMyKeyIdAsync(), "2718")).Raw);
    }

    [Fact]
    public async Task The_per_caller_limit_stops_one_agent_and_not_another()
    {
        using var client = Fixture.CreateClient();
        var busy = Fixture.NewAgent();
        var other = Fixture.NewAgent();
        var ids = new List<string>();
        for (var i = 0; i <= CallCentreFixture.PerCallerPerMinute; i++)
            ids.Add(await Fixture.UnknownMyKeyIdAsync());

        var replies = new List<Reply>();
        foreach (var id in ids)
            replies.Add(await LookupAsync(client, busy, id, "1111"));
        var otherAgent = await LookupAsync(client, other, ids[^1], "1111");

        Assert.All(replies[..^1], r => Assert.Equal(NotMatched, r.Raw));
        Assert.Equal(HttpStatusCode.TooManyRequests, replies[^1].Status);
        Assert.Equal("callcentre.rate-limited", replies[^1].Code);
        Assert.InRange(int.Parse(replies[^1].Headers["Retry-After"], CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal(HttpStatusCode.OK, otherAgent.Status);
        Assert.Equal(NotMatched, otherAgent.Raw);
    }

    [Fact]
    public async Task An_agent_over_their_own_limit_does_not_use_up_a_citizens_allowance()
    {
        using var client = Fixture.CreateClient();
        var person = await Fixture.AppliedAsync(client, "9191");
        var busy = Fixture.NewAgent();
        for (var i = 0; i < CallCentreFixture.PerCallerPerMinute; i++)
            Assert.Equal(HttpStatusCode.OK, (await LookupAsync(client, busy, await Fixture.UnknownMyKeyIdAsync(), "9191")).Status);

        var refused = new List<Reply>();
        for (var i = 0; i < CallCentreFixture.PerMyKeyIdPerHour; i++)
            refused.Add(await LookupAsync(client, busy, person.MyKeyId, "9191"));
        var others = new List<Reply>();
        for (var i = 0; i < CallCentreFixture.PerMyKeyIdPerHour; i++)
            others.Add(await LookupAsync(client, Fixture.NewAgent(), person.MyKeyId, "9191"));

        Assert.All(refused, r => Assert.Equal("callcentre.rate-limited", r.Code));
        Assert.All(refused, r => Assert.InRange(int.Parse(r.Headers["Retry-After"], CultureInfo.InvariantCulture), 1, 60));
        Assert.All(others, r => Assert.True(r.Body.GetProperty("matched").GetBoolean(), r.Raw));
    }

    [Fact]
    public async Task Every_lookup_matched_or_not_or_limited_is_audited_without_phone_digits_and_the_chain_verifies()
    {
        using var client = Fixture.CreateClient();
        var person = await Fixture.AppliedAsync(client, "8642");
        var unknown = await Fixture.UnknownMyKeyIdAsync();
        var agent = Fixture.NewAgent();
        await using var db = Fixture.NewContext();
        var personId = (await db.Persons.SingleAsync(p => p.MyKeyId == person.MyKeyId)).Id;
        var last = await db.AuditLog.MaxAsync(e => e.Sequence);

        Assert.True((await LookupAsync(client, agent, person.MyKeyId, "8642")).Body.GetProperty("matched").GetBoolean());
        Assert.Equal(NotMatched, (await LookupAsync(client, agent, person.MyKeyId, "8643")).Raw);
        Assert.Equal(NotMatched, (await LookupAsync(client, agent, unknown, "8642")).Raw);
        Assert.Equal(NotMatched, (await LookupAsync(client, agent, unknown, "8642")).Raw);
        Assert.Equal(NotMatched, (await LookupAsync(client, agent, unknown, "8642")).Raw);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LookupAsync(client, agent, unknown, "8642")).Status);

        // Other tests append too: this agent's entries are this test's.
        var entries = await db.AuditLog.AsNoTracking().Where(e => e.Sequence > last && e.Actor == "staff:" + agent.Id)
            .OrderBy(e => e.Sequence).ToListAsync();
        // Exactly the outcome and nothing else: no phone digits, no My Key ID of who does not exist.
        Assert.Equal(
            [
                ("call-centre.lookup", "person:" + personId, """{"matched":true}"""),
                ("call-centre.lookup", "person:" + personId, """{"matched":false}"""),
                ("call-centre.lookup", "my-key-id:unknown", """{"matched":false}"""),
                ("call-centre.lookup", "my-key-id:unknown", """{"matched":false}"""),
                ("call-centre.lookup", "my-key-id:unknown", """{"matched":false}"""),
                ("call-centre.lookup-limited", "staff:" + agent.Id, """{"limit":"my-key-id"}"""),
            ],
            entries.Select(e => (e.Action, e.Subject, e.Data)));
        Assert.All(entries, e => Assert.Equal(Fixture.Time.GetUtcNow(), e.At));
        var verification = await AuditVerifier.VerifyAsync(db);
        Assert.True(verification.IsIntact, verification.Detail);
    }

    /// <summary>The headers a client could tell answers apart by (the date aside).</summary>
    internal static string Headers(Reply reply) =>
        string.Join("\n", reply.Headers.Where(h => !h.Key.Equals("Date", StringComparison.OrdinalIgnoreCase))
            .OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase).Select(h => $"{h.Key.ToLowerInvariant()}: {h.Value}"));

    private static string WithoutTraceId(Reply reply)
    {
        var body = System.Text.Json.Nodes.JsonNode.Parse(reply.Raw)!.AsObject();
        Assert.True(body.Remove("traceId"), reply.Raw);
        return body.ToJsonString();
    }

    /// <summary>What a lookup may write: audit entries and rate windows.</summary>
    private async Task<(int Audit, int RateWindows, int Applications)> CountAsync()
    {
        await using var db = Fixture.NewContext();
        return (await db.AuditLog.CountAsync(), await db.RateWindows.CountAsync(), await db.ApplicationSubmissions.CountAsync());
    }
}

public sealed class SqliteCallCentreApiTests(SqliteCallCentreFixture fixture)
    : CallCentreApiTests<SqliteCallCentreFixture>(fixture), IClassFixture<SqliteCallCentreFixture>;

public sealed class PostgresCallCentreApiTests(PostgresCallCentreFixture fixture)
    : CallCentreApiTests<PostgresCallCentreFixture>(fixture), IClassFixture<PostgresCallCentreFixture>;

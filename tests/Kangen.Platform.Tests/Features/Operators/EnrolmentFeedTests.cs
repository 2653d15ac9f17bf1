using System.Net;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Operators;
using Kangen.Platform.Tests.Features.Applications;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Operators;

/// <summary>
/// The enrolment feed over HTTP after applications through the HTTP flow, link suspension and resumption by staff,
/// and renewal: order, cursor paging and limits, one operator's feed never showing another's, and pseudonyms that
/// differ per operator. Run on SQLite and on PostgreSQL; each test uses operators of its own.
/// </summary>
public abstract class EnrolmentFeedTests<TFixture>(TFixture fixture) where TFixture : OperatorsFixture
{
    protected TFixture Fixture { get; } = fixture;

    private async Task<Applicant> AppliedAsync(HttpClient client, string service)
    {
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        await ApplySelfOkAsync(client, applicant, service, Fixture.NewAccount(service), Card);
        return applicant;
    }

    [Fact]
    public async Task The_feed_lists_the_operators_enrolments_in_order_with_cursor_paging_and_limits()
    {
        using var client = Fixture.CreateClient();
        await AppliedAsync(client, "demo-card");
        await AppliedAsync(client, "demo-card");
        await AppliedAsync(client, "demo-transit");
        var key = await Fixture.OnboardAsync(client, "demo-credit");
        using var demoCredit = Fixture.SignedClient(key);

        var all = await OperatorsFixture.FeedAsync(demoCredit);
        var first = await OperatorsFixture.FeedAsync(demoCredit, limit: 1);
        var second = await OperatorsFixture.FeedAsync(demoCredit, after: first.Records[0].Cursor, limit: 1);
        var end = await OperatorsFixture.FeedAsync(demoCredit, after: second.Records[0].Cursor);

        Assert.Equal(HttpStatusCode.OK, all.Status);
        Assert.Equal(OperatorRoutes.Ndjson, all.ContentType);
        Assert.Equal(2, all.Records.Count);
        Assert.All(all.Records, r =>
        {
            Assert.Equal(EnrolmentRecord.Enrolled, r.Kind);
            Assert.Equal("demo-card", r.Service);
            Assert.Equal(Card, r.Program);
            Assert.Matches("^p-[a-z2-7]{26}$", r.Person);
            Assert.False(string.IsNullOrEmpty(r.AccountReference));
            Assert.Null(r.Reason);
        });
        Assert.NotEqual(all.Records[0].Person, all.Records[1].Person);
        Assert.True(EnrolmentFeed.TryParseCursor(all.Records[0].Cursor, out var s0, out var o0));
        Assert.True(EnrolmentFeed.TryParseCursor(all.Records[1].Cursor, out var s1, out var o1));
        Assert.True((s0, o0).CompareTo((s1, o1)) < 0);
        Assert.Equal(all.Records.Take(1), first.Records);
        Assert.Equal(all.Records.Skip(1), second.Records);
        Assert.Equal(HttpStatusCode.OK, end.Status);
        Assert.Empty(end.Records);
        Assert.Equal("", end.Raw);
        // Each line is one compact JSON object.
        Assert.Equal(2, all.Raw.Count(c => c == '\n'));
    }

    [Fact]
    public async Task A_malformed_cursor_or_limit_is_refused()
    {
        using var client = Fixture.CreateClient();
        var key = await Fixture.OnboardAsync(client, "ginga-pay");
        using var ginga = Fixture.SignedClient(key);

        foreach (var (after, limit) in new (string?, int?)[] { ("abc", null), ("12", null), ("-1.0", null), ("1.x", null), (null, 0), (null, 100_001), (null, -5) })
        {
            var reply = await OperatorsFixture.FeedAsync(ginga, after, limit);
            Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
            Assert.Contains("operator.request-invalid", reply.Raw);
        }
        Assert.Equal(HttpStatusCode.OK, (await OperatorsFixture.FeedAsync(ginga, "0.0", 100_000)).Status);
    }

    [Fact]
    public async Task An_operator_never_reads_another_operators_records_and_pseudonyms_differ_per_operator()
    {
        using var client = Fixture.CreateClient();
        var applicant = await AppliedAsync(client, "minato-money");
        var person = await Fixture.PersonIdAsync(applicant.MyKeyId);
        // A person has one service per campaign, so the same person in two operators' feeds is written directly, as a
        // later campaign's enrolment would be.
        await using (var db = Fixture.NewContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var now = Fixture.Time.GetUtcNow();
            var entry = await AuditChain.AppendAsync(db, now, "test", "test.enrolment", "person:" + person, null, CancellationToken.None);
            await EnrolmentFeed.AppendAsync(db, entry, now,
                [new EnrolmentChange("nagisa-tel", person, EnrolmentRecord.Enrolled, "nagisa-pay", "nagisa-ref-1", Health)], null, CancellationToken.None);
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        }
        using var minato = Fixture.SignedClient(await Fixture.OnboardAsync(client, "minato-card"));
        using var nagisa = Fixture.SignedClient(await Fixture.OnboardAsync(client, "nagisa-tel"));

        var minatoFeed = await OperatorsFixture.FeedAsync(minato);
        var nagisaFeed = await OperatorsFixture.FeedAsync(nagisa);

        var m = Assert.Single(minatoFeed.Records);
        var n = Assert.Single(nagisaFeed.Records);
        Assert.Equal("minato-money", m.Service);
        Assert.Equal(("nagisa-pay", "nagisa-ref-1", Health), (n.Service, n.AccountReference, n.Program));
        Assert.NotEqual(m.Person, n.Person);
        await using var check = Fixture.NewContext();
        Task<Guid?> PersonOf(string operatorCode, string pseudonym) => check.OperatorPseudonyms
            .Where(p => p.OperatorCode == operatorCode && p.Pseudonym == pseudonym).Select(p => (Guid?)p.PersonId).SingleOrDefaultAsync();
        Assert.Equal(person, await PersonOf("minato-card", m.Person));
        Assert.Equal(person, await PersonOf("nagisa-tel", n.Person));
        Assert.Null(await PersonOf("nagisa-tel", m.Person));
    }

    [Fact]
    public async Task A_clerk_suspends_and_resumes_a_persons_links_and_only_their_operator_is_told()
    {
        using var client = Fixture.CreateClient();
        var applicant = await AppliedAsync(client, "midori-money");
        using var midori = Fixture.SignedClient(await Fixture.OnboardAsync(client, "midori-coop"));
        using var bystander = Fixture.SignedClient(await Fixture.OnboardAsync(client, "tsutsuji-coop"));
        var enrolled = Assert.Single((await OperatorsFixture.FeedAsync(midori)).Records);

        var suspended = await Fixture.AdminAsync(client, HttpMethod.Post, "/api/v1/admin/links/suspend", new { myKeyId = applicant.MyKeyId, reason = "death" }, Fixture.Clerk);
        var twice = await Fixture.AdminAsync(client, HttpMethod.Post, "/api/v1/admin/links/suspend", new { myKeyId = applicant.MyKeyId, reason = "fraud" }, Fixture.Admin);
        var afterSuspension = await OperatorsFixture.FeedAsync(midori, enrolled.Cursor);
        await using (var db = Fixture.NewContext())
        {
            var suspendedPerson = await Fixture.PersonIdAsync(applicant.MyKeyId);
            var row = await db.LinkSuspensions.SingleAsync(s => s.PersonId == suspendedPerson);
            Assert.Equal(("death", Fixture.Clerk.Id), (row.Reason, row.SuspendedBy));
        }
        var resumed = await Fixture.AdminAsync(client, HttpMethod.Post, "/api/v1/admin/links/resume", new { myKeyId = applicant.MyKeyId.ToLowerInvariant() }, Fixture.Admin);
        var resumedTwice = await Fixture.AdminAsync(client, HttpMethod.Post, "/api/v1/admin/links/resume", new { myKeyId = applicant.MyKeyId }, Fixture.Clerk);
        var afterResumption = await OperatorsFixture.FeedAsync(midori, afterSuspension.Records[^1].Cursor);

        Assert.Equal(HttpStatusCode.OK, suspended.Status);
        Assert.True(suspended.Body.GetProperty("suspended").GetBoolean());
        Assert.Equal(1, suspended.Body.GetProperty("records").GetInt32());
        Assert.Equal((HttpStatusCode.Conflict, "links.already-suspended"), (twice.Status, twice.Code));
        var s = Assert.Single(afterSuspension.Records);
        Assert.Equal((EnrolmentRecord.Suspended, "death", enrolled.Person, "midori-money", enrolled.AccountReference, (string?)null),
            (s.Kind, s.Reason, s.Person, s.Service, s.AccountReference, s.Program));
        Assert.Equal(HttpStatusCode.OK, resumed.Status);
        Assert.False(resumed.Body.GetProperty("suspended").GetBoolean());
        Assert.Equal((HttpStatusCode.Conflict, "links.not-suspended"), (resumedTwice.Status, resumedTwice.Code));
        var r = Assert.Single(afterResumption.Records);
        Assert.Equal((EnrolmentRecord.Resumed, (string?)null, enrolled.Person), (r.Kind, r.Reason, r.Person));
        Assert.Empty((await OperatorsFixture.FeedAsync(bystander)).Records);
        await using var check = Fixture.NewContext();
        var person = await Fixture.PersonIdAsync(applicant.MyKeyId);
        Assert.False(await check.LinkSuspensions.AnyAsync(x => x.PersonId == person));
        Assert.Equal(["link.suspended", "link.resumed"],
            await check.AuditLog.Where(e => e.Subject == "person:" + person && e.Action.StartsWith("link.")).OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync());
    }

    [Fact]
    public async Task Link_changes_with_a_bad_request_an_unknown_person_or_the_wrong_role_are_refused_and_change_nothing()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var unknown = await Fixture.UnknownMyKeyIdAsync();
        var before = await Fixture.CountOperatorRowsAsync();

        var badReason = await Fixture.AdminAsync(client, HttpMethod.Post, "/api/v1/admin/links/suspend", new { myKeyId = applicant.MyKeyId, reason = "moved" }, Fixture.Clerk);
        var badId = await Fixture.AdminAsync(client, HttpMethod.Post, "/api/v1/admin/links/suspend", new { myKeyId = "12", reason = "death" }, Fixture.Clerk);
        var nobody = await Fixture.AdminAsync(client, HttpMethod.Post, "/api/v1/admin/links/suspend", new { myKeyId = unknown, reason = "fraud" }, Fixture.Clerk);
        var nobodyResumed = await Fixture.AdminAsync(client, HttpMethod.Post, "/api/v1/admin/links/resume", new { myKeyId = unknown }, Fixture.Clerk);
        var agent = await Fixture.AdminAsync(client, HttpMethod.Post, "/api/v1/admin/links/suspend", new { myKeyId = applicant.MyKeyId, reason = "death" }, Fixture.NewAgent());

        Assert.Equal((HttpStatusCode.BadRequest, "links.request-invalid"), (badReason.Status, badReason.Code));
        Assert.Equal(["reason"], badReason.ErrorFields);
        Assert.Equal((HttpStatusCode.BadRequest, "links.request-invalid"), (badId.Status, badId.Code));
        Assert.Equal((HttpStatusCode.NotFound, "links.person-unknown"), (nobody.Status, nobody.Code));
        Assert.Equal((HttpStatusCode.NotFound, "links.person-unknown"), (nobodyResumed.Status, nobodyResumed.Code));
        Assert.Equal((HttpStatusCode.Forbidden, "staff.role-forbidden"), (agent.Status, agent.Code));
        Assert.Equal(before, await Fixture.CountOperatorRowsAsync());
    }

    [Fact]
    public async Task A_renewed_card_gives_the_operator_a_renewed_record_under_the_same_pseudonym()
    {
        using var client = Fixture.CreateClient();
        var card = Fixture.IssueCard();
        var applicant = await SignInAsync(client, card);
        await ApplySelfOkAsync(client, applicant, "yamabiko-pay", Fixture.NewAccount("yamabiko-pay"), Card);
        using var yamabiko = Fixture.SignedClient(await Fixture.OnboardAsync(client, "yamabiko"));
        Fixture.Time.Advance(TimeSpan.FromMinutes(1));
        Fixture.Issuer.Renew(card.Path);
        Fixture.Trust.Refresh();

        var login = await LoginAsync(client, card);
        var feed = await OperatorsFixture.FeedAsync(yamabiko);

        Assert.True(login.Body.GetProperty("linkedByRenewal").GetBoolean(), login.Raw);
        Assert.Equal(applicant.MyKeyId, login.Text("myKeyId"));
        Assert.Equal([EnrolmentRecord.Enrolled, EnrolmentRecord.Renewed], feed.Records.Select(r => r.Kind));
        Assert.Equal(feed.Records[0].Person, feed.Records[1].Person);
        Assert.Equal(feed.Records[0].AccountReference, feed.Records[1].AccountReference);
        Assert.Equal("yamabiko-pay", feed.Records[1].Service);
    }
}

public sealed class SqliteEnrolmentFeedTests(SqliteOperatorsFixture fixture)
    : EnrolmentFeedTests<SqliteOperatorsFixture>(fixture), IClassFixture<SqliteOperatorsFixture>;

public sealed class PostgresEnrolmentFeedTests(PostgresOperatorsFixture fixture)
    : EnrolmentFeedTests<PostgresOperatorsFixture>(fixture), IClassFixture<PostgresOperatorsFixture>;

using Kangen.Operator.Grants;
using Kangen.Operator.Rebates;
using Kangen.Operator.Storage;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;

namespace Kangen.Platform.Tests.Features.OperatorSide;

/// <summary>
/// The operator's <see cref="Kangen.Operator.Enrolments.EnrolmentPuller"/> against the platform's real enrolment feed:
/// records written by applications, link suspensions and resumptions (the admin API) and card renewals, read page by
/// page after the cursor the operator persisted; run on SQLite and on PostgreSQL.
/// </summary>
public abstract class EnrolmentPullerTests<TFixture>(TFixture fixture) where TFixture : OperatorSideFixture
{
    protected TFixture Fixture { get; } = fixture;

    private static IReadOnlyList<string?> Afters(PlatformTraffic traffic) =>
        [.. traffic.Of(OperatorRoutes.Enrolments).Select(e => AfterOf(e.PathAndQuery))];

    private static string? AfterOf(string pathAndQuery)
    {
        var query = pathAndQuery.Contains('?', StringComparison.Ordinal) ? pathAndQuery[(pathAndQuery.IndexOf('?', StringComparison.Ordinal) + 1)..] : "";
        var after = query.Split('&').FirstOrDefault(p => p.StartsWith("after=", StringComparison.Ordinal));
        return after is null ? null : Uri.UnescapeDataString(after["after=".Length..]);
    }

    [Fact]
    public async Task The_feed_is_read_page_by_page_from_the_saved_cursor_and_applied()
    {
        var choice = Fixture.ReserveOperatorSide();
        var a = await Fixture.EnrolCustomerAsync(choice.Service, Card, Health);
        var b = await Fixture.EnrolCustomerAsync(choice.Service, PublicFund);
        var c = await Fixture.EnrolCustomerAsync(choice.Service, Card);
        using var key = await Fixture.RegisterWithKeyAsync(choice.Code);
        await Fixture.SuspendAsync(c, "fraud");
        var traffic = new PlatformTraffic();
        using var runtime = Fixture.Runtime(Fixture.OptionsFor(choice.Code, key, Fixture.NewOperatorFolder()), traffic);
        var puller = new Kangen.Operator.Enrolments.EnrolmentPuller(runtime.Client!, runtime.Ledger, Fixture.Time, pageSize: 2);

        Kangen.Operator.Enrolments.PullSummary first;
        await using (var db = runtime.Store.Open())
            first = await puller.PullAsync(db, default);
        var positions = await Fixture.FeedPositionsAsync(choice.Code);

        Assert.Equal(5, positions.Length);
        Assert.Equal((5, 4, 1, 2, positions[4]), (first.Records, first.Enrolled, first.Suspended, first.FixedGrants, first.Cursor));
        Assert.Equal([null, positions[1], positions[3]], Afters(traffic));
        Assert.All(traffic.Exchanges, e => Assert.Equal(System.Net.HttpStatusCode.OK, e.Status));

        // Only what is new is read next time, from the persisted cursor, by a new runtime over the same store.
        await Fixture.ResumeAsync(c);
        Fixture.Time.Advance(TimeSpan.FromMinutes(1));
        Fixture.Issuer.Renew(a.Card.Path);
        Fixture.Trust.Refresh();
        using (var client = Fixture.CreateClient())
            Assert.True((await Platform.PlatformClient.LoginAsync(client, a.Card)).Body.GetProperty("linkedByRenewal").GetBoolean());
        var laterTraffic = new PlatformTraffic();
        using var later = Fixture.Runtime(runtime.Options, laterTraffic);
        Kangen.Operator.Enrolments.PullSummary second;
        await using (var db = later.Store.Open())
            second = await new Kangen.Operator.Enrolments.EnrolmentPuller(later.Client!, later.Ledger, Fixture.Time, pageSize: 10).PullAsync(db, default);
        positions = await Fixture.FeedPositionsAsync(choice.Code);

        // The renewal tells the operator once per campaign choice of the person (one here: the service).
        Assert.Equal(7, positions.Length);
        Assert.Equal((2, 1, 1, 0, positions[6]), (second.Records, second.Resumed, second.Renewed, second.FixedGrants, second.Cursor));
        Assert.Equal([positions[4]], Afters(laterTraffic));
        await using var check = later.Store.Open();
        var enrolments = await check.Enrolments.ToListAsync();
        Assert.Equal(4, enrolments.Count);
        Assert.Equal(new[] { a.Pseudonym, a.Pseudonym, b.Pseudonym, c.Pseudonym }.Order(StringComparer.Ordinal), enrolments.Select(e => e.Person).Order(StringComparer.Ordinal));
        var grants = (await check.Grants.ToListAsync()).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { GrantKeys.ForFixed(a.Pseudonym, 2), GrantKeys.ForFixed(b.Pseudonym, 3) }.Order(StringComparer.Ordinal), grants.Select(g => g.Key));
        Assert.All(grants, g => Assert.Equal(7500, g.Points));
        var people = await check.People.ToDictionaryAsync(p => p.Person);
        Assert.False(people[c.Pseudonym].Suspended);
        Assert.Equal(1, people[a.Pseudonym].Renewals);
        Assert.Equal(positions[6], (await check.Feed.SingleAsync()).Cursor);
    }

    [Fact]
    public async Task A_page_another_puller_applied_meanwhile_is_dropped_and_nothing_is_applied_twice()
    {
        var choice = Fixture.ReserveOperatorSide();
        await Fixture.EnrolCustomerAsync(choice.Service, Card, Health);
        await Fixture.EnrolCustomerAsync(choice.Service, PublicFund);
        using var key = await Fixture.RegisterWithKeyAsync(choice.Code);
        var traffic = new PlatformTraffic();
        using var runtime = Fixture.Runtime(Fixture.OptionsFor(choice.Code, key, Fixture.NewOperatorFolder()), traffic);
        // The worker of `kangen operator run` and a `kangen operator simulate` on one database: the second pulls the
        // whole feed while the first's first page is on its way.
        Kangen.Operator.Enrolments.PullSummary? meanwhile = null;
        traffic.Meanwhile(OperatorRoutes.Enrolments, async () =>
        {
            await using var other = runtime.Store.Open();
            meanwhile = await new Kangen.Operator.Enrolments.EnrolmentPuller(runtime.Client!, runtime.Ledger, Fixture.Time, pageSize: 2).PullAsync(other, default);
        });

        Kangen.Operator.Enrolments.PullSummary late;
        await using (var db = runtime.Store.Open())
            late = await new Kangen.Operator.Enrolments.EnrolmentPuller(runtime.Client!, runtime.Ledger, Fixture.Time, pageSize: 2).PullAsync(db, default);
        var positions = await Fixture.FeedPositionsAsync(choice.Code);

        Assert.Equal(3, positions.Length);
        Assert.Equal((3, 3, 2, positions[2]), (meanwhile!.Records, meanwhile.Enrolled, meanwhile.FixedGrants, meanwhile.Cursor));
        // Its page already applied, the late puller drops it and reads on from the saved cursor: nothing new.
        Assert.Equal((0, 0, 0, positions[2]), (late.Records, late.Enrolled, late.FixedGrants, late.Cursor));
        Assert.Equal([null, null, positions[1], positions[2]], Afters(traffic));
        await using var check = runtime.Store.Open();
        Assert.Equal(3, await check.Enrolments.CountAsync());
        Assert.Equal(2, await check.People.CountAsync());
        Assert.Equal(2, await check.Grants.CountAsync());
        Assert.Equal(positions[2], (await check.Feed.SingleAsync()).Cursor);
    }

    [Fact]
    public async Task A_suspended_person_earns_nothing_until_resumed_and_the_platform_then_grants_the_rebate()
    {
        var choice = Fixture.ReserveOperatorSide();
        var person = await Fixture.EnrolCustomerAsync(choice.Service, Card);
        using var key = await Fixture.RegisterWithKeyAsync(choice.Code);
        await Fixture.SuspendAsync(person, "death");
        using var runtime = Fixture.Runtime(Fixture.OptionsFor(choice.Code, key, Fixture.NewOperatorFolder()));
        await using (var db = runtime.Store.Open())
            Assert.Equal(1, (await runtime.Puller!.PullAsync(db, default)).Suspended);
        Fixture.Time.Advance(TimeSpan.FromMinutes(5));

        RecordedTransaction held;
        ReportSummary heldReport;
        await using (var db = runtime.Store.Open())
        {
            var account = (await db.Enrolments.SingleAsync()).AccountReference;
            held = await runtime.Ledger.RecordAsync(db, new TransactionInput(choice.Service, account, TransactionKind.Purchase, 4000, Fixture.Time.GetUtcNow()), default);
            heldReport = await runtime.Reporter!.ReportAsync(db, runtime.Store.DataFolder, null, default);
        }
        Assert.Null(held.GrantKey);
        Assert.Equal(0, heldReport.Sent);
        Assert.Empty(await Fixture.PlatformGrantsAsync(choice.Code));

        await Fixture.ResumeAsync(person);
        Fixture.Time.Advance(TimeSpan.FromMinutes(5));
        RecordedTransaction earned;
        ReportSummary report;
        await using (var db = runtime.Store.Open())
        {
            Assert.Equal(1, (await runtime.Puller.PullAsync(db, default)).Resumed);
            var account = (await db.Enrolments.SingleAsync()).AccountReference;
            earned = await runtime.Ledger.RecordAsync(db, new TransactionInput(choice.Service, account, TransactionKind.Purchase, 4000, Fixture.Time.GetUtcNow()), default);
            report = await runtime.Reporter.ReportAsync(db, runtime.Store.DataFolder, null, default);
        }

        Assert.Equal(1000, earned.Points);
        Assert.Equal((1, 1, 1000L, (string?)null), (report.Sent, report.Accepted, report.Points, report.Error));
        var granted = Assert.Single(await Fixture.PlatformGrantsAsync(choice.Code));
        Assert.Equal((earned.GrantKey, person.PersonId, 1000L, Card), (granted.Key, granted.PersonId, granted.Points, granted.Program));
        Assert.Equal(1000, (await Fixture.TotalsAsync(person.PersonId)).CardAcquisition);
    }
}

public sealed class SqliteEnrolmentPullerTests(SqliteOperatorSideFixture fixture)
    : EnrolmentPullerTests<SqliteOperatorSideFixture>(fixture), IClassFixture<SqliteOperatorSideFixture>;

public sealed class PostgresEnrolmentPullerTests(PostgresOperatorSideFixture fixture)
    : EnrolmentPullerTests<PostgresOperatorSideFixture>(fixture), IClassFixture<PostgresOperatorSideFixture>;

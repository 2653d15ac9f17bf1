using System.Text.Json;
using Kangen.Operator.Grants;
using Kangen.Operator.Hosting;
using Kangen.Operator.Rebates;
using Kangen.Operator.Storage;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Features.Grants.OperatorCalls;

namespace Kangen.Platform.Tests.Features.OperatorSide;

/// <summary>
/// The operator's <see cref="GrantReporter"/> against the platform's real grant routes: every request signed and
/// checked, the platform's idempotent ledger (a key seen again is answered as a replay), the part 1 cap, bulk files;
/// answers lost on the way back and a crash between sending and recording. Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class GrantReporterTests<TFixture>(TFixture fixture) where TFixture : OperatorSideFixture
{
    protected TFixture Fixture { get; } = fixture;

    /// <summary>An operator with one person enrolled for part 1, registered, the feed pulled, the clock past the application.</summary>
    private async Task<(OperatorChoice Choice, OperatorCustomer Person, OperatorOptions Options)> ReadyAsync(
        int batchSize = 500, int bulkThreshold = 5000)
    {
        var choice = Fixture.ReserveOperatorSide();
        var person = await Fixture.EnrolCustomerAsync(choice.Service, Card);
        using var key = await Fixture.RegisterWithKeyAsync(choice.Code);
        var options = Fixture.OptionsFor(choice.Code, key, Fixture.NewOperatorFolder());
        options.BatchSize = batchSize;
        options.BulkThreshold = bulkThreshold;
        using var runtime = Fixture.Runtime(options);
        await using var db = runtime.Store.Open();
        Assert.Equal(1, (await runtime.Puller!.PullAsync(db, default)).Enrolled);
        Fixture.Time.Advance(TimeSpan.FromMinutes(10));
        return (choice, person, options);
    }

    private async Task<RecordedTransaction> BuyAsync(OperatorRuntime runtime, string service, long amount)
    {
        Fixture.Time.Advance(TimeSpan.FromMinutes(1));
        await using var db = runtime.Store.Open();
        var account = (await db.Enrolments.FirstAsync()).AccountReference;
        return await runtime.Ledger.RecordAsync(db, new TransactionInput(service, account, TransactionKind.Purchase, amount, Fixture.Time.GetUtcNow()), default);
    }

    private static async Task<ReportSummary> ReportAsync(OperatorRuntime runtime)
    {
        await using var db = runtime.Store.Open();
        return await runtime.Reporter!.ReportAsync(db, runtime.Store.DataFolder, null, default);
    }

    private static string[] KeysOf(Exchange exchange) =>
        [.. JsonSerializer.Deserialize<GrantBatch>(exchange.Request!, ProtocolJson.Options)!.Grants.Select(g => g.Key)];

    private static IReadOnlyList<GrantResult> ResultsOf(Exchange exchange) =>
        JsonSerializer.Deserialize<GrantBatchResult>(exchange.Answer, ProtocolJson.Options)!.Results;

    [Fact]
    public async Task A_lost_answer_is_retried_with_the_same_keys_answered_as_replays_and_granted_once()
    {
        var (choice, person, options) = await ReadyAsync();
        var traffic = new PlatformTraffic();
        using var runtime = Fixture.Runtime(options, traffic);
        var first = await BuyAsync(runtime, choice.Service, 2000);
        var second = await BuyAsync(runtime, choice.Service, 1000);
        traffic.LoseAnswers(OperatorRoutes.Grants, 1);

        var summary = await ReportAsync(runtime);

        Assert.Null(summary.Error);
        Assert.Equal((2, 2, 750L), (summary.Sent, summary.Accepted, summary.Points));
        var sent = traffic.Of(OperatorRoutes.Grants);
        Assert.Equal(2, sent.Count);
        Assert.Equal([true, false], sent.Select(e => e.Lost));
        Assert.All(sent, e => Assert.Equal(System.Net.HttpStatusCode.OK, e.Status));
        Assert.Equal(new[] { first.GrantKey!, second.GrantKey! }.Order(StringComparer.Ordinal), KeysOf(sent[0]));
        Assert.Equal(KeysOf(sent[0]), KeysOf(sent[1]));
        // The platform did the work the first time; the retry is told so, with the same outcome.
        Assert.All(ResultsOf(sent[0]), r => Assert.False(r.Replayed));
        Assert.All(ResultsOf(sent[1]), r => Assert.True(r.Replayed));
        Assert.Equal(ResultsOf(sent[0]).Select(r => (r.Key, r.Status, r.Accepted)), ResultsOf(sent[1]).Select(r => (r.Key, r.Status, r.Accepted)));

        var ledger = await Fixture.PlatformGrantsAsync(choice.Code);
        Assert.Equal(KeysOf(sent[0]), ledger.Select(g => g.Key));
        Assert.All(ledger, g => Assert.Equal(person.PersonId, g.PersonId));
        Assert.Equal(750, ledger.Sum(g => g.Points));
        Assert.Equal(750, (await Fixture.TotalsAsync(person.PersonId)).CardAcquisition);
        await using (var db = runtime.Store.Open())
        {
            var grants = await db.Grants.ToListAsync();
            Assert.All(grants, g => Assert.Equal((GrantStatus.Accepted, 1), (g.Status, g.Attempts)));
            Assert.Equal(750, grants.Sum(g => g.Accepted));
        }
        // Nothing pending: a second run sends nothing.
        Assert.Equal(0, (await ReportAsync(runtime)).Sent);
        Assert.Equal(2, traffic.Of(OperatorRoutes.Grants).Count);
    }

    [Fact]
    public async Task After_a_crash_before_the_answer_was_recorded_a_new_process_resends_the_same_key_and_the_platform_replays()
    {
        var (choice, person, options) = await ReadyAsync();
        string grantKey;
        using (var crashed = Fixture.Runtime(options))
        {
            var bought = await BuyAsync(crashed, choice.Service, 4000);
            grantKey = bought.GrantKey!;
            // The crashed process had sent its outbox line and died before writing the answer down.
            await using var db = crashed.Store.Open();
            var pending = await db.Grants.SingleAsync();
            var answer = await crashed.Client!.PostJsonAsync<GrantBatch, GrantBatchResult>(OperatorRoutes.Grants, new GrantBatch([GrantReporter.ToLine(pending)]), default);
            Assert.False(Assert.Single(answer.Results).Replayed);
        }
        var traffic = new PlatformTraffic();
        using var restarted = Fixture.Runtime(options, traffic);

        var summary = await ReportAsync(restarted);

        Assert.Equal((1, 1000L, (string?)null), (summary.Sent, summary.Points, summary.Error));
        var resent = Assert.Single(traffic.Of(OperatorRoutes.Grants));
        Assert.Equal([grantKey], KeysOf(resent));
        var result = Assert.Single(ResultsOf(resent));
        Assert.Equal((true, GrantResult.AcceptedStatus, 1000L), (result.Replayed, result.Status, result.Accepted));
        var granted = Assert.Single(await Fixture.PlatformGrantsAsync(choice.Code));
        Assert.Equal((grantKey, 1000L), (granted.Key, granted.Points));
        Assert.Equal(1000, (await Fixture.TotalsAsync(person.PersonId)).CardAcquisition);
        await using var check = restarted.Store.Open();
        var row = await check.Grants.SingleAsync();
        Assert.Equal((GrantStatus.Accepted, 1000L), (row.Status, row.Accepted));
    }

    [Fact]
    public async Task The_platforms_partial_answer_at_the_part_1_cap_is_recorded_as_the_truth_and_stops_further_proposals()
    {
        var (choice, person, options) = await ReadyAsync();
        // The platform already holds 4,800 points of the person from this operator that this store does not know
        // (sent by the operator's previous system, with another of its registered keys).
        var previous = await Fixture.RegisterAsync(choice.Code);
        using (previous.Client)
        {
            var earlier = await GrantOneAsync(previous, Line(NewKey("previous"), person.AsEnrolled, Card, 4800, at: Fixture.Time.GetUtcNow()));
            Assert.Equal((GrantResult.AcceptedStatus, 4800L), (earlier.Status, earlier.Accepted));
        }
        using var runtime = Fixture.Runtime(options);
        var bought = await BuyAsync(runtime, choice.Service, 2000);

        var summary = await ReportAsync(runtime);

        Assert.Equal((1, 200L), (summary.Partial, summary.Points));
        var onPlatform = (await Fixture.PlatformGrantsAsync(choice.Code)).Single(g => g.Key == bought.GrantKey);
        Assert.Equal((500L, 200L), (onPlatform.Proposed, onPlatform.Points));
        Assert.Equal(5000, (await Fixture.TotalsAsync(person.PersonId)).CardAcquisition);
        await using (var db = runtime.Store.Open())
        {
            var grant = await db.Grants.SingleAsync();
            Assert.Equal((GrantStatus.Partial, 500L, 200L, "grant.exceeds-cap"), (grant.Status, grant.Points, grant.Accepted, grant.Reason));
            Assert.Equal(onPlatform.Reason, grant.Reason);
            var known = await db.People.SingleAsync();
            Assert.True(known.CapReached);
            Assert.Equal(200, known.CardAcquisitionCommitted);
        }
        var next = await BuyAsync(runtime, choice.Service, 2000);
        Assert.Null(next.GrantKey);
        Assert.True(next.AtCap);
        Assert.Equal(0, (await ReportAsync(runtime)).Sent);
    }

    [Fact]
    public async Task A_backlog_goes_as_one_signed_bulk_file_and_its_answers_are_recorded()
    {
        var (choice, person, options) = await ReadyAsync(bulkThreshold: 3);
        var traffic = new PlatformTraffic();
        using var runtime = Fixture.Runtime(options, traffic);
        await BuyAsync(runtime, choice.Service, 1000);
        await BuyAsync(runtime, choice.Service, 2000);
        await BuyAsync(runtime, choice.Service, 3000);

        var summary = await ReportAsync(runtime);

        Assert.Null(summary.Error);
        Assert.Equal((3, 1500L), (summary.Accepted, summary.Points));
        var bulk = Assert.Single(traffic.Of(OperatorRoutes.GrantsBulk));
        Assert.Equal(System.Net.HttpStatusCode.OK, bulk.Status);
        Assert.Empty(traffic.Of(OperatorRoutes.Grants));
        var ledger = await Fixture.PlatformGrantsAsync(choice.Code);
        Assert.Equal(3, ledger.Count);
        Assert.Equal(1500, ledger.Sum(g => g.Points));
        Assert.Equal(1500, (await Fixture.TotalsAsync(person.PersonId)).CardAcquisition);
        await using var db = runtime.Store.Open();
        var grants = await db.Grants.ToListAsync();
        Assert.All(grants, g => Assert.Equal(GrantStatus.Accepted, g.Status));
        Assert.Equal(ledger.Select(g => g.Key), grants.Select(g => g.Key).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.Combine(runtime.Store.DataFolder, "outbox")));
    }
}

public sealed class SqliteGrantReporterTests(SqliteOperatorSideFixture fixture)
    : GrantReporterTests<SqliteOperatorSideFixture>(fixture), IClassFixture<SqliteOperatorSideFixture>;

public sealed class PostgresGrantReporterTests(PostgresOperatorSideFixture fixture)
    : GrantReporterTests<PostgresOperatorSideFixture>(fixture), IClassFixture<PostgresOperatorSideFixture>;

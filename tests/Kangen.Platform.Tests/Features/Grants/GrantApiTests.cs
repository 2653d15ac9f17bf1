using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Features.Grants.OperatorCalls;

namespace Kangen.Platform.Tests.Features.Grants;

/// <summary>Flow 5 over HTTP: grant batches and bulk files against the caps; run on SQLite and on PostgreSQL.</summary>
public abstract class GrantApiTests<TFixture>(TFixture fixture) where TFixture : GrantsFixture
{
    protected TFixture Fixture { get; } = fixture;

    private Task<TestOperator> DemoAsync() => Fixture.RegisterAsync(GrantsFixture.DemoOperator);

    [Fact]
    public async Task Part_1_is_accepted_up_to_its_cap_and_partially_at_the_cap_then_refused()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(1, Card);
        var person = persons[0];

        // An offset other than UTC is the same instant (PostgreSQL keeps instants in UTC).
        var results = await GrantAsync(op, Line(NewKey(), person, Card, 3000, at: GrantsFixture.InMarch.ToOffset(TimeSpan.FromHours(9))),
            Line(NewKey(), person, Card, 2500), Line(NewKey(), person, Card, 1));

        Assert.Equal([GrantResult.AcceptedStatus, GrantResult.PartialStatus, GrantResult.RefusedStatus], results.Select(r => r.Status));
        Assert.Equal([3000L, 2000L, 0L], results.Select(r => r.Accepted));
        Assert.Equal([null, "grant.exceeds-cap", "grant.exceeds-cap"], results.Select(r => r.Reason));
        Assert.Equal(new RemainingEntitlement(2000, 17000), results[0].Remaining);
        Assert.Equal(new RemainingEntitlement(0, 15000), results[1].Remaining);
        Assert.Equal(5000, (await Fixture.TotalsAsync(person.PersonId)).CardAcquisition);
        Assert.Equal(5000, (await Fixture.LedgerSumsAsync(person.PersonId))[Card]);
    }

    [Fact]
    public async Task Parts_2_and_3_are_granted_once_for_exactly_7500_and_the_total_stops_at_20000()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(1, Card, Health, PublicFund);
        var person = persons[0];

        var results = await GrantAsync(op,
            Line(NewKey(), person, Health, 7000),
            Line(NewKey(), person, Health, 7500),
            Line(NewKey(), person, Health, 7500),
            Line(NewKey(), person, PublicFund, 7500),
            Line(NewKey(), person, Card, 6000),
            Line(NewKey(), person, Card, 0));

        Assert.Equal(["grant.amount-mismatch", null, "grant.exceeds-cap", null, "grant.exceeds-cap", "grant.not-positive"], results.Select(r => r.Reason));
        Assert.Equal([0L, 7500L, 0L, 7500L, 5000L, 0L], results.Select(r => r.Accepted));
        Assert.Equal(GrantResult.PartialStatus, results[4].Status);
        Assert.Equal(new RemainingEntitlement(0, 0), results[4].Remaining);
        var totals = await Fixture.TotalsAsync(person.PersonId);
        Assert.Equal((5000L, 7500L, 7500L), (totals.CardAcquisition, totals.HealthInsurance, totals.PublicFundAccount));
    }

    [Fact]
    public async Task A_retried_batch_is_replayed_and_never_grants_twice()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(1, Card);
        var person = persons[0];
        GrantLine[] batch = [Line(NewKey(), person, Card, 1200), Line(NewKey(), person, Card, 4500), Line(NewKey(), person, Health, 7500)];

        var first = await GrantAsync(op, batch);
        var before = await Fixture.LedgerCountsAsync();
        var second = await GrantAsync(op, batch);

        Assert.All(first, r => Assert.False(r.Replayed));
        Assert.All(second, r => Assert.True(r.Replayed));
        Assert.Equal(first.Select(r => r with { Replayed = true }), second);
        Assert.Equal("grant.not-applied", first[2].Reason);
        Assert.Equal(before, await Fixture.LedgerCountsAsync());
        Assert.Equal(5000, (await Fixture.TotalsAsync(person.PersonId)).CardAcquisition);
    }

    [Fact]
    public async Task A_key_reused_for_another_line_is_refused_and_not_recorded_and_duplicates_in_a_batch_replay_the_first()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(1, Card);
        var person = persons[0];
        var key = NewKey();
        await GrantOneAsync(op, Line(key, person, Card, 100));
        var before = await Fixture.LedgerCountsAsync();

        var reused = await GrantOneAsync(op, Line(key, person, Card, 200));
        var twin = NewKey();
        var duplicates = await GrantAsync(op, Line(twin, person, Card, 300), Line(twin, person, Card, 300), Line(twin, person, Card, 301));

        Assert.Equal((GrantResult.RefusedStatus, "grant.key-reused", 0L), (reused.Status, reused.Reason, reused.Accepted));
        Assert.Equal(before.Grants + 1, (await Fixture.LedgerCountsAsync()).Grants);
        Assert.Equal([false, true, false], duplicates.Select(r => r.Replayed));
        Assert.Equal([300L, 300L, 0L], duplicates.Select(r => r.Accepted));
        Assert.Equal("grant.key-reused", duplicates[2].Reason);
        Assert.Equal(400, (await Fixture.TotalsAsync(person.PersonId)).CardAcquisition);
    }

    [Fact]
    public async Task Concurrent_batches_for_the_same_person_never_exceed_the_cap()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(1, Card);
        var person = persons[0];
        // 8 batches of 5 lines of 300 points: 12,000 proposed against a cap of 5,000, all at once.
        var batches = Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, 5).Select(_ => Line(NewKey(), person, Card, 300)).ToArray()).ToArray();

        var results = (await Task.WhenAll(batches.Select(b => GrantAsync(op, b)))).SelectMany(r => r).ToArray();

        Assert.Equal(5000, results.Sum(r => r.Accepted));
        Assert.Equal(16, results.Count(r => r.Status == GrantResult.AcceptedStatus));
        Assert.Single(results, r => r.Status == GrantResult.PartialStatus);
        Assert.Equal(5000, (await Fixture.TotalsAsync(person.PersonId)).CardAcquisition);
        Assert.Equal(5000, (await Fixture.LedgerSumsAsync(person.PersonId))[Card]);
    }

    [Fact]
    public async Task The_same_batch_sent_concurrently_is_recorded_once_and_replayed_to_the_others()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(1, Card);
        GrantLine[] batch = [.. Enumerable.Range(0, 6).Select(i => Line(NewKey(), persons[0], Card, 500))];
        var (grantsBefore, _) = await Fixture.LedgerCountsAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => GrantAsync(op, batch)));

        foreach (var (line, i) in batch.Select((l, i) => (l, i)))
        {
            Assert.Single(answers, a => !a[i].Replayed);
            Assert.All(answers, a => Assert.Equal((line.Key, GrantResult.AcceptedStatus, 500L), (a[i].Key, a[i].Status, a[i].Accepted)));
        }
        Assert.Equal(grantsBefore + batch.Length, (await Fixture.LedgerCountsAsync()).Grants);
        Assert.Equal(3000, (await Fixture.TotalsAsync(persons[0].PersonId)).CardAcquisition);
    }

    [Fact]
    public async Task A_suspended_person_an_unknown_pseudonym_and_other_operators_names_are_refused()
    {
        var mine = Fixture.ReserveOperator();
        var others = Fixture.ReserveOperator();
        var person = await Fixture.EnrolAsync(mine.Service, Card);
        var suspended = await Fixture.EnrolAsync(mine.Service, Card);
        var theirs = await Fixture.EnrolAsync(others.Service, Card);
        var op = await Fixture.RegisterAsync(mine);
        var other = await Fixture.RegisterAsync(others);
        await using (var db = Fixture.NewContext())
        {
            db.LinkSuspensions.Add(new LinkSuspension { PersonId = suspended.PersonId, Reason = "death", SuspendedAt = Fixture.Time.GetUtcNow(), SuspendedBy = "clerk-1" });
            await db.SaveChangesAsync();
        }

        var results = await GrantAsync(op,
            Line(NewKey(), suspended, Card, 100),
            Line(NewKey(), person with { Pseudonym = "p-" + new string('a', 26) }, Card, 100),
            Line(NewKey(), theirs, Card, 100, service: mine.Service),
            Line(NewKey(), person, Card, 100, service: others.Service),
            Line(NewKey(), person, Card, 100, service: mine.OtherService),
            Line(NewKey(), person, Card, 100, at: Fixture.Time.GetUtcNow().AddMinutes(10)),
            Line(NewKey(), person, "no-such-program", 100));
        var theirsAtTheirOperator = await GrantOneAsync(other, Line(NewKey(), person, Card, 100, service: others.Service));

        Assert.Equal(["grant.link-suspended", "grant.person-unknown", "grant.person-unknown", "grant.service-not-yours", "grant.service-not-chosen",
            "grant.time-invalid", "grant.program-unknown"], results.Select(r => r.Reason));
        Assert.All(results, r => Assert.Equal((GrantResult.RefusedStatus, 0L), (r.Status, r.Accepted)));
        Assert.Null(results[1].Remaining);
        Assert.Equal(new RemainingEntitlement(5000, 20000), results[0].Remaining);
        Assert.Equal("grant.person-unknown", theirsAtTheirOperator.Reason);
        Assert.Equal(0, (await Fixture.TotalsAsync(suspended.PersonId)).CardAcquisition);
    }

    [Theory]
    [InlineData("{\"grants\": []}", "grant.batch-empty")]
    [InlineData("{\"grants\": ", "operator.request-invalid")]
    [InlineData("not json", "operator.request-invalid")]
    public async Task A_malformed_or_empty_batch_is_refused_whole_and_nothing_is_written(string body, string code)
    {
        var op = await DemoAsync();
        var before = await Fixture.LedgerCountsAsync();

        using var response = await op.Client.PostAsync(OperatorRoutes.Grants, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        Assert.Equal(before, await Fixture.LedgerCountsAsync());
    }

    [Fact]
    public async Task A_batch_over_the_line_limit_is_refused_whole()
    {
        var op = await DemoAsync();
        var person = new Enrolled(Guid.Empty, "p-unknown", "demo-pay");
        var before = await Fixture.LedgerCountsAsync();

        using var response = await op.Client.PostAsJsonAsync(OperatorRoutes.Grants,
            new GrantBatch([.. Enumerable.Range(0, GrantLimits.BatchLines + 1).Select(i => Line("k" + i, person, Card, 1))]), ProtocolJson.Options);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("grant.batch-too-large", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await Fixture.LedgerCountsAsync());
    }

    [Fact]
    public async Task Grants_need_a_signed_request()
    {
        using var client = Fixture.CreateClient();

        using var response = await client.PostAsJsonAsync(OperatorRoutes.Grants, new GrantBatch([]), ProtocolJson.Options);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_bulk_file_streams_one_result_per_line_in_order_and_a_summary_and_one_audit_entry_per_chunk()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(4, Card);
        // 20,000 lines of 1 point over 4 persons (5,000 each, exactly the cap), then one more line each (refused).
        var lines = Enumerable.Range(0, 20_000).Select(i => Line($"bulk-{i:D6}-{persons[i % 4].Pseudonym}", persons[i % 4], Card, 1))
            .Concat(persons.Select(p => Line(NewKey("over"), p, Card, 1))).ToArray();
        var (_, auditBefore) = await Fixture.LedgerCountsAsync();

        var (status, answer, raw) = await PostNdjsonAsync(op.Client, OperatorRoutes.GrantsBulk, Ndjson(lines));

        Assert.True(status == HttpStatusCode.OK, raw.Length > 500 ? raw[..500] : raw);
        Assert.Equal(lines.Length + 1, answer.Length);
        var results = answer[..^1].Select(l => JsonSerializer.Deserialize<GrantResult>(l, ProtocolJson.Options)!).ToArray();
        Assert.Equal(Enumerable.Range(1, lines.Length).Select(i => (long?)i), results.Select(r => r.Line));
        Assert.Equal(lines.Select(l => l.Key), results.Select(r => r.Key));
        Assert.Equal(20_000, results.Count(r => r.Status == GrantResult.AcceptedStatus));
        Assert.All(results[^4..], r => Assert.Equal("grant.exceeds-cap", r.Reason));
        var summary = JsonSerializer.Deserialize<BulkSummaryLine>(answer[^1], ProtocolJson.Options)!.Summary;
        Assert.Equal(new BulkSummary(20_004, 20_000, 0, 4, 20_000), summary);
        foreach (var p in persons)
            Assert.Equal(5000, (await Fixture.TotalsAsync(p.PersonId)).CardAcquisition);
        await using var db = Fixture.NewContext();
        var chunks = await db.AuditLog.Where(a => a.Sequence > auditBefore && a.Action == "grants.recorded" && a.Actor == "operator:" + op.Code).CountAsync();
        Assert.Equal((lines.Length + 1999) / 2000, chunks);
    }

    [Fact]
    public async Task Malformed_bulk_lines_are_refused_by_line_number_and_the_rest_is_recorded()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(1, Card);
        var person = persons[0];
        var good = Line(NewKey(), person, Card, 10);
        var body = "not json\n" + Ndjson([good]) + "\n{\"key\": \"bad key!\", \"person\": \"x\", \"service\": \"x\", \"program\": \"card-acquisition\", \"points\": 1, \"grantedAt\": \"2026-03-10T00:00:00Z\"}\n"
            + "{\"key\": \"k-no-person\", \"points\": 5}\n";

        var (status, answer, raw) = await PostNdjsonAsync(op.Client, OperatorRoutes.GrantsBulk, body);

        Assert.True(status == HttpStatusCode.OK, raw);
        var results = answer[..^1].Select(l => JsonSerializer.Deserialize<GrantResult>(l, ProtocolJson.Options)!).ToArray();
        Assert.Equal([1L, 2L, 4L, 5L], results.Select(r => r.Line!.Value));
        Assert.Equal(["grant.line-invalid", null, "grant.key-invalid", "grant.line-invalid"], results.Select(r => r.Reason));
        Assert.Null(results[0].Key);
        Assert.Equal(10, results[1].Accepted);
        Assert.Equal(new BulkSummary(4, 1, 0, 3, 10), JsonSerializer.Deserialize<BulkSummaryLine>(answer[^1], ProtocolJson.Options)!.Summary);
    }

    [Fact]
    public async Task A_bulk_file_larger_than_the_servers_default_body_limit_is_read_whole_on_kestrel()
    {
        // TestServer has no request body limit; Kestrel's default (30,000,000 bytes) would cut a bulk file short.
        var (op, persons) = await Fixture.OperatorWithAsync(1, Card);
        using var key = SigningKeys.Create();
        await using (var db = Fixture.NewContext())
        {
            db.OperatorKeys.Add(new OperatorKey
            {
                KeyId = SigningKeys.KeyId(key), OperatorCode = op.Code, CreatedAt = Fixture.Time.GetUtcNow(),
                PublicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()),
            });
            await db.SaveChangesAsync();
        }
        await using var kestrel = Fixture.Factory.WithWebHostBuilder(_ => { });
        // A free loopback port of its own: UseKestrel(0) kept the default 5000, which the other database's twin of this
        // test, running at the same time, could hold.
        kestrel.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        kestrel.StartServer();
        var address = kestrel.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        using var client = kestrel.CreateDefaultClient(new Uri(address), new SigningHandler(key, Fixture.Time));
        var line = Line(NewKey("big"), persons[0], Card, 500);
        var body = new string('\n', 31_000_000) + Ndjson([line]);

        var (status, answer, raw) = await PostNdjsonAsync(client, OperatorRoutes.GrantsBulk, body);

        Assert.True(status == HttpStatusCode.OK, $"{status} {raw}");
        var result = JsonSerializer.Deserialize<GrantResult>(answer[0], ProtocolJson.Options)!;
        Assert.Equal((line.Key, GrantResult.AcceptedStatus, 500L, 31_000_001L), (result.Key, result.Status, result.Accepted, result.Line));
        Assert.Equal(500, (await Fixture.TotalsAsync(persons[0].PersonId)).CardAcquisition);
    }

    [Fact]
    public async Task A_bulk_line_longer_than_the_line_limit_is_refused_by_number_and_the_lines_around_it_are_read()
    {
        // Lines are bounded so that a file without line breaks (up to MaxBulkBytes) is never held as one string.
        var (op, persons) = await Fixture.OperatorWithAsync(1, Card);
        var padded = Line(NewKey("long"), persons[0], Card, 100);
        var ok = Line(NewKey("ok"), persons[0], Card, 200);
        var json = JsonSerializer.Serialize(padded, ProtocolJson.Options);
        var body = Ndjson([ok]).Replace("\n", "\r\n", StringComparison.Ordinal)
            + json[..^1] + new string(' ', Kangen.Platform.Features.Operators.OperatorBodies.MaxLineChars) + "}\n" + Ndjson([ok with { Key = NewKey("ok") }]).TrimEnd('\n');

        var (status, answer, raw) = await PostNdjsonAsync(op.Client, OperatorRoutes.GrantsBulk, body);

        Assert.True(status == HttpStatusCode.OK, $"{status} {raw}");
        var results = answer[..^1].Select(l => JsonSerializer.Deserialize<GrantResult>(l, ProtocolJson.Options)!).ToArray();
        Assert.Equal([(GrantResult.AcceptedStatus, null, 1L), (GrantResult.RefusedStatus, "grant.line-invalid", 2L), (GrantResult.AcceptedStatus, null, 3L)],
            results.Select(r => (r.Status, r.Reason, r.Line!.Value)));
        Assert.Equal(400, (await Fixture.TotalsAsync(persons[0].PersonId)).CardAcquisition);
    }

    [Fact]
    public async Task An_empty_bulk_file_is_refused_whole()
    {
        var op = await DemoAsync();

        var (status, _, raw) = await PostNdjsonAsync(op.Client, OperatorRoutes.GrantsBulk, "\n\n");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("grant.batch-empty", raw, StringComparison.Ordinal);
    }
}

public sealed class SqliteGrantApiTests(SqliteGrantsFixture fixture) : GrantApiTests<SqliteGrantsFixture>(fixture), IClassFixture<SqliteGrantsFixture>;

public sealed class PostgresGrantApiTests(PostgresGrantsFixture fixture) : GrantApiTests<PostgresGrantsFixture>(fixture), IClassFixture<PostgresGrantsFixture>;

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kangen.Platform.Features.ReferenceData;
using Kangen.Platform.Features.Settlement;
using Kangen.Platform.Tests.Features.Grants;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Features.Grants.OperatorCalls;

namespace Kangen.Platform.Tests.Features.Settlement;

/// <summary>Flow 6 over HTTP: estimates, closing, confirmation, CSV lines and reconciliation; run on SQLite and on PostgreSQL.</summary>
public abstract class SettlementApiTests<TFixture>(TFixture fixture) where TFixture : GrantsFixture
{
    protected TFixture Fixture { get; } = fixture;

    private static async Task<SettlementEnvelope> EnvelopeAsync(TestOperator op, string month)
    {
        using var response = await op.Client.GetAsync($"{OperatorRoutes.Settlements}/{month}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonSerializer.Deserialize<SettlementEnvelope>(text, ProtocolJson.Options)!;
    }

    private async Task<HttpResponseMessage> CloseAsync(string operatorCode, string month)
    {
        using var admin = Fixture.StaffClient();
        return await admin.PostAsync($"{SettlementEndpoints.AdminRoute}/{operatorCode}/{month}/close", null);
    }

    private static Task<HttpResponseMessage> ConfirmAsync(TestOperator op, string month, long count, long points) =>
        op.Client.PostAsJsonAsync($"{OperatorRoutes.Settlements}/{month}/confirm", new SettlementConfirmation(count, points), ProtocolJson.Options);

    private static async Task<string?> CodeOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;

    [Fact]
    public async Task An_estimate_becomes_the_final_envelope_equal_to_the_ledger_and_is_confirmed_with_matching_totals()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(2, Card, Health);
        await GrantAsync(op,
            Line(NewKey(), persons[0], Card, 3000),
            Line(NewKey(), persons[0], Health, 7500),
            Line(NewKey(), persons[1], Card, 1200, at: GrantsFixture.InMarch.AddDays(-30)),
            Line(NewKey(), persons[1], Health, 7000),
            Line(NewKey(), persons[1], Card, 400, at: Fixture.Time.GetUtcNow().AddMinutes(-1)));

        var estimate = await EnvelopeAsync(op, "2026-03");
        using var closed = await CloseAsync(op.Code, "2026-03");
        var final = await closed.Content.ReadFromJsonAsync<SettlementEnvelope>(ProtocolJson.Options);
        var late = await GrantOneAsync(op, Line(NewKey(), persons[1], Card, 100));
        var afterLate = await EnvelopeAsync(op, "2026-03");
        using var mismatch = await ConfirmAsync(op, "2026-03", 3, 11_600);
        using var confirmed = await ConfirmAsync(op, "2026-03", 3, 11_700);
        using var again = await ConfirmAsync(op, "2026-03", 3, 11_700);

        OperatorCalls.AssertEnvelope(new SettlementEnvelope(op.Code, "2026-03", SettlementEnvelope.Estimate, 3, 11_700, 11_700, 0,
            [new ProgramTotal(Card, 2, 4200), new ProgramTotal(Health, 1, 7500)]), estimate);
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        OperatorCalls.AssertEnvelope(estimate with { State = SettlementEnvelope.Final, ClosedAt = Fixture.Time.GetUtcNow() }, final!);
        Assert.Equal((SettlementEnvelope.Final, 3L, 11_700L), (afterLate.State, afterLate.Count, afterLate.Points));
        Assert.Equal(HttpStatusCode.Conflict, mismatch.StatusCode);
        Assert.Equal("settlement.totals-mismatch", await CodeOf(mismatch));
        Assert.Contains("count 3, points 11700", await mismatch.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var confirmation = await confirmed.Content.ReadFromJsonAsync<SettlementEnvelope>(ProtocolJson.Options);
        Assert.Equal((SettlementEnvelope.Confirmed, Fixture.Time.GetUtcNow()), (confirmation!.State, confirmation.ConfirmedAt));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        // Invariant 8: the envelope is the sum of the ledger lines it claimed; the late March line waits for April's.
        await using var db = Fixture.NewContext();
        var row = await db.Settlements.AsNoTracking().SingleAsync(s => s.OperatorCode == op.Code && s.Month == 202603);
        var claimed = await db.Grants.AsNoTracking().Where(g => g.SettlementId == row.Id).Select(g => g.Points).ToListAsync();
        Assert.Equal((row.Count, row.Points), (claimed.Count, claimed.Sum()));
        Assert.Equal((SettlementEnvelope.Confirmed, op.KeyId), (row.State, row.ConfirmedWith));
        var april = await EnvelopeAsync(op, "2026-04");
        Assert.Equal((2L, 500L), (april.Count, april.Points));
        Assert.Equal(100, late.Accepted);
        var unclaimed = await db.Grants.AsNoTracking().Where(g => g.OperatorCode == op.Code && g.SettlementId == null && g.Status != "refused").SumAsync(g => g.Points);
        Assert.Equal(april.Points, unclaimed);
        Assert.True(await db.AuditLog.AnyAsync(a => a.Action == "settlement.closed" && a.Subject == "operator:" + op.Code));
        Assert.True(await db.AuditLog.AnyAsync(a => a.Action == "settlement.confirmed" && a.Subject == "operator:" + op.Code));
    }

    [Fact]
    public async Task An_open_month_cannot_be_closed_a_closed_one_not_twice_nor_an_earlier_one_after_it_and_only_a_final_envelope_is_confirmed()
    {
        var plan = Fixture.ReserveOperator();
        var op = await Fixture.RegisterAsync(plan);

        using var open = await CloseAsync(op.Code, "2026-04");
        using var first = await CloseAsync(op.Code, "2026-02");
        using var twice = await CloseAsync(op.Code, "2026-02");
        using var earlier = await CloseAsync(op.Code, "2026-01");
        using var unconfirmable = await ConfirmAsync(op, "2026-04", 0, 0);
        using var unknown = await CloseAsync("no-such-operator", "2026-02");
        using var badMonth = await CloseAsync(op.Code, "2026-13");
        using var agent = Fixture.StaffClient(Fixture.Agent);
        using var forbidden = await agent.PostAsync($"{SettlementEndpoints.AdminRoute}/{op.Code}/2026-01/close", null);

        Assert.Equal((HttpStatusCode.Conflict, "settlement.month-open"), (open.StatusCode, await CodeOf(open)));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal((HttpStatusCode.Conflict, "settlement.already-closed"), (twice.StatusCode, await CodeOf(twice)));
        Assert.Equal((HttpStatusCode.Conflict, "settlement.later-month-closed"), (earlier.StatusCode, await CodeOf(earlier)));
        Assert.Equal((HttpStatusCode.Conflict, "settlement.not-final"), (unconfirmable.StatusCode, await CodeOf(unconfirmable)));
        Assert.Equal((HttpStatusCode.NotFound, "settlement.operator-unknown"), (unknown.StatusCode, await CodeOf(unknown)));
        Assert.Equal((HttpStatusCode.BadRequest, "settlement.month-invalid"), (badMonth.StatusCode, await CodeOf(badMonth)));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        await using var db = Fixture.NewContext();
        Assert.Equal(1, await db.Settlements.CountAsync(s => s.OperatorCode == op.Code));
    }

    [Fact]
    public async Task Reconciliation_reports_lines_missing_on_either_side_and_differing_points()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(1, Card);
        string[] keys = ["r-a", "r-b", "r-c", "r-d"];
        await GrantAsync(op, keys.Select((k, i) => Line(k + "-" + op.Code, persons[0], Card, 100 * (i + 1))).ToArray());
        await CancelAsync(op, new CancellationLine("r-e-" + op.Code, "r-d-" + op.Code, GrantsFixture.InMarch.AddDays(1)));
        ReconciliationLine[] theirs =
        [
            new("r-a-" + op.Code, 100),
            new("r-b-" + op.Code, 250),
            new("r-d-" + op.Code, 400),
            new("r-e-" + op.Code, -300),
            new("r-e-" + op.Code, -100),
            new("r-z-" + op.Code, 50),
        ];

        var (status, lines, raw) = await PostNdjsonAsync(op.Client, $"{OperatorRoutes.Settlements}/2026-03/reconcile", Ndjson(theirs.Reverse()));
        var (badStatus, _, badRaw) = await PostNdjsonAsync(op.Client, $"{OperatorRoutes.Settlements}/2026-03/reconcile", "{\"key\": \"ok\", \"points\": 1}\n{\"key\": \"bad key\"}\n");

        Assert.True(status == HttpStatusCode.OK, raw);
        Assert.Equal(
            [
                new ReconciliationDifference("r-b-" + op.Code, "points-differ", 200, 250),
                new ReconciliationDifference("r-c-" + op.Code, "missing-at-operator", 300, null),
                new ReconciliationDifference("r-z-" + op.Code, "missing-at-platform", null, 50),
            ],
            lines.Select(l => JsonSerializer.Deserialize<ReconciliationDifference>(l, ProtocolJson.Options)!));
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Contains("line 2", badRaw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_csv_lines_parse_back_to_the_envelope_for_the_operator_and_the_administrator()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(2, Card);
        var grants = persons.SelectMany(p => new[] { Line(NewKey(), p, Card, 700), Line(NewKey(), p, Card, 800) }).ToArray();
        await GrantAsync(op, grants);
        await CancelAsync(op, new CancellationLine(NewKey("c"), grants[0].Key, GrantsFixture.InMarch.AddHours(1)));
        var envelope = await EnvelopeAsync(op, "2026-03");

        using var response = await op.Client.GetAsync($"{OperatorRoutes.Settlements}/2026-03/lines");
        var text = await response.Content.ReadAsStringAsync();
        using var admin = Fixture.StaffClient();
        var adminText = await admin.GetStringAsync($"{SettlementEndpoints.AdminRoute}/{op.Code}/2026-03/lines");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(text, adminText);
        var rows = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Csv.TrySplit(l)!).ToArray();
        Assert.Equal(SettlementEndpoints.CsvHeader.Split(','), rows[0]);
        var data = rows[1..];
        Assert.Equal(envelope.Count, data.Length);
        Assert.Equal(envelope.Points, data.Sum(r => long.Parse(r[5], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(grants.Select(g => g.Key).Append(data[^1][0]), data.Select(r => r[0]));
        Assert.Equal(["grant", "grant", "grant", "grant", "cancellation"], data.Select(r => r[1]));
        Assert.Equal(grants.Select(g => g.Person).Append(grants[0].Person), data.Select(r => r[2]));
        Assert.All(data, r => Assert.Equal((op.Service, Card, "2026-03"), (r[3], r[4], r[7])));
        Assert.Equal("2026-03-10T03:00:00.000Z", data[1][6]);
        Assert.Equal(["accepted", "accepted", "accepted", "accepted", "cancelled"], data.Select(r => r[8]));
    }

    [Fact]
    public async Task The_administrator_lists_every_registered_operators_envelope_of_a_month()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(1, Card);
        await GrantAsync(op, Line(NewKey(), persons[0], Card, 900));
        using var admin = Fixture.StaffClient();

        var all = await admin.GetFromJsonAsync<SettlementEnvelope[]>($"{SettlementEndpoints.AdminRoute}?month=2026-03", ProtocolJson.Options);
        using var missing = await admin.GetAsync(SettlementEndpoints.AdminRoute);

        Assert.Equal(all!.Select(e => e.Operator).Order(StringComparer.Ordinal), all!.Select(e => e.Operator));
        var mine = all!.Single(e => e.Operator == op.Code);
        Assert.Equal((SettlementEnvelope.Estimate, 1L, 900L), (mine.State, mine.Count, mine.Points));
        await using var db = Fixture.NewContext();
        Assert.Equal(await db.Operators.CountAsync(), all!.Length);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task Closing_the_last_month_of_the_calendar_is_refused_as_an_invalid_month_not_a_server_error()
    {
        var (op, _) = await Fixture.OperatorWithAsync(0, Card);

        using var response = await CloseAsync(op.Code, "9999-12");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("settlement.month-invalid", await CodeOf(response));
    }

    [Theory]
    [InlineData(1_000_000_001L)]
    [InlineData(-1_000_000_001L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public async Task A_reconciliation_line_with_points_beyond_any_grant_is_refused_so_sums_cannot_overflow(long points)
    {
        var text = Ndjson([new ReconciliationLine("a", points), new ReconciliationLine("a", points)]);
        using var file = new MemoryStream(Encoding.UTF8.GetBytes(text));

        var (reconciliation, problem) = await Reconciliation.ReadAsync(file, runLines: 7, CancellationToken.None);

        Assert.Null(reconciliation);
        Assert.Equal("settlement.line-invalid", problem!.Code);
        Assert.Contains("line 1", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spilled_runs_merge_back_in_key_order_with_equal_keys_summed()
    {
        var lines = Enumerable.Range(0, 50).Select(i => new ReconciliationLine($"k{(i * 37) % 25:D2}", 1)).ToArray();
        using var file = new MemoryStream(Encoding.UTF8.GetBytes(Ndjson(lines)));
        var (reconciliation, problem) = await Reconciliation.ReadAsync(file, runLines: 7, CancellationToken.None);
        Assert.Null(problem);
        await using var _ = reconciliation;
        var platform = Enumerable.Range(0, 25).Select(i => new KeyPoints($"k{i:D2}", i == 3 ? 5 : 2)).ToAsyncEnumerable();

        var differences = await reconciliation!.CompareAsync(platform, CancellationToken.None).ToListAsync();

        Assert.Equal([new ReconciliationDifference("k03", "points-differ", 5, 2)], differences);
    }
}

public sealed class SqliteSettlementApiTests(SqliteGrantsFixture fixture) : SettlementApiTests<SqliteGrantsFixture>(fixture), IClassFixture<SqliteGrantsFixture>;

public sealed class PostgresSettlementApiTests(PostgresGrantsFixture fixture) : SettlementApiTests<PostgresGrantsFixture>(fixture), IClassFixture<PostgresGrantsFixture>;

using System.Net;
using System.Net.Http.Json;
using Kangen.Platform.Features.Settlement;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Features.Grants.OperatorCalls;

namespace Kangen.Platform.Tests.Features.Grants;

/// <summary>Cancellations of grants before and after settlement; run on SQLite and on PostgreSQL.</summary>
public abstract class CancellationApiTests<TFixture>(TFixture fixture) where TFixture : GrantsFixture
{
    protected TFixture Fixture { get; } = fixture;

    [Fact]
    public async Task A_cancellation_before_settlement_frees_the_entitlement_and_is_idempotent_by_its_key()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(1, Card);
        var person = persons[0];
        var grant = Line(NewKey(), person, Card, 5000);
        var refused = Line(NewKey(), person, Card, 1);
        await GrantAsync(op, grant, refused);
        var cancel = new CancellationLine(NewKey("c"), grant.Key, GrantsFixture.InMarch.AddDays(2));

        var first = (await CancelAsync(op, cancel)).Single();
        var afterCancel = await Fixture.TotalsAsync(person.PersonId);
        var regrant = await GrantOneAsync(op, Line(NewKey(), person, Card, 5000));
        var results = await CancelAsync(op,
            cancel,
            new CancellationLine(NewKey("c"), grant.Key, GrantsFixture.InMarch.AddDays(3)),
            new CancellationLine(NewKey("c"), "no-such-grant", GrantsFixture.InMarch.AddDays(3)),
            new CancellationLine(NewKey("c"), refused.Key, GrantsFixture.InMarch.AddDays(3)),
            cancel with { GrantKey = refused.Key },
            new CancellationLine(grant.Key, regrant.Key!, GrantsFixture.InMarch.AddDays(3)));

        Assert.Equal(new CancellationResult(cancel.Key, "cancelled", 5000, null), first);
        Assert.Equal(0, afterCancel.CardAcquisition);
        Assert.Equal((GrantResult.AcceptedStatus, 5000L), (regrant.Status, regrant.Accepted));
        Assert.Equal(first with { Replayed = true }, results[0]);
        Assert.Equal(["grant.already-cancelled", "grant.grant-unknown", "grant.grant-refused", "grant.key-reused", "grant.key-reused"],
            results.Skip(1).Select(r => r.Reason));
        await using var db = Fixture.NewContext();
        var rows = await db.Grants.AsNoTracking().Where(g => g.PersonId == person.PersonId).OrderBy(g => g.Id).ToListAsync();
        var granted = rows.Single(g => g.Key == grant.Key);
        var cancellation = rows.Single(g => g.Key == cancel.Key);
        Assert.Equal((cancellation.Id, granted.Id, -5000L, "cancellation"), (granted.RelatedId, cancellation.RelatedId, cancellation.Points, cancellation.Kind));
        Assert.Equal(202603, cancellation.Month);
        Assert.Equal(5000, rows.Sum(g => g.Points));
        Assert.Equal(5000, (await Fixture.TotalsAsync(person.PersonId)).CardAcquisition);
    }

    [Fact]
    public async Task A_cancellation_after_settlement_is_a_refund_in_the_next_envelope()
    {
        var (op, persons) = await Fixture.OperatorWithAsync(1, Card);
        var grant = Line(NewKey(), persons[0], Card, 1800);
        await GrantAsync(op, grant);
        using var admin = Fixture.StaffClient();
        using var close = await admin.PostAsync($"{SettlementEndpoints.AdminRoute}/{op.Code}/2026-03/close", null);
        Assert.Equal(HttpStatusCode.OK, close.StatusCode);

        var result = (await CancelAsync(op, new CancellationLine(NewKey("c"), grant.Key, Fixture.Time.GetUtcNow().AddMinutes(-5)))).Single();
        var april = await op.Client.GetFromJsonAsync<SettlementEnvelope>($"{OperatorRoutes.Settlements}/2026-04", ProtocolJson.Options);

        Assert.Equal(("refund", 1800L), (result.Status, result.Points));
        AssertEnvelope(new SettlementEnvelope(op.Code, "2026-04", SettlementEnvelope.Estimate, 1, -1800, 0, 1800, [new ProgramTotal(Card, 1, -1800)]), april!);
        Assert.Equal(0, (await Fixture.TotalsAsync(persons[0].PersonId)).CardAcquisition);
    }
}

public sealed class SqliteCancellationApiTests(SqliteGrantsFixture fixture) : CancellationApiTests<SqliteGrantsFixture>(fixture), IClassFixture<SqliteGrantsFixture>;

public sealed class PostgresCancellationApiTests(PostgresGrantsFixture fixture) : CancellationApiTests<PostgresGrantsFixture>(fixture), IClassFixture<PostgresGrantsFixture>;

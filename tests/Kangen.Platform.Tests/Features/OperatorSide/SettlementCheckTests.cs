using System.Net;
using System.Net.Http.Json;
using Kangen.Operator.Rebates;
using Kangen.Platform.Features.Settlement;
using Kangen.Protocol;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;

namespace Kangen.Platform.Tests.Features.OperatorSide;

/// <summary>
/// Flow 6 from the operator's side against the real platform: purchases rebated and granted during a month, the clock
/// moved past the month's end, the month closed by the administrator, and the operator's
/// <see cref="Kangen.Operator.Settlement.SettlementChecker"/> confirming the final envelope against its own ledger.
/// Its own fixture (per provider) because it moves the clock by a month. Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class SettlementCheckTests<TFixture>(TFixture fixture) where TFixture : OperatorSideFixture
{
    protected TFixture Fixture { get; } = fixture;

    [Fact]
    public async Task After_the_month_is_closed_the_operator_confirms_the_final_envelope_equal_to_the_platform_ledger()
    {
        var choice = Fixture.ReserveOperatorSide();
        var first = await Fixture.EnrolCustomerAsync(choice.Service, Card);
        var second = await Fixture.EnrolCustomerAsync(choice.Service, Card, Health);
        using var key = await Fixture.RegisterWithKeyAsync(choice.Code);
        using var runtime = Fixture.Runtime(Fixture.OptionsFor(choice.Code, key, Fixture.NewOperatorFolder()));
        var month = CampaignTimeZone.Japan.DateOf(Fixture.Time.GetUtcNow());
        var monthText = month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        await using (var db = runtime.Store.Open())
        {
            Assert.Equal(3, (await runtime.Puller!.PullAsync(db, default)).Enrolled);
            var accounts = (await db.Enrolments.ToListAsync()).Where(e => e.Program == Card).ToDictionary(e => e.Person, e => e.AccountReference);
            foreach (var (person, amount) in new[] { (first, 4000L), (second, 2000L), (first, 1200L), (second, 7000L) })
            {
                Fixture.Time.Advance(TimeSpan.FromMinutes(7));
                await runtime.Ledger.RecordAsync(db, new TransactionInput(choice.Service, accounts[person.Pseudonym], TransactionKind.Purchase, amount, Fixture.Time.GetUtcNow()), default);
            }
            var report = await runtime.Reporter!.ReportAsync(db, runtime.Store.DataFolder, null, default);
            Assert.Equal((5, 5, (string?)null), (report.Sent, report.Accepted, report.Error));
        }

        // Past the month's end (campaign time zone), the administrator closes it.
        var next = CampaignTimeZone.Japan.StartOf(new DateOnly(month.Year, month.Month, 1).AddMonths(1));
        Fixture.Time.Advance(next - Fixture.Time.GetUtcNow() + TimeSpan.FromHours(2));
        using (var admin = Fixture.StaffClient())
        {
            using var closed = await admin.PostAsync($"{SettlementEndpoints.AdminRoute}/{choice.Code}/{monthText}/close", null);
            Assert.True(closed.StatusCode == HttpStatusCode.OK, await closed.Content.ReadAsStringAsync());
            Assert.Equal(SettlementEnvelope.Final, (await closed.Content.ReadFromJsonAsync<SettlementEnvelope>(ProtocolJson.Options))!.State);
        }

        Kangen.Operator.Settlement.SettlementCheckResult check;
        await using (var db = runtime.Store.Open())
            check = await runtime.Settlement!.CheckAsync(db, monthText, default);

        Assert.Equal((SettlementEnvelope.Final, "confirmed"), (check.EnvelopeState, check.Outcome));
        Assert.Empty(check.Differences);
        // 1000 + 500 + 300 + 1750 of part 1 and 7,500 of part 2.
        Assert.Equal((5L, 11_050L), (check.LocalCount, check.LocalPoints));
        Assert.Equal((check.LocalCount, check.LocalPoints), (check.PlatformCount, check.PlatformPoints));
        await using var platform = Fixture.NewContext();
        var settlement = await platform.Settlements.AsNoTracking().SingleAsync(s => s.OperatorCode == choice.Code);
        var claimed = await platform.Grants.AsNoTracking().Where(g => g.SettlementId == settlement.Id).Select(g => g.Points).ToListAsync();
        var ledger = await Fixture.PlatformGrantsAsync(choice.Code);
        Assert.Equal(SettlementEnvelope.Confirmed, settlement.State);
        Assert.Equal(runtime.KeyId, settlement.ConfirmedWith);
        Assert.Equal((check.PlatformCount, check.PlatformPoints), (settlement.Count, settlement.Points));
        Assert.Equal((settlement.Count, settlement.Points), ((long)claimed.Count, claimed.Sum()));
        Assert.Equal((settlement.Count, settlement.Points), ((long)ledger.Count, ledger.Sum(g => g.Points)));
        await using var local = runtime.Store.Open();
        Assert.All(await local.Grants.ToListAsync(), g => Assert.Equal(monthText, g.SettledIn));
    }
}

public sealed class SqliteSettlementCheckTests(SqliteOperatorSideFixture fixture)
    : SettlementCheckTests<SqliteOperatorSideFixture>(fixture), IClassFixture<SqliteOperatorSideFixture>;

public sealed class PostgresSettlementCheckTests(PostgresOperatorSideFixture fixture)
    : SettlementCheckTests<PostgresOperatorSideFixture>(fixture), IClassFixture<PostgresOperatorSideFixture>;

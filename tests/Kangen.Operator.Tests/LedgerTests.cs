using Kangen.Operator.Grants;
using Kangen.Operator.Rebates;
using Kangen.Operator.Services;
using Kangen.Operator.Storage;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Operator.Tests;

public sealed class LedgerTests : IDisposable
{
    // 2022-10-15 10:00 in Japan.
    private static readonly DateTimeOffset Enrolled = new(2022, 10, 15, 1, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(Enrolled.AddDays(1));
    private readonly OperatorStore _store;
    private readonly OperatorLedger _ledger;

    public LedgerTests()
    {
        _store = new OperatorStore(_folder.Path, "kangen-demo");
        _ledger = new OperatorLedger(OperatorServices.Load("kangen-demo"), CampaignFile.LoadDefault(), _time);
    }

    public void Dispose() => _folder.Dispose();

    private async Task EnrolAsync(string person, string service, string account, string program = "card-acquisition")
    {
        await using var db = _store.Open();
        db.Enrolments.Add(new EnrolmentRow { Person = person, Service = service, AccountReference = account, Program = program, EnrolledAt = Enrolled, Cursor = "1.0" });
        await OperatorLedger.PersonAsync(db, person, default);
        await db.SaveChangesAsync();
    }

    private async Task<RecordedTransaction> RecordAsync(TransactionInput input)
    {
        await using var db = _store.Open();
        return await _ledger.RecordAsync(db, input, default);
    }

    [Fact]
    public async Task A_grant_is_in_the_outbox_with_its_key_as_soon_as_the_purchase_is_recorded()
    {
        await EnrolAsync("p-alice", "demo-pay", "acc-1");
        var recorded = await RecordAsync(new TransactionInput("demo-pay", "acc-1", TransactionKind.Purchase, 999, Enrolled.AddHours(2)));
        Assert.Equal(GrantKeys.ForTransaction(recorded.TransactionId), recorded.GrantKey);
        Assert.Equal(249, recorded.Points);
        // A crash now: a new context (a new process) finds the same pending line with the same key.
        await using var db = _store.Open();
        var grant = await db.Grants.SingleAsync();
        Assert.Equal(recorded.GrantKey, grant.Key);
        Assert.Equal(GrantStatus.Pending, grant.Status);
        Assert.Equal(249, grant.Points);
        Assert.Equal("p-alice", grant.Person);
        Assert.Equal("card-acquisition", grant.Program);
        Assert.Equal(recorded.GrantKey, GrantReporter.ToLine(grant).Key);
        Assert.Equal(202210, grant.Month);
    }

    [Fact]
    public async Task Purchases_before_the_enrolment_or_on_unenrolled_accounts_earn_nothing()
    {
        await EnrolAsync("p-alice", "demo-pay", "acc-1");
        var before = await RecordAsync(new TransactionInput("demo-pay", "acc-1", TransactionKind.Purchase, 5000, Enrolled.AddHours(-1)));
        var stranger = await RecordAsync(new TransactionInput("demo-pay", "acc-2", TransactionKind.Purchase, 5000, Enrolled.AddHours(1)));
        Assert.Null(before.GrantKey);
        Assert.Null(stranger.GrantKey);
        await using var db = _store.Open();
        Assert.Empty(await db.Grants.ToListAsync());
        Assert.Equal(2, await db.Transactions.CountAsync());
    }

    [Fact]
    public async Task The_local_cap_is_never_exceeded_over_many_purchases()
    {
        await EnrolAsync("p-alice", "demo-pay", "acc-1");
        var results = new List<RecordedTransaction>();
        for (var i = 0; i < 9; i++)
            results.Add(await RecordAsync(new TransactionInput("demo-pay", "acc-1", TransactionKind.Purchase, 2999, Enrolled.AddHours(1 + i))));
        // 2,999 x 0.25 = 749.75 -> 749 each (floor): six reach 4,494, the seventh gets the rest 506, then nothing.
        Assert.Equal([749, 749, 749, 749, 749, 749, 506, 0, 0], results.Select(r => r.Points));
        Assert.True(results[8].AtCap);
        await using var db = _store.Open();
        Assert.Equal(5000, await db.Grants.SumAsync(g => g.Points));
        Assert.Equal(5000, (await db.People.SingleAsync()).CardAcquisitionCommitted);
    }

    [Fact]
    public async Task A_return_cancels_the_purchases_grant_with_a_derived_key_and_frees_the_points()
    {
        await EnrolAsync("p-alice", "demo-pay", "acc-1");
        var bought = await RecordAsync(new TransactionInput("demo-pay", "acc-1", TransactionKind.Purchase, 4000, Enrolled.AddHours(1)));
        var returned = await RecordAsync(new TransactionInput("demo-pay", "acc-1", TransactionKind.Return, 4000, Enrolled.AddHours(5), bought.TransactionId));
        Assert.Equal(GrantKeys.ForCancellation(bought.GrantKey!), returned.CancellationKey);
        Assert.Null(returned.GrantKey);
        await using var db = _store.Open();
        var cancellation = await db.Cancellations.SingleAsync();
        Assert.Equal(bought.GrantKey, cancellation.GrantKey);
        Assert.Equal(GrantStatus.Pending, cancellation.Status);
        Assert.True((await db.Grants.SingleAsync()).Cancelled);
        Assert.Equal(0, (await db.People.SingleAsync()).CardAcquisitionCommitted);
    }

    private async Task<(OperatorStore Store, OperatorLedger Ledger)> OtherOperatorAsync(string code, string person, string service, string account)
    {
        var store = new OperatorStore(Path.Combine(_folder.Path, code), code);
        await using var db = store.Open();
        db.Enrolments.Add(new EnrolmentRow { Person = person, Service = service, AccountReference = account, Program = "card-acquisition", EnrolledAt = Enrolled, Cursor = "1.0" });
        await db.SaveChangesAsync();
        return (store, new OperatorLedger(OperatorServices.Load(code), CampaignFile.LoadDefault(), _time));
    }

    [Fact]
    public async Task A_return_at_the_cap_gives_its_points_back_for_the_next_purchase()
    {
        await EnrolAsync("p-alice", "demo-pay", "acc-1");
        var bought = new List<RecordedTransaction>();
        for (var i = 0; i < 7; i++)
            bought.Add(await RecordAsync(new TransactionInput("demo-pay", "acc-1", TransactionKind.Purchase, 2999, Enrolled.AddHours(1 + i))));
        await using (var db = _store.Open())
        {
            // The platform answered and said nothing remains.
            foreach (var g in await db.Grants.ToListAsync())
            {
                g.Status = GrantStatus.Accepted;
                g.Accepted = g.Points;
            }
            (await db.People.SingleAsync()).CapReached = true;
            await db.SaveChangesAsync();
        }
        Assert.Equal(0, (await RecordAsync(new TransactionInput("demo-pay", "acc-1", TransactionKind.Purchase, 1000, Enrolled.AddHours(10)))).Points);
        await RecordAsync(new TransactionInput("demo-pay", "acc-1", TransactionKind.Return, 2999, Enrolled.AddHours(11), bought[0].TransactionId));
        var after = await RecordAsync(new TransactionInput("demo-pay", "acc-1", TransactionKind.Purchase, 4000, Enrolled.AddHours(12)));
        Assert.Equal(749, after.Points);
    }

    [Fact]
    public async Task Charges_earn_on_at_charge_services_and_purchases_there_do_not()
    {
        // demo-transit (demo-rail) is an at-charge prepaid card.
        var (store, ledger) = await OtherOperatorAsync("demo-rail", "p-bob", "demo-transit", "acc-9");
        await using var db = store.Open();
        var charge = await ledger.RecordAsync(db, new TransactionInput("demo-transit", "acc-9", TransactionKind.Charge, 3000, Enrolled.AddHours(1)), default);
        var purchase = await ledger.RecordAsync(db, new TransactionInput("demo-transit", "acc-9", TransactionKind.Purchase, 3000, Enrolled.AddHours(2)), default);
        Assert.Equal(750, charge.Points);
        Assert.Equal(0, purchase.Points);
        Assert.Null(purchase.GrantKey);
    }

    [Fact]
    public async Task A_monthly_service_grants_the_month_once_after_it_ends()
    {
        // demo-card (demo-credit) is monthly with floor rounding.
        var (store, ledger) = await OtherOperatorAsync("demo-credit", "p-carol", "demo-card", "acc-5");
        await using var db = store.Open();
        var first = await ledger.RecordAsync(db, new TransactionInput("demo-card", "acc-5", TransactionKind.Purchase, 999, Enrolled.AddHours(1)), default);
        await ledger.RecordAsync(db, new TransactionInput("demo-card", "acc-5", TransactionKind.Purchase, 999, Enrolled.AddHours(2)), default);
        await ledger.RecordAsync(db, new TransactionInput("demo-card", "acc-5", TransactionKind.Purchase, 400, Enrolled.AddHours(3)), default);
        await ledger.RecordAsync(db, new TransactionInput("demo-card", "acc-5", TransactionKind.Return, 400, Enrolled.AddHours(4), first.TransactionId), default);
        Assert.Null(first.GrantKey);
        // Still October in Japan: nothing to close.
        Assert.Equal(0, await ledger.CloseMonthsAsync(db, default));
        // 2022-11-01 00:30 in Japan.
        _time.SetUtcNow(new DateTimeOffset(2022, 10, 31, 15, 30, 0, TimeSpan.Zero));
        Assert.Equal(1, await ledger.CloseMonthsAsync(db, default));
        Assert.Equal(0, await ledger.CloseMonthsAsync(db, default));
        var grant = await db.Grants.SingleAsync();
        Assert.Equal(GrantKeys.ForMonth("p-carol", "demo-card", 202210), grant.Key);
        // 999 + 999 + 400 - 400 (the return is of the first purchase, but its amount is what was returned) = 1,998 -> 499.5 -> 499.
        Assert.Equal(499, grant.Points);
        Assert.Equal(GrantStatus.Pending, grant.Status);
    }

    [Fact]
    public async Task A_suspended_person_earns_nothing()
    {
        await EnrolAsync("p-alice", "demo-pay", "acc-1");
        await using (var db = _store.Open())
        {
            (await db.People.SingleAsync()).Suspended = true;
            await db.SaveChangesAsync();
        }
        var recorded = await RecordAsync(new TransactionInput("demo-pay", "acc-1", TransactionKind.Purchase, 4000, Enrolled.AddHours(1)));
        Assert.Null(recorded.GrantKey);
    }

    [Fact]
    public async Task The_fixed_grant_of_parts_2_and_3_is_written_once_for_7500()
    {
        await using var db = _store.Open();
        Assert.True(await _ledger.GrantFixedAsync(db, "p-alice", "demo-pay", ProgramKind.HealthInsurance, Enrolled, default));
        await db.SaveChangesAsync();
        Assert.False(await _ledger.GrantFixedAsync(db, "p-alice", "demo-ecash", ProgramKind.HealthInsurance, Enrolled, default));
        Assert.True(await _ledger.GrantFixedAsync(db, "p-alice", "demo-pay", ProgramKind.PublicFundAccount, Enrolled, default));
        await db.SaveChangesAsync();
        var grants = await db.Grants.OrderBy(g => g.Key).ToListAsync();
        Assert.Equal(["p2.p-alice", "p3.p-alice"], grants.Select(g => g.Key));
        Assert.All(grants, g => Assert.Equal(7500, g.Points));
    }
}

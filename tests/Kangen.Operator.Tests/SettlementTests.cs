using Kangen.Operator.Settlement;
using Kangen.Operator.Storage;

namespace Kangen.Operator.Tests;

public sealed class SettlementTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_platforms_lines_are_read_by_column_name_with_refunds_negative_and_cancelled_lines_left_out()
    {
        const string csv = "key,kind,person,service,program,points,occurred_at,month,status\n"
            + "p1.t1,grant,p-a,demo-pay,card-acquisition,249,2022-10-15T10:00:00+09:00,2022-10,settled\n"
            + "p2.p-a,grant,p-a,demo-pay,health-insurance,7500,2022-10-15T10:00:00+09:00,2022-10,settled\n"
            + "c.p1.t0,refund,p-a,demo-pay,card-acquisition,100,2022-10-16T10:00:00+09:00,2022-10,settled\n"
            + "p1.t9,grant,p-a,demo-pay,card-acquisition,50,2022-10-17T10:00:00+09:00,2022-10,cancelled\n";
        var lines = SettlementChecker.ParseLines(csv);
        Assert.Equal(3, lines.Count);
        Assert.Equal(249, lines["p1.t1"]);
        Assert.Equal(7500, lines["p2.p-a"]);
        Assert.Equal(-100, lines["c.p1.t0"]);
    }

    [Fact]
    public void Comparison_names_every_key_that_differs_and_how()
    {
        var local = new Dictionary<string, long> { ["a"] = 100, ["b"] = 200, ["c"] = 300 };
        var platform = new Dictionary<string, long> { ["a"] = 100, ["b"] = 150, ["d"] = 400 };
        var differences = SettlementChecker.Compare(local, platform);
        Assert.Equal(["b", "c", "d"], differences.Select(d => d.Key));
        Assert.Equal(["points-differ", "missing-at-platform", "missing-at-operator"], differences.Select(d => d.Kind));
        Assert.Equal(150, differences[0].PlatformPoints);
        Assert.Equal(200, differences[0].OperatorPoints);
        Assert.Empty(SettlementChecker.Compare(local, local));
    }

    [Fact]
    public async Task The_local_ledger_of_a_month_has_accepted_grants_and_its_refunds()
    {
        var store = new OperatorStore(_folder.Path, "kangen-demo");
        await using var db = store.Open();
        db.Grants.AddRange(
            new GrantRow { Key = "g1", Person = "p", Service = "demo-pay", Program = "card-acquisition", Points = 300, Accepted = 300, Status = GrantStatus.Accepted, Month = 202210 },
            new GrantRow { Key = "g2", Person = "p", Service = "demo-pay", Program = "card-acquisition", Points = 300, Accepted = 120, Status = GrantStatus.Partial, Month = 202210 },
            new GrantRow { Key = "g3", Person = "p", Service = "demo-pay", Program = "card-acquisition", Points = 300, Accepted = 0, Status = GrantStatus.Refused, Month = 202210 },
            new GrantRow { Key = "g4", Person = "p", Service = "demo-pay", Program = "card-acquisition", Points = 300, Accepted = 300, Status = GrantStatus.Accepted, Month = 202211 },
            new GrantRow { Key = "g5", Person = "p", Service = "demo-pay", Program = "card-acquisition", Points = 80, Accepted = 80, Status = GrantStatus.Accepted, Month = 202210, Cancelled = true },
            new GrantRow { Key = "g0", Person = "p", Service = "demo-pay", Program = "card-acquisition", Points = 40, Accepted = 40, Status = GrantStatus.Accepted, Month = 202209, Cancelled = true });
        db.Cancellations.AddRange(
            new CancellationRow { Key = "c.g5", GrantKey = "g5", Status = GrantStatus.Cancelled, Points = 80, Month = 202210 },
            new CancellationRow { Key = "c.g0", GrantKey = "g0", Status = GrantStatus.Refund, Points = 40, Month = 202210 });
        await db.SaveChangesAsync();
        var lines = await SettlementChecker.LocalLinesAsync(db, 202210, default);
        Assert.Equal(new Dictionary<string, long> { ["g1"] = 300, ["g2"] = 120, ["c.g0"] = -40 }, lines);
    }
}

using Kangen.Operator.Settlement;
using Kangen.Operator.Storage;

namespace Kangen.Operator.Tests;

public sealed class SettlementTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_platforms_lines_are_read_by_column_name_with_cancellations_negative()
    {
        const string csv = "key,kind,person,service,program,points,occurred_at,month,status\n"
            + "p1.t1,grant,p-a,demo-pay,card-acquisition,249,2022-10-15T01:00:00.000Z,2022-10,accepted\n"
            + "p2.p-a,grant,p-a,demo-pay,health-insurance,7500,2022-10-15T01:00:00.000Z,2022-10,accepted\n"
            + "p1.t0,grant,p-a,demo-pay,card-acquisition,100,2022-10-15T02:00:00.000Z,2022-10,partial\n"
            + "c.p1.t0,cancellation,p-a,demo-pay,card-acquisition,-100,2022-10-16T01:00:00.000Z,2022-10,cancelled\n";
        var lines = SettlementChecker.ParseLines(csv);
        Assert.Equal(4, lines.Count);
        Assert.Equal(249, lines["p1.t1"]);
        Assert.Equal(7500, lines["p2.p-a"]);
        Assert.Equal(100, lines["p1.t0"]);
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
    public async Task The_local_envelope_has_unsettled_accepted_grants_and_taken_cancellations_up_to_the_month()
    {
        var store = new OperatorStore(_folder.Path, "kangen-demo");
        await using var db = store.Open();
        GrantRow Grant(string key, long points, long accepted, string status, int month) =>
            new() { Key = key, Person = "p", Service = "demo-pay", Program = "card-acquisition", Points = points, Accepted = accepted, Status = status, Month = month };
        db.Grants.AddRange(
            Grant("g1", 300, 300, GrantStatus.Accepted, 202210),
            Grant("g2", 300, 120, GrantStatus.Partial, 202210),
            Grant("g3", 300, 0, GrantStatus.Refused, 202210),
            Grant("g4", 300, 300, GrantStatus.Accepted, 202211),
            Grant("g5", 80, 80, GrantStatus.Accepted, 202210),
            Grant("g6", 50, 50, GrantStatus.Accepted, 202209),
            Grant("g0", 40, 40, GrantStatus.Accepted, 202209));
        db.Grants.Local.Single(g => g.Key == "g0").SettledIn = "2022-09";
        db.Cancellations.AddRange(
            new CancellationRow { Key = "c.g5", GrantKey = "g5", Status = GrantStatus.Cancelled, Points = 80, Month = 202210 },
            new CancellationRow { Key = "c.g0", GrantKey = "g0", Status = GrantStatus.Refund, Points = 40, Month = 202210 },
            new CancellationRow { Key = "c.g1", GrantKey = "g1", Status = GrantStatus.Pending, Month = 202210 });
        await db.SaveChangesAsync();
        var lines = await SettlementChecker.LocalLinesAsync(db, 202210, default);
        // A late September line not yet settled belongs to October's envelope; September's settled line does not.
        Assert.Equal(new Dictionary<string, long> { ["g1"] = 300, ["g2"] = 120, ["g5"] = 80, ["c.g5"] = -80, ["g6"] = 50, ["c.g0"] = -40 }, lines);
        await SettlementChecker.MarkSettledAsync(db, lines.Keys, "2022-10", default);
        await db.SaveChangesAsync();
        Assert.Equal(new Dictionary<string, long> { ["g4"] = 300 }, await SettlementChecker.LocalLinesAsync(db, 202211, default));
    }
}

using Kangen.Platform.Features.ReferenceData;
using Kangen.Platform.Features.Spots;

namespace Kangen.Platform.Tests.Features.Spots;

public class SpotGeneratorTests
{
    private static IReadOnlyList<Spot> Spots => GeneratedSpots.Directory.Spots;

    [Fact]
    public void About_ninety_thousand_spots_are_generated_in_the_documented_mix()
    {
        Assert.InRange(Spots.Count, 89_000, 91_000);
        var byKind = Spots.GroupBy(s => s.Kind).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (kind, count) in SpotGenerator.Mix)
            Assert.Equal(count, byKind[kind]);
        Assert.Equal(ReferenceDataSet.Municipalities.All.Count(m => m.HasCounter), byKind[SpotKind.MunicipalCounter]);
    }

    [Fact]
    public void Every_municipality_and_ward_has_exactly_one_counter()
    {
        var counters = Spots.Where(s => s.Kind == SpotKind.MunicipalCounter).Select(s => s.MunicipalityCode).ToArray();
        Assert.Equal(counters.Length, counters.Distinct().Count());
        Assert.Contains("131016", counters);
        Assert.DoesNotContain("011002", counters); // 札幌市 itself: its wards hold the counters
        Assert.Contains("011011", counters);
    }

    [Fact]
    public void Every_spot_is_marked_generated_and_none_registers_a_public_fund_account()
    {
        Assert.All(Spots, s => Assert.True(s.Generated));
        Assert.DoesNotContain(Spots, s => s.Operations.HasFlag(SpotOperations.PublicFundAccount));
        Assert.DoesNotContain(Spots, s => s.Operations == SpotOperations.None);
    }

    [Fact]
    public void Some_spots_do_not_handle_some_operations()
    {
        Assert.Contains(Spots, s => s.Kind == SpotKind.PostOffice && !s.Operations.HasFlag(SpotOperations.HealthInsurance));
        Assert.Contains(Spots, s => s.Kind == SpotKind.PostOffice && s.Operations.HasFlag(SpotOperations.HealthInsurance));
        Assert.All(Spots.Where(s => s.Kind == SpotKind.BankAtm), s => Assert.False(s.Operations.HasFlag(SpotOperations.HealthInsurance)));
    }

    [Fact]
    public void Ids_are_unique_and_spots_lie_near_their_municipality()
    {
        Assert.Equal(Spots.Count, Spots.Select(s => s.Id).Distinct(StringComparer.Ordinal).Count());
        foreach (var s in Spots.Where((_, i) => i % 97 == 0))
        {
            var m = ReferenceDataSet.Municipalities.Find(s.MunicipalityCode)!;
            Assert.InRange(m.Point.DistanceMeters(s.Point), 0, 2_000 + 300 * Math.Sqrt(5_000));
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_list_and_another_seed_another()
    {
        var again = SpotGenerator.Generate(ReferenceDataSet.Municipalities, ReferenceDataSet.PostalCodes);
        Assert.Equal(Spots.Count, again.Count);
        for (var i = 0; i < again.Count; i += 101)
            Assert.Equal((Spots[i].Id, Spots[i].Point, Spots[i].Operations, Spots[i].Hours.Text), (again[i].Id, again[i].Point, again[i].Operations, again[i].Hours.Text));
        var other = SpotGenerator.Generate(ReferenceDataSet.Municipalities, ReferenceDataSet.PostalCodes, seed: 7);
        Assert.NotEqual(Spots[5000].Point, other[5000].Point);
    }
}

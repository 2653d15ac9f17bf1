using Kangen.Platform.Features.ReferenceData;
using Kangen.Platform.Features.Spots;

namespace Kangen.Platform.Tests.Features.Spots;

public class SpotIndexTests
{
    private static SpotDirectory Spots => GeneratedSpots.Directory;

    private static IReadOnlyList<(Spot Spot, double Distance)> BruteForce(GeoPoint origin, int k, SpotKind? kind, SpotOperations? operation, DateTimeOffset? openAt)
    {
        var filter = Spots.Filter(operation, openAt) ?? (_ => true);
        return Spots.Spots
            .Where(s => (kind is null || s.Kind == kind) && filter(s))
            .Select(s => (Spot: s, Distance: origin.DistanceMeters(s.Point)))
            .OrderBy(x => x.Distance)
            .Take(k)
            .ToArray();
    }

    [Fact]
    public void Nearest_spots_equal_a_brute_force_search_on_random_points_operations_kinds_and_times()
    {
        var random = new Random(8);
        SpotOperations?[] operations = [null, SpotOperations.Reserve, SpotOperations.Apply, SpotOperations.HealthInsurance];
        for (var round = 0; round < 150; round++)
        {
            // Mostly inside Japan's bounding box; some far away to exercise long distances.
            var origin = round % 10 == 0
                ? GeoPoint.TryCreate(random.NextDouble() * 180 - 90, random.NextDouble() * 360 - 180)!.Value
                : GeoPoint.TryCreate(24 + random.NextDouble() * 22, 123 + random.NextDouble() * 23)!.Value;
            var k = random.Next(1, 60);
            SpotKind? kind = random.Next(3) == 0 ? (SpotKind)random.Next(7) : null;
            var operation = operations[random.Next(operations.Length)];
            DateTimeOffset? openAt = random.Next(2) == 0
                ? new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.FromHours(9)).AddMinutes(random.Next(0, 366 * 24 * 60))
                : null;

            var found = Spots.Nearest(origin, k, kind, operation, openAt);
            var expected = BruteForce(origin, k, kind, operation, openAt);

            Assert.Equal(expected.Count, found.Count);
            for (var i = 0; i < found.Count; i++)
            {
                Assert.Equal(expected[i].Distance, found[i].DistanceMeters, 0.01);
                Assert.Equal(expected[i].Distance, origin.DistanceMeters(found[i].Spot.Point), 0.01);
            }
            // Same spots, unless two sit at exactly the same distance at the cut.
            var cut = expected.Count == 0 ? 0 : expected[^1].Distance;
            Assert.Equal(
                expected.Where(e => e.Distance < cut - 0.01).Select(e => e.Spot.Id).Order(),
                found.Where(f => f.DistanceMeters < cut - 0.01).Select(f => f.Spot.Id).Order());
        }
    }

    [Fact]
    public void Results_come_nearest_first_and_all_pass_the_filter()
    {
        var tokyo = GeoPoint.TryCreate(35.681, 139.767)!.Value;
        var sundayNight = new DateTimeOffset(2022, 7, 3, 2, 0, 0, TimeSpan.FromHours(9));
        var found = Spots.Nearest(tokyo, 20, null, SpotOperations.Apply, sundayNight);
        Assert.Equal(20, found.Count);
        Assert.True(found.Zip(found.Skip(1)).All(p => p.First.DistanceMeters <= p.Second.DistanceMeters));
        Assert.All(found, m => Assert.True(m.Spot.Operations.HasFlag(SpotOperations.Apply)));
        Assert.All(found, m => Assert.True(m.Spot.Hours.IsOpen(sundayNight, Spots.Holidays)));
        // At 2 a.m. only the around-the-clock ATMs are open in the generated list...
        Assert.All(found, m => Assert.Equal(SpotKind.BankAtm, m.Spot.Kind));
        // ...and they do not register cards for health insurance, so nothing is open for it.
        Assert.Empty(Spots.Nearest(tokyo, 20, null, SpotOperations.HealthInsurance, sundayNight));
    }

    [Fact]
    public void A_list_with_more_hour_profiles_than_mask_bits_still_matches_brute_force()
    {
        // 120 distinct opening times: profiles beyond 63 share the overflow bit and are checked one by one.
        var random = new Random(3);
        var spots = Spots.Spots.Where((_, i) => i % 30 == 0).Select((s, i) => s with
        {
            Hours = OpeningHours.Parse($"Mon-Sun {6 + i % 120 / 10:00}:{i % 10 * 5:00}-{18 + i % 5:00}:00"),
        }).ToArray();
        var index = new SpotIndex(spots);
        for (var round = 0; round < 100; round++)
        {
            var origin = GeoPoint.TryCreate(30 + random.NextDouble() * 14, 129 + random.NextDouble() * 16)!.Value;
            var at = new DateTimeOffset(2022, 7, 1, 0, 0, 0, TimeSpan.FromHours(9)).AddMinutes(random.Next(0, 7 * 24 * 60));
            var moment = JapanMoment.Of(at, Spots.Holidays);
            var required = random.Next(2) == 0 ? SpotOperations.HealthInsurance : SpotOperations.Apply;
            var k = random.Next(1, 30);
            var expected = spots.Where(s => (s.Operations & required) == required && s.Hours.IsOpen(moment))
                .Select(s => origin.DistanceMeters(s.Point)).Order().Take(k).ToArray();
            var found = index.Nearest(origin, k, required, moment);
            Assert.Equal(expected.Length, found.Count);
            for (var i = 0; i < expected.Length; i++)
                Assert.Equal(expected[i], found[i].DistanceMeters, 0.01);
        }
    }

    [Fact]
    public void A_filter_nothing_passes_gives_an_empty_list()
    {
        var index = new SpotIndex(Spots.Spots.Take(500));
        Assert.Empty(index.Nearest(GeoPoint.TryCreate(35, 135)!.Value, 5, _ => false));
    }

    [Fact]
    public void Asking_for_more_than_there_are_returns_them_all()
    {
        var few = Spots.Spots.Take(7).ToArray();
        var index = new SpotIndex(few);
        var found = index.Nearest(GeoPoint.TryCreate(35, 135)!.Value, 50);
        Assert.Equal(few.Select(s => s.Id).Order(), found.Select(m => m.Spot.Id).Order());
    }

    [Fact]
    public void An_empty_index_finds_nothing() =>
        Assert.Empty(new SpotIndex([]).Nearest(GeoPoint.TryCreate(35, 135)!.Value, 3));
}

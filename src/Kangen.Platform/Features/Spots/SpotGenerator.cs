using System.Globalization;
using Kangen.Platform.Features.ReferenceData;

namespace Kangen.Platform.Features.Spots;

/// <summary>
/// Generates the default spot list: about 90,000 spots around the real municipalities, in a fixed
/// mix of kinds, all marked <see cref="Spot.Generated"/>. Individual spot addresses are in no
/// package, so the places are invented; the municipalities, their points and the total are real.
/// The same seed and data always give the same list (own PRNG, independent of runtime version).
/// </summary>
public static class SpotGenerator
{
    /// <summary>The seed of the default list.</summary>
    public const ulong DefaultSeed = 20230101;

    /// <summary>
    /// Spots per kind besides municipal counters (one per municipality or ward). Chosen so the total is
    /// about 90,000, the reported number of spots, with convenience-store copiers the bulk (the big
    /// chains had about 55,000 stores) and post offices next (about 24,000 exist); see docs/spots.md.
    /// </summary>
    public static IReadOnlyList<(SpotKind Kind, int Count)> Mix { get; } =
    [
        (SpotKind.PostOffice, 20_000),
        (SpotKind.ConvenienceStore, 50_000),
        (SpotKind.BankAtm, 12_000),
        (SpotKind.CarrierShop, 4_500),
        (SpotKind.Supermarket, 1_000),
        (SpotKind.ElectronicsStore, 600),
    ];

    private static readonly OpeningHours CounterHours = OpeningHours.Parse("Mon-Fri 08:30-17:15; Hol closed; YearEnd closed");
    private static readonly OpeningHours CounterSaturdayHours = OpeningHours.Parse("Mon-Fri 08:30-17:15; Sat 09:00-12:00; Hol closed; YearEnd closed");
    private static readonly OpeningHours PostOfficeHours = OpeningHours.Parse("Mon-Fri 09:00-17:00; Hol closed; YearEnd closed");
    private static readonly OpeningHours CopierHours = OpeningHours.Parse("Mon-Sun 06:30-23:00");
    private static readonly OpeningHours AtmHours = OpeningHours.Parse("Mon-Sun 24h");
    private static readonly OpeningHours CarrierHours = OpeningHours.Parse("Mon-Sun 10:00-19:00; YearEnd closed");
    private static readonly OpeningHours SupermarketHours = OpeningHours.Parse("Mon-Sun 09:00-21:00");
    private static readonly OpeningHours SupermarketLateHours = OpeningHours.Parse("Mon-Sun 10:00-22:00");
    private static readonly OpeningHours ElectronicsHours = OpeningHours.Parse("Mon-Sun 10:00-20:00");

    private const SpotOperations All = SpotOperations.Reserve | SpotOperations.Apply | SpotOperations.HealthInsurance;
    private const SpotOperations ReserveApply = SpotOperations.Reserve | SpotOperations.Apply;

    /// <summary>Generates the list from the committed reference data.</summary>
    public static IReadOnlyList<Spot> Generate(MunicipalityDirectory municipalities, PostalCodeDirectory postalCodes, ulong seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(municipalities);
        ArgumentNullException.ThrowIfNull(postalCodes);
        var random = new SplitMix64(seed);
        var units = municipalities.All.Where(m => m.HasCounter).ToArray();
        var postalCounts = postalCodes.CountByMunicipality();
        var weights = Weights(units, postalCounts);
        var spots = new List<Spot>(90_000);

        foreach (var unit in units)
        {
            var point = unit.PointSource == PointSource.TownHall ? unit.Point : Scatter(unit.Point, 1, random);
            var office = unit.Kind is MunicipalityKind.Town or MunicipalityKind.Village ? "役場" : "役所";
            var hours = random.NextDouble() < 0.15 ? CounterSaturdayHours : CounterHours;
            spots.Add(new Spot($"G-{unit.Code}-MC-001", unit.Name + office, SpotKind.MunicipalCounter, unit.Code, point, All, hours, Generated: true));
        }

        foreach (var (kind, total) in Mix)
        {
            var counts = Apportion(weights, total);
            for (var u = 0; u < units.Length; u++)
            {
                for (var i = 1; i <= counts[u]; i++)
                {
                    var unit = units[u];
                    var (operations, hours) = Profile(kind, random);
                    var id = $"G-{unit.Code}-{Abbreviation(kind)}-{i.ToString("000", CultureInfo.InvariantCulture)}";
                    var name = $"{unit.Name} {kind.Japanese()} {i.ToString(CultureInfo.InvariantCulture)}";
                    spots.Add(new Spot(id, name, kind, unit.Code, Scatter(unit.Point, counts[u], random), operations, hours, Generated: true));
                }
            }
        }
        return spots;
    }

    /// <summary>
    /// Rough mean population per kind of place (order of magnitude of the 2020 census: special wards
    /// ~420,000, designated-city wards ~160,000, cities ~95,000, towns ~15,000, villages ~5,000). No
    /// population package is pinned, so these set the share of each kind, and within a kind the number
    /// of postal codes (square-rooted, relative to the kind's mean) tells bigger places from smaller.
    /// </summary>
    private static double MeanPopulation(MunicipalityKind kind) => kind switch
    {
        MunicipalityKind.SpecialWard => 420_000,
        MunicipalityKind.Ward => 160_000,
        MunicipalityKind.City => 95_000,
        MunicipalityKind.Town => 15_000,
        _ => 5_000,
    };

    private static double[] Weights(Municipality[] units, IReadOnlyDictionary<string, int> postalCounts)
    {
        var postal = units.Select(u => (double)Math.Max(1, postalCounts.GetValueOrDefault(u.Code))).ToArray();
        var meanByKind = units.Select((u, i) => (u.Kind, Postal: postal[i])).GroupBy(x => x.Kind).ToDictionary(g => g.Key, g => g.Average(x => x.Postal));
        return units.Select((u, i) => MeanPopulation(u.Kind) * Math.Sqrt(postal[i] / meanByKind[u.Kind])).ToArray();
    }

    private static (SpotOperations, OpeningHours) Profile(SpotKind kind, SplitMix64 random) => kind switch
    {
        // Some spots of a kind lack an operation, as in reality ("some spots do not handle some operations").
        SpotKind.PostOffice => (random.NextDouble() < 0.15 ? ReserveApply : All, PostOfficeHours),
        SpotKind.ConvenienceStore => (All, CopierHours),
        SpotKind.BankAtm => (ReserveApply, AtmHours),
        SpotKind.CarrierShop => (random.NextDouble() < 0.15 ? ReserveApply : All, CarrierHours),
        SpotKind.Supermarket => (random.NextDouble() < 0.10 ? SpotOperations.Apply : ReserveApply, random.NextDouble() < 0.3 ? SupermarketLateHours : SupermarketHours),
        SpotKind.ElectronicsStore => (random.NextDouble() < 0.10 ? SpotOperations.Apply : ReserveApply, ElectronicsHours),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Municipal counters are generated separately."),
    };

    private static string Abbreviation(SpotKind kind) => kind switch
    {
        SpotKind.MunicipalCounter => "MC",
        SpotKind.PostOffice => "PO",
        SpotKind.ConvenienceStore => "CS",
        SpotKind.BankAtm => "BA",
        SpotKind.CarrierShop => "CA",
        SpotKind.Supermarket => "SM",
        _ => "EL",
    };

    /// <summary>Largest-remainder apportionment: integer counts proportional to weights that sum exactly to total.</summary>
    private static int[] Apportion(double[] weights, int total)
    {
        var sum = weights.Sum();
        var counts = new int[weights.Length];
        var remainders = new (double Remainder, int Index)[weights.Length];
        var given = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            var exact = weights[i] * total / sum;
            counts[i] = (int)Math.Floor(exact);
            given += counts[i];
            remainders[i] = (exact - counts[i], i);
        }
        foreach (var (_, index) in remainders.OrderByDescending(r => r.Remainder).ThenBy(r => r.Index).Take(total - given))
            counts[index]++;
        return counts;
    }

    /// <summary>A point uniformly inside a disc around the centre; bigger places spread wider (2 km + 0.3 km × √count).</summary>
    private static GeoPoint Scatter(GeoPoint centre, int count, SplitMix64 random)
    {
        var radius = 2_000 + 300 * Math.Sqrt(count);
        var distance = radius * Math.Sqrt(random.NextDouble());
        var bearing = 2 * Math.PI * random.NextDouble();
        var dLat = distance * Math.Cos(bearing) / GeoPoint.EarthRadiusMeters;
        var dLng = distance * Math.Sin(bearing) / (GeoPoint.EarthRadiusMeters * Math.Cos(double.DegreesToRadians(centre.Lat)));
        var lat = Math.Round(centre.Lat + double.RadiansToDegrees(dLat), 6);
        var lng = Math.Round(centre.Lng + double.RadiansToDegrees(dLng), 6);
        return GeoPoint.TryCreate(lat, lng)!.Value;
    }

    /// <summary>SplitMix64: tiny, fast, and fixed by its definition, unlike System.Random's algorithm.</summary>
    private sealed class SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public double NextDouble()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 11) * (1.0 / (1UL << 53));
        }
    }
}

extern alias platform;
using BenchmarkDotNet.Attributes;
using platform::Kangen.Platform.Features.ReferenceData;
using platform::Kangen.Platform.Features.Spots;

namespace Kangen.Benchmarks;

/// <summary>
/// Nearest-spot search over the generated list of about 90,000 spots (target: p99 under 1 ms). Each
/// operation is one search from the next of 4,096 random origins in Japan, so the figure is a mean
/// over places. <see cref="Nearest10_nothing_matches"/> is the slowest possible search (the filter
/// rejects every spot, so every node is visited) and bounds every other query.
/// </summary>
[MemoryDiagnoser]
public class SpotSearchBenchmarks
{
    private SpotDirectory _spots = null!;
    private GeoPoint[] _origins = null!;
    private int _next;
    private readonly DateTimeOffset _fridayMorning = new(2022, 7, 1, 10, 0, 0, TimeSpan.FromHours(9));
    private readonly DateTimeOffset _saturdayMorning = new(2022, 7, 2, 10, 0, 0, TimeSpan.FromHours(9));
    private readonly DateTimeOffset _sundayNight = new(2022, 7, 3, 2, 0, 0, TimeSpan.FromHours(9));

    [GlobalSetup]
    public void Setup()
    {
        _spots = SpotDirectory.CreateGenerated();
        var random = new Random(42);
        // Origins near real municipalities (where people search from), jittered by up to ~10 km.
        var places = ReferenceDataSet.Municipalities.All.Where(m => m.HasCounter).ToArray();
        _origins = Enumerable.Range(0, 4096).Select(_ =>
        {
            var p = places[random.Next(places.Length)].Point;
            return GeoPoint.TryCreate(p.Lat + (random.NextDouble() - 0.5) * 0.2, p.Lng + (random.NextDouble() - 0.5) * 0.2)!.Value;
        }).ToArray();
    }

    private GeoPoint Next() => _origins[_next++ & 4095];

    /// <summary>k = 10, no filter.</summary>
    [Benchmark(Baseline = true)]
    public int Nearest10() => _spots.Nearest(Next(), 10).Count;

    /// <summary>k = 10 that can apply and are open on a Friday morning (the common citizen query).</summary>
    [Benchmark]
    public int Nearest10_apply_open_friday() => _spots.Nearest(Next(), 10, null, SpotOperations.Apply, _fridayMorning).Count;

    /// <summary>k = 10 municipal counters open on a Saturday morning (only about 15% open): a sparse filter.</summary>
    [Benchmark]
    public int Nearest10_counters_open_saturday() => _spots.Nearest(Next(), 10, SpotKind.MunicipalCounter, null, _saturdayMorning).Count;

    /// <summary>k = 10 for health-insurance registration at 2 a.m. Sunday: no spot qualifies, the whole tree is visited.</summary>
    [Benchmark]
    public int Nearest10_nothing_matches() => _spots.Nearest(Next(), 10, null, SpotOperations.HealthInsurance, _sundayNight).Count;

    /// <summary>The full request path as the API runs it: parse and validate the query, resolve a postal code, search.</summary>
    [Benchmark]
    public int Search_request_by_postal_code() =>
        _spots.Search(new SpotSearchRequest(PostalCode: "100-0001", Operation: "apply", OpenAt: "2022-07-01T10:00+09:00", K: "10")).Matches.Count;
}

// Per-query latency of nearest-spot search (p50/p99/p99.9) over the generated ~90,000 spots, as a
// complement to BenchmarkDotNet (which reports means). Mixed random queries: origins near real
// municipalities, random kind/operation/opening time, k = 10. Run: dotnet run -c Release scripts/spot-search-p99.cs
#:project ../src/Kangen.Platform/Kangen.Platform.csproj
#:property Optimize=true
using System.Diagnostics;
using Kangen.Platform.Features.ReferenceData;
using Kangen.Platform.Features.Spots;
var spots = SpotDirectory.CreateGenerated();
var random = new Random(1);
var places = ReferenceDataSet.Municipalities.All.Where(m => m.HasCounter).ToArray();
var friday = new DateTimeOffset(2022, 7, 1, 10, 0, 0, TimeSpan.FromHours(9));
SpotOperations?[] ops = [null, SpotOperations.Reserve, SpotOperations.Apply, SpotOperations.HealthInsurance];
var times = new List<double>();
for (var i = 0; i < 120_000; i++)
{
    var p = places[random.Next(places.Length)].Point;
    var o = GeoPoint.TryCreate(p.Lat + (random.NextDouble() - 0.5) * 0.2, p.Lng + (random.NextDouble() - 0.5) * 0.2)!.Value;
    SpotKind? kind = random.Next(4) == 0 ? (SpotKind)random.Next(7) : null;
    DateTimeOffset? at = random.Next(2) == 0 ? friday.AddMinutes(random.Next(0, 7 * 24 * 60)) : null;
    var op = ops[random.Next(4)];
    var sw = Stopwatch.GetTimestamp();
    spots.Nearest(o, 10, kind, op, at);
    var us = Stopwatch.GetElapsedTime(sw).TotalMicroseconds;
    if (i >= 20_000) times.Add(us);
}
times.Sort();
Console.WriteLine($"n={times.Count} p50={times[times.Count/2]:0.0}us p99={times[(int)(times.Count*0.99)]:0.0}us p999={times[(int)(times.Count*0.999)]:0.0}us max={times[^1]:0.0}us");

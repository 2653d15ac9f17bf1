using Kangen.Platform.Features.ReferenceData;

namespace Kangen.Platform.Features.Spots;

/// <summary>
/// A static k-d tree over spots for exact k-nearest search with a filter. Points are stored as unit
/// vectors on the sphere: the straight-line (chord) distance between unit vectors grows monotonically
/// with the great-circle distance, so ordinary Euclidean pruning gives exact great-circle neighbours
/// with no latitude distortion. The tree is implicit (node = middle of its range), built once;
/// a search allocates only small per-query state (k distances and indexes) and its result.
/// </summary>
public sealed class SpotIndex
{
    private readonly Spot[] _spots;   // tree order
    private readonly double[] _coords; // x, y, z per spot, tree order
    private readonly byte[] _axis;    // split axis per node
    // Spots sharing operations and hours form a profile; each node knows which profiles its subtree holds,
    // so a search skips whole subtrees where no spot could pass (a filter nothing passes costs nothing).
    private readonly (SpotOperations Operations, OpeningHours Hours)[] _profiles; // at most 64; the last may stand for "any other"
    private readonly bool _overflow;       // more distinct profiles than bits: bit 63 means "some other profile"
    private readonly ulong[] _subtreeMask; // per node: profiles present in its subtree
    private readonly ulong[] _nodeMask;    // per node: its own profile bit

    /// <summary>Builds the tree (O(n log² n); about 50 ms for 90,000 spots).</summary>
    public SpotIndex(IEnumerable<Spot> spots)
    {
        ArgumentNullException.ThrowIfNull(spots);
        var source = spots.ToArray();
        var n = source.Length;
        var xyz = new double[n * 3];
        for (var i = 0; i < n; i++)
            ToUnit(source[i].Point, out xyz[i * 3], out xyz[i * 3 + 1], out xyz[i * 3 + 2]);
        var order = new int[n];
        for (var i = 0; i < n; i++)
            order[i] = i;
        _axis = new byte[n];
        var keys = new double[n];
        Build(order, xyz, keys, 0, n);
        _spots = new Spot[n];
        _coords = new double[n * 3];
        for (var i = 0; i < n; i++)
        {
            _spots[i] = source[order[i]];
            Array.Copy(xyz, order[i] * 3, _coords, i * 3, 3);
        }

        // Most frequent profiles get their own bit; beyond 63 the rest share bit 63 and are always visited.
        var byProfile = _spots.GroupBy(s => (s.Operations, s.Hours.Text))
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key.Text, StringComparer.Ordinal).ThenBy(g => g.Key.Operations).ToArray();
        _overflow = byProfile.Length > 64;
        var bits = new Dictionary<(SpotOperations, string), int>();
        for (var i = 0; i < byProfile.Length; i++)
            bits[byProfile[i].Key] = Math.Min(i, 63);
        _profiles = [.. byProfile.Take(_overflow ? 63 : 64).Select(g => (g.Key.Operations, g.First().Hours))];
        _nodeMask = new ulong[n];
        _subtreeMask = new ulong[n];
        for (var i = 0; i < n; i++)
            _nodeMask[i] = 1UL << bits[(_spots[i].Operations, _spots[i].Hours.Text)];
        FillMasks(0, n);
    }

    private ulong FillMasks(int lo, int hi)
    {
        if (lo >= hi)
            return 0;
        var mid = (lo + hi) >>> 1;
        return _subtreeMask[mid] = _nodeMask[mid] | FillMasks(lo, mid) | FillMasks(mid + 1, hi);
    }

    /// <summary>
    /// The <paramref name="k"/> spots nearest to <paramref name="origin"/> that support <paramref name="required"/>
    /// and, when <paramref name="openAt"/> is given, are open then; nearest first. Subtrees holding no spot
    /// that could pass are skipped without visiting them.
    /// </summary>
    public IReadOnlyList<SpotMatch> Nearest(GeoPoint origin, int k, SpotOperations required, JapanMoment? openAt)
    {
        bool Passes(SpotOperations operations, OpeningHours hours) =>
            (operations & required) == required && (openAt is not { } at || hours.IsOpen(at));
        var allowed = 0UL;
        for (var i = 0; i < _profiles.Length; i++)
            if (Passes(_profiles[i].Operations, _profiles[i].Hours))
                allowed |= 1UL << i;
        if (_overflow)
            allowed |= 1UL << 63;
        // Spots in the overflow bit still need checking one by one; the rest passed as a profile.
        Func<Spot, bool>? filter = _overflow ? s => Passes(s.Operations, s.Hours) : null;
        return Run(origin, k, filter, allowed);
    }

    /// <summary>How many spots the index holds.</summary>
    public int Count => _spots.Length;

    /// <summary>
    /// The <paramref name="k"/> spots nearest to <paramref name="origin"/> that pass <paramref name="filter"/>
    /// (all when null), nearest first; fewer when fewer pass. Equal distances keep an arbitrary but stable order.
    /// </summary>
    public IReadOnlyList<SpotMatch> Nearest(GeoPoint origin, int k, Func<Spot, bool>? filter = null)
    {
        return Run(origin, k, filter, ulong.MaxValue);
    }

    private SpotMatch[] Run(GeoPoint origin, int k, Func<Spot, bool>? filter, ulong allowed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ToUnit(origin, out var qx, out var qy, out var qz);
        var search = new Search(this, qx, qy, qz, Math.Min(k, Math.Max(1, _spots.Length)), filter, allowed);
        search.Visit(0, _spots.Length);
        var result = new SpotMatch[search.Count];
        for (var i = 0; i < search.Count; i++)
        {
            var chord = Math.Sqrt(search.Dist[i]);
            result[i] = new SpotMatch(_spots[search.Index[i]], 2 * GeoPoint.EarthRadiusMeters * Math.Asin(Math.Min(1, chord / 2)));
        }
        return result;
    }

    private static void ToUnit(GeoPoint p, out double x, out double y, out double z)
    {
        var lat = double.DegreesToRadians(p.Lat);
        var lng = double.DegreesToRadians(p.Lng);
        x = Math.Cos(lat) * Math.Cos(lng);
        y = Math.Cos(lat) * Math.Sin(lng);
        z = Math.Sin(lat);
    }

    private void Build(int[] order, double[] xyz, double[] keys, int lo, int hi)
    {
        if (hi - lo <= 1)
            return;
        // Split on the axis with the widest spread, which keeps cells compact for the clustered spot data.
        Span<double> min = [double.MaxValue, double.MaxValue, double.MaxValue];
        Span<double> max = [double.MinValue, double.MinValue, double.MinValue];
        for (var i = lo; i < hi; i++)
            for (var a = 0; a < 3; a++)
            {
                var v = xyz[order[i] * 3 + a];
                if (v < min[a]) min[a] = v;
                if (v > max[a]) max[a] = v;
            }
        var axis = 0;
        for (var a = 1; a < 3; a++)
            if (max[a] - min[a] > max[axis] - min[axis])
                axis = a;
        for (var i = lo; i < hi; i++)
            keys[i] = xyz[order[i] * 3 + axis];
        Array.Sort(keys, order, lo, hi - lo);
        var mid = (lo + hi) >>> 1;
        _axis[mid] = (byte)axis;
        Build(order, xyz, keys, lo, mid);
        Build(order, xyz, keys, mid + 1, hi);
    }

    private sealed class Search(SpotIndex index, double qx, double qy, double qz, int k, Func<Spot, bool>? filter, ulong allowed)
    {
        public readonly double[] Dist = new double[k];
        public readonly int[] Index = new int[k];
        public int Count;

        private double Worst => Count < k ? double.MaxValue : Dist[k - 1];

        public void Visit(int lo, int hi)
        {
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if ((index._subtreeMask[mid] & allowed) == 0)
                    return;
                var c = index._coords;
                var dx = c[mid * 3] - qx;
                var dy = c[mid * 3 + 1] - qy;
                var dz = c[mid * 3 + 2] - qz;
                var d = dx * dx + dy * dy + dz * dz;
                if (d < Worst && (index._nodeMask[mid] & allowed) != 0 && (filter is null || filter(index._spots[mid])))
                    Insert(d, mid);
                var axis = index._axis[mid];
                var diff = (axis == 0 ? qx : axis == 1 ? qy : qz) - c[mid * 3 + axis];
                int nearLo, nearHi, farLo, farHi;
                if (diff < 0)
                {
                    (nearLo, nearHi, farLo, farHi) = (lo, mid, mid + 1, hi);
                }
                else
                {
                    (nearLo, nearHi, farLo, farHi) = (mid + 1, hi, lo, mid);
                }
                Visit(nearLo, nearHi);
                if (diff * diff >= Worst)
                    return;
                // Tail call on the far side as a loop.
                lo = farLo;
                hi = farHi;
            }
        }

        private void Insert(double d, int item)
        {
            var i = Count < k ? Count++ : k - 1;
            while (i > 0 && Dist[i - 1] > d)
            {
                Dist[i] = Dist[i - 1];
                Index[i] = Index[i - 1];
                i--;
            }
            Dist[i] = d;
            Index[i] = item;
        }
    }
}

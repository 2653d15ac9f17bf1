namespace Kangen.Platform.Features.Services;

/// <summary>
/// Makes values that match a field's pattern, for the demo operators and demo accounts. It understands the
/// subset of regular expressions the catalogue's patterns use: anchors, character classes with ranges,
/// <c>\d</c>, literals and <c>{n}</c> / <c>{m,n}</c> counts.
/// </summary>
internal sealed class PatternSampler
{
    private readonly (char[] Chars, int Min, int Max)[] _tokens;

    private PatternSampler((char[], int, int)[] tokens) => _tokens = tokens;

    /// <summary>The sampler of <paramref name="pattern"/>, or null when the pattern uses anything outside the subset.</summary>
    public static PatternSampler? TryCreate(string pattern)
    {
        if (!pattern.StartsWith('^') || !pattern.EndsWith('$'))
            return null;
        var tokens = new List<(char[], int, int)>();
        var i = 1;
        var end = pattern.Length - 1;
        while (i < end)
        {
            char[]? chars;
            var c = pattern[i];
            if (c == '[')
            {
                var close = pattern.IndexOf(']', i + 1);
                if (close < 0)
                    return null;
                chars = Class(pattern.AsSpan(i + 1, close - i - 1));
                i = close + 1;
            }
            else if (c == '\\' && i + 1 < end)
            {
                chars = pattern[i + 1] switch
                {
                    'd' => Range('0', '9'),
                    var e when !char.IsAsciiLetterOrDigit(e) => [e],
                    _ => null,
                };
                i += 2;
            }
            else if ("().*+?|{}$^".Contains(c))
            {
                return null;
            }
            else
            {
                chars = [c];
                i++;
            }
            if (chars is null || chars.Length == 0)
                return null;
            var (min, max) = (1, 1);
            if (i < end && pattern[i] == '{')
            {
                var close = pattern.IndexOf('}', i);
                if (close < 0)
                    return null;
                var counts = pattern[(i + 1)..close].Split(',');
                if (counts.Length is < 1 or > 2 || !int.TryParse(counts[0], out min) || !int.TryParse(counts[^1], out max) || min < 0 || max < min || max > 256)
                    return null;
                i = close + 1;
            }
            tokens.Add((chars, min, max));
        }
        return new PatternSampler(tokens.ToArray());
    }

    private static char[]? Class(ReadOnlySpan<char> body)
    {
        if (body.Length == 0 || body[0] == '^')
            return null;
        var set = new SortedSet<char>();
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c == '\\')
            {
                if (i + 1 >= body.Length)
                    return null;
                if (body[i + 1] == 'd')
                    set.UnionWith(Range('0', '9'));
                else if (!char.IsAsciiLetterOrDigit(body[i + 1]))
                    set.Add(body[i + 1]);
                else
                    return null;
                i++;
            }
            else if (i + 2 < body.Length && body[i + 1] == '-')
            {
                if (body[i + 2] < c)
                    return null;
                set.UnionWith(Range(c, body[i + 2]));
                i += 2;
            }
            else
            {
                set.Add(c);
            }
        }
        return set.ToArray();
    }

    private static char[] Range(char from, char to) => Enumerable.Range(from, to - from + 1).Select(x => (char)x).ToArray();

    /// <summary>
    /// The character choices of each position, for a length picked by <paramref name="pick"/> within
    /// [<paramref name="minLength"/>, <paramref name="maxLength"/>]; null when no length fits.
    /// </summary>
    public char[][]? Positions(int minLength, int maxLength, Func<int, int> pick)
    {
        var fixedLength = _tokens.Sum(t => t.Min);
        var room = _tokens.Sum(t => t.Max - t.Min);
        var lowest = Math.Max(minLength, fixedLength);
        var highest = Math.Min(maxLength, fixedLength + room);
        if (lowest > highest)
            return null;
        var extra = lowest + pick(highest - lowest + 1) - fixedLength;
        var positions = new List<char[]>();
        foreach (var (chars, min, max) in _tokens)
        {
            var more = Math.Min(extra, max - min);
            extra -= more;
            for (var n = 0; n < min + more; n++)
                positions.Add(chars);
        }
        return positions.ToArray();
    }
}

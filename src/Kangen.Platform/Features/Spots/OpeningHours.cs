using System.Globalization;
using Kangen.Platform.Features.ReferenceData;
using Kangen.Rules;

namespace Kangen.Platform.Features.Spots;

/// <summary>
/// An instant seen from a spot in Japan: weekday, minute of the day, and whether the day is a public
/// holiday or in the year-end closure (12/29 to 1/3). Computed once per query, then checked against
/// many spots.
/// </summary>
/// <param name="Day">The local weekday.</param>
/// <param name="Holiday">True on a public holiday.</param>
/// <param name="YearEnd">True from 29 December to 3 January.</param>
/// <param name="Minute">Minutes since local midnight, 0..1439.</param>
public readonly record struct JapanMoment(DayOfWeek Day, bool Holiday, bool YearEnd, int Minute)
{
    /// <summary>The moment of <paramref name="instant"/> in Japan time.</summary>
    public static JapanMoment Of(DateTimeOffset instant, HolidayCalendar holidays)
    {
        ArgumentNullException.ThrowIfNull(holidays);
        var local = CampaignTimeZone.Japan.ToLocal(instant);
        var date = DateOnly.FromDateTime(local.DateTime);
        var yearEnd = (date.Month == 12 && date.Day >= 29) || (date.Month == 1 && date.Day <= 3);
        return new JapanMoment(local.DayOfWeek, holidays.IsHoliday(date), yearEnd, local.Hour * 60 + local.Minute);
    }
}

/// <summary>
/// Weekly opening hours with public holidays and the year-end closure, written as clauses such as
/// <c>Mon-Fri 08:30-17:15; Sat 09:00-12:00; Hol closed; YearEnd closed</c>. A day without a clause is
/// closed; a holiday without a <c>Hol</c> clause keeps its weekday's hours; <c>YearEnd</c> (12/29-1/3)
/// overrides both. Ranges are local Japan time, start inclusive, end exclusive, within one day
/// (<c>24:00</c> ends at midnight; split a night across two days).
/// </summary>
public sealed class OpeningHours
{
    private const int HolidaySlot = 7;
    private const int YearEndSlot = 8;
    private static readonly string[] DayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Hol", "YearEnd"];

    // Per slot (DayOfWeek 0..6, holiday, year-end): null = no clause; else sorted [start, end) minute pairs.
    private readonly int[]?[] _slots;

    private OpeningHours(string text, int[]?[] slots)
    {
        Text = text;
        _slots = slots;
    }

    /// <summary>The canonical text (clauses as given, spacing normalised).</summary>
    public string Text { get; }

    /// <summary>Parses the clause syntax; null with an English reason when malformed.</summary>
    public static OpeningHours? TryParse(string? text, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "opening hours are empty";
            return null;
        }
        var slots = new int[]?[9];
        var canonical = new List<string>();
        foreach (var rawClause in text.Split(';'))
        {
            var clause = rawClause.Trim();
            if (clause.Length == 0)
                continue;
            var space = clause.IndexOf(' ');
            if (space < 0)
            {
                error = $"clause '{clause}' needs days and times, e.g. 'Mon-Fri 09:00-17:00'";
                return null;
            }
            var days = ParseDays(clause[..space], out error);
            if (days is null)
                return null;
            var times = ParseTimes(clause[(space + 1)..].Trim(), out error);
            if (times is null)
                return null;
            foreach (var d in days)
            {
                if (slots[d] is not null)
                {
                    error = $"{DayNames[d]} is given twice";
                    return null;
                }
                slots[d] = times;
            }
            canonical.Add(clause[..space] + " " + clause[(space + 1)..].Trim());
        }
        if (canonical.Count == 0)
        {
            error = "opening hours are empty";
            return null;
        }
        return new OpeningHours(string.Join("; ", canonical), slots);
    }

    /// <summary>Parses text known to be valid (built-in hours); throws on a bug.</summary>
    public static OpeningHours Parse(string text) =>
        TryParse(text, out var error) ?? throw new FormatException($"Invalid opening hours '{text}': {error}");

    /// <summary>True when open at <paramref name="moment"/>.</summary>
    public bool IsOpen(in JapanMoment moment)
    {
        var ranges = (moment.YearEnd ? _slots[YearEndSlot] : null)
            ?? (moment.Holiday ? _slots[HolidaySlot] : null)
            ?? _slots[(int)moment.Day];
        if (ranges is null)
            return false;
        for (var i = 0; i < ranges.Length; i += 2)
            if (moment.Minute >= ranges[i] && moment.Minute < ranges[i + 1])
                return true;
        return false;
    }

    /// <summary>True when open at <paramref name="instant"/> (judged in Japan time with <paramref name="holidays"/>).</summary>
    public bool IsOpen(DateTimeOffset instant, HolidayCalendar holidays) => IsOpen(JapanMoment.Of(instant, holidays));

    /// <inheritdoc />
    public override string ToString() => Text;

    private static List<int>? ParseDays(string spec, out string? error)
    {
        error = null;
        var result = new List<int>();
        foreach (var item in spec.Split(','))
        {
            var dash = item.IndexOf('-');
            if (dash > 0)
            {
                var from = Weekday(item[..dash]);
                var to = Weekday(item[(dash + 1)..]);
                if (from is null || to is null || to < from)
                {
                    error = $"day range '{item}' must run forward from Mon to Sun (e.g. Mon-Fri, Sat-Sun)";
                    return null;
                }
                for (var d = from.Value; d <= to.Value; d++)
                    result.Add(d % 7);
                continue;
            }
            var index = Array.FindIndex(DayNames, n => string.Equals(n, item, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                error = $"unknown day '{item}' (Mon Tue Wed Thu Fri Sat Sun Hol YearEnd)";
                return null;
            }
            result.Add(index);
        }
        return result;
    }

    // Monday-first order for ranges: Mon=1 .. Sun=7 (stored as 0 via % 7).
    private static int? Weekday(string name)
    {
        var index = Array.FindIndex(DayNames, 0, 7, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        return index < 0 ? null : index == 0 ? 7 : index;
    }

    private static int[]? ParseTimes(string spec, out string? error)
    {
        error = null;
        if (spec.Equals("closed", StringComparison.OrdinalIgnoreCase))
            return [];
        if (spec.Equals("24h", StringComparison.OrdinalIgnoreCase))
            return [0, 1440];
        var result = new List<int>();
        foreach (var range in spec.Split(','))
        {
            var parts = range.Trim().Split('-');
            if (parts.Length != 2 || Minutes(parts[0]) is not { } start || Minutes(parts[1]) is not { } end || end <= start || start >= 1440)
            {
                error = $"time range '{range.Trim()}' must be HH:mm-HH:mm within one day, end after start (up to 24:00), or 'closed' or '24h'";
                return null;
            }
            if (result.Count > 0 && start < result[^1])
            {
                error = $"time ranges in '{spec}' overlap or are out of order";
                return null;
            }
            result.Add(start);
            result.Add(end);
        }
        return [.. result];
    }

    private static int? Minutes(string hhmm)
    {
        if (hhmm.Length != 5 || hhmm[2] != ':'
            || !int.TryParse(hhmm.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            || !int.TryParse(hhmm.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            || m > 59 || h > 24 || (h == 24 && m != 0))
            return null;
        return h * 60 + m;
    }
}

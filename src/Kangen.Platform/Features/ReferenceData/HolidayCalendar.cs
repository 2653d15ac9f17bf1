using System.Collections.Frozen;
using System.Globalization;

namespace Kangen.Platform.Features.ReferenceData;

/// <summary>A public holiday of Japan (国民の祝日 and 振替休日/国民の休日).</summary>
/// <param name="Date">The day.</param>
/// <param name="Name">Its Japanese name.</param>
/// <param name="Official">True when from the Cabinet Office list; false when projected from the law (years not yet published).</param>
public sealed record Holiday(DateOnly Date, string Name, bool Official);

/// <summary>Japan's public holidays from <c>data/reference/holidays.csv</c>: official 1955-2026, projected to 2050.</summary>
public sealed class HolidayCalendar
{
    private readonly FrozenDictionary<DateOnly, Holiday> _byDate;

    /// <summary>A calendar over the given holidays (tests and imported calendars).</summary>
    public HolidayCalendar(IEnumerable<Holiday> holidays)
    {
        ArgumentNullException.ThrowIfNull(holidays);
        _byDate = holidays.ToFrozenDictionary(h => h.Date);
        First = _byDate.Count == 0 ? DateOnly.MinValue : _byDate.Keys.Min();
        Last = _byDate.Count == 0 ? DateOnly.MinValue : _byDate.Keys.Max();
    }

    /// <summary>The first holiday known.</summary>
    public DateOnly First { get; }

    /// <summary>The last holiday known; later dates are never holidays here.</summary>
    public DateOnly Last { get; }

    /// <summary>How many holidays are known.</summary>
    public int Count => _byDate.Count;

    /// <summary>True when <paramref name="date"/> is a public holiday.</summary>
    public bool IsHoliday(DateOnly date) => _byDate.ContainsKey(date);

    /// <summary>The holiday on <paramref name="date"/>, or null.</summary>
    public Holiday? Find(DateOnly date) => _byDate.GetValueOrDefault(date);

    /// <summary>The holidays between two dates inclusive, in date order.</summary>
    public IEnumerable<Holiday> Between(DateOnly from, DateOnly to) =>
        _byDate.Values.Where(h => h.Date >= from && h.Date <= to).OrderBy(h => h.Date);

    internal static HolidayCalendar Load() =>
        new(EmbeddedData.Rows("holidays.csv", "date,name,source")
            .Select(r => new Holiday(DateOnly.ParseExact(r[0], "yyyy-MM-dd", CultureInfo.InvariantCulture), r[1], r[2] == "official")));
}

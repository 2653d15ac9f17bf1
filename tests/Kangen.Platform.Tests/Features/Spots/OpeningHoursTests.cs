using Kangen.Platform.Features.ReferenceData;
using Kangen.Platform.Features.Spots;

namespace Kangen.Platform.Tests.Features.Spots;

public class OpeningHoursTests
{
    private static readonly OpeningHours Counter = OpeningHours.Parse("Mon-Fri 08:30-17:15; Sat 09:00-12:00; Hol closed; YearEnd closed");
    private static HolidayCalendar Holidays => ReferenceDataSet.Holidays;

    private static DateTimeOffset Jst(string local) =>
        DateTimeOffset.Parse(local + "+09:00", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("2022-07-01T08:29:59", false)] // Friday, a second before opening
    [InlineData("2022-07-01T08:30:00", true)]
    [InlineData("2022-07-01T17:14:59", true)]
    [InlineData("2022-07-01T17:15:00", false)] // the end is exclusive
    [InlineData("2022-07-02T11:59:00", true)]  // Saturday morning clause
    [InlineData("2022-07-02T12:00:00", false)]
    [InlineData("2022-07-03T10:00:00", false)] // Sunday has no clause: closed
    [InlineData("2022-07-18T10:00:00", false)] // 海の日 (a Monday)
    [InlineData("2022-07-19T10:00:00", true)]
    [InlineData("2022-12-29T10:00:00", false)] // Thursday, but year-end closure
    [InlineData("2023-01-03T10:00:00", false)]
    [InlineData("2023-01-04T10:00:00", true)]
    [InlineData("2022-12-28T10:00:00", true)]
    public void A_municipal_counter_opens_on_weekdays_and_closes_on_holidays_and_at_year_end(string local, bool open) =>
        Assert.Equal(open, Counter.IsOpen(Jst(local), Holidays));

    [Fact]
    public void Instants_are_judged_in_japan_time_whatever_their_offset()
    {
        // 2022-07-01 23:30 UTC is Saturday 08:30 in Japan: before the Saturday opening.
        Assert.False(Counter.IsOpen(new DateTimeOffset(2022, 7, 1, 23, 30, 0, TimeSpan.Zero), Holidays));
        // 2022-07-01 00:30 UTC is Friday 09:30 in Japan.
        Assert.True(Counter.IsOpen(new DateTimeOffset(2022, 7, 1, 0, 30, 0, TimeSpan.Zero), Holidays));
    }

    [Fact]
    public void Without_a_holiday_clause_a_holiday_keeps_its_weekday_hours()
    {
        var shop = OpeningHours.Parse("Mon-Sun 10:00-19:00");
        Assert.True(shop.IsOpen(Jst("2022-07-18T10:00:00"), Holidays));
        Assert.False(shop.IsOpen(Jst("2022-07-18T19:00:00"), Holidays));
    }

    [Fact]
    public void A_holiday_clause_replaces_the_weekday_hours()
    {
        var hours = OpeningHours.Parse("Mon-Sun 09:00-21:00; Hol 10:00-18:00");
        Assert.False(hours.IsOpen(Jst("2022-07-18T09:30:00"), Holidays));
        Assert.True(hours.IsOpen(Jst("2022-07-18T17:59:00"), Holidays));
        Assert.True(hours.IsOpen(Jst("2022-07-17T09:30:00"), Holidays));
    }

    [Fact]
    public void Around_the_clock_and_24_00_ends_cover_the_last_minute_of_the_day()
    {
        Assert.True(OpeningHours.Parse("Mon-Sun 24h").IsOpen(Jst("2022-07-03T23:59:59"), Holidays));
        var late = OpeningHours.Parse("Sat 18:00-24:00");
        Assert.True(late.IsOpen(Jst("2022-07-02T23:59:00"), Holidays));
        Assert.False(late.IsOpen(Jst("2022-07-03T00:00:00"), Holidays));
    }

    [Fact]
    public void Several_ranges_in_a_day_leave_the_gap_closed()
    {
        var hours = OpeningHours.Parse("Mon-Fri 09:00-12:00,13:00-17:00");
        Assert.True(hours.IsOpen(Jst("2022-07-01T11:59:00"), Holidays));
        Assert.False(hours.IsOpen(Jst("2022-07-01T12:30:00"), Holidays));
        Assert.True(hours.IsOpen(Jst("2022-07-01T13:00:00"), Holidays));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Mon-Fri")]
    [InlineData("Mon-Fri 17:00-09:00")]     // end before start
    [InlineData("Fri-Mon 09:00-17:00")]     // backwards range
    [InlineData("Mon 09:00-25:00")]
    [InlineData("Mon 9:00-17:00")]
    [InlineData("Funday 09:00-17:00")]
    [InlineData("Mon 09:00-17:00; Mon closed")] // a day twice
    [InlineData("Mon 13:00-17:00,09:00-12:00")]  // out of order
    public void Malformed_hours_are_refused_with_a_reason(string text)
    {
        Assert.Null(OpeningHours.TryParse(text, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}

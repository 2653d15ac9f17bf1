using Kangen.Rules;

namespace Kangen.Rules.Tests;

public class TimeZoneTests
{
    [Fact]
    public void A_date_as_a_start_means_midnight_Japan_time()
    {
        var start = CampaignTimeZone.Japan.StartOf(new DateOnly(2022, 1, 1));
        Assert.Equal(new DateTimeOffset(2021, 12, 31, 15, 0, 0, TimeSpan.Zero), start.ToUniversalTime());
        Assert.Equal(TimeSpan.FromHours(9), start.Offset);
    }

    [Fact]
    public void A_date_as_a_deadline_includes_its_last_second_and_excludes_the_next_midnight()
    {
        var zone = CampaignTimeZone.Japan;
        var deadline = new DateOnly(2023, 2, 28);
        Assert.True(zone.IsOnOrBefore(Given.At("2023-02-28T23:59:59.999"), deadline));
        Assert.False(zone.IsOnOrBefore(Given.At("2023-03-01T00:00:00"), deadline));
        Assert.True(zone.IsOnOrBefore(Given.At("2023-02-28T14:59:59Z"), deadline));
        Assert.False(zone.IsOnOrBefore(Given.At("2023-02-28T15:00:00Z"), deadline));
    }

    [Fact]
    public void Japan_time_resolves_even_without_a_time_zone_database()
    {
        Assert.Equal("Asia/Tokyo", CampaignTimeZone.Japan.Id);
        Assert.Null(CampaignTimeZone.Resolve("Mars/Olympus_Mons"));
    }
}

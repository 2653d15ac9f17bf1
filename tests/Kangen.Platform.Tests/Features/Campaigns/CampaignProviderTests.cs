using Kangen.Platform.Features.Campaigns;
using Kangen.Rules;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Features.Campaigns;

public sealed class CampaignProviderTests
{
    private static CampaignProvider Provider(string? anchor, DateTimeOffset now, string? file = null) =>
        new(Options.Create(new CampaignOptions { DemoAnchor = anchor, File = file }), new FakeTimeProvider(now));

    [Fact]
    public void Without_an_anchor_the_campaign_keeps_its_real_dates()
    {
        var provider = Provider(null, new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));
        Assert.Equal(0, provider.ShiftDays);
        Assert.Equal(new DateOnly(2023, 9, 30), provider.Definition.Latest.PointApplicationDeadline);
    }

    [Fact]
    public void With_an_anchor_today_becomes_the_anchor_date_of_the_campaign()
    {
        // 2026-11-26 12:00 JST.
        var now = new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);
        var provider = Provider("2022-10-15", now);
        var real = CampaignFile.LoadDefault();

        Assert.Equal(new DateOnly(2026, 11, 26).DayNumber - new DateOnly(2022, 10, 15).DayNumber, provider.ShiftDays);
        var inForce = provider.At(now);
        Assert.Equal(real.InForceAt(new DateTimeOffset(2022, 10, 15, 3, 0, 0, TimeSpan.Zero)).Version, inForce.Version);
        Assert.True(inForce.Programs.All(p => inForce.OpensAt(p) <= now && now < inForce.ClosesAt(p)));
        Assert.Equal(new DateOnly(2022, 12, 31).AddDays(provider.ShiftDays), inForce.ServiceLastDay(ServiceCode.Parse("demo-card")));
    }

    [Fact]
    public void A_malformed_anchor_is_refused_with_the_setting_named()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Provider("15/10/2022", DateTimeOffset.UnixEpoch));
        Assert.Contains("Kangen:Campaign:DemoAnchor", error.Message);
    }

    [Fact]
    public void A_campaign_file_is_read_and_an_invalid_one_refused_with_its_violations()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, CampaignFile.DefaultText());
            Assert.Equal("mynapoint-phase2", Provider(null, DateTimeOffset.UnixEpoch, path).Definition.Id.Value);

            File.WriteAllText(path, "{\"schemaVersion\": 1}");
            var error = Assert.Throws<InvalidOperationException>(() => Provider(null, DateTimeOffset.UnixEpoch, path));
            Assert.Contains("campaign.", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

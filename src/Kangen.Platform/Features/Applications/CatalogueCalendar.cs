using Kangen.Platform.Features.Campaigns;

namespace Kangen.Platform.Features.Applications;

/// <summary>
/// The date on the payment service catalogue's own calendar. With a demo anchor the campaign is shifted onto today, but
/// the catalogue (terms effective dates, services' last days) keeps its 2022-2023 dates; shifting today back by the same
/// number of days gives the catalogue's date, so the terms in force and a service's last day move with the campaign.
/// </summary>
internal static class CatalogueCalendar
{
    /// <summary>The catalogue's date at <paramref name="instant"/> (Japan date, unshifted back to the catalogue's calendar).</summary>
    public static DateOnly DateAt(CampaignProvider campaigns, DateTimeOffset instant) =>
        campaigns.Definition.Base.TimeZone.DateOf(instant).AddDays(-campaigns.ShiftDays);
}

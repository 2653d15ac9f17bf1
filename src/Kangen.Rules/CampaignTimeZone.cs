namespace Kangen.Rules;

/// <summary>
/// The time zone in which a campaign's dates are judged (Japan time for Mynapoint). A date used as a
/// start means 00:00 of that day; a date used as a deadline means the whole day, so an instant is
/// inside iff it is earlier than 00:00 of the next day (<see cref="EndOf"/>).
/// </summary>
public sealed class CampaignTimeZone
{
    private readonly TimeZoneInfo _zone;

    private CampaignTimeZone(string id, TimeZoneInfo zone)
    {
        Id = id;
        _zone = zone;
    }

    /// <summary>Japan Standard Time, <c>Asia/Tokyo</c> (+09:00, no daylight saving time since 1951).</summary>
    public static CampaignTimeZone Japan { get; } = Resolve("Asia/Tokyo")!;

    /// <summary>The IANA id as written in the campaign file.</summary>
    public string Id { get; }

    /// <summary>
    /// Finds a zone by IANA id; null when unknown. <c>Asia/Tokyo</c> falls back to a fixed +09:00 zone when
    /// the host has no time zone database (containers often lack tzdata), which is exact for Japan.
    /// </summary>
    public static CampaignTimeZone? Resolve(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        try
        {
            return new CampaignTimeZone(id, TimeZoneInfo.FindSystemTimeZoneById(id));
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return id == "Asia/Tokyo"
                ? new CampaignTimeZone(id, TimeZoneInfo.CreateCustomTimeZone("Asia/Tokyo", TimeSpan.FromHours(9), "Japan Standard Time", "JST"))
                : null;
        }
    }

    /// <summary>The instant 00:00 local time on <paramref name="date"/>.</summary>
    public DateTimeOffset StartOf(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, _zone.GetUtcOffset(local));
    }

    /// <summary>The first instant after <paramref name="date"/> ends: 00:00 local time of the next day (exclusive end).</summary>
    public DateTimeOffset EndOf(DateOnly date) => StartOf(date.AddDays(1));

    /// <summary>The local calendar date of an instant.</summary>
    public DateOnly DateOf(DateTimeOffset instant) => DateOnly.FromDateTime(ToLocal(instant).DateTime);

    /// <summary>The instant expressed with this zone's offset.</summary>
    public DateTimeOffset ToLocal(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, _zone);

    /// <summary>True when <paramref name="instant"/> is on or before the local day <paramref name="deadline"/>.</summary>
    public bool IsOnOrBefore(DateTimeOffset instant, DateOnly deadline) => instant < EndOf(deadline);

    /// <inheritdoc />
    public override string ToString() => Id;
}

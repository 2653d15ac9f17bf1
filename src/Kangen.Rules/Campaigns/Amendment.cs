namespace Kangen.Rules;

/// <summary>
/// A change to a campaign announced during it. It applies to every decision whose instant is at or after
/// <see cref="Effective"/>; decisions made earlier keep the rules that were in force then.
/// </summary>
/// <param name="Version">The campaign version this amendment produces (greater than every earlier one).</param>
/// <param name="Effective">The instant from which it applies (typically the announcement).</param>
/// <param name="Note">Why (free text).</param>
/// <param name="CardApplicationDeadline">A new card-application deadline, if changed.</param>
/// <param name="PointApplicationDeadline">A new point-application deadline, if changed.</param>
/// <param name="ServiceClosings">Per-service last days set (a date) or removed (null).</param>
public sealed record Amendment(
    int Version,
    DateTimeOffset Effective,
    string? Note,
    DateOnly? CardApplicationDeadline,
    DateOnly? PointApplicationDeadline,
    IReadOnlyDictionary<ServiceCode, DateOnly?> ServiceClosings)
{
    /// <summary>The campaign with this amendment applied.</summary>
    public Campaign ApplyTo(Campaign campaign)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        var closings = new Dictionary<ServiceCode, DateOnly>(campaign.ServiceClosings);
        foreach (var (service, day) in ServiceClosings)
        {
            if (day is { } d)
                closings[service] = d;
            else
                closings.Remove(service);
        }
        return campaign with
        {
            Version = Version,
            CardApplicationDeadline = CardApplicationDeadline ?? campaign.CardApplicationDeadline,
            PointApplicationDeadline = PointApplicationDeadline ?? campaign.PointApplicationDeadline,
            ServiceClosings = closings,
        };
    }
}

/// <summary>
/// A campaign as written in its file: the rules as first published plus the amendments announced since.
/// Use <see cref="InForceAt"/> to get the rules for a decision at an instant.
/// </summary>
/// <param name="Base">The campaign as first published.</param>
/// <param name="Amendments">Amendments in increasing version and effective order.</param>
public sealed record CampaignDefinition(Campaign Base, IReadOnlyList<Amendment> Amendments)
{
    /// <summary>The campaign id.</summary>
    public CampaignId Id => Base.Id;

    /// <summary>The campaign in force at <paramref name="instant"/>: every amendment with effective &lt;= instant applied.</summary>
    public Campaign InForceAt(DateTimeOffset instant)
    {
        var campaign = Base;
        foreach (var amendment in Amendments)
        {
            if (amendment.Effective > instant)
                break;
            campaign = amendment.ApplyTo(campaign);
        }
        return campaign;
    }

    /// <summary>The campaign with every amendment applied.</summary>
    public Campaign Latest => InForceAt(DateTimeOffset.MaxValue);

    /// <summary>The latest version number.</summary>
    public int LatestVersion => Amendments.Count == 0 ? Base.Version : Amendments[^1].Version;

    /// <summary>
    /// The same campaign with every date and instant moved by <paramref name="days"/> (windows, deadlines, service
    /// closings, Phase 1, amendment instants): the rules unchanged on another calendar. A demonstration uses it to run
    /// the 2022-2023 campaign today; decisions record the same id and versions.
    /// </summary>
    public CampaignDefinition ShiftedBy(int days)
    {
        if (days == 0)
            return this;
        DateOnly D(DateOnly d) => d.AddDays(days);
        var b = Base;
        var shifted = b with
        {
            Name = b.Name,
            Programs = b.Programs.Select(p => p with { Window = new DateWindow(D(p.Window.From), p.Window.Until is { } u ? D(u) : null) }).ToArray(),
            CardApplicationDeadline = D(b.CardApplicationDeadline),
            PointApplicationDeadline = D(b.PointApplicationDeadline),
            ServiceClosings = b.ServiceClosings.ToDictionary(p => p.Key, p => D(p.Value)),
            Phase1 = b.Phase1 with
            {
                ApplicationsFrom = D(b.Phase1.ApplicationsFrom),
                ApplicationDeadline = D(b.Phase1.ApplicationDeadline),
                PurchasesFrom = D(b.Phase1.PurchasesFrom),
                PurchasesUntil = D(b.Phase1.PurchasesUntil),
            },
        };
        var amendments = Amendments.Select(a => a with
        {
            Effective = a.Effective.AddDays(days),
            CardApplicationDeadline = a.CardApplicationDeadline is { } c ? D(c) : null,
            PointApplicationDeadline = a.PointApplicationDeadline is { } p ? D(p) : null,
            ServiceClosings = a.ServiceClosings.ToDictionary(x => x.Key, x => x.Value is { } v ? D(v) : (DateOnly?)null),
        }).ToArray();
        return new CampaignDefinition(shifted, amendments);
    }

    /// <summary>
    /// The shift, in days, that puts <paramref name="today"/> on <paramref name="anchor"/> of this campaign's own
    /// calendar: <c>ShiftedBy(DaysToShift(anchor, today))</c> runs the campaign as if today were the anchor date.
    /// </summary>
    public static int DaysToShift(DateOnly anchor, DateOnly today) => today.DayNumber - anchor.DayNumber;
}

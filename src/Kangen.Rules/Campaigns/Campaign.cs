namespace Kangen.Rules;

/// <summary>
/// A campaign as in force at one instant: the base definition with every amendment effective at or before
/// that instant applied. Decisions record <see cref="Id"/> and <see cref="Version"/>.
/// </summary>
/// <param name="Id">The campaign id.</param>
/// <param name="Version">The version in force: the base version, or the last amendment applied.</param>
/// <param name="Name">A display name.</param>
/// <param name="TimeZone">The zone in which dates are judged.</param>
/// <param name="Programs">The programs, in part order.</param>
/// <param name="TotalCap">The most one person can receive across programs, Phase 1 included (20,000).</param>
/// <param name="CardApplicationDeadline">The last day on which a card application counts.</param>
/// <param name="PointApplicationDeadline">The last day on which points can be applied for (and part 1 earned).</param>
/// <param name="ServiceClosings">Earlier last days per payment service.</param>
/// <param name="Phase1">The Phase 1 facts part 1 depends on.</param>
public sealed record Campaign(
    CampaignId Id,
    int Version,
    string Name,
    CampaignTimeZone TimeZone,
    IReadOnlyList<ProgramRules> Programs,
    Yen TotalCap,
    DateOnly CardApplicationDeadline,
    DateOnly PointApplicationDeadline,
    IReadOnlyDictionary<ServiceCode, DateOnly> ServiceClosings,
    Phase1Rules Phase1)
{
    /// <summary>The program of a kind, or null when the campaign does not run it.</summary>
    public ProgramRules? Program(ProgramKind kind) => Programs.FirstOrDefault(p => p.Kind == kind);

    /// <summary>The last day of a program's window: its own end, capped by the point-application deadline.</summary>
    public DateOnly LastDay(ProgramRules program)
    {
        ArgumentNullException.ThrowIfNull(program);
        return program.Window.Until is { } until && until < PointApplicationDeadline ? until : PointApplicationDeadline;
    }

    /// <summary>The instant a program's window opens (00:00 local time of its first day).</summary>
    public DateTimeOffset OpensAt(ProgramRules program)
    {
        ArgumentNullException.ThrowIfNull(program);
        return TimeZone.StartOf(program.Window.From);
    }

    /// <summary>The first instant after a program's window (exclusive end).</summary>
    public DateTimeOffset ClosesAt(ProgramRules program) => TimeZone.EndOf(LastDay(program));

    /// <summary>The earliest opening over all programs: when applications can first be recorded.</summary>
    public DateTimeOffset ApplicationsOpenAt => Programs.Min(OpensAt);

    /// <summary>The first instant after the last program window (exclusive end of applications).</summary>
    public DateTimeOffset ApplicationsCloseAt => Programs.Max(ClosesAt);

    /// <summary>The earlier last day of a payment service, if it has one.</summary>
    public DateOnly? ServiceLastDay(ServiceCode service) => ServiceClosings.TryGetValue(service, out var day) ? day : null;

    /// <summary>"id v3".</summary>
    public string VersionLabel => $"{Id} v{Version}";
}

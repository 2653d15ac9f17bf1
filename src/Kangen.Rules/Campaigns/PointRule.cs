namespace Kangen.Rules;

/// <summary>How a program computes its points.</summary>
public abstract record PointRule
{
    private protected PointRule() { }

    /// <summary>The most a person can receive from the program.</summary>
    public abstract Yen Cap { get; }
}

/// <summary>A rate on charges or purchases, capped per person (part 1: 25 %, 5,000).</summary>
/// <param name="Rate">The rate, greater than 0 and at most 1 (0.25 for 25 %).</param>
/// <param name="Limit">The cap per person.</param>
public sealed record RatePointRule(decimal Rate, Yen Limit) : PointRule
{
    /// <inheritdoc />
    public override Yen Cap => Limit;
}

/// <summary>A fixed amount granted once (parts 2 and 3: 7,500).</summary>
/// <param name="Amount">The amount granted.</param>
public sealed record FixedPointRule(Yen Amount) : PointRule
{
    /// <inheritdoc />
    public override Yen Cap => Amount;
}

/// <summary>
/// A range of local calendar days, both ends inclusive; <see cref="Until"/> null means the window ends with
/// the campaign's point-application deadline.
/// </summary>
/// <param name="From">The first day (opens 00:00 local time).</param>
/// <param name="Until">The last day (closes at 00:00 local time of the next day), or null.</param>
public sealed record DateWindow(DateOnly From, DateOnly? Until);

/// <summary>One program of a campaign.</summary>
/// <param name="Kind">Which part.</param>
/// <param name="Points">How it computes points.</param>
/// <param name="Window">When applications (and, for part 1, earning) are open.</param>
public sealed record ProgramRules(ProgramKind Kind, PointRule Points, DateWindow Window);

/// <summary>
/// What Phase 2 needs to know about Phase 1: who counts as a Phase 1 applicant (applied within its
/// application period) and its cap, which part 1 shares.
/// </summary>
/// <param name="ApplicationsFrom">First day of Phase 1 applications.</param>
/// <param name="ApplicationDeadline">Last day of Phase 1 applications (2021-12-31).</param>
/// <param name="PurchasesFrom">First day of Phase 1 charges/purchases.</param>
/// <param name="PurchasesUntil">Last day of Phase 1 charges/purchases.</param>
/// <param name="Rate">The Phase 1 rate (0.25).</param>
/// <param name="Cap">The Phase 1 cap (5,000).</param>
public sealed record Phase1Rules(DateOnly ApplicationsFrom, DateOnly ApplicationDeadline, DateOnly PurchasesFrom, DateOnly PurchasesUntil, decimal Rate, Yen Cap);

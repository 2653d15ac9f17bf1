namespace Kangen.Rules;

/// <summary>Points granted so far in the campaign, per program (Phase 1 is not included here: it comes from <see cref="Phase1History"/>).</summary>
public sealed record GrantTotals
{
    private readonly Dictionary<ProgramKind, Yen> _totals;

    private GrantTotals(Dictionary<ProgramKind, Yen> totals) => _totals = totals;

    /// <summary>Nothing granted yet.</summary>
    public static GrantTotals None { get; } = new(new Dictionary<ProgramKind, Yen>());

    /// <summary>Totals for the three parts.</summary>
    public static GrantTotals Of(Yen cardAcquisition, Yen healthInsurance, Yen publicFundAccount) =>
        None.With(ProgramKind.CardAcquisition, cardAcquisition)
            .With(ProgramKind.HealthInsurance, healthInsurance)
            .With(ProgramKind.PublicFundAccount, publicFundAccount);

    /// <summary>The total granted for a program.</summary>
    public Yen this[ProgramKind kind] => _totals.TryGetValue(kind, out var yen) ? yen : Yen.Zero;

    /// <summary>A copy with a program's total replaced.</summary>
    public GrantTotals With(ProgramKind kind, Yen total) => new(new Dictionary<ProgramKind, Yen>(_totals) { [kind] = total });

    /// <summary>A copy with <paramref name="granted"/> added to a program (checked).</summary>
    public GrantTotals Plus(ProgramKind kind, Yen granted) => With(kind, this[kind] + granted);

    /// <summary>The sum over programs.</summary>
    public Yen Sum => _totals.Values.Aggregate(Yen.Zero, (sum, yen) => sum + yen);

    /// <inheritdoc />
    public bool Equals(GrantTotals? other) =>
        other is not null && ProgramKinds.All.All(kind => this[kind] == other[kind]);

    /// <inheritdoc />
    public override int GetHashCode() =>
        HashCode.Combine(this[ProgramKind.CardAcquisition], this[ProgramKind.HealthInsurance], this[ProgramKind.PublicFundAccount]);
}

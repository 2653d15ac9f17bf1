namespace Kangen.Rules;

/// <summary>The three programs (parts) of Mynapoint Phase 2. The numeric values are the part numbers of the flyer.</summary>
public enum ProgramKind
{
    /// <summary>Part 1: a rate on charges or purchases with the chosen payment service, capped (25 %, 5,000).</summary>
    CardAcquisition = 1,
    /// <summary>Part 2: a fixed grant for registering the card as a health insurance certificate (7,500).</summary>
    HealthInsurance = 2,
    /// <summary>Part 3: a fixed grant for registering a public-fund receipt account (7,500).</summary>
    PublicFundAccount = 3,
}

/// <summary>Codes of <see cref="ProgramKind"/> as written in campaign and case files.</summary>
public static class ProgramKinds
{
    /// <summary>Every program kind, in part order.</summary>
    public static IReadOnlyList<ProgramKind> All { get; } =
        [ProgramKind.CardAcquisition, ProgramKind.HealthInsurance, ProgramKind.PublicFundAccount];

    /// <summary>The file code: <c>card-acquisition</c>, <c>health-insurance</c>, <c>public-fund-account</c>.</summary>
    public static string ToCode(this ProgramKind kind) => kind switch
    {
        ProgramKind.CardAcquisition => "card-acquisition",
        ProgramKind.HealthInsurance => "health-insurance",
        ProgramKind.PublicFundAccount => "public-fund-account",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown program kind."),
    };

    /// <summary>The part number of the flyer (1, 2 or 3).</summary>
    public static int Part(this ProgramKind kind) => (int)kind;

    /// <summary>Parses a file code; false for anything else (codes are case-sensitive).</summary>
    public static bool TryParse(string? code, out ProgramKind kind)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToCode(), code, StringComparison.Ordinal))
            {
                kind = candidate;
                return true;
            }
        }
        kind = default;
        return false;
    }
}

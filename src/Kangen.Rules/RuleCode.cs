namespace Kangen.Rules;

/// <summary>The languages of user-facing rule messages.</summary>
public enum Language
{
    /// <summary>Japanese.</summary>
    Ja,
    /// <summary>Chinese (Simplified).</summary>
    Zh,
    /// <summary>English.</summary>
    En,
}

/// <summary>Whether a code refuses something or only explains a decision.</summary>
public enum RuleCodeKind
{
    /// <summary>Something is refused or invalid.</summary>
    Refusal,
    /// <summary>An explanation attached to a positive decision (e.g. Phase 1 carryover).</summary>
    Note,
}

/// <summary>
/// A stable, machine-readable rule outcome with its message in Japanese, Chinese and English. The
/// <see cref="Code"/> never changes once published: clients, ProblemDetails and audits key on it.
/// </summary>
public sealed class RuleCode
{
    internal RuleCode(string code, RuleCodeKind kind, string ja, string zh, string en)
    {
        Code = code;
        Kind = kind;
        Ja = ja;
        Zh = zh;
        En = en;
    }

    /// <summary>The stable code, e.g. <c>grant.exceeds-cap</c>.</summary>
    public string Code { get; }

    /// <summary>Refusal or note.</summary>
    public RuleCodeKind Kind { get; }

    /// <summary>The Japanese message.</summary>
    public string Ja { get; }

    /// <summary>The Chinese message.</summary>
    public string Zh { get; }

    /// <summary>The English message.</summary>
    public string En { get; }

    /// <summary>The message in <paramref name="language"/>.</summary>
    public string Message(Language language) => language switch
    {
        Language.Ja => Ja,
        Language.Zh => Zh,
        _ => En,
    };

    /// <inheritdoc />
    public override string ToString() => Code;
}

/// <summary>
/// A rule outcome for one case: the code, where it applies (a field path in a file, or a program) and a
/// technical detail in English with the values involved, for audits and support staff.
/// </summary>
/// <param name="Code">The stable code and its messages.</param>
/// <param name="Path">The field path or subject it concerns (e.g. <c>programs[0].points.cap</c>), if any.</param>
/// <param name="Detail">Values behind the decision (English, not localised), if any.</param>
public sealed record RuleViolation(RuleCode Code, string? Path = null, string? Detail = null)
{
    /// <summary>"code at path: detail".</summary>
    public override string ToString() =>
        Code.Code + (Path is null ? "" : " at " + Path) + (Detail is null ? "" : ": " + Detail);
}

namespace Kangen.Rules;

/// <summary>Either a value or the rule violations that prevented it. Expected failures are values, not exceptions.</summary>
/// <typeparam name="T">The value type.</typeparam>
public sealed class Result<T>
{
    private readonly T? _value;

    private Result(T? value, IReadOnlyList<RuleViolation> violations)
    {
        _value = value;
        Violations = violations;
    }

    /// <summary>True when there is a value and no violation.</summary>
    public bool IsSuccess => Violations.Count == 0;

    /// <summary>The violations; empty on success.</summary>
    public IReadOnlyList<RuleViolation> Violations { get; }

    /// <summary>The value.</summary>
    /// <exception cref="InvalidOperationException">When the result is a failure (check <see cref="IsSuccess"/> first).</exception>
    public T Value => IsSuccess ? _value! : throw new InvalidOperationException("The result is a failure: " + string.Join("; ", Violations));

    /// <summary>A success.</summary>
    public static Result<T> Success(T value) => new(value, []);

    /// <summary>A failure; at least one violation is required.</summary>
    /// <exception cref="ArgumentException">When <paramref name="violations"/> is empty.</exception>
    public static Result<T> Failure(IEnumerable<RuleViolation> violations)
    {
        var list = violations.ToArray();
        return list.Length == 0 ? throw new ArgumentException("A failure needs at least one violation.", nameof(violations)) : new Result<T>(default, list);
    }

    /// <summary>A failure with one violation.</summary>
    public static Result<T> Failure(RuleCode code, string? path = null, string? detail = null) =>
        new(default, [new RuleViolation(code, path, detail)]);
}

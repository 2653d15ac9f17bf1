using System.Globalization;

namespace Kangen.Rules;

/// <summary>
/// An amount of points or money in whole yen (one point is worth one yen). Never negative:
/// a subtraction that would go below zero is a bug, and caps use <see cref="SubtractFloorZero"/>.
/// Arithmetic is checked, so an overflow throws instead of wrapping.
/// </summary>
public readonly record struct Yen : IComparable<Yen>
{
    /// <summary>Zero yen.</summary>
    public static readonly Yen Zero;

    private Yen(long amount) => Amount = amount;

    /// <summary>The whole-yen amount, zero or more.</summary>
    public long Amount { get; }

    /// <summary>Creates an amount; a negative value is a programming error (validate input with <see cref="TryCreate"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="amount"/> is negative.</exception>
    public static Yen Of(long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        return new Yen(amount);
    }

    /// <summary>Creates an amount from untrusted input; false when it is negative.</summary>
    public static bool TryCreate(long amount, out Yen yen)
    {
        yen = amount >= 0 ? new Yen(amount) : Zero;
        return amount >= 0;
    }

    /// <summary>Checked addition.</summary>
    public static Yen operator +(Yen left, Yen right) => new(checked(left.Amount + right.Amount));

    /// <summary>Checked subtraction; the result must not be negative.</summary>
    /// <exception cref="InvalidOperationException">When <paramref name="right"/> is larger than <paramref name="left"/>.</exception>
    public static Yen operator -(Yen left, Yen right) =>
        right.Amount > left.Amount
            ? throw new InvalidOperationException($"{left} - {right} would be negative; use SubtractFloorZero for caps.")
            : new Yen(left.Amount - right.Amount);

    /// <summary>Adds two amounts (named alternative to <c>+</c>).</summary>
    public static Yen Add(Yen left, Yen right) => left + right;

    /// <summary>Subtracts two amounts (named alternative to <c>-</c>).</summary>
    public static Yen Subtract(Yen left, Yen right) => left - right;

    /// <summary>What is left of this amount after <paramref name="used"/>, never below zero (how caps are consumed).</summary>
    public Yen SubtractFloorZero(Yen used) => used.Amount >= Amount ? Zero : new Yen(Amount - used.Amount);

    /// <summary>The smaller of two amounts.</summary>
    public static Yen Min(Yen left, Yen right) => left.Amount <= right.Amount ? left : right;

    /// <summary>The larger of two amounts.</summary>
    public static Yen Max(Yen left, Yen right) => left.Amount >= right.Amount ? left : right;

    /// <summary>True when the amount is zero.</summary>
    public bool IsZero => Amount == 0;

    /// <inheritdoc />
    public int CompareTo(Yen other) => Amount.CompareTo(other.Amount);

    /// <summary>Compares amounts.</summary>
    public static bool operator <(Yen left, Yen right) => left.Amount < right.Amount;
    /// <summary>Compares amounts.</summary>
    public static bool operator >(Yen left, Yen right) => left.Amount > right.Amount;
    /// <summary>Compares amounts.</summary>
    public static bool operator <=(Yen left, Yen right) => left.Amount <= right.Amount;
    /// <summary>Compares amounts.</summary>
    public static bool operator >=(Yen left, Yen right) => left.Amount >= right.Amount;

    /// <summary>"5,000 yen" style, invariant culture.</summary>
    public override string ToString() => Amount.ToString("N0", CultureInfo.InvariantCulture) + " yen";
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Kangen.Protocol;

namespace Kangen.Platform.Features.Services;

/// <summary>
/// In-process stand-ins for every operator of the catalogue. An account exists when its secret fields equal the
/// published derivation (<see cref="DemoDerivation"/>) of its normalised ID; about 2 % of IDs are closed. Use
/// <see cref="DemoAccounts"/> to make accounts they accept.
/// </summary>
public sealed class DemoOperators : IAccountVerifier
{
    private readonly ConcurrentDictionary<string, bool> _down = new(StringComparer.Ordinal);

    /// <summary>Switches an operator off (it answers <see cref="AccountVerification.Unavailable"/>) or back on.</summary>
    public void SetAvailable(string operatorCode, bool available)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operatorCode);
        if (available)
            _down.TryRemove(operatorCode, out _);
        else
            _down[operatorCode] = true;
    }

    /// <summary>Whether the operator currently answers.</summary>
    public bool IsAvailable(string operatorCode) => !_down.ContainsKey(operatorCode);

    /// <inheritdoc />
    public Task<AccountVerification> VerifyAsync(ValidatedFields fields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fields);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Verify(fields));
    }

    private AccountVerification Verify(ValidatedFields fields)
    {
        var service = fields.Service;
        if (!IsAvailable(service.Operator))
            return new AccountVerification.Unavailable($"demo operator {service.Operator} is switched off");
        var id = fields.AccountId;
        var match = true;
        foreach (var field in service.Fields.Where(f => f.Secret))
        {
            var expected = Encoding.UTF8.GetBytes(DemoDerivation.Secret(service, field, id));
            var given = fields.Values.TryGetValue(field.Name, out var value)
                ? Encoding.UTF8.GetBytes(FieldNormalisation.Apply(field.Normalisation, value))
                : [];
            // Every field is compared, in constant time, so timing tells nothing about which code was wrong.
            match &= CryptographicOperations.FixedTimeEquals(expected, given);
        }
        if (!match)
            return new AccountVerification.Rejected(AccountVerification.Rejected.CodesMismatch);
        if (DemoDerivation.IsClosed(service, id))
            return new AccountVerification.Rejected(AccountVerification.Rejected.Closed);
        return new AccountVerification.Verified(DemoDerivation.AccountReference(service, id), DemoDerivation.MaskedHolderName(service, id));
    }
}

/// <summary>Demo accounts: field values (as a citizen would type them) that <see cref="DemoOperators"/> accepts or reports closed.</summary>
public static class DemoAccounts
{
    private const int OpenCandidates = 64;
    private const int ClosedCandidates = 4096;

    /// <summary>The <paramref name="index"/>-th open account of the service (index 0 and up; different indexes, different accounts).</summary>
    /// <exception cref="ArgumentOutOfRangeException">When the index is negative or beyond what the ID's shape can hold.</exception>
    /// <exception cref="NotSupportedException">When a field's pattern is outside what the demo sampler understands.</exception>
    public static IReadOnlyDictionary<string, string> Create(PaymentService service, int index) => Find(service, index, OpenCandidates, closed: false);

    /// <summary>The <paramref name="index"/>-th closed account of the service: codes right, but the operator reports it closed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When the index is negative or beyond what the ID's shape can hold.</exception>
    /// <exception cref="NotSupportedException">When a field's pattern is outside what the demo sampler understands.</exception>
    public static IReadOnlyDictionary<string, string> CreateClosed(PaymentService service, int index) => Find(service, index, ClosedCandidates, closed: true);

    private static Dictionary<string, string> Find(PaymentService service, int index, int width, bool closed)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        // Each index owns its own run of candidates, so two indexes never produce the same account.
        for (var attempt = 0; attempt < width; attempt++)
        {
            var id = AccountId(service, (ulong)index * (ulong)width + (ulong)attempt);
            if (DemoDerivation.IsClosed(service, id) == closed)
                return Fields(service, id);
        }
        throw new InvalidOperationException($"No {(closed ? "closed" : "open")} demo account among {width} candidates of {service.Code} #{index}.");
    }

    private static Dictionary<string, string> Fields(PaymentService service, string id)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in service.Fields)
        {
            values[field.Name] = field.IsAccountId ? AsTyped(field, id)
                : field.Secret ? DemoDerivation.Secret(service, field, id)
                : throw new NotSupportedException($"The demo operators have no rule for the plain field {field.Name} of {service.Code}.");
        }
        return values;
    }

    /// <summary>The normalised account ID of candidate number <paramref name="candidate"/>: a service-wide layout with the scrambled candidate in its trailing positions.</summary>
    internal static string AccountId(PaymentService service, ulong candidate)
    {
        var layout = Layouts.GetValue(service, CreateLayout);
        if (candidate >= layout.Capacity)
            throw new ArgumentOutOfRangeException(nameof(candidate), $"{service.Code} has room for {layout.Capacity} demo accounts.");
        var chars = (char[])layout.Chars.Clone();
        var value = ((UInt128)candidate * layout.Multiplier + layout.Addend) % layout.Capacity;
        foreach (var p in layout.Counters)
        {
            var size = (ulong)layout.Positions[p].Length;
            chars[p] = layout.Positions[p][(int)(value % size)];
            value /= size;
        }
        var field = service.AccountIdField;
        DemoDerivation.ApplyCheckDigit(field, chars);
        var id = FieldNormalisation.Apply(field.Normalisation, new string(chars));
        var (normalised, problem) = FieldValidation.Check(field, id);
        return problem is null ? normalised! : throw new NotSupportedException($"The demo ID {id} of {service.Code} does not pass its own field: {problem}");
    }

    // The service-wide layout depends only on the service: derived once per service instance (a replaced catalogue's
    // services are new instances), not once per account, which made generating millions of accounts cost minutes.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<PaymentService, Layout> Layouts = new();

    private sealed record Layout(char[][] Positions, char[] Chars, int[] Counters, UInt128 Capacity, UInt128 Multiplier, UInt128 Addend);

    private static Layout CreateLayout(PaymentService service)
    {
        var field = service.AccountIdField;
        var layout = new DemoStream(DemoDerivation.OperatorKey(service.Operator), $"layout|{service.Code}");
        var positions = DemoDerivation.Sampler(field).Positions(field.MinLength, field.MaxLength, layout.Next)
            ?? throw new NotSupportedException($"No length of {service.Code}.{field.Name} fits its pattern.");
        var chars = positions.Select(p => p[layout.Next(p.Length)]).ToArray();
        var last = field.CheckDigit == CheckDigitKind.None ? chars.Length : chars.Length - 1;
        UInt128 capacity = 1;
        var counters = new List<int>();
        for (var p = last - 1; p >= 0 && capacity * (ulong)positions[p].Length <= (UInt128)1 << 62; p--)
        {
            capacity *= (ulong)positions[p].Length;
            counters.Add(p);
        }
        // An affine map with a multiplier coprime to the capacity is a bijection on [0, capacity): distinct
        // candidates stay distinct, and consecutive ones look unrelated.
        var multiplier = (UInt128)layout.NextUInt64() % capacity;
        while (multiplier == 0 || Gcd(multiplier, capacity) != 1)
            multiplier = (multiplier + 1) % capacity;
        var addend = (UInt128)layout.NextUInt64();
        return new Layout(positions, chars, [.. counters], capacity, multiplier, addend);
    }

    private static UInt128 Gcd(UInt128 a, UInt128 b)
    {
        while (b != 0)
            (a, b) = (b, a % b);
        return a;
    }

    // Long IDs are printed in groups of four on cards and screens; the demo types them that way.
    private static string AsTyped(ServiceField field, string id) =>
        field.Normalisation is FieldNormalisation.Digits or FieldNormalisation.UpperAlnum && id.Length >= 10
            ? string.Join('-', id.Chunk(4).Select(c => new string(c)))
            : id;
}

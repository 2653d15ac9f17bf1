using System.Globalization;
using System.Text.Json;
using Kangen.Rules;

namespace Kangen.Operator.Services;

/// <summary>When a service's part 1 points are earned (the catalogue's <c>grantTiming</c>).</summary>
/// <param name="Kind">The timing.</param>
/// <param name="Threshold">For <see cref="GrantTimingKind.AfterReaching"/>: the cumulative spend (yen) that starts the points.</param>
public sealed record GrantTiming(GrantTimingKind Kind, long Threshold = 0)
{
    /// <summary>Parses <c>at-charge</c>, <c>at-purchase</c>, <c>monthly</c> or <c>after-reaching-N</c>; null for anything else.</summary>
    public static GrantTiming? TryParse(string? code)
    {
        switch (code)
        {
            case "at-charge": return new(GrantTimingKind.AtCharge);
            case "at-purchase": return new(GrantTimingKind.AtPurchase);
            case "monthly": return new(GrantTimingKind.Monthly);
        }
        const string prefix = "after-reaching-";
        if (code is not null && code.StartsWith(prefix, StringComparison.Ordinal)
            && long.TryParse(code.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
            return new(GrantTimingKind.AfterReaching, n);
        return null;
    }

    /// <summary>The catalogue code.</summary>
    public override string ToString() => Kind switch
    {
        GrantTimingKind.AtCharge => "at-charge",
        GrantTimingKind.AtPurchase => "at-purchase",
        GrantTimingKind.Monthly => "monthly",
        _ => "after-reaching-" + Threshold.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>The kinds of <see cref="GrantTiming"/>.</summary>
public enum GrantTimingKind
{
    /// <summary>Each charge (top-up) of a prepaid balance earns; purchases do not.</summary>
    AtCharge,
    /// <summary>Each purchase earns.</summary>
    AtPurchase,
    /// <summary>The month's purchases earn once, rounded once, after the month ends.</summary>
    Monthly,
    /// <summary>Nothing until cumulative purchases reach a threshold; then all of it, then each purchase.</summary>
    AfterReaching,
}

/// <summary>One input field of a service, as the operator issues it to its customers.</summary>
/// <param name="Name">The field name the platform sends.</param>
/// <param name="Pattern">The regular expression of the normalised value.</param>
/// <param name="MinLength">Shortest value.</param>
/// <param name="MaxLength">Longest value.</param>
/// <param name="CheckDigit"><c>none</c>, <c>luhn</c>, <c>mod10-31</c> or <c>mod11</c>.</param>
/// <param name="Secret">A code the customer proves the account with (stored only as a salted hash).</param>
/// <param name="IsAccountId">The field that identifies the account.</param>
/// <param name="Normalisation"><c>digits</c>, <c>upper-alnum</c>, <c>lower-ascii</c> or <c>trim</c>.</param>
public sealed record OperatorField(string Name, string Pattern, int MinLength, int MaxLength, string CheckDigit, bool Secret, bool IsAccountId, string Normalisation);

/// <summary>One payment service the operator runs, with the rules it chose for it.</summary>
/// <param name="Code">The service code.</param>
/// <param name="Operator">The operator code.</param>
/// <param name="Kind">credit, prepaid, qr-app, debit or online.</param>
/// <param name="Programs">The programs it takes part in.</param>
/// <param name="Timing">When part 1 points are earned.</param>
/// <param name="Rounding">How fractions of a point are rounded.</param>
/// <param name="Fields">The fields a customer types to apply.</param>
public sealed record OperatorService(
    string Code, string Operator, string Kind, IReadOnlyList<ProgramKind> Programs, GrantTiming Timing, RebateRounding Rounding, IReadOnlyList<OperatorField> Fields)
{
    /// <summary>The field identifying the account.</summary>
    public OperatorField AccountIdField => Fields.First(f => f.IsAccountId);

    /// <summary>Maps the catalogue's <c>rounding</c> codes (<c>floor</c>, <c>round</c>, <c>ceiling</c>).</summary>
    public static RebateRounding? ParseRounding(string? code) => code switch
    {
        "floor" => RebateRounding.Floor,
        "round" => RebateRounding.RoundHalfUp,
        "ceiling" => RebateRounding.Ceiling,
        _ => null,
    };
}

/// <summary>
/// The services the operator runs. A real operator knows its own services; here they are read from the same
/// catalogue file the platform publishes (embedded, or a file given in the options), keeping only this operator's.
/// </summary>
public sealed class OperatorServices
{
    private readonly Dictionary<string, OperatorService> _byCode;

    private OperatorServices(string operatorCode, IEnumerable<OperatorService> services)
    {
        OperatorCode = operatorCode;
        _byCode = services.ToDictionary(s => s.Code, StringComparer.Ordinal);
    }

    /// <summary>The operator.</summary>
    public string OperatorCode { get; }

    /// <summary>Every service of the operator, by code.</summary>
    public IReadOnlyCollection<OperatorService> All => _byCode.Values;

    /// <summary>One of the operator's services, or null.</summary>
    public OperatorService? Find(string? code) => code is not null && _byCode.TryGetValue(code, out var s) ? s : null;

    /// <summary>The operator's services in the catalogue at <paramref name="catalogueFile"/> (or the embedded one when null).</summary>
    /// <exception cref="InvalidOperationException">When the operator has no service there or the file cannot be read.</exception>
    public static OperatorServices Load(string operatorCode, string? catalogueFile = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operatorCode);
        using var stream = catalogueFile is null
            ? typeof(OperatorServices).Assembly.GetManifestResourceStream("Kangen.Operator.catalogue.json")
              ?? throw new InvalidOperationException("The embedded catalogue is missing.")
            : File.OpenRead(catalogueFile);
        using var document = JsonDocument.Parse(stream);
        var services = new List<OperatorService>();
        foreach (var s in document.RootElement.GetProperty("services").EnumerateArray())
        {
            if (s.GetProperty("operator").GetString() != operatorCode)
                continue;
            var code = s.GetProperty("code").GetString()!;
            var timing = GrantTiming.TryParse(s.GetProperty("grantTiming").GetString())
                ?? throw new InvalidOperationException($"Service {code}: unknown grantTiming.");
            var rounding = OperatorService.ParseRounding(s.GetProperty("rounding").GetString())
                ?? throw new InvalidOperationException($"Service {code}: unknown rounding.");
            var programs = s.GetProperty("programs").EnumerateArray()
                .Select(p => ProgramKinds.TryParse(p.GetString(), out var k) ? k : throw new InvalidOperationException($"Service {code}: unknown program."))
                .ToArray();
            var fields = s.GetProperty("fields").EnumerateArray().Select(f => new OperatorField(
                f.GetProperty("name").GetString()!, f.GetProperty("pattern").GetString()!,
                f.GetProperty("minLength").GetInt32(), f.GetProperty("maxLength").GetInt32(),
                f.GetProperty("checkDigit").GetString()!, f.GetProperty("secret").GetBoolean(),
                f.GetProperty("accountId").GetBoolean(), f.GetProperty("normalisation").GetString()!)).ToArray();
            services.Add(new OperatorService(code, operatorCode, s.GetProperty("kind").GetString()!, programs, timing, rounding, fields));
        }
        if (services.Count == 0)
            throw new InvalidOperationException($"The catalogue has no service of operator '{operatorCode}'.");
        return new OperatorServices(operatorCode, services);
    }
}

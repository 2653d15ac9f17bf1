using System.Globalization;
using System.Text.Json;

namespace Kangen.Rules;

/// <summary>
/// Reads typed fields from a <see cref="JsonElement"/> and collects violations with the path of each
/// offending field, so one pass reports every problem of a file instead of the first.
/// </summary>
internal sealed class JsonFields
{
    private readonly List<RuleViolation> _violations = [];

    public IReadOnlyList<RuleViolation> Violations => _violations;

    public bool HasViolations => _violations.Count > 0;

    public void Add(RuleCode code, string path, string detail) => _violations.Add(new RuleViolation(code, path, detail));

    public static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    /// <summary>Reports properties not in <paramref name="known"/> (keys starting with '$' are comments).</summary>
    public void RejectUnknown(JsonElement obj, string path, params string[] known)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (!property.Name.StartsWith('$') && !known.Contains(property.Name, StringComparer.Ordinal))
                Add(RuleCodes.CampaignInvalid, Join(path, property.Name), $"unknown field '{property.Name}'");
        }
    }

    public bool TryObject(JsonElement parent, string name, string path, bool required, out JsonElement value)
    {
        var fieldPath = Join(path, name);
        if (!parent.TryGetProperty(name, out value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
                Add(RuleCodes.CampaignInvalid, fieldPath, "required object is missing");
            return false;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            Add(RuleCodes.CampaignInvalid, fieldPath, $"expected an object, found {value.ValueKind}");
            return false;
        }
        return true;
    }

    public string? String(JsonElement parent, string name, string path, bool required)
    {
        var fieldPath = Join(path, name);
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
                Add(RuleCodes.CampaignInvalid, fieldPath, "required text is missing");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            Add(RuleCodes.CampaignInvalid, fieldPath, $"expected text, found {value.ValueKind}");
            return null;
        }
        return value.GetString();
    }

    public int? Integer(JsonElement parent, string name, string path, bool required)
    {
        var fieldPath = Join(path, name);
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
                Add(RuleCodes.CampaignInvalid, fieldPath, "required number is missing");
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            Add(RuleCodes.CampaignInvalid, fieldPath, $"expected a whole number, found {value.GetRawText()}");
            return null;
        }
        return number;
    }

    /// <summary>A whole-yen amount, zero or more (or more than zero when <paramref name="positive"/>).</summary>
    public Yen? Yen(JsonElement parent, string name, string path, bool positive)
    {
        var fieldPath = Join(path, name);
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            Add(RuleCodes.CampaignInvalid, fieldPath, "required amount is missing");
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number)
        {
            Add(RuleCodes.CampaignInvalid, fieldPath, $"expected an amount in whole yen, found {value.ValueKind}");
            return null;
        }
        if (!value.TryGetInt64(out var amount) || amount < 0 || (positive && amount == 0))
        {
            Add(RuleCodes.CampaignInvalidAmount, fieldPath, $"{value.GetRawText()} is not a {(positive ? "positive" : "non-negative")} whole-yen amount");
            return null;
        }
        return Rules.Yen.Of(amount);
    }

    /// <summary>A rate greater than 0 and at most 1.</summary>
    public decimal? Rate(JsonElement parent, string name, string path)
    {
        var fieldPath = Join(path, name);
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            Add(RuleCodes.CampaignInvalid, fieldPath, "required rate is missing");
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var rate))
        {
            Add(RuleCodes.CampaignInvalid, fieldPath, $"expected a rate such as 0.25, found {value.GetRawText()}");
            return null;
        }
        if (rate <= 0 || rate > 1)
        {
            Add(RuleCodes.CampaignInvalidAmount, fieldPath, $"rate {rate.ToString(CultureInfo.InvariantCulture)} is not in (0, 1]");
            return null;
        }
        return rate;
    }

    public DateOnly? Date(JsonElement parent, string name, string path, bool required)
    {
        var text = String(parent, name, path, required);
        return text is null ? null : ParseDate(text, Join(path, name));
    }

    public DateOnly? ParseDate(string text, string path)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date;
        Add(RuleCodes.CampaignInvalid, path, $"'{text}' is not a date in the form yyyy-MM-dd");
        return null;
    }

    /// <summary>An instant with an explicit offset (e.g. <c>2022-09-20T00:00:00+09:00</c>); local times without offset are refused.</summary>
    public static bool TryParseInstant(string text, out DateTimeOffset instant)
    {
        instant = default;
        var hasOffset = text.EndsWith('Z') || (text.Length > 6 && (text[^6] == '+' || text[^6] == '-') && text[^3] == ':');
        return hasOffset && text.Contains('T', StringComparison.Ordinal)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant);
    }
}

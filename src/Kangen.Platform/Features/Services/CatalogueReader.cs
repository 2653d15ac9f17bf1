using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kangen.Rules;
using Kangen.Protocol;

namespace Kangen.Platform.Features.Services;

/// <summary>Walks the JSON document, collecting every problem with the path of the entry it concerns.</summary>
internal sealed partial class CatalogueReader
{
    /// <summary>Operator codes appear in account references, which must stay within 40 characters.</summary>
    public const int MaxOperatorCodeLength = 16;
    private const int MaxFieldLength = 256;
    private const int MaxAccountIdLength = 128;

    [GeneratedRegex("^[a-z][A-Za-z0-9]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex FieldName();

    [GeneratedRegex("^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex TermsVersion();

    [GeneratedRegex("^(at-charge|at-purchase|monthly|after-reaching-[1-9][0-9]{0,8})$", RegexOptions.CultureInvariant)]
    private static partial Regex GrantTiming();

    private static readonly string[] Roundings = ["floor", "round", "ceiling"];

    public List<string> Problems { get; } = [];

    private void Problem(string path, string reason) => Problems.Add(path + ": " + reason);

    public IReadOnlyList<PaymentService> Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            Problem("$", "the catalogue must be a JSON object");
            return [];
        }
        Known(root, "$", "$comment", "schemaVersion", "operators", "services");
        if (!root.TryGetProperty("schemaVersion", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != 1)
            Problem("$.schemaVersion", "must be 1");

        var operators = new Dictionary<string, LocalizedText>(StringComparer.Ordinal);
        foreach (var (op, path) in Array(root, "operators", "$"))
        {
            if (!Object(op, path))
                continue;
            Known(op, path, "code", "name");
            var code = String(op, "code", path);
            var name = Text(op, "name", path);
            if (code is null)
                continue;
            if (!ServiceCode.TryParse(code, out _) || code.Length > MaxOperatorCodeLength)
                Problem(path + ".code", $"'{code}' is not an operator code (lowercase letters, digits, inner hyphens, at most {MaxOperatorCodeLength} characters)");
            else if (!operators.TryAdd(code, name ?? new LocalizedText("", "", "")))
                Problem(path + ".code", $"operator '{code}' appears twice");
        }

        var services = new List<PaymentService>();
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var servicesPath = "$";
        foreach (var (element, path) in Array(root, "services", servicesPath))
        {
            var service = Service(element, path, operators);
            if (service is null)
                continue;
            if (!codes.Add(service.Code.Value))
                Problem(path + ".code", $"service '{service.Code}' appears twice");
            else
                services.Add(service);
        }
        if (services.Count == 0 && Problems.Count == 0)
            Problem("$.services", "the catalogue has no service");
        return services;
    }

    private PaymentService? Service(JsonElement s, string path, Dictionary<string, LocalizedText> operators)
    {
        if (!Object(s, path))
            return null;
        var before = Problems.Count;
        Known(s, path, "code", "operator", "name", "kind", "programs", "lastDay", "bonus", "grantTiming", "rounding", "terms", "fields");
        var codeText = String(s, "code", path);
        var code = default(ServiceCode);
        if (codeText is not null && !ServiceCode.TryParse(codeText, out code))
            Problem(path + ".code", $"'{codeText}' is not a service code (lowercase letters, digits, inner hyphens, at most 64 characters)");
        var op = String(s, "operator", path);
        LocalizedText? operatorName = null;
        if (op is not null && !operators.TryGetValue(op, out operatorName))
            Problem(path + ".operator", $"no operator '{op}' in $.operators");
        var name = Text(s, "name", path);
        var kindText = String(s, "kind", path);
        var kind = default(ServiceKind);
        if (kindText is not null && !ServiceKinds.TryParse(kindText, out kind))
            Problem(path + ".kind", $"'{kindText}' is not one of {string.Join(", ", ServiceKinds.All.Select(k => k.ToCode()))}");

        var programs = new List<ProgramKind>();
        foreach (var (p, ppath) in Array(s, "programs", path))
        {
            if (p.ValueKind != JsonValueKind.String || !ProgramKinds.TryParse(p.GetString(), out var program))
                Problem(ppath, $"{p} is not one of {string.Join(", ", ProgramKinds.All.Select(k => k.ToCode()))}");
            else if (programs.Contains(program))
                Problem(ppath, $"program {program.ToCode()} appears twice");
            else
                programs.Add(program);
        }
        if (s.TryGetProperty("programs", out _) && programs.Count == 0 && Problems.Count == before)
            Problem(path + ".programs", "a service takes part in at least one program");

        DateOnly? lastDay = s.TryGetProperty("lastDay", out _) ? Date(s, "lastDay", path) : null;
        var bonus = s.TryGetProperty("bonus", out var b) ? Bonus(b, path + ".bonus") : null;
        var timing = String(s, "grantTiming", path);
        if (timing is not null && !GrantTiming().IsMatch(timing))
            Problem(path + ".grantTiming", $"'{timing}' is not at-charge, at-purchase, monthly or after-reaching-<yen>");
        var rounding = String(s, "rounding", path);
        if (rounding is not null && !Roundings.Contains(rounding))
            Problem(path + ".rounding", $"'{rounding}' is not one of {string.Join(", ", Roundings)}");

        var terms = new List<ServiceTerms>();
        foreach (var (t, tpath) in Array(s, "terms", path))
        {
            var item = Terms(t, tpath);
            if (item is null)
                continue;
            if (terms.Any(x => x.Version == item.Version))
                Problem(tpath + ".version", $"terms version '{item.Version}' appears twice");
            else if (terms.Any(x => x.Effective == item.Effective))
                Problem(tpath + ".effective", $"two terms versions take effect on {item.Effective:yyyy-MM-dd}");
            else
                terms.Add(item);
        }
        if (s.TryGetProperty("terms", out _) && terms.Count == 0 && Problems.Count == before)
            Problem(path + ".terms", "a service has at least one version of its terms");

        var fields = new List<ServiceField>();
        foreach (var (f, fpath) in Array(s, "fields", path))
        {
            var field = Field(f, fpath);
            if (field is null)
                continue;
            if (fields.Any(x => string.Equals(x.Name, field.Name, StringComparison.OrdinalIgnoreCase)))
                Problem(fpath + ".name", $"field '{field.Name}' appears twice");
            else
                fields.Add(field);
        }
        if (s.TryGetProperty("fields", out _) && Problems.Count == before)
        {
            var accountIds = fields.Count(f => f.IsAccountId);
            if (accountIds != 1)
                Problem(path + ".fields", $"exactly one field must be the account ID (accountId: true), found {accountIds}");
            if (!fields.Any(f => f.Secret))
                Problem(path + ".fields", "at least one field must be secret (a code or password the operator checks the account with)");
        }

        if (Problems.Count > before)
            return null;
        return new PaymentService(code, op!, operatorName!, name!, kind, fields, terms.OrderBy(t => t.Effective).ToArray(), programs,
            lastDay, bonus, timing!, rounding!);
    }

    private ServiceBonus? Bonus(JsonElement b, string path)
    {
        if (!Object(b, path))
            return null;
        Known(b, path, "description", "ratePercent", "capPoints");
        var description = Text(b, "description", path);
        var rate = OptionalInt(b, "ratePercent", path, 1, 100);
        var cap = OptionalInt(b, "capPoints", path, 1, 1_000_000);
        return description is null ? null : new ServiceBonus(description, rate, cap);
    }

    private ServiceTerms? Terms(JsonElement t, string path)
    {
        if (!Object(t, path))
            return null;
        Known(t, path, "version", "effective", "summary");
        var version = String(t, "version", path);
        if (version is not null && !TermsVersion().IsMatch(version))
        {
            Problem(path + ".version", $"'{version}' is not a version string (letters, digits, '.', '_', '-'; at most 32 characters)");
            version = null;
        }
        var effective = Date(t, "effective", path);
        var summary = Text(t, "summary", path);
        return version is null || effective is null || summary is null ? null : new ServiceTerms(version, effective.Value, summary);
    }

    private ServiceField? Field(JsonElement f, string path)
    {
        if (!Object(f, path))
            return null;
        var before = Problems.Count;
        Known(f, path, "name", "label", "hint", "pattern", "minLength", "maxLength", "checkDigit", "secret", "accountId", "normalisation", "mask");
        var name = String(f, "name", path);
        if (name is not null && !FieldName().IsMatch(name))
            Problem(path + ".name", $"'{name}' is not a camelCase field name (a lowercase letter, then letters and digits; at most 32 characters)");
        var label = Text(f, "label", path);
        var hint = f.TryGetProperty("hint", out _) ? Text(f, "hint", path) : null;
        var pattern = String(f, "pattern", path);
        if (pattern is not null)
        {
            if (!pattern.StartsWith('^') || !pattern.EndsWith('$'))
                Problem(path + ".pattern", "the pattern must be anchored: start with ^ and end with $");
            try
            {
                _ = FieldPatterns.Get(pattern);
            }
            catch (ArgumentException e)
            {
                Problem(path + ".pattern", "does not compile: " + e.Message);
            }
            catch (NotSupportedException e)
            {
                // The engine names the construct (a backreference, a lookaround, an atomic group, a conditional, \G, a
                // balancing group) or says the pattern is too large for it.
                Problem(path + ".pattern", "cannot be matched without backtracking (patterns are matched in time linear in the value; backreferences, lookarounds, atomic groups and conditionals cannot be): " + e.Message);
            }
        }
        var min = Int(f, "minLength", path, 1, MaxFieldLength);
        var max = Int(f, "maxLength", path, 1, MaxFieldLength);
        if (min is not null && max is not null && min > max)
            Problem(path + ".maxLength", $"maxLength {max} is less than minLength {min}");
        var checkText = String(f, "checkDigit", path);
        var check = CheckDigitKind.None;
        if (checkText is not null && !CheckDigits.TryParse(checkText, out check))
            Problem(path + ".checkDigit", $"'{checkText}' is not one of {string.Join(", ", Enum.GetValues<CheckDigitKind>().Select(k => k.ToCode()))}");
        var secret = Bool(f, "secret", path);
        var accountId = Bool(f, "accountId", path);
        if (secret == true && accountId == true)
            Problem(path, "the account ID cannot be secret (it is shown back masked and kept encrypted)");
        // Sealed at rest in application_submissions.sealed_service_id (512 characters hold a 128-character ID sealed).
        if (accountId == true && max > MaxAccountIdLength)
            Problem(path + ".maxLength", $"an account ID is at most {MaxAccountIdLength} characters");
        var normalisation = String(f, "normalisation", path);
        if (normalisation is not null && !FieldNormalisation.IsKnown(normalisation))
            Problem(path + ".normalisation", $"'{normalisation}' is not one of {string.Join(", ", FieldNormalisation.All)}");
        var mask = String(f, "mask", path);
        if (mask is not null && !FieldMasks.IsKnown(mask))
            Problem(path + ".mask", $"'{mask}' is not one of {string.Join(", ", FieldMasks.All)}");
        else if (secret == true && mask is not null && mask != FieldMasks.Hidden)
            Problem(path + ".mask", "a secret field is never shown back: its mask must be hidden");
        if (Problems.Count > before)
            return null;
        return new ServiceField(name!, label!, hint, pattern!, min!.Value, max!.Value, check, secret!.Value, accountId!.Value, normalisation!, mask!);
    }

    private void Known(JsonElement element, string path, params string[] names)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (!names.Contains(property.Name))
                Problem(path + "." + property.Name, "unknown property");
        }
    }

    private bool Object(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Object)
            return true;
        Problem(path, "must be an object");
        return false;
    }

    private IEnumerable<(JsonElement Element, string Path)> Array(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var array))
        {
            Problem(path + "." + name, "missing");
            yield break;
        }
        if (array.ValueKind != JsonValueKind.Array)
        {
            Problem(path + "." + name, "must be an array");
            yield break;
        }
        var i = 0;
        foreach (var item in array.EnumerateArray())
            yield return (item, $"{path}.{name}[{i++}]");
    }

    private string? String(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            Problem(path + "." + name, "missing");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            Problem(path + "." + name, "must be a non-empty string");
            return null;
        }
        return value.GetString();
    }

    private LocalizedText? Text(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            Problem(path + "." + name, "missing");
            return null;
        }
        var p = path + "." + name;
        if (!Object(value, p))
            return null;
        Known(value, p, "ja", "zh", "en");
        var ja = String(value, "ja", p);
        var zh = String(value, "zh", p);
        var en = String(value, "en", p);
        return ja is null || zh is null || en is null ? null : new LocalizedText(ja, zh, en);
    }

    private DateOnly? Date(JsonElement parent, string name, string path)
    {
        var text = String(parent, name, path);
        if (text is null)
            return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date;
        Problem(path + "." + name, $"'{text}' is not a date (yyyy-MM-dd)");
        return null;
    }

    private int? Int(JsonElement parent, string name, string path, int min, int max)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            Problem(path + "." + name, "missing");
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number < min || number > max)
        {
            Problem(path + "." + name, $"must be a whole number from {min} to {max}");
            return null;
        }
        return number;
    }

    private int? OptionalInt(JsonElement parent, string name, string path, int min, int max) =>
        parent.TryGetProperty(name, out _) ? Int(parent, name, path, min, max) : null;

    private bool? Bool(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            Problem(path + "." + name, "missing");
            return null;
        }
        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Problem(path + "." + name, "must be true or false");
            return null;
        }
        return value.GetBoolean();
    }
}

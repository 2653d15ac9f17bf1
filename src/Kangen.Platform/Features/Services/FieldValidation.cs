using Kangen.Platform.Problems;
using Kangen.Protocol;

namespace Kangen.Platform.Features.Services;

/// <summary>The fields of an application after normalisation and every check: each field of the service present.</summary>
/// <param name="Service">The service the fields belong to.</param>
/// <param name="Values">Field name to normalised value, for every field of the service.</param>
public sealed record ValidatedFields(PaymentService Service, IReadOnlyDictionary<string, string> Values)
{
    /// <summary>The normalised payment service ID (the value of the account-ID field).</summary>
    public string AccountId => Values[Service.AccountIdField.Name];

    /// <summary>The service and the masked account ID only: the values include secrets and must not reach logs.</summary>
    public override string ToString() => $"{Service.Code}: {Service.MaskAccountId(AccountId)}";
}

/// <summary>Checks what an applicant typed against a service's fields.</summary>
public static class FieldValidation
{
    /// <summary>
    /// Normalises then checks every field and reports every problem (one per bad field, plus one per name the service
    /// does not have), each about <c>fields.&lt;name&gt;</c>. Field names match exactly (camelCase). The problems never
    /// carry the value of a secret field.
    /// </summary>
    public static (ValidatedFields? Fields, IReadOnlyList<PlatformProblem> Problems) Validate(
        PaymentService service, IReadOnlyDictionary<string, string?>? input)
    {
        ArgumentNullException.ThrowIfNull(service);
        var problems = new List<PlatformProblem>();
        if (input is not null)
        {
            foreach (var name in input.Keys.Order(StringComparer.Ordinal))
            {
                if (!service.Fields.Any(f => string.Equals(f.Name, name, StringComparison.Ordinal)))
                    problems.Add(ServiceProblems.FieldUnknown(service, name));
            }
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in service.Fields)
        {
            string? raw = null;
            input?.TryGetValue(field.Name, out raw);
            var (value, problem) = Check(field, raw);
            if (problem is not null)
                problems.Add(problem);
            else
                values[field.Name] = value!;
        }
        return problems.Count > 0 ? (null, problems) : (new ValidatedFields(service, values), []);
    }

    /// <summary>The normalised value of one field, or the problem with it.</summary>
    public static (string? Value, PlatformProblem? Problem) Check(ServiceField field, string? raw)
    {
        ArgumentNullException.ThrowIfNull(field);
        // Far longer than any value could be after removing separators: refuse before normalising megabytes.
        if (raw is not null && raw.Length > field.MaxLength * 4 + 64)
            return (null, ServiceProblems.FieldInvalid(field, "far too long"));
        var value = raw is null ? "" : FieldNormalisation.Apply(field.Normalisation, raw);
        if (value.Length == 0)
            return (null, ServiceProblems.FieldRequired(field));
        if (value.Length < field.MinLength || value.Length > field.MaxLength)
            return (null, ServiceProblems.FieldInvalid(field, field.MinLength == field.MaxLength
                ? $"expected {field.MinLength} characters after normalisation" + (field.Secret ? "" : $", got {value.Length}")
                : $"expected {field.MinLength} to {field.MaxLength} characters after normalisation" + (field.Secret ? "" : $", got {value.Length}")));
        if (!FieldPatterns.IsMatch(field.Pattern, value))
            return (null, ServiceProblems.FieldInvalid(field, $"does not match {field.Pattern}"));
        if (!CheckDigits.IsValid(field.CheckDigit, value))
            return (null, ServiceProblems.FieldCheckDigit(field));
        return (value, null);
    }
}

using System.Globalization;
using System.Text.Json;
using Kangen.Rules;

namespace Kangen.Cli.Features.Rules;

/// <summary>
/// A described person at an instant, read from a case file for <c>kangen rules explain</c>. The format is
/// documented in <c>docs/rules.md</c> ("Case files"). Instants need an explicit offset; dates are yyyy-MM-dd.
/// </summary>
/// <param name="Instant">The instant judged, or null for "now".</param>
/// <param name="Service">The person's payment service, if given.</param>
/// <param name="Person">The person's facts.</param>
/// <param name="Grants">This campaign's grants so far.</param>
/// <param name="Proposal">A proposed grant to decide, if given.</param>
internal sealed record ExplainCase(
    DateTimeOffset? Instant,
    ServiceCode? Service,
    PersonFacts Person,
    GrantTotals Grants,
    (ProgramKind Program, long Points)? Proposal)
{
    /// <summary>Parses a case; the errors name the offending field.</summary>
    public static (ExplainCase? Case, IReadOnlyList<string> Errors) Parse(string json)
    {
        var errors = new List<string>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            return (null, [$"not valid JSON: {e.Message}"]);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return (null, ["the case must be one JSON object"]);
            Unknown(root, "", errors, "instant", "service", "person", "grants", "proposedGrant");

            var instant = OptionalInstant(root, "instant", "instant", errors);
            ServiceCode? service = null;
            if (OptionalString(root, "service", "service", errors) is { } serviceText)
            {
                if (ServiceCode.TryParse(serviceText, out var code))
                    service = code;
                else
                    errors.Add($"service: '{serviceText}' is not a service code");
            }

            PersonFacts? person = null;
            if (!root.TryGetProperty("person", out var p) || p.ValueKind != JsonValueKind.Object)
                errors.Add("person: required object is missing");
            else
                person = ParsePerson(p, errors);

            var grants = GrantTotals.None;
            if (root.TryGetProperty("grants", out var g) && g.ValueKind != JsonValueKind.Null)
            {
                if (g.ValueKind != JsonValueKind.Object)
                    errors.Add("grants: expected an object keyed by program");
                else
                {
                    foreach (var property in g.EnumerateObject())
                    {
                        if (!ProgramKinds.TryParse(property.Name, out var kind))
                            errors.Add($"grants.{property.Name}: not a program (card-acquisition, health-insurance, public-fund-account)");
                        else if (Amount(property.Value, $"grants.{property.Name}", errors) is { } yen)
                            grants = grants.With(kind, yen);
                    }
                }
            }

            (ProgramKind, long)? proposal = null;
            if (root.TryGetProperty("proposedGrant", out var pg) && pg.ValueKind is not (JsonValueKind.Null or JsonValueKind.Object))
                errors.Add("proposedGrant: expected an object { program, points }");
            else if (pg.ValueKind == JsonValueKind.Object)
            {
                Unknown(pg, "proposedGrant", errors, "program", "points");
                var programText = OptionalString(pg, "program", "proposedGrant.program", errors);
                if (!ProgramKinds.TryParse(programText, out var kind))
                    errors.Add($"proposedGrant.program: '{programText}' is not a program");
                else if (!pg.TryGetProperty("points", out var pts) || !pts.TryGetInt64(out var points))
                    errors.Add("proposedGrant.points: expected a whole number");
                else
                    proposal = (kind, points);
            }

            return errors.Count > 0 || person is null
                ? (null, errors)
                : (new ExplainCase(instant, service, person, grants, proposal), errors);
        }
    }

    private static PersonFacts ParsePerson(JsonElement p, List<string> errors)
    {
        Unknown(p, "person", errors, "cardAppliedAt", "cardReceivedAt", "birthDate", "phase1", "healthInsuranceRegisteredAt", "publicFundAccountRegisteredAt");
        var cardApplied = OptionalInstant(p, "cardAppliedAt", "person.cardAppliedAt", errors);
        var cardReceived = OptionalInstant(p, "cardReceivedAt", "person.cardReceivedAt", errors);
        var health = OptionalInstant(p, "healthInsuranceRegisteredAt", "person.healthInsuranceRegisteredAt", errors);
        var fund = OptionalInstant(p, "publicFundAccountRegisteredAt", "person.publicFundAccountRegisteredAt", errors);
        DateOnly? birth = null;
        if (OptionalString(p, "birthDate", "person.birthDate", errors) is { } birthText)
        {
            if (DateOnly.TryParseExact(birthText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var b))
                birth = b;
            else
                errors.Add($"person.birthDate: '{birthText}' is not a date yyyy-MM-dd");
        }

        var phase1 = Phase1History.NeverApplied;
        if (p.TryGetProperty("phase1", out var ph) && ph.ValueKind != JsonValueKind.Null)
        {
            if (ph.ValueKind != JsonValueKind.Object)
                errors.Add("person.phase1: expected an object { appliedAt, received } or null");
            else
            {
                Unknown(ph, "person.phase1", errors, "appliedAt", "received");
                var appliedAt = OptionalInstant(ph, "appliedAt", "person.phase1.appliedAt", errors);
                var received = ph.TryGetProperty("received", out var r) ? Amount(r, "person.phase1.received", errors) : null;
                if (appliedAt is null)
                    errors.Add("person.phase1.appliedAt: required for a Phase 1 applicant");
                if (received is null && !ph.TryGetProperty("received", out _))
                    errors.Add("person.phase1.received: required for a Phase 1 applicant");
                if (appliedAt is { } at && received is { } yen)
                    phase1 = Phase1History.Applied(at, yen);
            }
        }
        return new PersonFacts(cardApplied, cardReceived, phase1, health, fund, birth);
    }

    private static void Unknown(JsonElement obj, string path, List<string> errors, params string[] known)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (!property.Name.StartsWith('$') && !known.Contains(property.Name, StringComparer.Ordinal))
                errors.Add($"{(path.Length == 0 ? "" : path + ".")}{property.Name}: unknown field");
        }
    }

    private static string? OptionalString(JsonElement obj, string name, string path, List<string> errors)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.String)
            return value.GetString();
        errors.Add($"{path}: expected text");
        return null;
    }

    private static DateTimeOffset? OptionalInstant(JsonElement obj, string name, string path, List<string> errors)
    {
        var text = OptionalString(obj, name, path, errors);
        if (text is null)
            return null;
        var hasOffset = text.EndsWith('Z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        if (hasOffset && text.Contains('T', StringComparison.Ordinal)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
            return instant;
        errors.Add($"{path}: '{text}' is not an instant with an offset, e.g. 2023-02-28T23:59:59+09:00");
        return null;
    }

    private static Yen? Amount(JsonElement value, string path, List<string> errors)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var amount) && Yen.TryCreate(amount, out var yen))
            return yen;
        errors.Add($"{path}: expected a whole-yen amount, zero or more");
        return null;
    }
}

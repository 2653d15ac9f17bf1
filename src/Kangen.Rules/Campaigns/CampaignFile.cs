using System.Text.Json;

namespace Kangen.Rules;

/// <summary>
/// Reads campaign files (JSON, <c>schemaVersion</c> 1; the format is documented in <c>docs/rules.md</c>).
/// Parsing never throws for bad content: every problem comes back as a violation with a field path.
/// </summary>
public static class CampaignFile
{
    /// <summary>The schema version this library reads.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The manifest name of the embedded default campaign (<c>data/campaigns/mynapoint.json</c>).</summary>
    public const string DefaultResourceName = "Kangen.Rules.Campaigns.mynapoint.json";

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Parses a campaign file from UTF-8 JSON in a stream (the stream is read, not disposed).</summary>
    public static Result<CampaignDefinition> Parse(Stream utf8Json)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        return ParseDocument(() => JsonDocument.Parse(utf8Json, DocumentOptions));
    }

    /// <summary>Parses a campaign file from JSON text.</summary>
    public static Result<CampaignDefinition> Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return ParseDocument(() => JsonDocument.Parse(json, DocumentOptions));
    }

    private static Result<CampaignDefinition> ParseDocument(Func<JsonDocument> parse)
    {
        try
        {
            using var document = parse();
            return Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            return Result<CampaignDefinition>.Failure(RuleCodes.CampaignInvalid, e.Path ?? "$", "not valid JSON: " + e.Message);
        }
    }

    /// <summary>The embedded default campaign (Mynapoint Phase 2 with its Phase 1 facts and amendments).</summary>
    /// <exception cref="InvalidOperationException">When the embedded file is missing or invalid (a build defect).</exception>
    public static CampaignDefinition LoadDefault()
    {
        using var stream = typeof(CampaignFile).Assembly.GetManifestResourceStream(DefaultResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {DefaultResourceName} is missing.");
        var result = Parse(stream);
        return result.IsSuccess
            ? result.Value
            : throw new InvalidOperationException("The embedded default campaign is invalid: " + string.Join("; ", result.Violations));
    }

    /// <summary>The text of the embedded default campaign file.</summary>
    public static string DefaultText()
    {
        using var stream = typeof(CampaignFile).Assembly.GetManifestResourceStream(DefaultResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {DefaultResourceName} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static Result<CampaignDefinition> Parse(JsonElement root)
    {
        var f = new JsonFields();
        if (root.ValueKind != JsonValueKind.Object)
            return Result<CampaignDefinition>.Failure(RuleCodes.CampaignInvalid, "$", "the file must hold one JSON object");

        f.RejectUnknown(root, "", "schemaVersion", "id", "version", "name", "timeZone", "totalCap",
            "cardApplicationDeadline", "pointApplicationDeadline", "programs", "phase1", "serviceClosings", "amendments");

        var schema = f.Integer(root, "schemaVersion", "", required: true);
        if (schema is { } s && s != SchemaVersion)
            return Result<CampaignDefinition>.Failure(RuleCodes.CampaignUnsupportedSchema, "schemaVersion", $"schema version {s} is not supported; this library reads {SchemaVersion}");

        var idText = f.String(root, "id", "", required: true);
        CampaignId id = default;
        if (idText is not null && !CampaignId.TryParse(idText, out id))
            f.Add(RuleCodes.CampaignInvalid, "id", $"'{idText}' is not an id (lowercase letters, digits, inner hyphens)");

        var version = f.Integer(root, "version", "", required: true);
        if (version is < 1)
            f.Add(RuleCodes.CampaignInvalid, "version", "version must be 1 or more");

        var name = f.String(root, "name", "", required: true);

        var zoneId = f.String(root, "timeZone", "", required: true);
        var zone = zoneId is null ? null : CampaignTimeZone.Resolve(zoneId);
        if (zoneId is not null && zone is null)
            f.Add(RuleCodes.CampaignUnknownTimeZone, "timeZone", $"'{zoneId}' is not a known time zone");

        var totalCap = f.Yen(root, "totalCap", "", positive: true);
        var cardDeadline = f.Date(root, "cardApplicationDeadline", "", required: true);
        var pointDeadline = f.Date(root, "pointApplicationDeadline", "", required: true);

        var programs = ReadPrograms(f, root, totalCap);
        var phase1 = ReadPhase1(f, root);
        var closings = ReadClosings(f, root, "serviceClosings", "", allowRemoval: false)
            .Where(kv => kv.Value is not null)
            .ToDictionary(kv => kv.Key, kv => kv.Value!.Value);
        var amendments = ReadAmendments(f, root, version);

        if (f.HasViolations)
            return Result<CampaignDefinition>.Failure(f.Violations);

        var campaign = new Campaign(id, version!.Value, name!, zone!, programs, totalCap!.Value, cardDeadline!.Value,
            pointDeadline!.Value, closings, phase1!);
        var definition = new CampaignDefinition(campaign, amendments);
        CheckWindowsInEveryVersion(f, definition);
        return f.HasViolations ? Result<CampaignDefinition>.Failure(f.Violations) : Result<CampaignDefinition>.Success(definition);
    }

    private static List<ProgramRules> ReadPrograms(JsonFields f, JsonElement root, Yen? totalCap)
    {
        var programs = new List<ProgramRules>();
        if (!root.TryGetProperty("programs", out var array) || array.ValueKind != JsonValueKind.Array || array.GetArrayLength() == 0)
        {
            f.Add(RuleCodes.CampaignInvalid, "programs", "a non-empty array of programs is required");
            return programs;
        }
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var path = $"programs[{index++}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                f.Add(RuleCodes.CampaignInvalid, path, "expected a program object");
                continue;
            }
            f.RejectUnknown(element, path, "kind", "points", "window");
            var kindText = f.String(element, "kind", path, required: true);
            ProgramKind kind = default;
            var kindOk = kindText is not null && ProgramKinds.TryParse(kindText, out kind);
            if (kindText is not null && !kindOk)
                f.Add(RuleCodes.CampaignUnknownProgramKind, path + ".kind", $"'{kindText}' is not card-acquisition, health-insurance or public-fund-account");
            if (kindOk && programs.Any(p => p.Kind == kind))
                f.Add(RuleCodes.CampaignDuplicateProgram, path + ".kind", $"'{kindText}' is defined twice");

            PointRule? points = null;
            if (f.TryObject(element, "points", path, required: true, out var pointsElement))
                points = ReadPoints(f, pointsElement, path + ".points");
            if (points is not null && totalCap is { } total && points.Cap > total)
                f.Add(RuleCodes.CampaignCapAboveTotal, path + ".points", $"program cap {points.Cap} is above the total cap {total}");

            DateWindow? window = null;
            if (f.TryObject(element, "window", path, required: true, out var windowElement))
            {
                f.RejectUnknown(windowElement, path + ".window", "from", "until");
                var from = f.Date(windowElement, "from", path + ".window", required: true);
                var until = f.Date(windowElement, "until", path + ".window", required: false);
                if (from is { } a && until is { } b && b < a)
                    f.Add(RuleCodes.CampaignWindowInverted, path + ".window.until", $"window ends {b:yyyy-MM-dd} before it starts {a:yyyy-MM-dd}");
                if (from is { } start)
                    window = new DateWindow(start, until);
            }
            if (kindOk && points is not null && window is not null)
                programs.Add(new ProgramRules(kind, points, window));
        }
        programs.Sort((a, b) => a.Kind.CompareTo(b.Kind));
        return programs;
    }

    private static PointRule? ReadPoints(JsonFields f, JsonElement points, string path)
    {
        f.RejectUnknown(points, path, "rate", "cap", "fixed");
        var hasFixed = points.TryGetProperty("fixed", out _);
        var hasRate = points.TryGetProperty("rate", out _) || points.TryGetProperty("cap", out _);
        if (hasFixed == hasRate)
        {
            f.Add(RuleCodes.CampaignInvalid, path, "points need either 'fixed' or 'rate' with 'cap'");
            return null;
        }
        if (hasFixed)
            return f.Yen(points, "fixed", path, positive: true) is { } amount ? new FixedPointRule(amount) : null;
        var rate = f.Rate(points, "rate", path);
        var cap = f.Yen(points, "cap", path, positive: true);
        return rate is { } r && cap is { } c ? new RatePointRule(r, c) : null;
    }

    private static Phase1Rules? ReadPhase1(JsonFields f, JsonElement root)
    {
        if (!f.TryObject(root, "phase1", "", required: true, out var p))
            return null;
        const string path = "phase1";
        f.RejectUnknown(p, path, "applicationsFrom", "applicationDeadline", "purchasesFrom", "purchasesUntil", "rate", "cap");
        var applicationsFrom = f.Date(p, "applicationsFrom", path, required: true);
        var applicationDeadline = f.Date(p, "applicationDeadline", path, required: true);
        var purchasesFrom = f.Date(p, "purchasesFrom", path, required: true);
        var purchasesUntil = f.Date(p, "purchasesUntil", path, required: true);
        var rate = f.Rate(p, "rate", path);
        var cap = f.Yen(p, "cap", path, positive: true);
        if (applicationsFrom is { } a && applicationDeadline is { } b && b < a)
            f.Add(RuleCodes.CampaignWindowInverted, path + ".applicationDeadline", $"applications end {b:yyyy-MM-dd} before they start {a:yyyy-MM-dd}");
        if (purchasesFrom is { } c && purchasesUntil is { } d && d < c)
            f.Add(RuleCodes.CampaignWindowInverted, path + ".purchasesUntil", $"purchases end {d:yyyy-MM-dd} before they start {c:yyyy-MM-dd}");
        return applicationsFrom is null || applicationDeadline is null || purchasesFrom is null || purchasesUntil is null || rate is null || cap is null
            ? null
            : new Phase1Rules(applicationsFrom.Value, applicationDeadline.Value, purchasesFrom.Value, purchasesUntil.Value, rate.Value, cap.Value);
    }

    private static Dictionary<ServiceCode, DateOnly?> ReadClosings(JsonFields f, JsonElement parent, string name, string path, bool allowRemoval)
    {
        var closings = new Dictionary<ServiceCode, DateOnly?>();
        if (!f.TryObject(parent, name, path, required: false, out var obj))
            return closings;
        var objPath = JsonFields.Join(path, name);
        foreach (var property in obj.EnumerateObject())
        {
            var fieldPath = objPath + "." + property.Name;
            if (!ServiceCode.TryParse(property.Name, out var service))
            {
                f.Add(RuleCodes.CampaignInvalid, fieldPath, $"'{property.Name}' is not a service code");
                continue;
            }
            if (property.Value.ValueKind == JsonValueKind.Null && allowRemoval)
                closings[service] = null;
            else if (property.Value.ValueKind == JsonValueKind.String && f.ParseDate(property.Value.GetString()!, fieldPath) is { } day)
                closings[service] = day;
            else if (property.Value.ValueKind != JsonValueKind.String)
                f.Add(RuleCodes.CampaignInvalid, fieldPath, allowRemoval ? "expected a date or null" : "expected a date");
        }
        return closings;
    }

    private static List<Amendment> ReadAmendments(JsonFields f, JsonElement root, int? baseVersion)
    {
        var amendments = new List<Amendment>();
        if (!root.TryGetProperty("amendments", out var array) || array.ValueKind == JsonValueKind.Null)
            return amendments;
        if (array.ValueKind != JsonValueKind.Array)
        {
            f.Add(RuleCodes.CampaignInvalid, "amendments", "expected an array");
            return amendments;
        }
        var previousVersion = baseVersion ?? 0;
        DateTimeOffset? previousEffective = null;
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var path = $"amendments[{index++}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                f.Add(RuleCodes.CampaignInvalid, path, "expected an amendment object");
                continue;
            }
            f.RejectUnknown(element, path, "version", "effective", "note", "cardApplicationDeadline", "pointApplicationDeadline", "serviceClosings");
            var version = f.Integer(element, "version", path, required: true);
            if (version is { } v)
            {
                if (v <= previousVersion)
                    f.Add(RuleCodes.CampaignAmendmentOutOfOrder, path + ".version", $"version {v} is not above the previous version {previousVersion}");
                previousVersion = Math.Max(previousVersion, v);
            }

            DateTimeOffset? effective = null;
            var effectiveText = element.TryGetProperty("effective", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            if (effectiveText is null)
                f.Add(RuleCodes.CampaignAmendmentWithoutEffective, path + ".effective", "an amendment needs an 'effective' instant with an offset, e.g. 2022-09-20T00:00:00+09:00");
            else if (!JsonFields.TryParseInstant(effectiveText, out var instant))
                f.Add(RuleCodes.CampaignInvalid, path + ".effective", $"'{effectiveText}' is not an instant with an offset, e.g. 2022-09-20T00:00:00+09:00");
            else
            {
                if (previousEffective is { } p && instant <= p)
                    f.Add(RuleCodes.CampaignAmendmentOutOfOrder, path + ".effective", $"{effectiveText} is not after the previous amendment's effective instant");
                previousEffective = instant;
                effective = instant;
            }

            var note = f.String(element, "note", path, required: false);
            var card = f.Date(element, "cardApplicationDeadline", path, required: false);
            var points = f.Date(element, "pointApplicationDeadline", path, required: false);
            var closings = ReadClosings(f, element, "serviceClosings", path, allowRemoval: true);
            if (card is null && points is null && closings.Count == 0)
                f.Add(RuleCodes.CampaignInvalid, path, "an amendment must change at least one of cardApplicationDeadline, pointApplicationDeadline, serviceClosings");
            if (version is { } ver && effective is { } eff)
                amendments.Add(new Amendment(ver, eff, note, card, points, closings));
        }
        return amendments;
    }

    /// <summary>A deadline moved before a program's start would make its window end before it opens, in some version.</summary>
    private static void CheckWindowsInEveryVersion(JsonFields f, CampaignDefinition definition)
    {
        var versions = new List<(string Path, Campaign Campaign)> { ("pointApplicationDeadline", definition.Base) };
        var campaign = definition.Base;
        for (var i = 0; i < definition.Amendments.Count; i++)
        {
            campaign = definition.Amendments[i].ApplyTo(campaign);
            versions.Add(($"amendments[{i}].pointApplicationDeadline", campaign));
        }
        foreach (var (path, version) in versions)
        {
            foreach (var program in version.Programs)
            {
                if (version.LastDay(program) < program.Window.From)
                    f.Add(RuleCodes.CampaignWindowInverted, path,
                        $"in v{version.Version} the {program.Kind.ToCode()} window ends {version.LastDay(program):yyyy-MM-dd} before it starts {program.Window.From:yyyy-MM-dd}");
            }
        }
    }
}

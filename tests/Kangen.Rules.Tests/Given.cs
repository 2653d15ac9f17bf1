using System.Globalization;
using Kangen.Rules;

namespace Kangen.Rules.Tests;

/// <summary>Helpers that let table rows read like the rules document.</summary>
internal static class Given
{
    public static readonly CampaignDefinition Default = CampaignFile.LoadDefault();

    /// <summary>
    /// An instant: "2023-02-28" (00:00 Japan time), "2023-02-28T23:59:59" (Japan time) or with an explicit
    /// offset or Z ("2023-02-28T14:59:59Z").
    /// </summary>
    public static DateTimeOffset At(string text)
    {
        if (text.Length == 10)
            return CampaignTimeZone.Japan.StartOf(DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (text.EndsWith('Z') || text[^6] is '+' or '-')
            return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.None);
        return DateTimeOffset.Parse(text + "+09:00", CultureInfo.InvariantCulture, DateTimeStyles.None);
    }

    /// <summary>
    /// A person from "key=value" words. Keys: card (applied and received), applied, received, phase1
    /// (instant:yen), health, fund, born. A dash means "never". Defaults: card since 2021-06-01, never applied
    /// for Phase 1, both registrations on 2022-07-15.
    /// </summary>
    public static PersonFacts Person(string description)
    {
        var values = new Dictionary<string, string>
        {
            ["card"] = "2021-06-01",
            ["health"] = "2022-07-15",
            ["fund"] = "2022-07-15",
            ["phase1"] = "-",
        };
        foreach (var word in description.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = word.Split('=', 2);
            values[parts[0]] = parts[1];
        }
        DateTimeOffset? Instant(string key) => values.TryGetValue(key, out var v) && v != "-" ? At(v) : null;
        var applied = values.ContainsKey("applied") ? Instant("applied") : Instant("card");
        var received = values.ContainsKey("received") ? Instant("received") : Instant("card");
        Phase1History phase1 = Phase1History.NeverApplied;
        if (values["phase1"] != "-")
        {
            var at = values["phase1"].LastIndexOf(':');
            phase1 = Phase1History.Applied(At(values["phase1"][..at]), Yen.Of(long.Parse(values["phase1"][(at + 1)..], CultureInfo.InvariantCulture)));
        }
        DateOnly? born = values.TryGetValue("born", out var b) ? DateOnly.ParseExact(b, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null;
        return new PersonFacts(applied, received, phase1, Instant("health"), Instant("fund"), born);
    }

    public static ProgramKind Program(string code) =>
        ProgramKinds.TryParse(code, out var kind) ? kind : throw new ArgumentException(code);

    public static string Codes(IEnumerable<RuleViolation> violations) => string.Join(",", violations.Select(v => v.Code.Code));

    /// <summary>The default campaign file as text with an edit applied, for files that differ in one point.</summary>
    public static string DefaultWith(Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(CampaignFile.DefaultText())!.AsObject();
        edit(root);
        return root.ToJsonString();
    }

    public static CampaignDefinition Parsed(string json)
    {
        var result = CampaignFile.Parse(json);
        Assert.True(result.IsSuccess, string.Join("; ", result.Violations));
        return result.Value;
    }
}

using System.Text.Json.Nodes;
using Kangen.Rules;

namespace Kangen.Rules.Tests;

/// <summary>The campaign file: the embedded default, amendments as in force at an instant, and every refusal of an invalid file.</summary>
public class CampaignFileTests
{
    [Fact]
    public void The_embedded_default_file_parses_cleanly()
    {
        var result = CampaignFile.Parse(CampaignFile.DefaultText());
        Assert.True(result.IsSuccess, string.Join("; ", result.Violations));
        var campaign = result.Value.Base;
        Assert.Equal("mynapoint-phase2", campaign.Id.Value);
        Assert.Equal("Asia/Tokyo", campaign.TimeZone.Id);
        Assert.Equal(Yen.Of(20000), campaign.TotalCap);
        Assert.Equal([ProgramKind.CardAcquisition, ProgramKind.HealthInsurance, ProgramKind.PublicFundAccount], campaign.Programs.Select(p => p.Kind));
        Assert.Equal(new RatePointRule(0.25m, Yen.Of(5000)), campaign.Program(ProgramKind.CardAcquisition)!.Points);
        Assert.Equal(new FixedPointRule(Yen.Of(7500)), campaign.Program(ProgramKind.HealthInsurance)!.Points);
        Assert.Equal(new FixedPointRule(Yen.Of(7500)), campaign.Program(ProgramKind.PublicFundAccount)!.Points);
        Assert.Equal(new DateOnly(2022, 1, 1), campaign.Program(ProgramKind.CardAcquisition)!.Window.From);
        Assert.Equal(new DateOnly(2022, 6, 30), campaign.Program(ProgramKind.HealthInsurance)!.Window.From);
        Assert.Equal(new DateOnly(2021, 12, 31), campaign.Phase1.ApplicationDeadline);
        Assert.Equal(Yen.Of(5000), campaign.Phase1.Cap);
        Assert.Equal(4, result.Value.LatestVersion);
    }

    [Fact]
    public void Parsing_from_a_stream_gives_the_same_campaign()
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(CampaignFile.DefaultText()));
        var result = CampaignFile.Parse(stream);
        Assert.True(result.IsSuccess);
        Assert.Equal(Given.Default.Latest.PointApplicationDeadline, result.Value.Latest.PointApplicationDeadline);
    }

    // instant -> version, card-application deadline, point-application deadline in force
    public static TheoryData<string, string, int, string, string> InForceRows => new()
    {
        { "As first published: card 2022-09-30, points 2023-02-28", "2022-01-01", 1, "2022-09-30", "2023-02-28" },
        { "The last second before the first extension keeps the first deadlines", "2022-09-19T23:59:59", 1, "2022-09-30", "2023-02-28" },
        { "From the first extension: card 2022-12-31", "2022-09-20T00:00:00", 2, "2022-12-31", "2023-02-28" },
        { "The last second before the second extension keeps card 2022-12-31", "2022-12-05T23:59:59", 2, "2022-12-31", "2023-02-28" },
        { "From the second extension: card 2023-02-28, points 2023-05-31", "2022-12-06T00:00:00", 3, "2023-02-28", "2023-05-31" },
        { "The second extension in UTC: 2022-12-05T15:00Z", "2022-12-05T15:00:00Z", 3, "2023-02-28", "2023-05-31" },
        { "From the third extension: points 2023-09-30", "2023-05-12T00:00:00", 4, "2023-02-28", "2023-09-30" },
    };

    [Theory]
    [MemberData(nameof(InForceRows))]
    public void Amendments_apply_from_their_effective_instant(string rule, string instant, int version, string card, string points)
    {
        var campaign = Given.Default.InForceAt(Given.At(instant));
        Assert.True(version == campaign.Version, rule);
        Assert.Equal(card, campaign.CardApplicationDeadline.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(points, campaign.PointApplicationDeadline.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>A file whose extension was announced after the old deadline had passed (a reopening).</summary>
    private static readonly CampaignDefinition LateExtension = Given.Parsed(Given.DefaultWith(root =>
        root["amendments"] = new JsonArray(new JsonObject
        {
            ["version"] = 2,
            ["effective"] = "2023-03-10T00:00:00+09:00",
            ["pointApplicationDeadline"] = "2023-05-31",
        })));

    // instant -> refusals for part 2 (empty = eligible)
    public static TheoryData<string, string, string> LateExtensionRows => new()
    {
        { "Before the deadline: open", "2023-02-28T23:59:59", "" },
        { "After the old deadline, before the extension is announced: closed under v1", "2023-03-05T12:00:00", "eligibility.window-closed" },
        { "The last second before the extension is effective: still closed", "2023-03-09T23:59:59", "eligibility.window-closed" },
        { "From the extension's effective instant: open again under v2", "2023-03-10T00:00:00", "" },
    };

    [Theory]
    [MemberData(nameof(LateExtensionRows))]
    public void A_decision_keeps_the_rules_in_force_when_it_was_made(string rule, string instant, string refusals)
    {
        var decision = EligibilityRules.Evaluate(LateExtension, Given.Person(""), Given.At(instant));
        Assert.True(refusals == Given.Codes(decision.For(ProgramKind.HealthInsurance)!.Reasons), rule);
    }

    [Fact]
    public void An_amendment_can_remove_a_service_closing()
    {
        var definition = Given.Parsed(Given.DefaultWith(root =>
            root["amendments"] = new JsonArray(new JsonObject
            {
                ["version"] = 2,
                ["effective"] = "2022-10-01T00:00:00+09:00",
                ["serviceClosings"] = new JsonObject { ["demo-card"] = null },
            })));
        Assert.NotNull(definition.InForceAt(Given.At("2022-09-30")).ServiceLastDay(ServiceCode.Parse("demo-card")));
        Assert.Null(definition.Latest.ServiceLastDay(ServiceCode.Parse("demo-card")));
    }

    private static JsonObject Program(JsonObject root, int index) => root["programs"]![index]!.AsObject();
    private static JsonObject Amendment(JsonObject root, int index) => root["amendments"]![index]!.AsObject();

    // edit of the default file -> expected code and field path (among the violations)
    public static TheoryData<string, Action<JsonObject>, string, string> InvalidRows => new()
    {
        { "An unknown program kind", r => Program(r, 0)["kind"] = "card-purchase", "campaign.unknown-program-kind", "programs[0].kind" },
        { "The same program twice", r => Program(r, 2)["kind"] = "health-insurance", "campaign.duplicate-program", "programs[2].kind" },
        { "A negative cap", r => Program(r, 0)["points"]!["cap"] = -5000, "campaign.invalid-amount", "programs[0].points.cap" },
        { "A fixed amount that is not whole yen", r => Program(r, 1)["points"]!["fixed"] = 7500.5, "campaign.invalid-amount", "programs[1].points.fixed" },
        { "A rate above 100 %", r => Program(r, 0)["points"]!["rate"] = 1.5, "campaign.invalid-amount", "programs[0].points.rate" },
        { "Points with both a rate and a fixed amount", r => Program(r, 0)["points"]!["fixed"] = 5000, "campaign.invalid", "programs[0].points" },
        { "A negative total", r => r["totalCap"] = -1, "campaign.invalid-amount", "totalCap" },
        { "A program cap above the total", r => r["totalCap"] = 7000, "campaign.cap-above-total", "programs[1].points" },
        { "A window ending before it starts", r => Program(r, 1)["window"]!["until"] = "2022-06-29", "campaign.window-inverted", "programs[1].window.until" },
        { "A point deadline before a program opens", r => r["pointApplicationDeadline"] = "2022-06-01", "campaign.window-inverted", "pointApplicationDeadline" },
        { "Phase 1 purchases ending before they start", r => r["phase1"]!["purchasesUntil"] = "2020-08-31", "campaign.window-inverted", "phase1.purchasesUntil" },
        { "An amendment with no effective date", r => Amendment(r, 0).Remove("effective"), "campaign.amendment-without-effective", "amendments[0].effective" },
        { "An effective instant without an offset", r => Amendment(r, 0)["effective"] = "2022-09-20T00:00:00", "campaign.invalid", "amendments[0].effective" },
        { "Amendment versions going backwards", r => Amendment(r, 1)["version"] = 2, "campaign.amendment-out-of-order", "amendments[1].version" },
        { "Amendments effective out of order", r => Amendment(r, 1)["effective"] = "2022-09-01T00:00:00+09:00", "campaign.amendment-out-of-order", "amendments[1].effective" },
        { "An amendment that changes nothing", r => { Amendment(r, 0).Remove("cardApplicationDeadline"); }, "campaign.invalid", "amendments[0]" },
        { "A misspelt amendment field", r => Amendment(r, 2)["pointDeadline"] = "2023-09-30", "campaign.invalid", "amendments[2].pointDeadline" },
        { "An amendment moving the point deadline before part 2 opens", r => Amendment(r, 2)["pointApplicationDeadline"] = "2022-06-01", "campaign.window-inverted", "amendments[2].pointApplicationDeadline" },
        { "A schema version this library does not read", r => r["schemaVersion"] = 2, "campaign.unsupported-schema", "schemaVersion" },
        { "An unknown time zone", r => r["timeZone"] = "Asia/Atlantis", "campaign.unknown-time-zone", "timeZone" },
        { "A missing total", r => r.Remove("totalCap"), "campaign.invalid", "totalCap" },
        { "An impossible date", r => r["cardApplicationDeadline"] = "2022-09-31", "campaign.invalid", "cardApplicationDeadline" },
        { "A service code that is not a code", r => r["serviceClosings"]!["Demo Pay"] = "2023-01-31", "campaign.invalid", "serviceClosings.Demo Pay" },
        { "An id that is not an id", r => r["id"] = "Mynapoint Phase 2", "campaign.invalid", "id" },
    };

    [Theory]
    [MemberData(nameof(InvalidRows))]
    public void An_invalid_campaign_file_is_refused_with_the_path_of_the_offending_field(string rule, Action<JsonObject> edit, string code, string path)
    {
        var result = CampaignFile.Parse(Given.DefaultWith(edit));
        Assert.False(result.IsSuccess, rule);
        Assert.Contains(result.Violations, v => v.Code.Code == code && v.Path == path);
    }

    [Fact]
    public void Text_that_is_not_json_is_refused()
    {
        var result = CampaignFile.Parse("{ \"schemaVersion\": 1,");
        Assert.False(result.IsSuccess);
        Assert.Equal("campaign.invalid", result.Violations.Single().Code.Code);
    }

    [Fact]
    public void Every_problem_of_a_file_is_reported_at_once()
    {
        var result = CampaignFile.Parse(Given.DefaultWith(r =>
        {
            r["totalCap"] = -1;
            Program(r, 0)["kind"] = "nope";
            Amendment(r, 0).Remove("effective");
        }));
        Assert.Equal(["campaign.invalid-amount", "campaign.unknown-program-kind", "campaign.amendment-without-effective"],
            result.Violations.Select(v => v.Code.Code));
    }
}

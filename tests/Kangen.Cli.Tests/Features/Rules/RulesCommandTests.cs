using System.Text.Json.Nodes;

namespace Kangen.Cli.Tests.Features.Rules;

public class RulesCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("kangen-rules-");

    public void Dispose()
    {
        _temp.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }

    private static string Repo(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kangen.slnx")))
            dir = dir.Parent;
        Assert.NotNull(dir);
        return Path.Combine([dir!.FullName, .. parts]);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_temp.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Check_of_the_default_campaign_file_prints_programs_and_dates_and_succeeds()
    {
        var (code, output) = await CliRun.RunAsync("rules", "check", Repo("data", "campaigns", "mynapoint.json"), "--at", "2023-03-01T00:00:00+09:00");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("mynapoint-phase2", output);
        Assert.Contains("version 3, in force at 2023-03-01T00:00:00+09:00", output);
        Assert.Contains("card-acquisition", output);
        Assert.Contains("public-fund-account", output);
        Assert.Contains("2022-06-30", output);
        Assert.Contains("v4", output);
        Assert.Contains("2023-09-30", output);
        Assert.Contains("demo-transit 2023-05-31", output);
        Assert.Contains("valid", output);
    }

    [Fact]
    public async Task Check_of_an_invalid_file_lists_each_violation_with_its_field_path_and_fails()
    {
        var root = JsonNode.Parse(File.ReadAllText(Repo("data", "campaigns", "mynapoint.json")))!.AsObject();
        root["programs"]![0]!["kind"] = "card-purchase";
        root["programs"]![1]!["points"]!["fixed"] = -7500;
        root["amendments"]![0]!.AsObject().Remove("effective");
        var path = Write("broken.json", root.ToJsonString());

        var (code, output) = await CliRun.RunAsync("rules", "check", path);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("broken.json is not a valid campaign file (3 problem(s))", output);
        Assert.Contains("campaign.unknown-program-kind at programs[0].kind", output);
        Assert.Contains("campaign.invalid-amount at programs[1].points.fixed", output);
        Assert.Contains("campaign.amendment-without-effective at amendments[0].effective", output);
        Assert.DoesNotContain("Programs", output);
    }

    [Fact]
    public async Task Check_of_a_file_that_is_not_json_fails_readably()
    {
        var (code, output) = await CliRun.RunAsync("rules", "check", Write("text.json", "programs: none"));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("campaign.invalid", output);
        Assert.Contains("not valid JSON", output);
    }

    [Fact]
    public async Task Check_of_a_missing_file_fails_with_a_readable_error()
    {
        var (code, output) = await CliRun.RunAsync("rules", "check", Path.Combine(_temp.FullName, "nowhere.json"));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("campaign file not found", output);
        Assert.Contains("nowhere.json", output);
    }

    [Fact]
    public async Task Show_prints_the_embedded_campaign_as_in_force_now()
    {
        // CliRun's clock stands at 2022-07-01 12:00 JST: the campaign as first published.
        var (code, output) = await CliRun.RunAsync("rules", "show");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("version 1, in force at 2022-07-01T12:00:00+09:00", output);
        Assert.Contains("Card-application deadline: 2022-09-30; point-application deadline: 2023-02-28", output);
        Assert.Contains("v1 (in force)", output);
    }

    [Fact]
    public async Task Explain_of_the_phase1_carryover_case_shows_eligibility_remaining_entitlement_and_reasons()
    {
        var (code, output) = await CliRun.RunAsync("rules", "explain", Repo("data", "cases", "phase1-carryover.json"));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("mynapoint-phase2 v3", output);
        Assert.Contains("Phase 1 received: 3,000", output);
        Assert.Contains("card-acquisition: eligibility.phase1-carryover", output);
        Assert.Contains("health-insurance: eligibility.registered-before-campaign", output);
        Assert.Contains("public-fund-account: eligibility.registration-missing", output);
        Assert.Contains("accepted 1,000, refused 1,000; remaining after: 0 (7,500 in total)", output);
        Assert.Contains("grant.exceeds-cap", output);
        Assert.Contains("grant.partially-accepted", output);
        // Remaining: part 1 5,000 - 3,000 - 1,000; total 20,000 - 11,500.
        Assert.Matches(@"card-acquisition\s*│\s*yes.*│\s*5,000\s*│\s*4,000\s*│\s*1,000\s*│", output);
        Assert.Matches(@"total\s*│.*│\s*20,000\s*│\s*11,500\s*│\s*8,500\s*│", output);
    }

    [Fact]
    public async Task Explain_prints_the_reasons_in_the_language_asked()
    {
        var (code, output) = await CliRun.RunAsync("rules", "explain", Repo("data", "cases", "late-card.json"), "--lang", "ja");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("eligibility.card-applied-too-late", output);
        Assert.Contains("申請期限を過ぎている", output);
        Assert.DoesNotContain("│ yes", output);
    }

    [Fact]
    public async Task Explain_with_another_campaign_file_judges_by_that_file()
    {
        var root = JsonNode.Parse(File.ReadAllText(Repo("data", "campaigns", "mynapoint.json")))!.AsObject();
        root["amendments"]!.AsArray().RemoveAt(2);
        var campaign = Write("no-final-extension.json", root.ToJsonString());

        var (code, output) = await CliRun.RunAsync("rules", "explain", Repo("data", "cases", "closed-service.json"), "--campaign", campaign);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("mynapoint-phase2 v3", output);
        Assert.Contains("card-acquisition: eligibility.window-closed", output);
        Assert.DoesNotContain("eligibility.service-closed", output);
    }

    [Fact]
    public async Task Explain_of_the_closed_service_case_reports_the_service_closing()
    {
        var (code, output) = await CliRun.RunAsync("rules", "explain", Repo("data", "cases", "closed-service.json"), "--lang", "zh");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("demo-transit (last day 2023-05-31)", output);
        Assert.Contains("card-acquisition: eligibility.service-closed", output);
        Assert.Contains("所选支付服务的受理已经结束", output);
    }

    [Fact]
    public async Task Explain_of_an_invalid_case_names_each_bad_field()
    {
        var path = Write("case.json", """{ "instant": "2023-02-28", "person": { "phase1": { "received": -1 } }, "grants": { "bonus": 1 }, "proposedGrant": 5 }""");

        var (code, output) = await CliRun.RunAsync("rules", "explain", path);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("instant: '2023-02-28' is not an instant with an offset", output);
        Assert.Contains("person.phase1.received: expected a whole-yen amount", output);
        Assert.Contains("person.phase1.appliedAt: required", output);
        Assert.Contains("grants.bonus: not a program", output);
        Assert.Contains("proposedGrant: expected an object", output);
    }

    [Fact]
    public async Task Explain_of_a_missing_case_file_fails_readably()
    {
        var (code, output) = await CliRun.RunAsync("rules", "explain", Path.Combine(_temp.FullName, "absent.json"));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("case file not found", output);
    }
}

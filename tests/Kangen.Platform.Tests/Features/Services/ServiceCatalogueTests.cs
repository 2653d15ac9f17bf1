using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kangen.Platform.Features.Services;
using Kangen.Rules;
using Kangen.Protocol;

namespace Kangen.Platform.Tests.Features.Services;

public class ServiceCatalogueTests
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.LoadDefault();

    [Fact]
    public void The_embedded_catalogue_holds_about_ninety_services_with_unique_codes_under_about_thirty_five_operators()
    {
        Assert.InRange(Catalogue.All.Count, 85, 110);
        Assert.Equal(Catalogue.All.Count, Catalogue.All.Select(s => s.Code.Value).Distinct().Count());
        Assert.InRange(Catalogue.All.Select(s => s.Operator).Distinct().Count(), 30, 45);
        Assert.Contains(Catalogue.All.GroupBy(s => s.Operator), g => g.Count() >= 3);
        foreach (var kind in ServiceKinds.All)
            Assert.Contains(Catalogue.All, s => s.Kind == kind);
        Assert.Contains(Catalogue.All, s => s.Programs.SequenceEqual([ProgramKind.CardAcquisition]));
        Assert.True(Catalogue.All.Count(s => s.Programs.Count == 3) > Catalogue.All.Count / 2);
        Assert.Contains(Catalogue.All, s => s.Bonus is not null);
        Assert.Contains(Catalogue.All, s => s.Terms.Count == 3);
    }

    [Fact]
    public void Every_service_has_exactly_one_account_id_field_a_secret_and_patterns_that_compile()
    {
        foreach (var service in Catalogue.All)
        {
            Assert.Single(service.Fields, f => f.IsAccountId);
            Assert.False(service.AccountIdField.Secret);
            Assert.Contains(service.Fields, f => f.Secret);
            Assert.All(service.Fields, f =>
            {
                _ = new Regex(f.Pattern);
                Assert.StartsWith("^", f.Pattern);
                Assert.EndsWith("$", f.Pattern);
                Assert.InRange(f.MinLength, 1, f.MaxLength);
                Assert.False(string.IsNullOrWhiteSpace(f.Label.Ja + f.Label.Zh + f.Label.En));
                if (f.Secret)
                    Assert.Equal(FieldMasks.Hidden, f.Mask);
            });
            Assert.InRange(service.Terms.Count, 1, 3);
            Assert.Equal(service.Terms.OrderBy(t => t.Effective), service.Terms);
        }
    }

    [Fact]
    public void The_campaign_services_are_there_with_their_shapes_and_last_days()
    {
        var pay = Catalogue.Find("demo-pay")!;
        Assert.Equal(ServiceKind.QrApp, pay.Kind);
        Assert.Contains(pay.Fields, f => f.Name == "securityCode1" && f.Secret);

        var card = Catalogue.Find("demo-card")!;
        Assert.Equal(ServiceKind.Credit, card.Kind);
        Assert.Equal(new DateOnly(2022, 12, 31), card.LastDay);
        Assert.Equal(CheckDigitKind.Luhn, card.AccountIdField.CheckDigit);

        var transit = Catalogue.Find("demo-transit")!;
        Assert.Equal(ServiceKind.Prepaid, transit.Kind);
        Assert.Equal(new DateOnly(2023, 5, 31), transit.LastDay);
        Assert.Equal((17, 17), (transit.AccountIdField.MinLength, transit.AccountIdField.MaxLength));
        Assert.Matches(transit.AccountIdField.Pattern, "JW123456789012345");

        var ecash = Catalogue.Find("demo-ecash")!;
        Assert.Equal(ServiceKind.Prepaid, ecash.Kind);
        Assert.Equal(16, ecash.AccountIdField.MaxLength);
        Assert.Equal(FieldNormalisation.Digits, ecash.AccountIdField.Normalisation);
        Assert.Contains(ecash.Fields, f => f.Secret && !f.IsAccountId);
    }

    [Fact]
    public void The_campaign_file_closings_match_the_catalogue_last_days()
    {
        var campaign = JsonNode.Parse(File.ReadAllText(RepoFile("data/campaigns/mynapoint.json")))!;
        var closings = new List<KeyValuePair<string, JsonNode?>>(campaign["serviceClosings"]!.AsObject());
        foreach (var amendment in campaign["amendments"]!.AsArray())
        {
            if (amendment!["serviceClosings"] is JsonObject more)
                closings.AddRange(more);
        }
        Assert.Equal(2, closings.Count);
        foreach (var (code, date) in closings)
            Assert.Equal(DateOnly.Parse(date!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), Catalogue.Find(code)!.LastDay);
    }

    [Fact]
    public void Find_returns_null_for_unknown_malformed_and_null_codes()
    {
        Assert.Null(Catalogue.Find("no-such-service"));
        Assert.Null(Catalogue.Find("Demo-Pay"));
        Assert.Null(Catalogue.Find(null));
    }

    [Fact]
    public void Terms_in_force_are_the_latest_effective_on_the_date_else_the_first()
    {
        var service = Catalogue.All.First(s => s.Terms.Count == 3);
        var (first, second, third) = (service.Terms[0], service.Terms[1], service.Terms[2]);
        Assert.Same(first, service.TermsAt(first.Effective.AddDays(-100)));
        Assert.Same(first, service.TermsAt(first.Effective));
        Assert.Same(first, service.TermsAt(second.Effective.AddDays(-1)));
        Assert.Same(second, service.TermsAt(second.Effective));
        Assert.Same(third, service.TermsAt(third.Effective.AddYears(3)));
        Assert.Same(second, service.FindTerms(second.Version));
        Assert.Null(service.FindTerms("1999-01"));
    }

    [Fact]
    public void Shifting_moves_every_date_and_nothing_else()
    {
        var shifted = Catalogue.ShiftedBy(1000);
        Assert.Equal(Catalogue.All.Count, shifted.All.Count);
        foreach (var (before, after) in Catalogue.All.Zip(shifted.All))
        {
            Assert.Equal(before.Code, after.Code);
            Assert.Equal(before.LastDay?.AddDays(1000), after.LastDay);
            Assert.Equal(before.Terms.Select(t => t.Effective.AddDays(1000)), after.Terms.Select(t => t.Effective));
            Assert.Equal(before.Terms.Select(t => t.Version), after.Terms.Select(t => t.Version));
            Assert.Same(before.Fields, after.Fields);
        }
        Assert.Equal(new DateOnly(2022, 12, 31).AddDays(1000), shifted.Find("demo-card")!.LastDay);
        Assert.Equal(new DateOnly(2022, 12, 31), Catalogue.Find("demo-card")!.LastDay);
    }

    [Theory]
    [InlineData("デモペイ", "demo-pay")]
    [InlineData("演示支付", "demo-pay")]
    [InlineData("DEMO PAY", "demo-pay")]
    [InlineData("ｄｅｍｏ　ｐａｙ", "demo-pay")]
    [InlineData("demo-transit", "demo-transit")]
    [InlineData("デモ鉄道", "demo-transit")]
    [InlineData("Demo Railway", "demo-transit")]
    public void Search_finds_a_service_by_code_name_or_operator_in_any_language_case_and_width(string text, string code)
    {
        Assert.Contains(Catalogue.Search(text, null, null), s => s.Code.Value == code);
    }

    [Fact]
    public void Search_filters_by_kind_and_program_and_text_together()
    {
        var credit = Catalogue.Search(null, ServiceKind.Credit, null);
        Assert.NotEmpty(credit);
        Assert.All(credit, s => Assert.Equal(ServiceKind.Credit, s.Kind));
        Assert.Equal(Catalogue.All.Count(s => s.Kind == ServiceKind.Credit), credit.Count);

        var health = Catalogue.Search("", null, ProgramKind.HealthInsurance);
        Assert.All(health, s => Assert.Contains(ProgramKind.HealthInsurance, s.Programs));
        Assert.DoesNotContain(health, s => s.Code.Value == "demo-card");
        Assert.True(health.Count < Catalogue.All.Count);

        var demoCredit = Catalogue.Search("demo", ServiceKind.Credit, ProgramKind.CardAcquisition);
        Assert.Equal(["demo-card"], demoCredit.Select(s => s.Code.Value));
        Assert.Empty(Catalogue.Search("zzz-nothing", null, null));
        Assert.Equal(Catalogue.All, Catalogue.Search("  ", null, null));
    }

    [Fact]
    public void A_catalogue_file_loads_from_a_path()
    {
        var path = WriteTemp(File.ReadAllText(RepoFile("data/services/catalogue.json")));
        var loaded = ServiceCatalogue.Load(path);
        Assert.Equal(Catalogue.All.Select(s => s.Code), loaded.All.Select(s => s.Code));
    }

    [Fact]
    public void A_malformed_catalogue_is_refused_with_every_problem_listed()
    {
        var root = JsonNode.Parse(File.ReadAllText(RepoFile("data/services/catalogue.json")))!;
        var services = root["services"]!.AsArray();
        services[1]!["code"] = "Bad Code";
        services[2]!["kind"] = "cheque";
        services[3]!["operator"] = "nobody";
        services[4]!["fields"]![0]!["pattern"] = "^[0-9{16}$";
        services[5]!["fields"]![0]!["accountId"] = false;
        services[6]!["programs"] = new JsonArray("card-acquisition", "lottery");
        services[7]!["terms"]![0]!["effective"] = "2022-02-30";
        services[8]!["fields"]![1]!["checkDigit"] = "mod97";
        services[9]!["code"] = services[0]!["code"]!.GetValue<string>();
        services[10]!["colour"] = "red";
        services[11]!["fields"]![1]!["mask"] = "last4";
        services[12]!["fields"]![0]!["pattern"] = "^(?=.*[0-9])[A-Za-z0-9]{8,32}$";

        var error = Assert.Throws<InvalidOperationException>(() => ServiceCatalogue.Load(WriteTemp(root.ToJsonString())));

        Assert.Contains("12 problem(s)", error.Message);
        Assert.Contains("$.services[1].code: 'Bad Code' is not a service code", error.Message);
        Assert.Contains("$.services[2].kind: 'cheque'", error.Message);
        Assert.Contains("$.services[3].operator: no operator 'nobody'", error.Message);
        Assert.Contains("$.services[4].fields[0].pattern: does not compile", error.Message);
        Assert.Contains("$.services[5].fields: exactly one field must be the account ID", error.Message);
        Assert.Contains("$.services[6].programs[1]", error.Message);
        Assert.Contains("$.services[7].terms[0].effective: '2022-02-30' is not a date", error.Message);
        Assert.Contains("$.services[8].fields[1].checkDigit: 'mod97'", error.Message);
        Assert.Contains("$.services[9].code: service 'demo-pay' appears twice", error.Message);
        Assert.Contains("$.services[10].colour: unknown property", error.Message);
        Assert.Contains("$.services[11].fields[1].mask: a secret field is never shown back", error.Message);
        Assert.Contains("$.services[12].fields[0].pattern: cannot be matched without backtracking", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_json_or_not_there_is_refused_with_its_path()
    {
        var broken = WriteTemp("{ \"services\": [");
        Assert.Contains(broken, Assert.Throws<InvalidOperationException>(() => ServiceCatalogue.Load(broken)).Message);
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".json");
        Assert.Contains("does not exist", Assert.Throws<InvalidOperationException>(() => ServiceCatalogue.Load(missing)).Message);
        var empty = WriteTemp("{ \"schemaVersion\": 2, \"operators\": [], \"services\": [] }");
        var message = Assert.Throws<InvalidOperationException>(() => ServiceCatalogue.Load(empty)).Message;
        Assert.Contains("$.schemaVersion: must be 1", message);
    }

    [Fact]
    public void LocalizedText_picks_the_language_and_defaults_to_japanese()
    {
        var text = new LocalizedText("日本語", "中文", "English");
        Assert.Equal("日本語", text.For(null));
        Assert.Equal("日本語", text.For("ja"));
        Assert.Equal("日本語", text.For("fr"));
        Assert.Equal("中文", text.For("zh-CN"));
        Assert.Equal("English", text.For("EN"));
    }

    internal static string RepoFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kangen.slnx")))
            dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), relative);
    }

    private static string WriteTemp(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), "kangen-catalogue-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, text);
        return path;
    }
}

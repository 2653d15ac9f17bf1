using System.Net;
using System.Text.Json;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Tests.Platform;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Services;

/// <summary>
/// The three catalogue endpoints over HTTP. They never touch the database, but they run in the full platform on
/// both providers like every other API suite, so a provider-specific start-up or middleware difference shows here too.
/// </summary>
public abstract class ServicesApiTests<TFixture>(TFixture fixture) where TFixture : PlatformFixture
{
    protected TFixture Fixture { get; } = fixture;

    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.LoadDefault();

    private DateOnly Today => ServicesEndpoints.Today(Fixture.Time);

    private async Task<Reply> GetAsync(string url)
    {
        using var client = Fixture.CreateClient();
        return await SendAsync(client, HttpMethod.Get, url);
    }

    [Fact]
    public async Task Searching_without_filters_lists_every_service_with_its_summary()
    {
        var reply = await GetAsync("/api/v1/services");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var services = reply.Body.GetProperty("services").EnumerateArray().ToArray();
        Assert.Equal(Catalogue.All.Count, reply.Body.GetProperty("count").GetInt32());
        Assert.Equal(Catalogue.All.Select(s => s.Code.Value), services.Select(s => s.GetProperty("code").GetString()));
        var card = services.Single(s => s.GetProperty("code").GetString() == "demo-card");
        Assert.Equal("デモカード", card.GetProperty("name").GetProperty("ja").GetString());
        Assert.Equal("Demo Card", card.GetProperty("name").GetProperty("en").GetString());
        Assert.Equal("credit", card.GetProperty("kind").GetString());
        Assert.Equal("demo-credit", card.GetProperty("operator").GetString());
        Assert.False(string.IsNullOrEmpty(card.GetProperty("operatorName").GetProperty("zh").GetString()));
        Assert.Equal(["card-acquisition"], card.GetProperty("programs").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("2022-12-31", card.GetProperty("lastDay").GetString());
        Assert.Equal(Catalogue.Find("demo-card")!.TermsAt(Today).Version, card.GetProperty("currentTerms").GetString());
        Assert.False(card.TryGetProperty("fields", out _));
        var withBonus = services.First(s => s.GetProperty("bonus").ValueKind == JsonValueKind.Object).GetProperty("bonus");
        Assert.False(string.IsNullOrEmpty(withBonus.GetProperty("description").GetProperty("en").GetString()));
    }

    [Fact]
    public async Task Search_filters_by_text_kind_and_program()
    {
        var reply = await GetAsync("/api/v1/services?q=" + Uri.EscapeDataString("ＤＥＭＯ") + "&kind=credit&program=card-acquisition");
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(["demo-card"], reply.Body.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("code").GetString()));

        var byName = await GetAsync("/api/v1/services?q=" + Uri.EscapeDataString("演示支付"));
        Assert.Contains(byName.Body.GetProperty("services").EnumerateArray(), s => s.GetProperty("code").GetString() == "demo-pay");

        var health = await GetAsync("/api/v1/services?program=health-insurance");
        var codes = health.Body.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("code").GetString()).ToArray();
        Assert.Equal(Catalogue.Search(null, null, Kangen.Rules.ProgramKind.HealthInsurance).Select(s => s.Code.Value), codes);
    }

    [Theory]
    [InlineData("kind=cheque", "kind")]
    [InlineData("program=lottery", "program")]
    [InlineData("kind=Credit&program=card-acquisition", "kind")]
    public async Task An_unknown_kind_or_program_is_a_bad_query(string query, string field)
    {
        var reply = await GetAsync("/api/v1/services?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
        Assert.Equal("service.query-invalid", reply.Code);
        Assert.True(reply.Body.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task A_service_shows_its_fields_terms_and_everything_else()
    {
        var transit = Catalogue.Find("demo-transit")!;

        var reply = await GetAsync("/api/v1/services/demo-transit");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var body = reply.Body;
        Assert.Equal("demo-transit", body.GetProperty("code").GetString());
        Assert.Equal("prepaid", body.GetProperty("kind").GetString());
        Assert.Equal("2023-05-31", body.GetProperty("lastDay").GetString());
        Assert.Equal(transit.GrantTiming, body.GetProperty("grantTiming").GetString());
        Assert.Equal(transit.Rounding, body.GetProperty("rounding").GetString());
        var fields = body.GetProperty("fields").EnumerateArray().ToArray();
        Assert.Equal(transit.Fields.Select(f => f.Name), fields.Select(f => f.GetProperty("name").GetString()));
        var cardId = fields[0];
        Assert.Equal(transit.AccountIdField.Pattern, cardId.GetProperty("pattern").GetString());
        Assert.Equal(17, cardId.GetProperty("minLength").GetInt32());
        Assert.Equal(17, cardId.GetProperty("maxLength").GetInt32());
        Assert.Equal("none", cardId.GetProperty("checkDigit").GetString());
        Assert.True(cardId.GetProperty("isAccountId").GetBoolean());
        Assert.False(cardId.GetProperty("secret").GetBoolean());
        Assert.Equal(transit.AccountIdField.Label.Zh, cardId.GetProperty("label").GetProperty("zh").GetString());
        Assert.False(string.IsNullOrEmpty(cardId.GetProperty("hint").GetProperty("en").GetString()));
        Assert.Contains(fields, f => f.GetProperty("secret").GetBoolean());
        Assert.Equal(transit.Terms.Select(t => t.Version), body.GetProperty("terms").EnumerateArray().Select(t => t.GetProperty("version").GetString()));
        Assert.Equal(transit.TermsAt(Today).Version, body.GetProperty("currentTerms").GetProperty("version").GetString());
    }

    [Fact]
    public async Task A_card_service_says_its_account_id_has_a_luhn_check_digit()
    {
        var reply = await GetAsync("/api/v1/services/demo-card");
        var cardNumber = reply.Body.GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("isAccountId").GetBoolean());
        Assert.Equal("luhn", cardNumber.GetProperty("checkDigit").GetString());
    }

    [Fact]
    public async Task One_version_of_the_terms_is_served_and_an_unknown_one_is_not_found()
    {
        var service = Catalogue.All.First(s => s.Terms.Count >= 2);
        var version = service.Terms[1];

        var reply = await GetAsync($"/api/v1/services/{service.Code}/terms/{version.Version}");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(version.Version, reply.Text("version"));
        Assert.Equal(version.Effective.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), reply.Text("effective"));
        Assert.Equal(version.Summary.Ja, reply.Body.GetProperty("summary").GetProperty("ja").GetString());

        var missing = await GetAsync($"/api/v1/services/{service.Code}/terms/1999-01");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("service.terms-not-found", missing.Code);
    }

    [Theory]
    [InlineData("/api/v1/services/no-such-service")]
    [InlineData("/api/v1/services/DEMO-PAY")]
    [InlineData("/api/v1/services/no-such-service/terms/2022-01")]
    public async Task An_unknown_service_is_not_found_with_a_problem(string url)
    {
        var reply = await GetAsync(url);

        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
        Assert.Equal("service.not-found", reply.Code);
        var problem = reply.Body.GetProperty("problems")[0];
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("ja").GetString()));
    }

    [Fact]
    public async Task The_openapi_document_lists_the_three_routes_as_anonymous_under_services()
    {
        using var client = Fixture.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/services", "/api/v1/services/{code}", "/api/v1/services/{code}/terms/{version}" })
        {
            Assert.True(paths.TryGetProperty(path, out var item), path);
            var get = item.GetProperty("get");
            Assert.False(get.TryGetProperty("security", out _), path);
            Assert.Equal("Services", get.GetProperty("tags")[0].GetString());
            Assert.False(string.IsNullOrEmpty(get.GetProperty("summary").GetString()));
        }
    }

    [Fact]
    public async Task The_current_terms_follow_the_platform_clock_in_japan_time()
    {
        // The fixture's clock stands in 2026, after every version took effect: the latest is current.
        var service = Catalogue.All.First(s => s.Terms.Count == 3);
        var reply = await GetAsync("/api/v1/services/" + service.Code);
        Assert.Equal(service.Terms[^1].Version, reply.Body.GetProperty("currentTerms").GetProperty("version").GetString());
        Assert.True(Today > service.Terms[^1].Effective);
    }
}

public sealed class SqliteServicesApiTests(SqlitePlatformFixture fixture)
    : ServicesApiTests<SqlitePlatformFixture>(fixture), IClassFixture<SqlitePlatformFixture>;

public sealed class PostgresServicesApiTests(PostgresPlatformFixture fixture)
    : ServicesApiTests<PostgresPlatformFixture>(fixture), IClassFixture<PostgresPlatformFixture>;

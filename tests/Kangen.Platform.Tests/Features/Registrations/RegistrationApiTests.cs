using System.Net;
using System.Text;
using System.Text.Json;
using Kangen.Platform.Features.Registrations;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Registrations;

/// <summary>Flow 4 over HTTP: health-insurance and public-fund account registrations; run on SQLite and on PostgreSQL.</summary>
public abstract class RegistrationApiTests<TFixture>(TFixture fixture) where TFixture : PlatformFixture
{
    private const string HealthUrl = "/api/v1/me/registrations/health-insurance";
    private const string AccountUrl = "/api/v1/me/registrations/public-fund-account";
    private const string ListUrl = "/api/v1/me/registrations";

    protected TFixture Fixture { get; } = fixture;

    private static object Account(string number = "7654321", string holder = "ヤマダ タロウ", string bank = "0005", string branch = "001", string type = "ordinary") =>
        new { bankCode = bank, branchCode = branch, accountType = type, accountNumber = number, holderName = holder };

    private static object Health(string insurer = "01130012", string? symbol = "4321", string number = "918273", string? branchNumber = "01") =>
        new { insurerNumber = insurer, symbol, number, branchNumber };

    [Fact]
    public async Task Both_registrations_are_recorded_and_shown_back_masked()
    {
        using var client = Fixture.CreateClient();
        var (token, myKeyId) = await LoginOkAsync(client, Fixture.IssueCard());
        var before = await CountAsync();

        var health = await SendAsync(client, HttpMethod.Put, HealthUrl, Health(), token);
        var account = await SendAsync(client, HttpMethod.Put, AccountUrl, Account(), token);

        Assert.Equal(HttpStatusCode.Created, health.Status);
        Assert.Equal(HttpStatusCode.Created, account.Status);
        Assert.Equal("public-fund-account", account.Text("kind"));
        Assert.Equal("三菱ＵＦＪ 本店 (0005-001) 普通 ****321", account.Text("summary"));
        Assert.Equal("web", account.Text("channel"));
        Assert.Equal(before with { Registrations = before.Registrations + 2, Audit = before.Audit + 2 }, await CountAsync());

        var list = await SendAsync(client, HttpMethod.Get, ListUrl, token: token);
        Assert.Equal(HttpStatusCode.OK, list.Status);
        var shown = list.Body.GetProperty("healthInsurance");
        Assert.Equal("health-insurance", shown.GetProperty("kind").GetString());
        Assert.Contains("01130012", shown.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Contains("****73", shown.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal(Fixture.Time.GetUtcNow(), shown.GetProperty("registeredAt").GetDateTimeOffset());
        Assert.Equal("三菱ＵＦＪ 本店 (0005-001) 普通 ****321", list.Body.GetProperty("publicFundAccount").GetProperty("summary").GetString());
        Assert.DoesNotContain("sealed", list.Body.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("fingerprint", list.Body.ToString(), StringComparison.OrdinalIgnoreCase);

        await using var db = Fixture.NewContext();
        var personId = await PersonIdAsync(db, myKeyId);
        var audit = await db.AuditLog.Where(a => a.Actor == "person:" + personId && a.Action == "registration.registered").ToListAsync();
        Assert.Equal(2, audit.Count);
    }

    [Fact]
    public async Task The_facts_of_many_people_at_once_are_each_ones_facts_and_an_unknown_person_has_none()
    {
        using var client = Fixture.CreateClient();
        var (both, bothKey) = await LoginOkAsync(client, Fixture.IssueCard());
        var (healthOnly, healthKey) = await LoginOkAsync(client, Fixture.IssueCard());
        var (_, noneKey) = await LoginOkAsync(client, Fixture.IssueCard());
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Put, HealthUrl, Health(), both)).Status);
        Fixture.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Put, AccountUrl, Account(), both)).Status);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Put, HealthUrl, Health(number: "918274"), healthOnly)).Status);
        await using var db = Fixture.NewContext();
        Guid[] people = [await PersonIdAsync(db, bothKey), await PersonIdAsync(db, healthKey), await PersonIdAsync(db, noneKey), Guid.CreateVersion7()];

        await using var scope = Fixture.Factory.Services.CreateAsyncScope();
        IRegistrationRegistry registry = scope.ServiceProvider.GetRequiredService<IRegistrationRegistry>();
        var together = await registry.GetFactsAsync(people, CancellationToken.None);

        Assert.Equal(people.Length, together.Count);
        foreach (var person in people)
            Assert.Equal(await registry.GetFactsAsync(person, CancellationToken.None), together[person]);
        Assert.NotNull(together[people[0]].PublicFundAccountRegisteredAt);
        Assert.NotNull(together[people[1]].HealthInsuranceRegisteredAt);
        Assert.Null(together[people[1]].PublicFundAccountRegisteredAt);
        Assert.Equal(new RegistrationFacts(null, null), together[people[3]]);
    }

    [Fact]
    public async Task A_person_without_registrations_sees_neither_and_a_request_without_a_session_is_refused()
    {
        using var client = Fixture.CreateClient();
        var (token, _) = await LoginOkAsync(client, Fixture.IssueCard());

        var list = await SendAsync(client, HttpMethod.Get, ListUrl, token: token);
        var anonymous = await SendAsync(client, HttpMethod.Put, AccountUrl, Account());

        Assert.Equal(JsonValueKind.Null, list.Body.GetProperty("healthInsurance").ValueKind);
        Assert.Equal(JsonValueKind.Null, list.Body.GetProperty("publicFundAccount").ValueKind);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Equal("auth.session-required", anonymous.Code);
    }

    [Fact]
    public async Task A_replacement_keeps_the_first_registration_instant()
    {
        using var client = Fixture.CreateClient();
        var (token, _) = await LoginOkAsync(client, Fixture.IssueCard());
        var first = await SendAsync(client, HttpMethod.Put, AccountUrl, Account(), token);
        var registeredAt = first.Body.GetProperty("registeredAt").GetDateTimeOffset();
        Fixture.Time.Advance(TimeSpan.FromMinutes(3));
        var before = await CountAsync();

        var second = await SendAsync(client, HttpMethod.Put, AccountUrl, Account(number: "1111222", bank: "0009", branch: "001", type: "savings"), token);

        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(registeredAt, second.Body.GetProperty("registeredAt").GetDateTimeOffset());
        Assert.Equal(registeredAt.AddMinutes(3), second.Body.GetProperty("updatedAt").GetDateTimeOffset());
        Assert.Equal("三井住友 神保町 (0009-001) 貯蓄 ****222", second.Text("summary"));
        Assert.Equal(before with { Audit = before.Audit + 1 }, await CountAsync());
        var shown = (await SendAsync(client, HttpMethod.Get, ListUrl, token: token)).Body.GetProperty("publicFundAccount");
        Assert.Equal(registeredAt, shown.GetProperty("registeredAt").GetDateTimeOffset());
        Assert.Equal("三井住友 神保町 (0009-001) 貯蓄 ****222", shown.GetProperty("summary").GetString());
        await using var db = Fixture.NewContext();
        Assert.Equal("registration.replaced", (await db.AuditLog.OrderByDescending(a => a.Sequence).FirstAsync()).Action);
    }

    [Fact]
    public async Task The_same_details_typed_differently_are_the_same_registration_and_change_nothing()
    {
        using var client = Fixture.CreateClient();
        var (token, myKeyId) = await LoginOkAsync(client, Fixture.IssueCard());
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Put, AccountUrl, Account(number: "4567", holder: "ヤマダ　タロウ"), token)).Status);
        Fixture.Time.Advance(TimeSpan.FromMinutes(1));
        var before = await CountAsync();

        // Half-width kana, a half-width space, full-width digits and a zero-padded number: the same account.
        var again = await SendAsync(client, HttpMethod.Put, AccountUrl, Account(number: "０００４５６７", holder: "ﾔﾏﾀﾞ ﾀﾛｳ", type: "普通"), token);

        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(again.Body.GetProperty("registeredAt").GetDateTimeOffset(), again.Body.GetProperty("updatedAt").GetDateTimeOffset());
        Assert.Equal(before, await CountAsync());

        // What is sealed is the normalised form.
        await using var db = Fixture.NewContext();
        var personId = await PersonIdAsync(db, myKeyId);
        var row = await db.Registrations.SingleAsync(r => r.PersonId == personId && r.Kind == RegistrationKinds.PublicFundAccount);
        var box = Fixture.Factory.Services.GetRequiredService<SecretBox>();
        Assert.True(box.TryOpen(BuiltInRegistry.Purpose(RegistrationKinds.PublicFundAccount), row.Sealed, out var json));
        var details = JsonDocument.Parse(json).RootElement;
        Assert.Equal("ヤマダ　タロウ", details.GetProperty("holderName").GetString());
        Assert.Equal("0004567", details.GetProperty("accountNumber").GetString());
        Assert.False(box.TryOpen(BuiltInRegistry.Purpose(RegistrationKinds.HealthInsurance), row.Sealed, out _));
    }

    [Theory]
    [InlineData("やまだ　はなこ", "ヤマダ　ハナコ")]
    [InlineData("ｷｮｳｺ ｻﾄｰ", "キヨウコ　サト－")]
    [InlineData("ジョン・スミス", "ジヨン．スミス")]
    public async Task Holder_names_are_stored_in_the_banks_kana_form(string typed, string stored)
    {
        using var client = Fixture.CreateClient();
        var (token, myKeyId) = await LoginOkAsync(client, Fixture.IssueCard());

        var reply = await SendAsync(client, HttpMethod.Put, AccountUrl, Account(holder: typed), token);

        Assert.Equal(HttpStatusCode.Created, reply.Status);
        await using var db = Fixture.NewContext();
        var personId = await PersonIdAsync(db, myKeyId);
        var row = await db.Registrations.SingleAsync(r => r.PersonId == personId && r.Kind == RegistrationKinds.PublicFundAccount);
        var box = Fixture.Factory.Services.GetRequiredService<SecretBox>();
        Assert.True(box.TryOpen(BuiltInRegistry.Purpose(RegistrationKinds.PublicFundAccount), row.Sealed, out var json));
        Assert.Equal(stored, JsonDocument.Parse(json).RootElement.GetProperty("holderName").GetString());
    }

    [Fact]
    public async Task Every_bad_field_gets_its_error_and_nothing_is_written()
    {
        using var client = Fixture.CreateClient();
        var (token, _) = await LoginOkAsync(client, Fixture.IssueCard());
        var before = await CountAsync();

        var account = await SendAsync(client, HttpMethod.Put, AccountUrl,
            new { bankCode = "05", branchCode = "1", accountType = "checking", accountNumber = "12345678", holderName = "山田 太郎" }, token);
        var health = await SendAsync(client, HttpMethod.Put, HealthUrl,
            new { insurerNumber = "0113001", symbol = new string('1', 21), number = "", branchNumber = "1" }, token);

        Assert.Equal(HttpStatusCode.BadRequest, account.Status);
        Assert.Equal("application/problem+json", account.ContentType);
        var errors = account.Body.GetProperty("errors");
        Assert.Equal(["accountNumber", "accountType", "bankCode", "branchCode", "holderName"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(5, account.Body.GetProperty("problems").GetArrayLength());
        Assert.All(account.Body.GetProperty("problems").EnumerateArray(), p => Assert.False(string.IsNullOrEmpty(p.GetProperty("zh").GetString())));
        Assert.DoesNotContain("山田", account.Body.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, health.Status);
        Assert.Equal(["branchNumber", "insurerNumber", "number", "symbol"], health.Body.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(before, await CountAsync());
    }

    [Theory]
    [InlineData("0002", "001", "registration.bank-unknown", "bankCode")]
    [InlineData("0005", "999", "registration.branch-unknown", "branchCode")]
    public async Task Banks_and_branches_must_be_in_the_bank_code_list(string bank, string branch, string code, string field)
    {
        using var client = Fixture.CreateClient();
        var (token, _) = await LoginOkAsync(client, Fixture.IssueCard());
        var before = await CountAsync();

        var reply = await SendAsync(client, HttpMethod.Put, AccountUrl, Account(bank: bank, branch: branch), token);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(code, reply.Code);
        Assert.True(reply.Body.GetProperty("errors").TryGetProperty(field, out _));
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_mistyped_insurer_number_is_refused_by_its_check_digit_and_nothing_is_written()
    {
        using var client = Fixture.CreateClient();
        var (token, _) = await LoginOkAsync(client, Fixture.IssueCard());
        var before = await CountAsync();

        var reply = await SendAsync(client, HttpMethod.Put, HealthUrl, Health(insurer: "01130013"), token);
        var national = await SendAsync(client, HttpMethod.Put, HealthUrl, Health(insurer: "１３００１３", symbol: null, branchNumber: null), token);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("registration.insurer-number-check-digit", reply.Code);
        Assert.True(reply.Body.GetProperty("errors").TryGetProperty("insurerNumber", out _));
        Assert.Equal(HttpStatusCode.Created, national.Status);
        Assert.Contains("130013", national.Text("summary"), StringComparison.Ordinal);
        Assert.Equal(before with { Registrations = before.Registrations + 1, Audit = before.Audit + 1 }, await CountAsync());
    }

    [Theory]
    [InlineData("{\"bankCode\":")]
    [InlineData("{\"accountNumber\":1234567}")]
    [InlineData("null")]
    public async Task A_malformed_body_is_refused_and_nothing_is_written(string json)
    {
        using var client = Fixture.CreateClient();
        var (token, _) = await LoginOkAsync(client, Fixture.IssueCard());
        var before = await CountAsync();

        var reply = await SendAsync(client, HttpMethod.Put, AccountUrl, token: token, rawJson: json);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("registration.request-invalid", reply.Code);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task At_a_procedure_spot_a_public_fund_account_is_refused_but_health_insurance_is_allowed()
    {
        using var client = Fixture.CreateClient();
        var token = await LoginAtSpotAsync(client, Fixture.IssueCard());
        var before = await CountAsync();

        var account = await SendAsync(client, HttpMethod.Put, AccountUrl, Account(), token);

        Assert.Equal(HttpStatusCode.Forbidden, account.Status);
        Assert.Equal("registration.not-at-spot", account.Code);
        Assert.Equal(before, await CountAsync());
        // Refused whatever the body: a spot gets no further, not even to field errors.
        Assert.Equal("registration.not-at-spot", (await SendAsync(client, HttpMethod.Put, AccountUrl, new { }, token)).Code);

        var health = await SendAsync(client, HttpMethod.Put, HealthUrl, Health(), token);
        Assert.Equal(HttpStatusCode.Created, health.Status);
        Assert.Equal("spot", health.Text("channel"));
    }

    [Fact]
    public async Task Neither_the_holder_name_nor_the_full_numbers_are_anywhere_in_the_database()
    {
        using var client = Fixture.CreateClient();
        var (token, _) = await LoginOkAsync(client, Fixture.IssueCard());
        const string number = "8642097";
        const string insured = "QX735119";
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Put, AccountUrl, Account(number: number, holder: "ｸﾛｻﾜ ｱｷﾗ"), token)).Status);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Put, HealthUrl, Health(symbol: "ZW5813", number: insured), token)).Status);
        Fixture.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Put, AccountUrl, Account(number: number, holder: "くろさわ　あきら", bank: "0001", branch: "004"), token)).Status);

        var text = await RawTextAsync("registrations") + "\n" + await RawTextAsync("audit_log");

        Assert.Contains("****097", text, StringComparison.Ordinal); // the reading works: the summaries are there
        foreach (var secret in new[] { number, insured, "ZW5813", "クロサワ", "ｸﾛｻﾜ", "くろさわ", "アキラ" })
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        // JSON in the audit data would escape kana: check the escaped form too.
        Assert.DoesNotContain("\\u30AF\\u30ED", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Concurrent_first_registrations_of_one_person_end_with_one_row()
    {
        using var client = Fixture.CreateClient();
        var (token, myKeyId) = await LoginOkAsync(client, Fixture.IssueCard());

        var replies = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            SendAsync(client, HttpMethod.Put, AccountUrl, Account(number: (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)), token)));

        Assert.All(replies, r => Assert.True(r.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"{r.Status} {r.Body}"));
        Assert.Single(replies, r => r.Status == HttpStatusCode.Created);
        Assert.Single(replies.Select(r => r.Body.GetProperty("registeredAt").GetDateTimeOffset()).Distinct());
        await using var db = Fixture.NewContext();
        var personId = await PersonIdAsync(db, myKeyId);
        Assert.Equal(1, await db.Registrations.CountAsync(r => r.PersonId == personId));
        var actions = await db.AuditLog.Where(a => a.Actor == "person:" + personId && a.Action.StartsWith("registration.")).Select(a => a.Action).ToListAsync();
        Assert.Equal(1, actions.Count(a => a == "registration.registered"));
        Assert.Equal(replies.Length - 1, actions.Count(a => a == "registration.replaced"));
    }

    [Fact]
    public async Task The_registry_gives_eligibility_the_first_instants()
    {
        using var client = Fixture.CreateClient();
        var (token, myKeyId) = await LoginOkAsync(client, Fixture.IssueCard());
        var healthAt = Fixture.Time.GetUtcNow();
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Put, HealthUrl, Health(), token)).Status);
        Fixture.Time.Advance(TimeSpan.FromMinutes(2));
        var accountAt = Fixture.Time.GetUtcNow();
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Put, AccountUrl, Account(), token)).Status);
        Fixture.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Put, HealthUrl, Health(number: "5"), token)).Status);

        Guid personId;
        await using (var db = Fixture.NewContext())
            personId = await PersonIdAsync(db, myKeyId);
        await using var scope = Fixture.Factory.Services.CreateAsyncScope();
        var registry = scope.ServiceProvider.GetRequiredService<IRegistrationRegistry>();

        Assert.Equal(new RegistrationFacts(healthAt, accountAt), await registry.GetFactsAsync(personId, CancellationToken.None));
        Assert.Equal(new RegistrationFacts(null, null), await registry.GetFactsAsync(Guid.NewGuid(), CancellationToken.None));
    }

    private async Task<string> LoginAtSpotAsync(HttpClient client, TestCard card)
    {
        var challenge = await ChallengeAsync(client);
        var reply = await SendAsync(client, HttpMethod.Post, "/api/v1/sessions", new
        {
            challenge,
            certificate = Convert.ToBase64String(card.Certificate()),
            signature = Convert.ToBase64String(card.Sign(Encoding.UTF8.GetBytes(challenge))),
            channel = "spot",
        });
        Assert.True(reply.Status == HttpStatusCode.Created, $"login failed: {reply.Status} {reply.Body}");
        return reply.Text("token");
    }

    private static Task<Guid> PersonIdAsync(Kangen.Platform.Storage.KangenDbContext db, string myKeyId) =>
        db.Persons.Where(p => p.MyKeyId == myKeyId).Select(p => p.Id).SingleAsync();

    /// <summary>Every column of every row of <paramref name="table"/>, as the database gives them back.</summary>
    private async Task<string> RawTextAsync(string table)
    {
        await using var db = Fixture.NewContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM " + table;
        await using var reader = await command.ExecuteReaderAsync();
        var text = new StringBuilder();
        while (await reader.ReadAsync())
        {
            for (var i = 0; i < reader.FieldCount; i++)
                text.Append(Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append('|');
            text.Append('\n');
        }
        return text.ToString();
    }

    private async Task<RegistrationCounts> CountAsync()
    {
        await using var db = Fixture.NewContext();
        return new RegistrationCounts(await db.Registrations.CountAsync(), await db.AuditLog.CountAsync());
    }

    private sealed record RegistrationCounts(int Registrations, int Audit);
}

public sealed class SqliteRegistrationApiTests(SqlitePlatformFixture fixture)
    : RegistrationApiTests<SqlitePlatformFixture>(fixture), IClassFixture<SqlitePlatformFixture>;

public sealed class PostgresRegistrationApiTests(PostgresPlatformFixture fixture)
    : RegistrationApiTests<PostgresPlatformFixture>(fixture), IClassFixture<PostgresPlatformFixture>;

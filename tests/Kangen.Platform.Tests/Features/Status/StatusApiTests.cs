using System.Net;
using System.Text.Json;
using Kangen.Platform.Tests.Features.Applications;
using Kangen.Platform.Tests.Platform;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Features.Status.StatusReplies;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Status;

/// <summary>
/// Flow 7 for the citizen over HTTP (<c>GET /api/v1/me/status</c>): per program applied or not, eligibility and what is
/// left to do, the children applied for, never an amount. Mid-campaign (anchor 2022-10-15), the clock does not move here;
/// run on SQLite and on PostgreSQL.
/// </summary>
public abstract class StatusApiTests<TFixture>(TFixture fixture) where TFixture : ApplyingFixture
{
    protected TFixture Fixture { get; } = fixture;

    private static readonly DateOnly ChildUnder15 = new(2016, 5, 5);

    [Fact]
    public async Task A_new_person_sees_three_programs_none_applied_with_part_1_to_apply_for_and_parts_2_and_3_to_register_first()
    {
        using var client = Fixture.CreateClient();
        var person = await SignInAsync(client, Fixture.IssueCard());

        var reply = await GetStatusAsync(client, person.Token);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("application/json", reply.ContentType);
        var me = reply.Body.GetProperty("me");
        Assert.Equal(person.MyKeyId, me.GetProperty("myKeyId").GetString());
        Assert.Equal(ApplicationDraft.DefaultCampaign, me.GetProperty("campaign").GetString());
        Assert.Equal(2, me.GetProperty("campaignVersion").GetInt32());
        Assert.Empty(reply.Body.GetProperty("children").EnumerateArray());
        var programs = me.GetProperty("programs").EnumerateArray().ToArray();
        Assert.Equal([Card, Health, PublicFund], programs.Select(p => p.GetProperty("program").GetString()));
        Assert.Equal([1, 2, 3], programs.Select(p => p.GetProperty("part").GetInt32()));
        var now = Fixture.Time.GetUtcNow();
        foreach (var program in programs)
        {
            Assert.False(program.GetProperty("applied").GetBoolean());
            Assert.Equal(JsonValueKind.Null, program.GetProperty("service").ValueKind);
            Assert.Equal(JsonValueKind.Null, program.GetProperty("appliedAt").ValueKind);
            Assert.Equal(JsonValueKind.Null, program.GetProperty("actor").ValueKind);
            Assert.True(program.GetProperty("opensAt").GetDateTimeOffset() <= now);
            Assert.True(program.GetProperty("closesAt").GetDateTimeOffset() > now);
            AssertThreeLanguages(program.GetProperty("toDo"));
        }

        Assert.True(programs[0].GetProperty("eligible").GetBoolean());
        Assert.Empty(programs[0].GetProperty("reasons").EnumerateArray());
        Assert.Equal("todo.apply", ToDo(programs[0]));
        foreach (var (program, todo) in new[] { (programs[1], "todo.register-health-insurance"), (programs[2], "todo.register-public-fund-account") })
        {
            Assert.False(program.GetProperty("eligible").GetBoolean());
            Assert.Equal(["eligibility.registration-missing"], Reasons(program));
            foreach (var reason in program.GetProperty("reasons").EnumerateArray())
                AssertThreeLanguages(reason);
            Assert.Equal(todo, ToDo(program));
        }
    }

    [Fact]
    public async Task Registering_turns_parts_2_and_3_into_programs_to_apply_for_one_at_a_time()
    {
        using var client = Fixture.CreateClient();
        var person = await SignInAsync(client, Fixture.IssueCard());

        await RegisterHealthInsuranceAsync(client, person.Token);
        var afterHealth = Programs(await GetStatusOkAsync(client, person.Token));
        await RegisterPublicFundAccountAsync(client, person.Token);
        var afterBoth = Programs(await GetStatusOkAsync(client, person.Token));

        Assert.Equal(["todo.apply", "todo.apply", "todo.register-public-fund-account"], afterHealth.Select(ToDo));
        Assert.True(afterHealth[1].GetProperty("eligible").GetBoolean());
        Assert.Empty(Reasons(afterHealth[1]));
        Assert.Equal(["todo.apply", "todo.apply", "todo.apply"], afterBoth.Select(ToDo));
        Assert.All(afterBoth, p => Assert.True(p.GetProperty("eligible").GetBoolean()));
        Assert.All(afterBoth, p => Assert.False(p.GetProperty("applied").GetBoolean()));
    }

    [Fact]
    public async Task After_applying_the_programs_show_the_service_in_three_languages_the_date_and_the_actor()
    {
        using var client = Fixture.CreateClient();
        var person = await SignInAsync(client, Fixture.IssueCard());
        await RegisterHealthInsuranceAsync(client, person.Token);
        var applied = await ApplySelfOkAsync(client, person, "demo-pay", Fixture.NewAccount("demo-pay"), Card, Health);

        var programs = Programs(await GetStatusOkAsync(client, person.Token));

        var service = Fixture.Service("demo-pay");
        foreach (var program in programs[..2])
        {
            Assert.True(program.GetProperty("applied").GetBoolean());
            var name = program.GetProperty("service");
            Assert.Equal("demo-pay", name.GetProperty("code").GetString());
            Assert.Equal(service.Name.Ja, name.GetProperty("ja").GetString());
            Assert.Equal(service.Name.Zh, name.GetProperty("zh").GetString());
            Assert.Equal(service.Name.En, name.GetProperty("en").GetString());
            Assert.Equal(applied.Body.GetProperty("recordedAt").GetDateTimeOffset(), program.GetProperty("appliedAt").GetDateTimeOffset());
            Assert.Equal(Fixture.Time.GetUtcNow(), program.GetProperty("appliedAt").GetDateTimeOffset());
            Assert.Equal("self", program.GetProperty("actor").GetString());
            Assert.Equal("todo.check-with-operator", ToDo(program));
        }
        // Part 3 is still open to the person, with the service the first application fixed.
        Assert.False(programs[2].GetProperty("applied").GetBoolean());
        Assert.Equal(JsonValueKind.Null, programs[2].GetProperty("service").ValueKind);
        Assert.Equal("todo.register-public-fund-account", ToDo(programs[2]));
    }

    [Fact]
    public async Task A_representative_sees_the_child_they_applied_for_and_the_child_sees_the_application_as_their_own()
    {
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        var childCard = Fixture.IssueCard(birthDate: ChildUnder15);
        var verified = await VerifyOkAsync(client, parent.Token, "demo-pay", Fixture.NewAccount("demo-pay"), forChild: true);
        var applied = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, childCard,
            Representative: parent.Card, AgeProof: childCard));
        Assert.True(applied.Status == HttpStatusCode.Created, $"{applied.Status} {applied.Raw}");
        var stranger = await SignInAsync(client, Fixture.IssueCard());

        var parentView = await GetStatusOkAsync(client, parent.Token);
        var strangerView = await GetStatusOkAsync(client, stranger.Token);
        var child = await SignInAsync(client, childCard);
        var childView = await GetStatusOkAsync(client, child.Token);

        // The parent's own programs are untouched: applying for a child is not applying for oneself.
        Assert.All(Programs(parentView), p => Assert.False(p.GetProperty("applied").GetBoolean()));
        var children = parentView.GetProperty("children").EnumerateArray().ToArray();
        var seen = Assert.Single(children);
        Assert.Equal(applied.Text("myKeyId"), seen.GetProperty("myKeyId").GetString());
        Assert.Equal(child.MyKeyId, seen.GetProperty("myKeyId").GetString());
        var part1 = seen.GetProperty("programs")[0];
        Assert.True(part1.GetProperty("applied").GetBoolean());
        Assert.Equal("legal-representative", part1.GetProperty("actor").GetString());
        Assert.Equal("demo-pay", part1.GetProperty("service").GetProperty("code").GetString());
        Assert.Equal("todo.check-with-operator", ToDo(part1));
        Assert.Empty(strangerView.GetProperty("children").EnumerateArray());
        Assert.Empty(childView.GetProperty("children").EnumerateArray());
        Assert.Equal(seen.GetProperty("programs").GetRawText(), childView.GetProperty("me").GetProperty("programs").GetRawText());
    }

    [Fact]
    public async Task The_status_never_carries_a_grant_amount()
    {
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        await RegisterHealthInsuranceAsync(client, parent.Token);
        await RegisterPublicFundAccountAsync(client, parent.Token);
        await ApplySelfOkAsync(client, parent, "demo-pay", Fixture.NewAccount("demo-pay"), Card, Health, PublicFund);
        var childCard = Fixture.IssueCard(birthDate: ChildUnder15);
        var verified = await VerifyOkAsync(client, parent.Token, "demo-pay", Fixture.NewAccount("demo-pay"), forChild: true);
        var forChild = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, childCard,
            Representative: parent.Card, AgeProof: childCard));
        Assert.Equal(HttpStatusCode.Created, forChild.Status);

        var status = await GetStatusOkAsync(client, parent.Token);

        Assert.Single(status.GetProperty("children").EnumerateArray());
        AssertNoAmounts(status);
    }

    [Fact]
    public async Task The_status_needs_a_session()
    {
        using var client = Fixture.CreateClient();
        var person = await SignInAsync(client, Fixture.IssueCard());

        var anonymous = await GetStatusAsync(client, null);
        var forged = await GetStatusAsync(client, "not-a-session-token");
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(client, HttpMethod.Delete, "/api/v1/sessions/current", token: person.Token)).Status);
        var ended = await GetStatusAsync(client, person.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Equal("application/problem+json", anonymous.ContentType);
        Assert.Equal("auth.session-required", anonymous.Code);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.Status);
        Assert.StartsWith("auth.session-", forged.Code, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, ended.Status);
        Assert.StartsWith("auth.session-", ended.Code, StringComparison.Ordinal);
    }

    private static void AssertThreeLanguages(JsonElement message)
    {
        foreach (var language in new[] { "ja", "zh", "en" })
            Assert.False(string.IsNullOrWhiteSpace(message.GetProperty(language).GetString()), $"{language} missing in {message}");
    }
}

public sealed class SqliteStatusApiTests(SqliteApplyingFixture fixture)
    : StatusApiTests<SqliteApplyingFixture>(fixture), IClassFixture<SqliteApplyingFixture>;

public sealed class PostgresStatusApiTests(PostgresApplyingFixture fixture)
    : StatusApiTests<PostgresApplyingFixture>(fixture), IClassFixture<PostgresApplyingFixture>;

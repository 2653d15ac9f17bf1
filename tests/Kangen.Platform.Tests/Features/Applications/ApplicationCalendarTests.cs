using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Applications;

/// <summary>
/// Applying against the campaign's calendar: each test moves the fake clock, so each runs on a platform of its own
/// (the fixture's clock starts at 12:00 Japan time of the anchor day). Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class ApplicationCalendarTests
{
    protected abstract StorageProvider Provider { get; }

    /// <summary>From 12:00 to 00:00 Japan time of the next day.</summary>
    private static readonly TimeSpan ToMidnight = TimeSpan.FromHours(12);

    [Fact]
    public async Task Applications_open_at_midnight_Japan_time_of_the_first_day()
    {
        await using var fixture = await ApplyingFixture.StartAsync(Provider, "2021-12-31");
        using var client = fixture.CreateClient();
        var card = fixture.IssueCard();
        var fields = fixture.NewAccount("demo-pay");
        var before = await fixture.CountApplicationsAsync();

        var early = await ApplySelfAsync(client, await SignInAsync(client, card), "demo-pay", fields, Card);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, early.Status);
        Assert.Equal("eligibility.window-not-open", early.Code);
        Assert.Equal(before.Submissions, (await fixture.CountApplicationsAsync()).Submissions);
        Assert.Equal(before.ServiceAccounts, (await fixture.CountApplicationsAsync()).ServiceAccounts);

        fixture.Time.Advance(ToMidnight);
        var onTime = await ApplySelfAsync(client, await SignInAsync(client, card), "demo-pay", fields, Card);

        Assert.Equal(HttpStatusCode.Created, onTime.Status);
    }

    [Fact]
    public async Task Parts_2_and_3_open_later_than_part_1()
    {
        await using var fixture = await ApplyingFixture.StartAsync(Provider, "2022-06-29");
        using var client = fixture.CreateClient();
        var applicant = await SignInAsync(client, fixture.IssueCard());
        await RegisterHealthInsuranceAsync(client, applicant.Token);
        var fields = fixture.NewAccount("demo-pay");

        var health = await ApplySelfAsync(client, applicant, "demo-pay", fields, Health);
        var card = await ApplySelfAsync(client, applicant, "demo-pay", fields, Card);

        Assert.Equal("eligibility.window-not-open", health.Code);
        Assert.Equal(HttpStatusCode.Created, card.Status);
    }

    [Fact]
    public async Task Applications_close_at_the_end_of_the_last_day()
    {
        await using var fixture = await ApplyingFixture.StartAsync(Provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var onLastDay = fixture.IssueCard();
        var tooLate = fixture.IssueCard();
        await SignInAsync(client, onLastDay);
        await SignInAsync(client, tooLate);

        // 2022-10-15 -> 2023-09-30, the last day after the amendments (campaign version 4).
        fixture.Time.Advance(TimeSpan.FromDays(350));
        var accepted = await ApplySelfAsync(client, await SignInAsync(client, onLastDay), "demo-pay", fixture.NewAccount("demo-pay"), Card);
        fixture.Time.Advance(ToMidnight);
        var late = await SignInAsync(client, tooLate);
        var before = await fixture.CountApplicationsAsync();
        var refused = await ApplySelfAsync(client, late, "demo-pay", fixture.NewAccount("demo-pay"), Card);

        Assert.Equal(HttpStatusCode.Created, accepted.Status);
        Assert.Equal(4, accepted.Body.GetProperty("campaignVersion").GetInt32());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
        Assert.Equal("eligibility.window-closed", refused.Code);
        Assert.Equal(before, await fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_service_that_closes_early_takes_no_application_after_its_last_day()
    {
        await using var fixture = await ApplyingFixture.StartAsync(Provider, "2022-12-31");
        using var client = fixture.CreateClient();
        var first = await SignInAsync(client, fixture.IssueCard());
        var second = fixture.IssueCard();
        var lastDay = await ApplySelfAsync(client, first, "demo-card", fixture.NewAccount("demo-card"), Card);

        fixture.Time.Advance(ToMidnight);
        var applicant = await SignInAsync(client, second);
        var before = await fixture.CountApplicationsAsync();
        var closed = await ApplySelfAsync(client, applicant, "demo-card", fixture.NewAccount("demo-card"), Card);
        var nothing = await fixture.CountApplicationsAsync();
        var other = await ApplySelfAsync(client, applicant, "demo-pay", fixture.NewAccount("demo-pay"), Card);

        Assert.Equal(HttpStatusCode.Created, lastDay.Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, closed.Status);
        Assert.Equal("eligibility.service-closed", closed.Code);
        Assert.Equal(before, nothing);
        Assert.Equal(HttpStatusCode.Created, other.Status);
    }

    [Fact]
    public async Task A_service_whose_catalogue_entry_ends_early_takes_no_application_after_that_day()
    {
        // sakura-pay's own last day is 2023-02-28 in the services catalogue (the campaign file lists only demo-card); on
        // demo dates the catalogue moves with the campaign.
        await using var fixture = await ApplyingFixture.StartAsync(Provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var card = fixture.IssueCard();
        await SignInAsync(client, card);
        var shift = fixture.Factory.Services.GetRequiredService<Kangen.Platform.Features.Campaigns.CampaignProvider>().ShiftDays;
        Assert.Equal(new DateOnly(2023, 2, 28).AddDays(shift), fixture.Service("sakura-pay").LastDay);

        fixture.Time.Advance(TimeSpan.FromDays(137)); // 2023-03-01
        var applicant = await SignInAsync(client, card);
        var before = await fixture.CountApplicationsAsync();
        var reply = await ApplySelfAsync(client, applicant, "sakura-pay", fixture.NewAccount("sakura-pay"), Card);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("eligibility.service-closed", reply.Code);
        Assert.Equal(before, await fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_person_whose_card_was_issued_before_the_card_deadline_may_first_apply_after_it()
    {
        // The card is issued on 2022-10-15 of the campaign calendar; its holder first uses the platform on 2023-04-01,
        // after the card-application deadline (2023-02-28) but before the point deadline (2023-05-31 then).
        await using var fixture = await ApplyingFixture.StartAsync(Provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var card = fixture.IssueCard();

        fixture.Time.Advance(TimeSpan.FromDays(168));
        var reply = await ApplySelfAsync(client, await SignInAsync(client, card), "demo-pay", fixture.NewAccount("demo-pay"), Card);

        Assert.True(reply.Status == HttpStatusCode.Created, $"{reply.Status} {reply.Raw}");
    }

    [Fact]
    public async Task A_retry_with_the_same_key_after_verifying_the_account_again_replays_the_application()
    {
        // The answer was lost; the client comes back after the verification expired, verifies the same account again and
        // retries under the same Idempotency-Key: the same application, not a "different content".
        await using var fixture = await ApplyingFixture.StartAsync(Provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var card = fixture.IssueCard();
        var applicant = await SignInAsync(client, card);
        var fields = fixture.NewAccount("demo-pay");
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", fields);
        var key = Guid.NewGuid().ToString();
        var first = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, card, PhoneLast4: "5555"), key);
        Assert.Equal(HttpStatusCode.Created, first.Status);

        fixture.Time.Advance(TimeSpan.FromMinutes(30));
        var again = await VerifyOkAsync(client, (await SignInAsync(client, card)).Token, "demo-pay", fields);
        var before = await fixture.CountApplicationsAsync();
        var retried = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", again.TermsVersion, again.Verification, card, PhoneLast4: "5555"), key);
        var changed = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", again.TermsVersion, again.Verification, card, PhoneLast4: "6666"), key);

        Assert.Equal(HttpStatusCode.OK, retried.Status);
        Assert.Equal("true", retried.Headers["Idempotent-Replayed"]);
        Assert.Equal(first.Text("applicationId"), retried.Text("applicationId"));
        Assert.Equal("application.idempotency-key-reused", changed.Code);
        Assert.Equal(before, await fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task An_application_challenge_expires_after_two_minutes()
    {
        await using var fixture = await ApplyingFixture.StartAsync(Provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var applicant = await SignInAsync(client, fixture.IssueCard());
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", fixture.NewAccount("demo-pay"));
        var body = await SignApplicationAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card));

        fixture.Time.Advance(TimeSpan.FromSeconds(121));
        var before = await fixture.CountApplicationsAsync();
        var reply = await PostApplicationAsync(client, body);

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("auth.challenge-expired", reply.Code);
        Assert.Equal(before, await fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_verification_is_refused_once_20_minutes_have_passed()
    {
        await using var fixture = await ApplyingFixture.StartAsync(Provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var applicant = await SignInAsync(client, fixture.IssueCard());
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", fixture.NewAccount("demo-pay"));
        var draft = new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card);

        fixture.Time.Advance(TimeSpan.FromMinutes(20));
        var before = await fixture.CountApplicationsAsync();
        var reply = await ApplyAsync(client, draft);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("application.verification-expired", reply.Code);
        Assert.Equal(before, await fixture.CountApplicationsAsync());

        // Just before the expiry, the same verification was good.
        await using var other = await ApplyingFixture.StartAsync(Provider, ApplyingFixture.DefaultAnchor);
        using var otherClient = other.CreateClient();
        var person = await SignInAsync(otherClient, other.IssueCard());
        var fresh = await VerifyOkAsync(otherClient, person.Token, "demo-pay", other.NewAccount("demo-pay"));
        other.Time.Advance(TimeSpan.FromMinutes(19));
        Assert.Equal(HttpStatusCode.Created,
            (await ApplyAsync(otherClient, new ApplicationDraft([Card], "demo-pay", fresh.TermsVersion, fresh.Verification, person.Card))).Status);
    }
}

public sealed class SqliteApplicationCalendarTests : ApplicationCalendarTests
{
    protected override StorageProvider Provider => StorageProvider.Sqlite;
}

public sealed class PostgresApplicationCalendarTests : ApplicationCalendarTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}

using System.Net;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Platform.PlatformClient;
using Kangen.Protocol;

namespace Kangen.Platform.Tests.Features.Applications;

/// <summary>
/// The submission itself over HTTP: races, retries, replays, signatures and verification tokens; account verification's
/// field errors and operator answers. Run on SQLite and on PostgreSQL; the clock does not move here.
/// </summary>
public abstract class ApplicationSubmissionApiTests<TFixture>(TFixture fixture) where TFixture : ApplyingFixture
{
    protected TFixture Fixture { get; } = fixture;

    [Fact]
    public async Task Two_people_applying_with_one_account_at_the_same_time_one_wins_and_the_other_is_refused()
    {
        using var client = Fixture.CreateClient();
        var fields = Fixture.NewAccount("demo-pay");
        var first = await SignInAsync(client, Fixture.IssueCard());
        var second = await SignInAsync(client, Fixture.IssueCard());
        var bodies = new List<System.Text.Json.Nodes.JsonObject>();
        foreach (var applicant in new[] { first, second })
        {
            var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", fields);
            bodies.Add(await SignApplicationAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card)));
        }
        var before = await Fixture.CountApplicationsAsync();

        var replies = await Task.WhenAll(bodies.Select(body => PostApplicationAsync(client, body)));

        Assert.Single(replies, r => r.Status == HttpStatusCode.Created);
        var loser = Assert.Single(replies, r => r.Status != HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.Conflict, loser.Status);
        Assert.Equal("application.account-taken", loser.Code);
        var after = await Fixture.CountApplicationsAsync();
        Assert.Equal(before.Submissions + 1, after.Submissions);
        Assert.Equal(before.Applications + 1, after.Applications);
        Assert.Equal(before.Choices + 1, after.Choices);
        Assert.Equal(before.ServiceAccounts + 1, after.ServiceAccounts);
        await using var db = Fixture.NewContext();
        var winner = replies.Single(r => r.Status == HttpStatusCode.Created).Text("myKeyId");
        var winnerId = (await db.Persons.SingleAsync(p => p.MyKeyId == winner)).Id;
        var reference = await db.ApplicationSubmissions.Where(s => s.PersonId == winnerId).Select(s => s.AccountReference).SingleAsync();
        Assert.Equal(winnerId, (await db.ServiceAccounts.SingleAsync(a => a.Service == "demo-pay" && a.AccountReference == reference)).PersonId);
    }

    [Fact]
    public async Task One_person_applying_twice_in_parallel_gets_one_application()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var draft = new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card);
        // Two different challenges, so two different signatures: two submissions, not one retried.
        var bodies = new[] { await SignApplicationAsync(client, draft), await SignApplicationAsync(client, draft) };
        var before = await Fixture.CountApplicationsAsync();

        var replies = await Task.WhenAll(bodies.Select(body => PostApplicationAsync(client, body)));

        Assert.Single(replies, r => r.Status == HttpStatusCode.Created);
        var loser = Assert.Single(replies, r => r.Status != HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.Conflict, loser.Status);
        Assert.Equal("application.already-exists", loser.Code);
        var after = await Fixture.CountApplicationsAsync();
        Assert.Equal(before with
        {
            Submissions = before.Submissions + 1, Applications = before.Applications + 1, Choices = before.Choices + 1,
            ServiceAccounts = before.ServiceAccounts + 1, ConsumedChallenges = before.ConsumedChallenges + 1, Audit = before.Audit + 1,
        }, after);
    }

    [Fact]
    public async Task One_person_applying_for_two_programs_with_two_services_in_parallel_keeps_one_service()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        await RegisterHealthInsuranceAsync(client, applicant.Token);
        var pay = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var ecash = await VerifyOkAsync(client, applicant.Token, "demo-ecash", Fixture.NewAccount("demo-ecash"));
        var bodies = new[]
        {
            await SignApplicationAsync(client, new ApplicationDraft([Card], "demo-pay", pay.TermsVersion, pay.Verification, applicant.Card)),
            await SignApplicationAsync(client, new ApplicationDraft([Health], "demo-ecash", ecash.TermsVersion, ecash.Verification, applicant.Card)),
        };
        var before = await Fixture.CountApplicationsAsync();

        var replies = await Task.WhenAll(bodies.Select(body => PostApplicationAsync(client, body)));

        var winner = Assert.Single(replies, r => r.Status == HttpStatusCode.Created);
        var loser = Assert.Single(replies, r => r.Status != HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.Conflict, loser.Status);
        Assert.Equal("application.service-fixed", loser.Code);
        var after = await Fixture.CountApplicationsAsync();
        Assert.Equal(before.Submissions + 1, after.Submissions);
        Assert.Equal(before.Choices + 1, after.Choices);
        Assert.Equal(before.ServiceAccounts + 1, after.ServiceAccounts);
        await using var db = Fixture.NewContext();
        var person = (await db.Persons.SingleAsync(p => p.MyKeyId == applicant.MyKeyId)).Id;
        Assert.Equal(winner.Text("service"), (await db.CampaignChoices.SingleAsync(c => c.PersonId == person)).Service);
    }

    [Fact]
    public async Task An_idempotency_key_belongs_to_its_requester_only()
    {
        using var client = Fixture.CreateClient();
        var key = "shared-key-" + Guid.NewGuid().ToString("N");
        var replies = new List<Reply>();
        foreach (var card in new[] { Fixture.IssueCard(), Fixture.IssueCard() })
        {
            var applicant = await SignInAsync(client, card);
            var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
            replies.Add(await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card), key));
        }

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.NotEqual(replies[0].Text("applicationId"), replies[1].Text("applicationId"));
    }

    [Fact]
    public async Task Account_verifications_are_limited_per_person_and_hour()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        for (var i = 0; i < 30; i++)
            Assert.Equal(HttpStatusCode.OK, (await VerifyAccountAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"))).Status);

        var limited = await VerifyAccountAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var someoneElse = await VerifyAccountAsync(client, (await SignInAsync(client, Fixture.IssueCard())).Token, "demo-pay", Fixture.NewAccount("demo-pay"));

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.Equal("application.verify-rate-limited", limited.Code);
        Assert.True(int.Parse(limited.Headers["Retry-After"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(HttpStatusCode.OK, someoneElse.Status);
    }

    [Fact]
    public async Task Verifications_of_one_account_are_limited_whoever_asks()
    {
        using var client = Fixture.CreateClient();
        var people = new[] { await SignInAsync(client, Fixture.IssueCard()), await SignInAsync(client, Fixture.IssueCard()) };
        var fields = Fixture.NewAccount("demo-pay");
        // Cards taking turns on one account, as someone guessing its code would.
        for (var i = 0; i < 10; i++)
            Assert.Equal(HttpStatusCode.OK, (await VerifyAccountAsync(client, people[i % 2].Token, "demo-pay", fields)).Status);

        var limited = await VerifyAccountAsync(client, people[0].Token, "demo-pay", fields);
        var otherAccount = await VerifyAccountAsync(client, people[0].Token, "demo-pay", Fixture.NewAccount("demo-pay"));

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.Equal("application.verify-rate-limited", limited.Code);
        Assert.True(limited.Headers.ContainsKey("Retry-After"));
        Assert.Equal(HttpStatusCode.OK, otherAccount.Status);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_same_request_sent_twice_at_once_is_recorded_once_and_replayed_once(bool withKey)
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var body = await SignApplicationAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card));
        var key = withKey ? Guid.NewGuid().ToString() : null;
        var before = await Fixture.CountApplicationsAsync();

        // A double click: the very same body (same challenge, same signature) twice.
        var replies = await Task.WhenAll(PostApplicationAsync(client, body, key), PostApplicationAsync(client, body, key));

        var created = Assert.Single(replies, r => r.Status == HttpStatusCode.Created);
        var replayed = Assert.Single(replies, r => r.Status == HttpStatusCode.OK);
        Assert.Equal("true", replayed.Headers["Idempotent-Replayed"]);
        Assert.Equal(created.Text("applicationId"), replayed.Text("applicationId"));
        Assert.Equal(before with
        {
            Submissions = before.Submissions + 1, Applications = before.Applications + 1, Choices = before.Choices + 1,
            ServiceAccounts = before.ServiceAccounts + 1, ConsumedChallenges = before.ConsumedChallenges + 1, Audit = before.Audit + 1,
        }, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task The_same_request_retried_with_its_idempotency_key_replays_the_recorded_application()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var draft = new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card, PhoneLast4: "4321");
        var body = await SignApplicationAsync(client, draft);
        var key = Guid.NewGuid().ToString();
        var first = await PostApplicationAsync(client, body, key);
        Assert.Equal(HttpStatusCode.Created, first.Status);
        var before = await Fixture.CountApplicationsAsync();

        var retried = await PostApplicationAsync(client, body, key);
        // A client that lost the answer may also sign the same application again with a fresh challenge.
        var resigned = await PostApplicationAsync(client, await SignApplicationAsync(client, draft), key);

        foreach (var replay in new[] { retried, resigned })
        {
            Assert.Equal(HttpStatusCode.OK, replay.Status);
            Assert.Equal("true", replay.Headers["Idempotent-Replayed"]);
            Assert.Equal(first.Text("applicationId"), replay.Text("applicationId"));
            Assert.Equal(first.Text("myKeyId"), replay.Text("myKeyId"));
            Assert.Equal(first.Text("maskedAccountId"), replay.Text("maskedAccountId"));
            Assert.Equal(first.Text("statementHash"), replay.Text("statementHash"));
        }
        Assert.False(first.Headers.ContainsKey("Idempotent-Replayed"));
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task The_same_idempotency_key_with_another_content_is_refused()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        await RegisterHealthInsuranceAsync(client, applicant.Token);
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var draft = new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card);
        var key = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.Created, (await ApplyAsync(client, draft, key)).Status);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, draft with { Programs = [Health] }, key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("application.idempotency-key-reused", reply.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_challenge_used_once_cannot_be_used_again()
    {
        using var client = Fixture.CreateClient();
        var first = await SignInAsync(client, Fixture.IssueCard());
        var second = await SignInAsync(client, Fixture.IssueCard());
        var verifiedFirst = await VerifyOkAsync(client, first.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var verifiedSecond = await VerifyOkAsync(client, second.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var challenge = await ChallengeAsync(client, "application");
        var used = await SignApplicationAsync(client, new ApplicationDraft([Card], "demo-pay", verifiedFirst.TermsVersion, verifiedFirst.Verification, first.Card), challenge);
        Assert.Equal(HttpStatusCode.Created, (await PostApplicationAsync(client, used)).Status);
        var before = await Fixture.CountApplicationsAsync();

        var replayed = await PostApplicationAsync(client,
            await SignApplicationAsync(client, new ApplicationDraft([Card], "demo-pay", verifiedSecond.TermsVersion, verifiedSecond.Verification, second.Card), challenge));

        Assert.Equal(HttpStatusCode.Unauthorized, replayed.Status);
        Assert.Equal("auth.challenge-used", replayed.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_session_challenge_cannot_sign_an_application()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var before = await Fixture.CountApplicationsAsync();

        var reply = await PostApplicationAsync(client, await SignApplicationAsync(client,
            new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card), await ChallengeAsync(client, "session")));

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.StartsWith("auth.challenge", reply.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_card_revoked_after_the_account_was_verified_cannot_apply()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        Fixture.Issuer.Revoke(applicant.Card.Path, System.Security.Cryptography.X509Certificates.X509RevocationReason.KeyCompromise);
        Fixture.Trust.Refresh(); // what the background refresh does every minute
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card));

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("auth.certificate-revoked", reply.Code);
        Assert.True(reply.Body.GetProperty("errors").TryGetProperty("card.certificate", out _));
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_card_of_an_untrusted_issuer_cannot_represent_a_child()
    {
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        var childCard = Fixture.IssueCard(birthDate: new DateOnly(2016, 5, 5));
        var verified = await VerifyOkAsync(client, parent.Token, "demo-pay", Fixture.NewAccount("demo-pay"), forChild: true);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, childCard,
            Representative: Fixture.IssueCard(trusted: false), AgeProof: childCard));

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("auth.certificate-untrusted", reply.Code);
        Assert.True(reply.Body.GetProperty("errors").TryGetProperty("representative.certificate", out _));
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_statement_signed_for_other_programs_than_those_sent_is_refused()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        await RegisterHealthInsuranceAsync(client, applicant.Token);
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card, Health], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card)
        {
            SignedPrograms = [Card],
        });

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("application.signature-invalid", reply.Code);
        Assert.True(reply.Body.GetProperty("errors").TryGetProperty("card.signature", out _));
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_changed_phone_number_after_signing_is_refused()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var body = await SignApplicationAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card, PhoneLast4: "1111"));
        body["phoneLast4"] = "2222";
        var before = await Fixture.CountApplicationsAsync();

        var reply = await PostApplicationAsync(client, body);

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("application.signature-invalid", reply.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_verification_made_in_another_persons_session_is_refused()
    {
        using var client = Fixture.CreateClient();
        var owner = await SignInAsync(client, Fixture.IssueCard());
        var other = await SignInAsync(client, Fixture.IssueCard());
        var verified = await VerifyOkAsync(client, owner.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, other.Card));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("application.verification-mismatch", reply.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_verification_for_a_child_cannot_be_used_for_the_persons_own_application_nor_the_reverse()
    {
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        var childCard = Fixture.IssueCard(birthDate: new DateOnly(2016, 5, 5));
        var forChild = await VerifyOkAsync(client, parent.Token, "demo-pay", Fixture.NewAccount("demo-pay"), forChild: true);
        var forSelf = await VerifyOkAsync(client, parent.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var before = await Fixture.CountApplicationsAsync();

        var own = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", forChild.TermsVersion, forChild.Verification, parent.Card));
        var child = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", forSelf.TermsVersion, forSelf.Verification, childCard,
            Representative: parent.Card, AgeProof: childCard));

        Assert.Equal("application.verification-mismatch", own.Code);
        Assert.Equal("application.verification-mismatch", child.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_forged_or_altered_verification_token_is_refused()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var token = verified.Verification;
        var altered = token[..^6] + (token[^6] == 'A' ? 'B' : 'A') + token[^5..];
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, altered, applicant.Card));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("application.verification-invalid", reply.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_verification_of_one_service_cannot_apply_with_another()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-ecash", verified.TermsVersion, verified.Verification, applicant.Card));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("application.verification-mismatch", reply.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task Every_bad_field_is_reported_by_name_and_no_secret_is_echoed()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var good = Fixture.NewAccount("demo-pay");
        // Wrong length, letters in a digit field, a missing field, and a field the service does not have.
        var bad = new Dictionary<string, string>
        {
            ["appUserId"] = "12345",
            ["securityCode1"] = "98x7",
            ["securityCode2"] = "864213579",
            ["nickname"] = "hanako",
        };
        var before = await Fixture.CountApplicationsAsync();
        var windows = await CountRateWindowsAsync();

        var reply = await VerifyAccountAsync(client, applicant.Token, "demo-pay", bad);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
        Assert.Equal(["fields.appUserId", "fields.nickname", "fields.securityCode1", "fields.securityCode2", "fields.securityCode3"], reply.ErrorFields.Order());
        Assert.DoesNotContain("98x7", reply.Raw);
        Assert.DoesNotContain("864213579", reply.Raw);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
        Assert.Equal(windows, await CountRateWindowsAsync());
        Assert.DoesNotContain("verification", reply.Body.EnumerateObject().Select(p => p.Name));
        _ = good;
    }

    [Fact]
    public async Task A_wrong_check_digit_is_its_own_field_error()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var fields = Fixture.NewAccount("demo-card").ToDictionary();
        var id = fields["cardNumber"].Replace("-", "", StringComparison.Ordinal);
        fields["cardNumber"] = id[..^1] + (char)('0' + (id[^1] - '0' + 1) % 10);
        Assert.NotEqual(CheckDigitKind.None, Fixture.Service("demo-card").AccountIdField.CheckDigit);

        var reply = await VerifyAccountAsync(client, applicant.Token, "demo-card", fields);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("service.field-check-digit", reply.Code);
        Assert.Equal(["fields.cardNumber"], reply.ErrorFields);
    }

    [Fact]
    public async Task Wrong_codes_are_refused_by_the_operator_without_echoing_them()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var fields = Fixture.NewAccount("minato-money").ToDictionary();
        var wrong = new string(fields["securityCode"].Select(c => c == '9' ? '0' : (char)(c + 1)).ToArray());
        fields["securityCode"] = wrong;
        var before = await Fixture.CountApplicationsAsync();

        var reply = await VerifyAccountAsync(client, applicant.Token, "minato-money", fields);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("application.account-not-verified", reply.Code);
        Assert.DoesNotContain(wrong, reply.Raw);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_closed_account_is_refused_by_the_operator()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var closed = Kangen.Platform.Features.Services.DemoAccounts.CreateClosed(Fixture.Service("demo-pay"), 0);

        var reply = await VerifyAccountAsync(client, applicant.Token, "demo-pay", closed);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("application.account-not-verified", reply.Code);
        Assert.Equal("closed", reply.Text("detail"));
    }

    [Fact]
    public async Task An_unavailable_operator_answers_503_with_retry_after_and_nothing_is_recorded()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var service = Fixture.Service("sakura-money");
        var before = await Fixture.CountApplicationsAsync();
        Fixture.Operators.SetAvailable(service.Operator, false);
        Reply reply;
        try
        {
            reply = await VerifyAccountAsync(client, applicant.Token, service.Code.Value, Fixture.NewAccount(service.Code.Value));
        }
        finally
        {
            Fixture.Operators.SetAvailable(service.Operator, true);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Status);
        Assert.Equal("application.operator-unavailable", reply.Code);
        Assert.True(int.Parse(reply.Headers["Retry-After"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
        // Back on: the same person goes on.
        Assert.Equal(HttpStatusCode.OK, (await VerifyAccountAsync(client, applicant.Token, service.Code.Value, Fixture.NewAccount(service.Code.Value))).Status);
    }

    [Fact]
    public async Task Verifying_an_account_needs_a_session()
    {
        using var client = Fixture.CreateClient();

        var reply = await SendAsync(client, HttpMethod.Post, "/api/v1/applications/verify-account",
            new { service = "demo-pay", fields = Fixture.NewAccount("demo-pay") });

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
    }

    [Fact]
    public async Task An_unknown_service_and_an_unknown_program_are_refused()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        var before = await Fixture.CountApplicationsAsync();

        var unknownService = await VerifyAccountAsync(client, applicant.Token, "no-such-pay", new Dictionary<string, string>());
        var body = await SignApplicationAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card));
        body["programs"] = new System.Text.Json.Nodes.JsonArray("card-acquisition", "phase-3");
        var unknownProgram = await PostApplicationAsync(client, body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknownService.Status);
        Assert.Equal("application.service-unknown", unknownService.Code);
        Assert.Equal(HttpStatusCode.BadRequest, unknownProgram.Status);
        Assert.Equal("application.request-invalid", unknownProgram.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    private async Task<int> CountRateWindowsAsync()
    {
        await using var db = Fixture.NewContext();
        return await db.RateWindows.SumAsync(r => r.Count);
    }
}

public sealed class SqliteApplicationSubmissionApiTests(SqliteApplyingFixture fixture)
    : ApplicationSubmissionApiTests<SqliteApplyingFixture>(fixture), IClassFixture<SqliteApplyingFixture>;

public sealed class PostgresApplicationSubmissionApiTests(PostgresApplyingFixture fixture)
    : ApplicationSubmissionApiTests<PostgresApplyingFixture>(fixture), IClassFixture<PostgresApplyingFixture>;

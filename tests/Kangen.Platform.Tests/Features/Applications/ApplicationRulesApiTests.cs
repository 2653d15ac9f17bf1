using System.Net;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Applications;

/// <summary>
/// The applying rules of docs/rules.md ("Applications") end to end over HTTP, with what the database holds afterwards;
/// run on SQLite and on PostgreSQL. The campaign is mid-way (anchor 2022-10-15) and the clock does not move here.
/// </summary>
public abstract class ApplicationRulesApiTests<TFixture>(TFixture fixture) where TFixture : ApplyingFixture
{
    protected TFixture Fixture { get; } = fixture;

    private static readonly DateOnly ChildUnder15 = new(2016, 5, 5);
    private static readonly DateOnly Child16 = new(2010, 1, 20);

    [Fact]
    public async Task A_person_applies_and_the_submission_program_choice_and_account_are_recorded_once()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var fields = Fixture.NewAccount("demo-pay");
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", fields);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card, PhoneLast4: "0312"));

        Assert.Equal(HttpStatusCode.Created, reply.Status);
        Assert.Equal(applicant.MyKeyId, reply.Text("myKeyId"));
        Assert.Equal("self", reply.Text("actor"));
        Assert.Equal("demo-pay", reply.Text("service"));
        Assert.Equal([Card], reply.Body.GetProperty("programs").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(verified.Reply.Text("maskedHolderName"), reply.Text("maskedHolderName"));
        Assert.Equal(verified.Reply.Text("maskedAccountId"), reply.Text("maskedAccountId"));
        Assert.Equal("/api/v1/applications/" + reply.Text("applicationId"), reply.Headers["Location"]);
        Assert.Equal(before with
        {
            Submissions = before.Submissions + 1, Applications = before.Applications + 1, Choices = before.Choices + 1,
            ServiceAccounts = before.ServiceAccounts + 1, ConsumedChallenges = before.ConsumedChallenges + 1, Audit = before.Audit + 1,
        }, await Fixture.CountApplicationsAsync());
        await using var db = Fixture.NewContext();
        var id = Guid.Parse(reply.Text("applicationId"));
        var submission = await db.ApplicationSubmissions.SingleAsync(s => s.Id == id);
        Assert.Equal(submission.PersonId, submission.RequesterId);
        Assert.Equal(applicant.Card.Serial, submission.Serial);
        Assert.Null(submission.RepresentativeSerial);
        Assert.Equal(verified.TermsVersion, submission.TermsVersion);
        Assert.NotNull(submission.PhoneHash);
        Assert.Equal(reply.Text("statementHash"), submission.StatementHash);
        var audit = await db.AuditLog.OrderByDescending(a => a.Sequence).FirstAsync();
        Assert.Equal("application.recorded", audit.Action);
        Assert.Contains(id.ToString(), audit.Data);
    }

    [Fact]
    public async Task A_second_application_for_the_same_program_is_refused_and_nothing_is_written()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var fields = Fixture.NewAccount("demo-pay");
        await ApplySelfOkAsync(client, applicant, "demo-pay", fields, Card);
        var before = await Fixture.CountApplicationsAsync();

        var again = await ApplySelfAsync(client, applicant, "demo-pay", fields, Card);

        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal("application/problem+json", again.ContentType);
        Assert.Equal("application.already-exists", again.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task Another_program_later_with_the_same_service_and_account_is_accepted()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        await RegisterHealthInsuranceAsync(client, applicant.Token);
        var fields = Fixture.NewAccount("demo-pay");
        var first = await ApplySelfOkAsync(client, applicant, "demo-pay", fields, Card);
        var before = await Fixture.CountApplicationsAsync();

        var second = await ApplySelfAsync(client, applicant, "demo-pay", fields, Health);

        Assert.Equal(HttpStatusCode.Created, second.Status);
        Assert.NotEqual(first.Text("applicationId"), second.Text("applicationId"));
        Assert.Equal([Health], second.Body.GetProperty("programs").EnumerateArray().Select(p => p.GetString()));
        // A new submission and program row; the choice and the account binding made by the first stay as they are.
        Assert.Equal(before with
        {
            Submissions = before.Submissions + 1, Applications = before.Applications + 1,
            ConsumedChallenges = before.ConsumedChallenges + 1, Audit = before.Audit + 1,
        }, await Fixture.CountApplicationsAsync());
        await using var db = Fixture.NewContext();
        var person = (await db.Persons.SingleAsync(p => p.MyKeyId == applicant.MyKeyId)).Id;
        Assert.Equal([Card, Health], (await db.Applications.Where(a => a.PersonId == person).Select(a => a.Program).ToListAsync()).Order());
    }

    [Fact]
    public async Task Another_service_after_the_first_application_is_refused_as_service_fixed()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        await RegisterHealthInsuranceAsync(client, applicant.Token);
        await ApplySelfOkAsync(client, applicant, "demo-pay", Fixture.NewAccount("demo-pay"), Card);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplySelfAsync(client, applicant, "demo-ecash", Fixture.NewAccount("demo-ecash"), Health);

        Assert.Equal(HttpStatusCode.Conflict, reply.Status);
        Assert.Equal("application.service-fixed", reply.Code);
        Assert.DoesNotContain("application.already-exists", reply.ProblemCodes);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task Another_account_of_the_same_service_is_refused_as_immutable()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        await RegisterHealthInsuranceAsync(client, applicant.Token);
        await ApplySelfOkAsync(client, applicant, "demo-pay", Fixture.NewAccount("demo-pay"), Card);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplySelfAsync(client, applicant, "demo-pay", Fixture.NewAccount("demo-pay"), Health);

        Assert.Equal(HttpStatusCode.Conflict, reply.Status);
        Assert.Equal("application.immutable", reply.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task An_account_already_used_by_another_person_is_refused_as_taken()
    {
        using var client = Fixture.CreateClient();
        var fields = Fixture.NewAccount("demo-pay");
        var other = await SignInAsync(client, Fixture.IssueCard());
        // Verified before the first person applied: only the submission can tell, in its transaction.
        var early = await VerifyOkAsync(client, other.Token, "demo-pay", fields);
        await ApplySelfOkAsync(client, await SignInAsync(client, Fixture.IssueCard()), "demo-pay", fields, Card);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", early.TermsVersion, early.Verification, other.Card));
        var verifiedNow = await VerifyAccountAsync(client, other.Token, "demo-pay", fields, forChild: false);

        Assert.Equal(HttpStatusCode.Conflict, reply.Status);
        Assert.Equal("application.account-taken", reply.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
        // Verified now, the operator's answer already says so, before the citizen confirms and signs.
        Assert.Equal(HttpStatusCode.Conflict, verifiedNow.Status);
        Assert.Equal("application.account-taken", verifiedNow.Code);
    }

    [Fact]
    public async Task The_same_account_typed_differently_is_still_the_same_account()
    {
        using var client = Fixture.CreateClient();
        var fields = Fixture.NewAccount("demo-ecash");
        await ApplySelfOkAsync(client, await SignInAsync(client, Fixture.IssueCard()), "demo-ecash", fields, Card);
        var other = await SignInAsync(client, Fixture.IssueCard());
        // Full-width digits and no group separators: normalisation must give the operator's same account.
        var retyped = fields.ToDictionary(f => f.Key, f => new string(f.Value.Where(char.IsAsciiDigit).Select(c => (char)(c - '0' + '０')).ToArray()));

        var reply = await VerifyAccountAsync(client, other.Token, "demo-ecash", retyped, forChild: false);

        Assert.Equal(HttpStatusCode.Conflict, reply.Status);
        Assert.Equal("application.account-taken", reply.Code);
    }

    [Fact]
    public async Task A_child_under_15_applying_alone_is_refused_as_needing_the_representative()
    {
        using var client = Fixture.CreateClient();
        var child = await SignInAsync(client, Fixture.IssueCard(birthDate: ChildUnder15));
        var fields = Fixture.NewAccount("demo-pay");
        var verified = await VerifyOkAsync(client, child.Token, "demo-pay", fields);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, child.Card, AgeProof: child.Card));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("application.representative-required", reply.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_legal_representative_applies_for_a_child_under_15_with_both_cards_and_the_age_proof()
    {
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        var childCard = Fixture.IssueCard(birthDate: ChildUnder15);
        var verified = await VerifyOkAsync(client, parent.Token, "demo-pay", Fixture.NewAccount("demo-pay"), forChild: true);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, childCard,
            Representative: parent.Card, AgeProof: childCard));

        Assert.Equal(HttpStatusCode.Created, reply.Status);
        Assert.Equal("legal-representative", reply.Text("actor"));
        Assert.NotEqual(parent.MyKeyId, reply.Text("myKeyId"));
        // The child never logged in: the application creates the child's person (and its audit entry).
        Assert.Equal(before with
        {
            Persons = before.Persons + 1, Submissions = before.Submissions + 1, Applications = before.Applications + 1, Choices = before.Choices + 1,
            ServiceAccounts = before.ServiceAccounts + 1, ConsumedChallenges = before.ConsumedChallenges + 1, Audit = before.Audit + 2,
        }, await Fixture.CountApplicationsAsync());
        await using var db = Fixture.NewContext();
        var id = Guid.Parse(reply.Text("applicationId"));
        var submission = await db.ApplicationSubmissions.SingleAsync(s => s.Id == id);
        var child = await db.Persons.SingleAsync(p => p.MyKeyId == reply.Text("myKeyId"));
        var parentId = (await db.Persons.SingleAsync(p => p.MyKeyId == parent.MyKeyId)).Id;
        Assert.Equal(child.Id, submission.PersonId);
        Assert.Equal(parentId, submission.RequesterId);
        Assert.Equal(childCard.Serial, submission.Serial);
        Assert.Equal(parent.Card.Serial, submission.RepresentativeSerial);
        Assert.NotNull(submission.RepresentativeSignature);
        Assert.Equal(child.Id, await db.ServiceAccounts.Where(a => a.AccountReference == submission.AccountReference).Select(a => a.PersonId).SingleAsync());
    }

    [Fact]
    public async Task A_representatives_application_without_the_age_proof_is_refused()
    {
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        var childCard = Fixture.IssueCard(birthDate: ChildUnder15);
        var verified = await VerifyOkAsync(client, parent.Token, "demo-pay", Fixture.NewAccount("demo-pay"), forChild: true);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, childCard,
            Representative: parent.Card));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("application.age-proof-required", reply.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task An_age_proof_not_signed_by_its_own_signing_key_or_from_an_untrusted_issuer_is_refused()
    {
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        var childCard = Fixture.IssueCard(birthDate: ChildUnder15);
        var verified = await VerifyOkAsync(client, parent.Token, "demo-pay", Fixture.NewAccount("demo-pay"), forChild: true);
        var draft = new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, childCard, Representative: parent.Card, AgeProof: childCard);
        var before = await Fixture.CountApplicationsAsync();

        // The child's signing certificate with a signature by another card's signing key.
        var borrowed = await SignApplicationAsync(client, draft);
        var impostor = Fixture.IssueCard(birthDate: ChildUnder15);
        var statementOf = await SignApplicationAsync(client, draft with { AgeProof = impostor }, borrowed["challenge"]!.GetValue<string>());
        borrowed["ageProof"]!["signature"] = statementOf["ageProof"]!["signature"]!.GetValue<string>();
        var wrongKey = await PostApplicationAsync(client, borrowed);
        // A signing certificate of the issuer the platform does not trust.
        var stranger = Fixture.IssueCard(trusted: false, birthDate: ChildUnder15);
        var untrusted = await ApplyAsync(client, draft with { AgeProof = stranger });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongKey.Status);
        Assert.Equal("application.age-proof-invalid", wrongKey.Code);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, untrusted.Status);
        Assert.Equal("application.age-proof-invalid", untrusted.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_revoked_signing_certificate_is_no_age_proof()
    {
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        var childCard = Fixture.IssueCard(birthDate: ChildUnder15);
        // A copy of the card before renewal keeps the old signing key and certificate, which the renewal revokes.
        var oldCopy = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(childCard.Path)!, Guid.NewGuid().ToString("N") + ".old.card.json");
        File.Copy(childCard.Path, oldCopy);
        var old = new TestCard(oldCopy, childCard.Pin, childCard.Serial, childCard.SigningPassword);
        Fixture.Issuer.Renew(childCard.Path);
        var verified = await VerifyOkAsync(client, parent.Token, "demo-pay", Fixture.NewAccount("demo-pay"), forChild: true);
        var draft = new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, childCard, Representative: parent.Card, AgeProof: old);
        var before = await Fixture.CountApplicationsAsync();

        var revoked = await ApplyAsync(client, draft);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, revoked.Status);
        Assert.Equal("application.age-proof-invalid", revoked.Code);
        Assert.Contains("revoked", revoked.Text("detail"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
        Assert.Equal(HttpStatusCode.Created, (await ApplyAsync(client, draft with { AgeProof = childCard })).Status);
    }

    [Fact]
    public async Task An_age_proof_from_another_card_than_the_applicants_is_refused()
    {
        // A parent holding a 16-year-old's card and a younger sibling's: the sibling's signing certificate must not make
        // the 16-year-old "under 15" (which would waive the rule that they be present).
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        var teenager = Fixture.IssueCard(birthDate: Child16);
        var sibling = Fixture.IssueCard(birthDate: ChildUnder15);
        var verified = await VerifyOkAsync(client, parent.Token, "demo-pay", Fixture.NewAccount("demo-pay"), forChild: true);
        var draft = new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, teenager, Representative: parent.Card, AgeProof: sibling);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, draft);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("application.age-proof-invalid", reply.Code);
        Assert.Contains("applicant's card", reply.Text("detail"), StringComparison.Ordinal);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
        // With the teenager's own certificate the rules decide: not present, so refused for that reason.
        Assert.Equal("application.child-must-be-present", (await ApplyAsync(client, draft with { AgeProof = teenager })).Code);
    }

    [Fact]
    public async Task The_same_card_as_representative_and_applicant_is_refused()
    {
        using var client = Fixture.CreateClient();
        var child = await SignInAsync(client, Fixture.IssueCard(birthDate: ChildUnder15));
        var verified = await VerifyOkAsync(client, child.Token, "demo-pay", Fixture.NewAccount("demo-pay"), forChild: true);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, child.Card,
            Representative: child.Card, AgeProof: child.Card));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("application.representative-is-applicant", reply.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_representative_for_a_child_of_15_to_17_needs_the_child_present()
    {
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        var childCard = Fixture.IssueCard(birthDate: Child16);
        var fields = Fixture.NewAccount("demo-pay");
        var verified = await VerifyOkAsync(client, parent.Token, "demo-pay", fields, forChild: true);
        var before = await Fixture.CountApplicationsAsync();

        var absent = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, childCard,
            Representative: parent.Card, AgeProof: childCard));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, absent.Status);
        Assert.Equal("application.child-must-be-present", absent.Code);
        Assert.Equal(before.Submissions, (await Fixture.CountApplicationsAsync()).Submissions);
        Assert.Equal(before.ServiceAccounts, (await Fixture.CountApplicationsAsync()).ServiceAccounts);

        var present = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, childCard,
            Representative: parent.Card, ChildPresent: true, AgeProof: childCard));

        Assert.Equal(HttpStatusCode.Created, present.Status);
        Assert.Equal("legal-representative", present.Text("actor"));
    }

    [Fact]
    public async Task A_child_of_15_to_17_may_apply_alone()
    {
        using var client = Fixture.CreateClient();
        var child = await SignInAsync(client, Fixture.IssueCard(birthDate: Child16));
        var verified = await VerifyOkAsync(client, child.Token, "demo-pay", Fixture.NewAccount("demo-pay"));

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, child.Card, AgeProof: child.Card));

        Assert.Equal(HttpStatusCode.Created, reply.Status);
        Assert.Equal("self", reply.Text("actor"));
    }

    [Fact]
    public async Task A_representative_for_an_adult_is_refused()
    {
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        var adult = Fixture.IssueCard(birthDate: new DateOnly(2000, 2, 2));
        var verified = await VerifyOkAsync(client, parent.Token, "demo-pay", Fixture.NewAccount("demo-pay"), forChild: true);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, adult,
            Representative: parent.Card, ChildPresent: true, AgeProof: adult));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("application.actor-not-allowed", reply.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task The_representatives_own_account_cannot_be_used_for_the_child()
    {
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        var fields = Fixture.NewAccount("demo-pay");
        // Verified for the child before the parent used the account for themselves: the submission refuses it.
        var early = await VerifyOkAsync(client, parent.Token, "demo-pay", fields, forChild: true);
        await ApplySelfOkAsync(client, parent, "demo-pay", fields, Card);
        var childCard = Fixture.IssueCard(birthDate: ChildUnder15);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", early.TermsVersion, early.Verification, childCard,
            Representative: parent.Card, AgeProof: childCard));
        var verifiedNow = await VerifyAccountAsync(client, parent.Token, "demo-pay", fields, forChild: true);

        // The account already receives the parent's points (a conflict, so it leads), and it is the parent's own.
        Assert.Equal(HttpStatusCode.Conflict, reply.Status);
        Assert.Equal("application.account-taken", reply.Code);
        Assert.Contains("application.account-same-as-representative", reply.ProblemCodes);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
        // Verified now for a child, the parent is told at once.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, verifiedNow.Status);
        Assert.Equal("application.account-same-as-representative", verifiedNow.Code);
    }

    [Fact]
    public async Task A_representative_applies_for_two_children_with_two_accounts_and_for_themselves()
    {
        using var client = Fixture.CreateClient();
        var parent = await SignInAsync(client, Fixture.IssueCard());
        await ApplySelfOkAsync(client, parent, "demo-pay", Fixture.NewAccount("demo-pay"), Card);
        var replies = new List<Reply>();
        foreach (var born in new[] { ChildUnder15, new DateOnly(2018, 12, 1) })
        {
            var childCard = Fixture.IssueCard(birthDate: born);
            var verified = await VerifyOkAsync(client, parent.Token, "demo-ecash", Fixture.NewAccount("demo-ecash"), forChild: true);
            replies.Add(await ApplyAsync(client, new ApplicationDraft([Card], "demo-ecash", verified.TermsVersion, verified.Verification, childCard,
                Representative: parent.Card, AgeProof: childCard)));
        }

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal(2, replies.Select(r => r.Text("myKeyId")).Distinct().Count());
    }

    [Fact]
    public async Task Parts_2_and_3_need_their_registrations()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var fields = Fixture.NewAccount("demo-pay");
        var before = await Fixture.CountApplicationsAsync();

        var refused = await ApplySelfAsync(client, applicant, "demo-pay", fields, Card, Health, PublicFund);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
        Assert.Equal("eligibility.registration-missing", refused.Code);
        var fieldsOfProblems = refused.Body.GetProperty("problems").EnumerateArray()
            .Where(p => p.GetProperty("code").GetString() == "eligibility.registration-missing")
            .Select(p => p.GetProperty("detail").GetString()!).ToArray();
        Assert.Contains(fieldsOfProblems, d => d.StartsWith(Health, StringComparison.Ordinal));
        Assert.Contains(fieldsOfProblems, d => d.StartsWith(PublicFund, StringComparison.Ordinal));
        Assert.Equal(before, await Fixture.CountApplicationsAsync());

        await RegisterHealthInsuranceAsync(client, applicant.Token);
        await RegisterPublicFundAccountAsync(client, applicant.Token);
        var accepted = await ApplySelfAsync(client, applicant, "demo-pay", fields, Card, Health, PublicFund);

        Assert.Equal(HttpStatusCode.Created, accepted.Status);
        Assert.Equal([Card, Health, PublicFund], accepted.Body.GetProperty("programs").EnumerateArray().Select(p => p.GetString()));
        var after = await Fixture.CountApplicationsAsync();
        Assert.Equal(before.Submissions + 1, after.Submissions);
        Assert.Equal(before.Applications + 3, after.Applications);
    }

    [Fact]
    public async Task Part_2_alone_is_refused_without_its_registration_even_when_part_3_is_registered()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        await RegisterPublicFundAccountAsync(client, applicant.Token);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplySelfAsync(client, applicant, "demo-pay", Fixture.NewAccount("demo-pay"), Health);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("eligibility.registration-missing", reply.Code);
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task A_program_the_service_does_not_offer_is_refused()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        await RegisterHealthInsuranceAsync(client, applicant.Token);
        Assert.DoesNotContain(Kangen.Rules.ProgramKind.HealthInsurance, Fixture.Service("demo-card").Programs);
        var before = await Fixture.CountApplicationsAsync();

        var reply = await ApplySelfAsync(client, applicant, "demo-card", Fixture.NewAccount("demo-card"), Card, Health);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("application.program-not-offered", reply.Code);
        Assert.True(reply.Body.GetProperty("errors").TryGetProperty("programs", out _));
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
    }

    [Fact]
    public async Task Outdated_terms_are_refused_and_the_terms_in_force_are_accepted()
    {
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", Fixture.NewAccount("demo-pay"));
        Assert.Equal("2022-06", verified.TermsVersion);
        var before = await Fixture.CountApplicationsAsync();

        var outdated = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", "2022-01", verified.Verification, applicant.Card));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, outdated.Status);
        Assert.Equal("application.terms-not-current", outdated.Code);
        Assert.True(outdated.Body.GetProperty("errors").TryGetProperty("termsVersion", out _));
        Assert.Equal(before, await Fixture.CountApplicationsAsync());
        Assert.Equal(HttpStatusCode.Created,
            (await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card))).Status);
    }

    [Fact]
    public async Task The_terms_in_force_follow_the_campaign_calendar_of_the_demo()
    {
        // hoshizora-pay has terms 2022-01, 2022-06 and 2023-01: on 2022-10-15 of the campaign calendar, 2022-06 is in force.
        using var client = Fixture.CreateClient();
        var applicant = await SignInAsync(client, Fixture.IssueCard());

        var verified = await VerifyOkAsync(client, applicant.Token, "hoshizora-pay", Fixture.NewAccount("hoshizora-pay"));
        var reply = await ApplyAsync(client, new ApplicationDraft([Card], "hoshizora-pay", "2022-06", verified.Verification, applicant.Card));

        Assert.Equal("2022-06", verified.TermsVersion);
        Assert.Equal(HttpStatusCode.Created, reply.Status);
    }
}

public sealed class SqliteApplicationRulesApiTests(SqliteApplyingFixture fixture)
    : ApplicationRulesApiTests<SqliteApplyingFixture>(fixture), IClassFixture<SqliteApplyingFixture>;

public sealed class PostgresApplicationRulesApiTests(PostgresApplyingFixture fixture)
    : ApplicationRulesApiTests<PostgresApplyingFixture>(fixture), IClassFixture<PostgresApplyingFixture>;

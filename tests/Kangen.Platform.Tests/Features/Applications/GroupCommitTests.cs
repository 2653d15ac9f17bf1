using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json.Nodes;
using Kangen.Platform.Features.Applications;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Observability;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Applications;

/// <summary>
/// The group commit of <see cref="SubmissionWriter"/>: submissions that wait together are recorded by one commit, a
/// refusal or a replay inside a group is answered as it would be alone and takes nothing from the others, and a
/// submission that fails on its own gets its failure while the rest of its group is recorded; sessions are written the
/// same way. The tests make a group on purpose: they hold the database's write lock
/// (SQLite's, or the audit head's row lock on PostgreSQL) until every submission is waiting, then let go.
/// </summary>
public abstract class GroupCommitTests(StorageProvider provider)
{
    [Fact]
    public async Task Submissions_waiting_together_are_recorded_by_one_commit_and_each_is_answered()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var bodies = await NewcomersAsync(fixture, client, 6);
        var before = await fixture.CountApplicationsAsync();
        using var groups = new GroupSizes(fixture);

        var replies = await PostTogetherAsync(fixture, client, bodies);

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal(6, replies.Select(r => r.Text("applicationId")).Distinct().Count());
        var after = await fixture.CountApplicationsAsync();
        Assert.Equal(WithApplications(before, 6), after);
        // Six submissions, fewer commits: at most the first went alone while the write lock was held.
        Assert.Equal(6, groups.Sizes.Sum());
        Assert.True(groups.Sizes.Max() >= 5, $"group sizes: {string.Join(", ", groups.Sizes)}");
        await AssertAuditIntactAsync(fixture);
    }

    [Fact]
    public async Task In_one_group_a_refusal_and_a_replay_are_answered_as_alone_and_the_others_are_recorded()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var filler = await FillerAsync(fixture, client);
        var shared = fixture.NewAccount("demo-pay");
        var first = await SignedApplicationAsync(client, await SignInAsync(client, fixture.IssueCard()), shared);
        var second = await SignedApplicationAsync(client, await SignInAsync(client, fixture.IssueCard()), shared);
        var twin = await SignedApplicationAsync(client, await SignInAsync(client, fixture.IssueCard()), fixture.NewAccount("demo-pay"));
        var alone = await SignedApplicationAsync(client, await SignInAsync(client, fixture.IssueCard()), fixture.NewAccount("demo-pay"));
        var before = await fixture.CountApplicationsAsync();
        using var groups = new GroupSizes(fixture);

        // Two people with one account, the same signed request twice (a double click), and someone else, in one group
        // behind the filler.
        var replies = (await PostTogetherAsync(fixture, client, [filler, first, second, twin, twin.DeepClone().AsObject(), alone]))[1..];

        var sharedReplies = replies[..2];
        Assert.Single(sharedReplies, r => r.Status == HttpStatusCode.Created);
        Assert.Single(sharedReplies, r => r.Status == HttpStatusCode.Conflict && r.Code == "application.account-taken");
        var twinReplies = replies[2..4];
        Assert.Single(twinReplies, r => r.Status == HttpStatusCode.Created);
        Assert.Single(twinReplies, r => r.Status == HttpStatusCode.OK && r.Headers.ContainsKey("Idempotent-Replayed"));
        Assert.Equal(twinReplies[0].Text("applicationId"), twinReplies[1].Text("applicationId"));
        Assert.Equal(HttpStatusCode.Created, replies[4].Status);
        var after = await fixture.CountApplicationsAsync();
        Assert.Equal(WithApplications(before, 4), after);
        Assert.Equal([1, 5], groups.Sizes);
        await AssertAuditIntactAsync(fixture);
    }

    [Fact]
    public async Task A_persons_second_submission_in_the_group_of_their_first_meets_it_as_recorded()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var filler = await FillerAsync(fixture, client);
        var applicant = await SignInAsync(client, fixture.IssueCard());
        var account = fixture.NewAccount("demo-pay");
        // Two separately signed submissions of one person (two challenges, no idempotency key): not a retry.
        var first = await SignedApplicationAsync(client, applicant, account);
        var again = await SignedApplicationAsync(client, applicant, account);
        var other = await SignedApplicationAsync(client, await SignInAsync(client, fixture.IssueCard()), fixture.NewAccount("demo-pay"));
        // Deferred (nothing of the group used its card), refused after it consumed its challenge in the context, and
        // after the second submission saved what waited: what it added must go, not wait for the group's save.
        var someoneElse = await SignInAsync(client, fixture.IssueCard());
        var theirs = await VerifyOkAsync(client, someoneElse.Token, "demo-pay", fixture.NewAccount("demo-pay"));
        var mixUpCard = fixture.IssueCard();
        await SignInAsync(client, mixUpCard);
        var mixUp = await SignApplicationAsync(client, new ApplicationDraft([Card], "demo-pay", theirs.TermsVersion, theirs.Verification, mixUpCard));
        var before = await fixture.CountApplicationsAsync();
        int pseudonymsBefore;
        await using (var db = fixture.NewContext())
            pseudonymsBefore = await db.OperatorPseudonyms.CountAsync();
        using var groups = new GroupSizes(fixture);

        var replies = (await PostTogetherAsync(fixture, client, [filler, first, again, mixUp, other]))[1..];

        // The group read the person once, before either submission; the second one sees the first's rows all the same.
        Assert.Equal(HttpStatusCode.Created, replies[0].Status);
        Assert.Equal(HttpStatusCode.Conflict, replies[1].Status);
        Assert.Equal("application.already-exists", replies[1].Code);
        Assert.Equal("application.verification-mismatch", replies[2].Code);
        Assert.Equal(HttpStatusCode.Created, replies[3].Status);
        Assert.Equal(WithApplications(before, 3), await fixture.CountApplicationsAsync());
        await using (var db = fixture.NewContext())
            Assert.Equal(pseudonymsBefore + 3, await db.OperatorPseudonyms.CountAsync());
        Assert.Equal([1, 4], groups.Sizes);
        await AssertAuditIntactAsync(fixture);
    }

    [Fact]
    public async Task Two_parents_applying_for_one_child_in_one_group_record_one_application_and_refuse_the_other()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var filler = await FillerAsync(fixture, client);
        // The child has signed in before, so the first parent's submission is deferred; the second meets the child's
        // person used and reads the database after what waits was saved.
        var childCard = fixture.IssueCard(birthDate: new DateOnly(2016, 5, 5));
        await SignInAsync(client, childCard);
        var bodies = new List<JsonObject>();
        for (var i = 0; i < 2; i++)
        {
            var parent = await SignInAsync(client, fixture.IssueCard());
            var verified = await VerifyOkAsync(client, parent.Token, "demo-pay", fixture.NewAccount("demo-pay"), forChild: true);
            bodies.Add(await SignApplicationAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, childCard,
                Representative: parent.Card, AgeProof: childCard)));
        }
        var before = await fixture.CountApplicationsAsync();
        using var groups = new GroupSizes(fixture);

        var replies = await PostTogetherAsync(fixture, client, [filler, .. bodies]);

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Conflict], replies.Select(r => r.Status));
        Assert.Equal("application.already-exists", replies[2].Code);
        // The filler's application and the child's, nothing of the refused one.
        Assert.Equal(WithApplications(before, 2), await fixture.CountApplicationsAsync());
        Assert.Equal([1, 2], groups.Sizes);
        await AssertAuditIntactAsync(fixture);
    }

    [Fact]
    public async Task In_one_group_parts_2_and_3_are_recorded_for_the_registered_and_refused_for_one_who_is_not()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var filler = await FillerAsync(fixture, client);
        string[] all = [Card, Health, PublicFund];
        var bodies = new List<JsonObject>();
        for (var i = 0; i < 3; i++)
        {
            var applicant = await SignInAsync(client, fixture.IssueCard());
            // The second applicant registered nothing.
            if (i != 1)
            {
                await RegisterHealthInsuranceAsync(client, applicant.Token);
                await RegisterPublicFundAccountAsync(client, applicant.Token);
            }
            bodies.Add(await SignedApplicationAsync(client, applicant, fixture.NewAccount("demo-pay"), programs: all));
        }
        var before = await fixture.CountApplicationsAsync();
        using var groups = new GroupSizes(fixture);

        var replies = await PostTogetherAsync(fixture, client, [filler, .. bodies]);

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.UnprocessableEntity, HttpStatusCode.Created], replies.Select(r => r.Status));
        Assert.Equal("eligibility.registration-missing", replies[2].Code);
        Assert.All([replies[1], replies[3]], r => Assert.Equal(all, r.Body.GetProperty("programs").EnumerateArray().Select(p => p.GetString())));
        var after = await fixture.CountApplicationsAsync();
        // The filler's part 1 and the registered applicants' three parts each; nothing of the refused one.
        Assert.Equal(before with
        {
            Submissions = before.Submissions + 3, Applications = before.Applications + 1 + 2 * 3, Choices = before.Choices + 3,
            ServiceAccounts = before.ServiceAccounts + 3, ConsumedChallenges = before.ConsumedChallenges + 3, Audit = after.Audit,
        }, after);
        Assert.Equal([1, 3], groups.Sizes);
        await AssertAuditIntactAsync(fixture);
    }

    [Fact]
    public async Task A_submission_that_fails_on_its_own_gets_its_failure_and_the_rest_of_its_group_is_recorded()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var bodies = await NewcomersAsync(fixture, client, 4);
        // The broken submission's person was used earlier in the group (by a mix-up refused for signing with another
        // person's account check), so it is not deferred: it reads and saves inside its own savepoint.
        var applicant = await SignInAsync(client, fixture.IssueCard());
        var someoneElse = await SignInAsync(client, fixture.IssueCard());
        var theirs = await VerifyOkAsync(client, someoneElse.Token, "demo-pay", fixture.NewAccount("demo-pay"));
        var mixUp = await SignApplicationAsync(client, new ApplicationDraft([Card], "demo-pay", theirs.TermsVersion, theirs.Verification, applicant.Card));
        // The only submission with phone digits breaks on insert: a fault of the database, not a rule.
        var broken = await SignedApplicationAsync(client, applicant, fixture.NewAccount("demo-pay"), phoneLast4: "4321");
        await BreakInsertsWithPhoneDigitsAsync(fixture);
        var before = await fixture.CountApplicationsAsync();
        using var groups = new GroupSizes(fixture);

        var replies = await PostTogetherAsync(fixture, client, [.. bodies[..2], mixUp, broken, .. bodies[2..]]);

        Assert.Equal("application.verification-mismatch", replies[2].Code);
        Assert.Equal(HttpStatusCode.InternalServerError, replies[3].Status);
        Assert.All(replies.Where((_, i) => i is not (2 or 3)), r => Assert.Equal(HttpStatusCode.Created, r.Status));
        var after = await fixture.CountApplicationsAsync();
        Assert.Equal(WithApplications(before, 4), after);
        // The broken submission was undone to its savepoint; its group committed the others.
        Assert.Equal(6, groups.Sizes.Sum());
        Assert.True(groups.Sizes.Max() >= 5, $"group sizes: {string.Join(", ", groups.Sizes)}");
        await AssertAuditIntactAsync(fixture);
    }

    [Fact]
    public async Task A_deferred_submission_failing_outside_the_database_is_undone_in_memory_and_the_rest_of_its_group_is_recorded()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var bodies = await NewcomersAsync(fixture, client, 4);
        // A person whose applications lost their campaign choice (no code path does that; a hand-edited database could):
        // the recorder throws on reading them, after it consumed the challenge in memory. Nothing of the group used
        // the person before, so the submission is deferred, and it runs without a savepoint.
        var applicant = await SignInAsync(client, fixture.IssueCard());
        var first = await PostApplicationAsync(client, await SignedApplicationAsync(client, applicant, fixture.NewAccount("demo-pay")));
        Assert.Equal(HttpStatusCode.Created, first.Status);
        await using (var db = fixture.NewContext())
        {
            var id = Guid.Parse(first.Text("applicationId"));
            var person = await db.ApplicationSubmissions.Where(s => s.Id == id).Select(s => s.PersonId).SingleAsync();
            Assert.Equal(1, await db.CampaignChoices.Where(c => c.PersonId == person).ExecuteDeleteAsync());
        }
        var broken = await SignedApplicationAsync(client, applicant, fixture.NewAccount("demo-pay"));
        var before = await fixture.CountApplicationsAsync();
        using var groups = new GroupSizes(fixture);

        var replies = await PostTogetherAsync(fixture, client, [.. bodies[..2], broken, .. bodies[2..]]);

        Assert.Equal(HttpStatusCode.InternalServerError, replies[2].Status);
        Assert.All(replies.Where((_, i) => i != 2), r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal(WithApplications(before, 4), await fixture.CountApplicationsAsync());
        Assert.Equal(5, groups.Sizes.Sum());
        Assert.True(groups.Sizes.Max() >= 4, $"group sizes: {string.Join(", ", groups.Sizes)}");
        // Its challenge was not kept consumed: sent again, it fails the same way instead of being refused as used.
        Assert.Equal(HttpStatusCode.InternalServerError, (await PostApplicationAsync(client, broken)).Status);
        await AssertAuditIntactAsync(fixture);
    }

    [Fact]
    public async Task Submissions_whose_writes_wait_for_the_groups_save_are_recorded_without_a_savepoint_each()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var bodies = await NewcomersAsync(fixture, client, 6);
        using var groups = new GroupSizes(fixture);
        using var savepoints = new Savepoints(fixture);

        var replies = await PostTogetherAsync(fixture, client, bodies);

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.True(groups.Sizes.Max() >= 5, $"group sizes: {string.Join(", ", groups.Sizes)}");
        // Every piece here can be deferred (each citizen signed in before, none shares anything with another): in a
        // group of several, each piece only read; its rows waited in memory for the group's one save, so a savepoint
        // would have had nothing to undo (and cost two statements, two round trips on PostgreSQL). A piece alone (the
        // first, taken while the lock was held) writes as it goes, inside its savepoint.
        Assert.Equal(groups.Sizes.Count(size => size == 1), savepoints.Count);
    }

    [Fact]
    public async Task An_admission_advance_sets_no_savepoint_so_the_savepoints_counted_here_are_the_writers_alone()
    {
        // The admission loop advances on the wall clock (every 10 s when admission is off), on the same database. Had its
        // save a savepoint, a test above that ran longer than that under load would count one savepoint too many.
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var savepoints = new Savepoints(fixture);

        Assert.True(await fixture.Factory.Services.GetRequiredService<Kangen.Platform.Features.Admission.AdmissionControl>().AdvanceAsync(force: true, CancellationToken.None));

        Assert.Equal(0, savepoints.Count);
    }

    [Fact]
    public async Task When_the_groups_one_save_fails_each_submission_is_recorded_again_alone_and_only_the_broken_one_fails()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var bodies = await NewcomersAsync(fixture, client, 4);
        // Deferred like the others (nothing of the group used its person before), so it breaks the group's one save.
        var broken = await SignedApplicationAsync(client, await SignInAsync(client, fixture.IssueCard()), fixture.NewAccount("demo-pay"), phoneLast4: "4321");
        await BreakInsertsWithPhoneDigitsAsync(fixture);
        var before = await fixture.CountApplicationsAsync();
        using var groups = new GroupSizes(fixture);

        var replies = await PostTogetherAsync(fixture, client, [.. bodies[..2], broken, .. bodies[2..]]);

        Assert.Equal(HttpStatusCode.InternalServerError, replies[2].Status);
        Assert.All(replies.Where((_, i) => i != 2), r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal(WithApplications(before, 4), await fixture.CountApplicationsAsync());
        // Nothing of the failed group was committed; each of its submissions was then recorded alone.
        Assert.Equal(5, groups.Sizes.Sum());
        Assert.All(groups.Sizes, size => Assert.Equal(1, size));
        await AssertAuditIntactAsync(fixture);
    }

    [Fact]
    public async Task Sessions_of_known_cards_wait_for_one_save_while_a_second_session_of_one_card_and_a_first_login_read_and_save_alone()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var known = await KnownCardsAsync(fixture, client, 3);
        Task<Func<Task<Reply>>> SessionAsync(TestCard card) => PreparedSessionAsync(client, card);
        var filler = (await KnownCardsAsync(fixture, client, 1))[0];
        // Behind the filler: three known cards (deferred), the first of them again with another challenge (its serial is
        // used, so it saves what waits and reads the database), and a card never seen (a first login, never deferred).
        List<Func<Task<Reply>>> sends = [await SessionAsync(filler), .. await Task.WhenAll(known.Select(SessionAsync)), await SessionAsync(known[0]), await SessionAsync(fixture.IssueCard())];
        var before = await fixture.CountApplicationsAsync();
        var sessionsBefore = await CountSessionsAsync(fixture);
        using var groups = new GroupSizes(fixture, "sessions");

        var replies = await SendSessionsTogetherAsync(fixture, sends);

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal(replies.Length, replies.Select(r => r.Text("token")).Distinct().Count());
        Assert.Equal(replies[1].Text("myKeyId"), replies[4].Text("myKeyId"));
        // Six sessions, one new person: six consumed challenges, six "session.created" and one "person.created".
        Assert.Equal(before with { Persons = before.Persons + 1, ConsumedChallenges = before.ConsumedChallenges + 6, Audit = before.Audit + 7 },
            await fixture.CountApplicationsAsync());
        Assert.Equal(sessionsBefore + 6, await CountSessionsAsync(fixture));
        Assert.Equal([1, 5], groups.Sizes);
        await AssertAuditIntactAsync(fixture);
    }

    [Fact]
    public async Task A_double_click_on_a_known_cards_login_in_one_group_opens_one_session_and_refuses_the_other()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var cards = await KnownCardsAsync(fixture, client, 3);
        Task<Func<Task<Reply>>> SessionAsync(TestCard card) => PreparedSessionAsync(client, card);
        // Behind a filler (cards[0]): cards[1]'s login, deferred, then the very same request again (the double click:
        // its serial and challenge are used, so it saves what waits and reads the database), then cards[2]'s.
        var clicked = await SessionAsync(cards[1]);
        List<Func<Task<Reply>>> sends = [await SessionAsync(cards[0]), clicked, clicked, await SessionAsync(cards[2])];
        var before = await fixture.CountApplicationsAsync();
        var sessionsBefore = await CountSessionsAsync(fixture);
        using var groups = new GroupSizes(fixture, "sessions");

        var replies = await SendSessionsTogetherAsync(fixture, sends);

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Unauthorized, HttpStatusCode.Created], replies.Select(r => r.Status));
        Assert.Equal("auth.challenge-used", replies[2].Code);
        // Three sessions of known cards: three consumed challenges and three "session.created", nothing of the refusal.
        Assert.Equal(before with { ConsumedChallenges = before.ConsumedChallenges + 3, Audit = before.Audit + 3 }, await fixture.CountApplicationsAsync());
        Assert.Equal(sessionsBefore + 3, await CountSessionsAsync(fixture));
        Assert.Equal([1, 3], groups.Sizes);
        await AssertAuditIntactAsync(fixture);
    }

    [Fact]
    public async Task A_double_click_on_a_renewed_cards_first_login_in_one_group_links_it_once_and_refuses_the_other()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var cards = await KnownCardsAsync(fixture, client, 3);
        fixture.Time.Advance(TimeSpan.FromMinutes(1));
        var renewed = fixture.Issuer.Renew(cards[1].Path);
        fixture.Trust.Refresh();
        // Behind a filler (cards[0]): the renewed card's first login (a serial the group does not know, so it reads and
        // saves alone, linking the certificate), the very same request again, then cards[2]'s login (deferred).
        var clicked = await PreparedSessionAsync(client, cards[1]);
        List<Func<Task<Reply>>> sends = [await PreparedSessionAsync(client, cards[0]), clicked, clicked, await PreparedSessionAsync(client, cards[2])];
        var before = await fixture.CountAsync();
        using var groups = new GroupSizes(fixture, "sessions");

        var replies = await SendSessionsTogetherAsync(fixture, sends);

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Unauthorized, HttpStatusCode.Created], replies.Select(r => r.Status));
        Assert.True(replies[1].Body.GetProperty("linkedByRenewal").GetBoolean());
        Assert.Equal(renewed.AuthenticationSerial, replies[1].Text("serial"));
        Assert.Equal("auth.challenge-used", replies[2].Code);
        var after = await fixture.CountAsync();
        // One certificate linked once, three sessions; nothing of the refusal.
        Assert.Equal((before.Persons, before.Certificates + 1, before.Sessions + 3, before.ConsumedChallenges + 3),
            (after.Persons, after.Certificates, after.Sessions, after.ConsumedChallenges));
        Assert.Equal([1, 3], groups.Sizes);
        await AssertAuditIntactAsync(fixture);
    }

    [Fact]
    public async Task Sessions_waiting_together_are_opened_by_one_commit_and_a_replayed_challenge_among_them_is_refused()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var sends = new List<Func<Task<Reply>>>();
        for (var i = 0; i < 5; i++)
        {
            var card = fixture.IssueCard();
            var challenge = await ChallengeAsync(client);
            var signature = card.Sign(System.Text.Encoding.UTF8.GetBytes(challenge));
            sends.Add(() => OpenSessionAsync(client, challenge, card.Certificate(), signature));
            if (i == 2)
                sends.Add(() => OpenSessionAsync(client, challenge, card.Certificate(), signature));
        }
        var before = await fixture.CountApplicationsAsync();
        var sessionsBefore = await CountSessionsAsync(fixture);
        using var groups = new GroupSizes(fixture, "sessions");

        var replies = await SendSessionsTogetherAsync(fixture, sends);

        Assert.Equal(5, replies.Count(r => r.Status == HttpStatusCode.Created));
        var replayed = Assert.Single(replies, r => r.Status != HttpStatusCode.Created);
        Assert.Equal("auth.challenge-used", replayed.Code);
        Assert.Equal(5, replies.Where(r => r.Status == HttpStatusCode.Created).Select(r => r.Text("token")).Distinct().Count());
        var after = await fixture.CountApplicationsAsync();
        // Five first logins: a person, a consumed challenge and two audit entries (person created, session opened) each.
        Assert.Equal(before with { Persons = before.Persons + 5, ConsumedChallenges = before.ConsumedChallenges + 5, Audit = before.Audit + 10 }, after);
        Assert.Equal(sessionsBefore + 5, await CountSessionsAsync(fixture));
        Assert.Equal(6, groups.Sizes.Sum());
        Assert.True(groups.Sizes.Max() >= 5, $"group sizes: {string.Join(", ", groups.Sizes)}");
        await AssertAuditIntactAsync(fixture);
    }

    [Fact]
    public async Task Inside_a_group_commit_any_append_goes_after_the_groups_head_and_the_databases_head_cannot_be_locked_again()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        await using var db = fixture.NewContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var now = DateTimeOffset.UnixEpoch.AddYears(52);
        var head = await AuditChain.LockHeadAsync(db, default);
        db.HeldAuditHead = head;

        var groups = AuditChain.Append(db, head, now, "test", "test.group", "s:1", null);
        // Code the group reaches that appends the usual way (it would read the database's head, one behind).
        var other = await AuditChain.AppendAsync(db, now, "test", "test.other", "s:2", null, default);
        await db.SaveChangesAsync();

        Assert.Equal((groups.Sequence + 1, groups.Hash), (other.Sequence, other.PreviousHash));
        Assert.Equal((other.Sequence, other.Hash), head.Position);
        await Assert.ThrowsAsync<InvalidOperationException>(() => AuditChain.LockHeadAsync(db, default));
        await AuditChain.SaveHeadAsync(db, head, default);
        await transaction.CommitAsync();
        await AssertAuditIntactAsync(fixture);
    }

    /// <summary>The counts after <paramref name="applications"/> more first applications of people who had signed in.</summary>
    private static ApplicationCounts WithApplications(ApplicationCounts before, int applications) => before with
    {
        Submissions = before.Submissions + applications, Applications = before.Applications + applications, Choices = before.Choices + applications,
        ServiceAccounts = before.ServiceAccounts + applications, ConsumedChallenges = before.ConsumedChallenges + applications,
        Audit = before.Audit + applications,
    };

    /// <summary><paramref name="count"/> new cards that have signed in once (their persons exist).</summary>
    private static async Task<List<TestCard>> KnownCardsAsync(ApplyingFixture fixture, HttpClient client, int count)
    {
        var cards = new List<TestCard>();
        for (var i = 0; i < count; i++)
        {
            var card = fixture.IssueCard();
            await SignInAsync(client, card);
            cards.Add(card);
        }
        return cards;
    }

    /// <summary>A login of <paramref name="card"/> over a fresh challenge, signed now and sent when called.</summary>
    private static async Task<Func<Task<Reply>>> PreparedSessionAsync(HttpClient client, TestCard card)
    {
        var challenge = await ChallengeAsync(client);
        var signature = card.Sign(System.Text.Encoding.UTF8.GetBytes(challenge));
        return () => OpenSessionAsync(client, challenge, card.Certificate(), signature);
    }

    private static async Task<int> CountSessionsAsync(ApplyingFixture fixture)
    {
        await using var db = fixture.NewContext();
        return await db.Sessions.CountAsync();
    }

    private static async Task<JsonObject> SignedApplicationAsync(
        HttpClient client, Applicant applicant, IReadOnlyDictionary<string, string> account, string? phoneLast4 = null, IReadOnlyList<string>? programs = null)
    {
        var verified = await VerifyOkAsync(client, applicant.Token, "demo-pay", account);
        return await SignApplicationAsync(client, new ApplicationDraft(programs ?? [Card], "demo-pay", verified.TermsVersion, verified.Verification, applicant.Card)
        {
            PhoneLast4 = phoneLast4,
        });
    }

    /// <summary>Applications of <paramref name="count"/> new citizens, each signed in with a card of their own and an account of their own.</summary>
    private static async Task<List<JsonObject>> NewcomersAsync(ApplyingFixture fixture, HttpClient client, int count)
    {
        var bodies = new List<JsonObject>();
        for (var i = 0; i < count; i++)
            bodies.Add(await SignedApplicationAsync(client, await SignInAsync(client, fixture.IssueCard()), fixture.NewAccount("demo-pay")));
        return bodies;
    }

    /// <summary>
    /// A first application to send ahead of the ones a test groups: the writer takes the first request into a group of
    /// its own while the write lock is held, and the rest wait together behind it.
    /// </summary>
    private static async Task<JsonObject> FillerAsync(ApplyingFixture fixture, HttpClient client) => (await NewcomersAsync(fixture, client, 1))[0];

    private static Task<Reply[]> SendSessionsTogetherAsync(ApplyingFixture fixture, IReadOnlyList<Func<Task<Reply>>> sends) =>
        SendTogetherAsync(fixture, fixture.Factory.Services.GetRequiredService<Kangen.Platform.Features.Identity.Sessions.SessionWriter>(), sends);

    private static Task<Reply[]> PostTogetherAsync(ApplyingFixture fixture, HttpClient client, IReadOnlyList<JsonObject> bodies)
    {
        return SendTogetherAsync(fixture, fixture.Factory.Services.GetRequiredService<SubmissionWriter>(), [.. bodies.Select(body => (Func<Task<Reply>>)(() => PostApplicationAsync(client, body)))]);
    }

    /// <summary>
    /// Holds the write lock and sends the first request; once the writer's loop has taken it into a group (blocked on
    /// the lock), sends the others in order, each once the writer holds the one before, and lets go: everything behind
    /// the first waits together, in the order of <paramref name="sends"/>. Answers in that order.
    /// </summary>
    private static async Task<Reply[]> SendTogetherAsync<TWork, TOutcome>(
        ApplyingFixture fixture, GroupCommit<TWork, TOutcome> writer, IReadOnlyList<Func<Task<Reply>>> sends)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        async Task WaitUntilAsync(Func<bool> condition)
        {
            while (!condition())
                await Task.Delay(10, bound.Token);
        }
        var takenBefore = writer.Taken;
        var replies = new List<Task<Reply>>();
        await using (var db = fixture.NewContext())
        {
            await db.Database.OpenConnectionAsync();
            await using var hold = await db.Database.BeginTransactionAsync();
            if (fixture.Provider == StorageProvider.Sqlite)
                await db.Database.ExecuteSqlRawAsync("UPDATE audit_head SET id = id WHERE id = 1");
            else
                await db.Database.ExecuteSqlRawAsync("SELECT id FROM audit_head WHERE id = 1 FOR UPDATE");
            replies.Add(sends[0]());
            await WaitUntilAsync(() => writer.Taken > takenBefore);
            // One after another, each once the writer holds the one before: the group is in the order of the sends.
            for (var i = 1; i < sends.Count; i++)
            {
                replies.Add(sends[i]());
                var count = i + 1;
                await WaitUntilAsync(() => writer.Unanswered >= count);
            }
            await hold.RollbackAsync();
        }
        return await Task.WhenAll(replies);
    }

    private static async Task BreakInsertsWithPhoneDigitsAsync(ApplyingFixture fixture)
    {
        await using var db = fixture.NewContext();
        if (fixture.Provider == StorageProvider.Sqlite)
        {
            await db.Database.ExecuteSqlRawAsync("""
                CREATE TRIGGER break_phone BEFORE INSERT ON application_submissions WHEN NEW.phone_hash IS NOT NULL
                BEGIN SELECT RAISE(ABORT, 'broken on purpose'); END
                """);
        }
        else
        {
            await db.Database.ExecuteSqlRawAsync("""
                CREATE FUNCTION break_phone() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'broken on purpose'; END $$;
                CREATE TRIGGER break_phone BEFORE INSERT ON application_submissions FOR EACH ROW
                WHEN (NEW.phone_hash IS NOT NULL) EXECUTE FUNCTION break_phone();
                """);
        }
    }

    private static async Task AssertAuditIntactAsync(ApplyingFixture fixture)
    {
        await using var db = fixture.NewContext();
        var audit = await AuditVerifier.VerifyAsync(db);
        Assert.True(audit.IsIntact, audit.Detail);
    }

    /// <summary>
    /// The savepoints EF creates on this fixture's database while it listens (its diagnostic events, told apart from other
    /// tests' by the connection's database).
    /// </summary>
    private sealed class Savepoints : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly string _database;
        private readonly IDisposable _all;
        private readonly List<IDisposable> _subscriptions = [];
        private int _count;
        private bool _disposed;

        public Savepoints(ApplyingFixture fixture)
        {
            using (var db = fixture.NewContext())
                _database = Where(db.Database.GetDbConnection());
            _all = DiagnosticListener.AllListeners.Subscribe(this);
        }

        public int Count => Volatile.Read(ref _count);

        private static string Where(System.Data.Common.DbConnection connection) => connection.DataSource + "/" + connection.Database;

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name != DbLoggerCategory.Name)
                return;
            lock (_subscriptions)
            {
                // Only the savepoint event: every other EF event would be turned on for every test running meanwhile.
                if (!_disposed)
                    _subscriptions.Add(value.Subscribe(this, name => name == RelationalEventId.CreatingTransactionSavepoint.Name));
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == RelationalEventId.CreatingTransactionSavepoint.Name && value.Value is TransactionEventData { Context: { } context }
                && Where(context.Database.GetDbConnection()) == _database)
                Interlocked.Increment(ref _count);
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            _all.Dispose();
            lock (_subscriptions)
            {
                _disposed = true;
                _subscriptions.ForEach(s => s.Dispose());
            }
        }
    }

    /// <summary>The sizes of the groups committed by this fixture's platform while it listens.</summary>
    private sealed class GroupSizes : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<int> _sizes = [];

        public GroupSizes(ApplyingFixture fixture, string writer = "applications")
        {
            var meters = fixture.Factory.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == PlatformMetrics.GroupSizeInstrument && instrument.Meter.Name == PlatformMetrics.MeterName)
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<int>((_, size, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag is { Key: "writer", Value: string name } && name == writer)
                    {
                        lock (_sizes)
                            _sizes.Add(size);
                    }
                }
            });
            _listener.Start();
        }

        public IReadOnlyList<int> Sizes
        {
            get
            {
                lock (_sizes)
                    return [.. _sizes];
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}

public sealed class SqliteGroupCommitTests() : GroupCommitTests(StorageProvider.Sqlite);

/// <summary>
/// A lost race inside a group, which only PostgreSQL can show: another transaction (another replica) holds the same
/// card's first login uncommitted, so the group's insert waits on the unique key, fails once the other commits, is
/// rolled back to its savepoint and tried again, and then finds the other's person. On SQLite every write is serial, so
/// the race cannot happen between groups.
/// </summary>
public sealed class PostgresGroupCommitRaceTests
{
    [Fact]
    public async Task A_first_login_that_loses_the_race_for_its_card_opens_the_winners_person_and_keeps_nothing_of_its_own()
    {
        await using var fixture = await ApplyingFixture.StartAsync(StorageProvider.Postgres, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var card = fixture.IssueCard();
        var challenge = await ChallengeAsync(client);
        var signature = card.Sign(System.Text.Encoding.UTF8.GetBytes(challenge));
        var before = await fixture.CountApplicationsAsync();
        var winner = new Person { Id = Guid.NewGuid(), MyKeyId = "R" + Guid.NewGuid().ToString("N")[..7].ToUpperInvariant(), CreatedAt = fixture.Time.GetUtcNow() };

        Reply reply;
        await using (var other = fixture.NewContext())
        {
            await using var transaction = await other.Database.BeginTransactionAsync();
            other.Persons.Add(winner);
            other.Certificates.Add(new CertificateLink { Serial = card.Serial, PersonId = winner.Id, LinkedAt = winner.CreatedAt, How = "first-login" });
            await other.SaveChangesAsync();
            var login = OpenSessionAsync(client, challenge, card.Certificate(), signature);
            // The group's insert of the same serial now waits for this transaction.
            using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (await WaitingOnLocksAsync(fixture) == 0)
                await Task.Delay(10, bound.Token);
            await transaction.CommitAsync();
            reply = await login;
        }

        Assert.Equal(HttpStatusCode.Created, reply.Status);
        Assert.Equal(winner.MyKeyId, reply.Text("myKeyId"));
        var after = await fixture.CountApplicationsAsync();
        // The winner's person only; the loser's attempt (its person, link and audit entries) was undone, the retry added
        // the session's own writes: the consumed challenge and one audit entry.
        Assert.Equal(before with { Persons = before.Persons + 1, ConsumedChallenges = before.ConsumedChallenges + 1, Audit = before.Audit + 1 }, after);
        await using var db = fixture.NewContext();
        Assert.Equal(winner.Id, (await db.Sessions.SingleAsync(x => x.Serial == card.Serial)).PersonId);
        var audit = await AuditVerifier.VerifyAsync(db);
        Assert.True(audit.IsIntact, audit.Detail);
    }

    private static async Task<long> WaitingOnLocksAsync(ApplyingFixture fixture)
    {
        await using var db = fixture.NewContext();
        return await db.Database.SqlQueryRaw<long>(
            "SELECT count(*) AS \"Value\" FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").SingleAsync();
    }
}

public sealed class PostgresGroupCommitTests() : GroupCommitTests(StorageProvider.Postgres);

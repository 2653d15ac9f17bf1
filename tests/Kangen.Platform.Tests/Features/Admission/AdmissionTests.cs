using System.Net;
using System.Text.Json;
using Kangen.Platform.Features.Admission;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.Extensions.DependencyInjection;
using Kangen.Platform.Tests.Features.Applications;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Features.CallCentre.CallCentreClient;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Admission;

/// <summary>
/// The waiting room over HTTP, on SQLite and on PostgreSQL: capacity 2 (<see cref="AdmissionFixture"/>), the queue
/// advanced by the test as a replica's tick would.
/// </summary>
public abstract class AdmissionTests
{
    protected abstract StorageProvider Provider { get; }

    private static string Token(Reply reply) => reply.Headers[AdmissionHttp.Header];

    private static long Number(Reply reply) => reply.Body.GetProperty("number").GetInt64();

    private static long Position(Reply reply) => reply.Body.GetProperty("position").GetInt64();

    private static string State(Reply reply) => reply.Text("state");

    [Fact]
    public async Task Newcomers_are_let_in_at_once_while_there_is_room_and_the_rest_wait_in_the_order_they_came()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        using var client = fixture.CreateClient();
        await fixture.AdvanceAsync();

        var replies = new List<Reply>();
        for (var i = 0; i < 4; i++)
            replies.Add(await AdmissionFixture.DrawAsync(client));

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal([1L, 2L, 3L, 4L], replies.Select(Number));
        Assert.Equal([AdmissionStates.Admitted, AdmissionStates.Admitted, AdmissionStates.Waiting, AdmissionStates.Waiting], replies.Select(State));
        Assert.Equal([0L, 0L, 1L, 2L], replies.Select(Position));
        Assert.InRange(int.Parse(replies[2].Headers["Retry-After"], System.Globalization.CultureInfo.InvariantCulture), 1, 30);
    }

    [Fact]
    public async Task A_citizen_request_without_a_ticket_while_the_flow_is_full_gets_a_ticket_and_its_place_not_an_error()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        using var client = fixture.CreateClient();
        // No advance yet: no room has been measured, so nobody is let in at once.
        var before = await fixture.CountAsync();

        var reply = await SendAsync(client, HttpMethod.Post, "/api/v1/challenges", new { purpose = "session" });

        Assert.Equal(HttpStatusCode.TooManyRequests, reply.Status);
        Assert.Equal("admission.queued", reply.Code);
        Assert.Equal(1, reply.Body.GetProperty("number").GetInt64());
        Assert.Equal(1, reply.Body.GetProperty("position").GetInt64());
        Assert.True(reply.Headers.ContainsKey("Retry-After"));
        var state = await AdmissionFixture.StateAsync(client, Token(reply));
        Assert.Equal(AdmissionStates.Waiting, State(state));
        Assert.Equal(1, Number(state));
        Assert.Equal(before, await fixture.CountAsync());
    }

    [Fact]
    public async Task Places_freed_by_people_who_leave_go_to_the_oldest_tickets_first()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        await fixture.AdvanceAsync();
        var inside = new List<(HttpClient Client, Applicant Person)>();
        for (var i = 0; i < AdmissionFixture.Capacity; i++)
        {
            var drawn = await AdmissionFixture.DrawAsync(fixture.CreateClient());
            Assert.Equal(AdmissionStates.Admitted, State(drawn));
            var client = fixture.ClientWith(Token(drawn));
            inside.Add((client, await SignInAsync(client, fixture.IssueCard())));
        }
        using var anonymous = fixture.CreateClient();
        var third = await AdmissionFixture.DrawAsync(anonymous);
        var fourth = await AdmissionFixture.DrawAsync(anonymous);
        await fixture.AdvanceAsync();
        Assert.Equal(AdmissionStates.Waiting, State(await AdmissionFixture.StateAsync(anonymous, Token(third))));

        var ended = await SendAsync(inside[0].Client, HttpMethod.Delete, "/api/v1/sessions/current", token: inside[0].Person.Token);
        Assert.Equal(HttpStatusCode.NoContent, ended.Status);
        await fixture.AdvanceAsync();

        Assert.Equal(AdmissionStates.Admitted, State(await AdmissionFixture.StateAsync(anonymous, Token(third))));
        var fourthNow = await AdmissionFixture.StateAsync(anonymous, Token(fourth));
        Assert.Equal(AdmissionStates.Waiting, State(fourthNow));
        Assert.Equal(1, Position(fourthNow));
        // The admitted ticket is now a pass: the flow opens for it.
        using var admitted = fixture.ClientWith(Token(third));
        await SignInAsync(admitted, fixture.IssueCard());
        foreach (var (client, _) in inside)
            client.Dispose();
    }

    [Fact]
    public async Task Someone_signed_in_is_never_thrown_out_even_when_the_capacity_drops_and_a_queue_forms()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        await fixture.AdvanceAsync();
        using var client = fixture.ClientWith(Token(await AdmissionFixture.DrawAsync(fixture.CreateClient())));
        var person = await SignInAsync(client, fixture.IssueCard());
        using var admin = fixture.CreateClient();
        var lowered = await SendAsync(admin, HttpMethod.Put, "/api/v1/admin/admission", new { capacity = 1 },
            headers: new Dictionary<string, string> { ["Authorization"] = fixture.Admin.Authorization });
        Assert.Equal(HttpStatusCode.OK, lowered.Status);
        using var others = fixture.CreateClient();
        for (var i = 0; i < 3; i++)
            Assert.Equal(AdmissionStates.Waiting, State(await AdmissionFixture.DrawAsync(others)));
        await fixture.AdvanceAsync();

        // The session carries the person without the pass; the signed submission (which has no session) with the pass.
        using var bare = fixture.CreateClient();
        var verified = await VerifyOkAsync(bare, person.Token, "demo-pay", fixture.NewAccount("demo-pay"));
        var applied = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", verified.TermsVersion, verified.Verification, person.Card));
        Assert.Equal(HttpStatusCode.Created, applied.Status);
    }

    [Fact]
    public async Task A_ticket_drawn_at_one_replica_is_honoured_by_another()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        await using var replica = fixture.StartReplica();
        var other = replica.Services.GetRequiredService<AdmissionControl>();
        using var first = fixture.CreateClient();
        var ticket = await AdmissionFixture.DrawAsync(first);
        Assert.Equal(AdmissionStates.Waiting, State(ticket));

        await fixture.AdvanceAsync(other);

        using var second = replica.CreateClient();
        var state = await AdmissionFixture.StateAsync(second, Token(ticket));
        Assert.Equal(AdmissionStates.Admitted, State(state));
        using var app = fixture.ClientWith(Token(state), replica);
        await SignInAsync(app, fixture.IssueCard());
    }

    [Fact]
    public async Task Tickets_drawn_at_the_same_moment_on_two_replicas_are_numbered_once_each_without_gaps()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        await using var replica = fixture.StartReplica();
        using var first = fixture.CreateClient();
        using var second = replica.CreateClient();

        var replies = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => AdmissionFixture.DrawAsync(i % 2 == 0 ? first : second)));

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), replies.Select(Number).Order());
        await using var db = fixture.NewContext();
        var state = await db.AdmissionState.SingleAsync();
        Assert.Equal(40, state.Issued);
    }

    [Fact]
    public async Task A_forged_or_altered_ticket_is_worth_nothing()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        await fixture.AdvanceAsync();
        using var client = fixture.CreateClient();
        var pass = Token(await AdmissionFixture.DrawAsync(client));
        var altered = pass[..^2] + (pass[^2] == 'A' ? "B" : "A") + pass[^1];

        foreach (var bad in new[] { "forged", altered, new string('x', 5000) })
        {
            var state = await AdmissionFixture.StateAsync(client, bad);
            Assert.Equal(HttpStatusCode.BadRequest, state.Status);
            Assert.Equal("admission.no-ticket", state.Code);
        }
        // A gated request with a forged token draws a fresh ticket (capacity 2: the first pass took one place).
        var gated = await SendAsync(client, HttpMethod.Post, "/api/v1/challenges", new { purpose = "session" },
            headers: new Dictionary<string, string> { [AdmissionHttp.Header] = "forged" });
        Assert.Equal(HttpStatusCode.OK, gated.Status);
        Assert.NotEqual(pass, gated.Headers[AdmissionHttp.Header]);
    }

    [Fact]
    public async Task A_pass_left_unused_longer_than_the_idle_limit_must_queue_again()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        await fixture.AdvanceAsync();
        using var client = fixture.CreateClient();
        var pass = Token(await AdmissionFixture.DrawAsync(client));
        Assert.Equal(AdmissionStates.Admitted, State(await AdmissionFixture.StateAsync(client, pass)));

        fixture.Time.Advance(TimeSpan.FromMinutes(fixture.Admission.Options.PassMinutes + 1));

        Assert.Equal("admission.no-ticket", (await AdmissionFixture.StateAsync(client, pass)).Code);
    }

    [Fact]
    public async Task A_waiting_ticket_kept_past_its_lifetime_is_worth_nothing()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        using var client = fixture.CreateClient();
        var ticket = await AdmissionFixture.DrawAsync(client);
        Assert.Equal(AdmissionStates.Waiting, State(ticket));

        fixture.Time.Advance(TimeSpan.FromHours(fixture.Admission.Options.TicketHours) + TimeSpan.FromMinutes(1));
        await fixture.AdvanceAsync();

        Assert.Equal("admission.no-ticket", (await AdmissionFixture.StateAsync(client, Token(ticket))).Code);
    }

    [Fact]
    public async Task A_signed_in_citizens_pass_is_renewed_so_the_flow_never_throws_them_out()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        await fixture.AdvanceAsync();
        using var client = fixture.CreateClient();
        var pass = Token(await AdmissionFixture.DrawAsync(client));
        var person = await SignInAsync(fixture.ClientWith(pass), fixture.IssueCard());
        fixture.Time.Advance(TimeSpan.FromMinutes(10));

        var withSession = await SendAsync(client, HttpMethod.Get, "/api/v1/me", token: person.Token,
            headers: new Dictionary<string, string> { [AdmissionHttp.Header] = pass });
        Assert.Equal(HttpStatusCode.OK, withSession.Status);
        var renewed = Token(withSession);
        Assert.NotEqual(pass, renewed);

        // Past the first pass's lifetime (and the session's): the renewed pass still carries the person on.
        fixture.Time.Advance(TimeSpan.FromMinutes(fixture.Admission.Options.PassMinutes - 5));
        Assert.Equal("admission.no-ticket", (await AdmissionFixture.StateAsync(client, pass)).Code);
        Assert.Equal(AdmissionStates.Admitted, State(await AdmissionFixture.StateAsync(client, renewed)));
        using var renewedClient = fixture.ClientWith(renewed);
        await SignInAsync(renewedClient, person.Card);
    }

    [Fact]
    public async Task Requests_held_in_the_queue_do_not_count_toward_the_request_rate()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        using var admin = fixture.CreateClient();
        var saved = await SendAsync(admin, HttpMethod.Put, "/api/v1/admin/admission", new { capacity = 100, requestsPerSecond = 1 },
            headers: new Dictionary<string, string> { ["Authorization"] = fixture.Admin.Authorization });
        Assert.Equal(HttpStatusCode.OK, saved.Status);
        using var client = fixture.CreateClient();
        // No advance yet, so no room: every newcomer's request is answered with a ticket, not served.
        var queued = new List<Reply>();
        for (var i = 0; i < 40; i++)
            queued.Add(await SendAsync(client, HttpMethod.Post, "/api/v1/challenges", new { purpose = "session" }));
        Assert.All(queued, r => Assert.Equal("admission.queued", r.Code));

        await fixture.AdvanceAsync();

        Assert.Equal(AdmissionStates.Admitted, State(await AdmissionFixture.StateAsync(client, Token(queued[0]))));
        Assert.Equal(AdmissionStates.Admitted, State(await AdmissionFixture.StateAsync(client, Token(queued[^1]))));
    }

    [Fact]
    public async Task Switching_admission_off_lets_the_queue_in_and_on_again_starts_with_no_queue()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        using var client = fixture.CreateClient();
        var waiting = new List<Reply>();
        for (var i = 0; i < 5; i++)
            waiting.Add(await AdmissionFixture.DrawAsync(client));
        Assert.All(waiting, r => Assert.Equal(AdmissionStates.Waiting, State(r)));
        var auth = new Dictionary<string, string> { ["Authorization"] = fixture.Admin.Authorization };
        using var admin = fixture.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(admin, HttpMethod.Put, "/api/v1/admin/admission", new { enabled = false }, headers: auth)).Status);
        Assert.Equal(AdmissionStates.Admitted, State(await AdmissionFixture.StateAsync(client, Token(waiting[4]))));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(admin, HttpMethod.Put, "/api/v1/admin/admission", new { enabled = true }, headers: auth)).Status);
        await fixture.AdvanceAsync();

        // The five are not a queue any more: a newcomer is let in at once.
        Assert.Equal(AdmissionStates.Admitted, State(await AdmissionFixture.DrawAsync(client)));
        var view = await SendAsync(admin, HttpMethod.Get, "/api/v1/admin/admission", headers: auth);
        Assert.Equal(0, view.Body.GetProperty("live").GetProperty("queueLength").GetInt64());
    }

    [Fact]
    public async Task Staggered_windows_let_in_only_the_digits_whose_window_has_opened()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        using var admin = fixture.CreateClient();
        var now = fixture.Time.GetUtcNow();
        var opens3 = now.AddHours(6);
        var saved = await SendAsync(admin, HttpMethod.Put, "/api/v1/admin/admission",
            new { windows = new { until = now.AddDays(2), opens = new Dictionary<string, DateTimeOffset> { ["3"] = opens3, ["8"] = now.AddHours(30) } } },
            headers: new Dictionary<string, string> { ["Authorization"] = fixture.Admin.Authorization });
        Assert.Equal(HttpStatusCode.OK, saved.Status);
        await fixture.AdvanceAsync();
        using var client = fixture.CreateClient();

        var noDigit = await AdmissionFixture.DrawAsync(client);
        Assert.Equal("admission.window-digit-required", noDigit.Code);
        Assert.Equal("admission.window-digit-required", (await AdmissionFixture.DrawAsync(client, digit: "x")).Code);
        var closed = await AdmissionFixture.DrawAsync(client, digit: "3");
        Assert.Equal(AdmissionStates.WindowClosed, State(closed));
        Assert.Equal(opens3, closed.Body.GetProperty("opensAt").GetDateTimeOffset());
        Assert.Equal(0, Number(closed));
        var gated = await SendAsync(client, HttpMethod.Post, "/api/v1/challenges", new { purpose = "session" },
            headers: new Dictionary<string, string> { [AdmissionHttp.Header] = Token(closed) });
        Assert.Equal("admission.window-closed", gated.Code);
        Assert.Equal(AdmissionStates.Admitted, State(await AdmissionFixture.DrawAsync(client, digit: "4")));

        fixture.Time.Advance(TimeSpan.FromHours(6));

        // The same token (it remembers the digit) now draws a ticket.
        var opened = await AdmissionFixture.DrawAsync(client, Token(closed));
        Assert.Equal(AdmissionStates.Admitted, State(opened));
        Assert.Equal(2, Number(opened));
    }

    [Fact]
    public async Task Settings_out_of_range_are_refused_field_by_field_and_change_nothing()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        using var admin = fixture.CreateClient();
        var auth = new Dictionary<string, string> { ["Authorization"] = fixture.Admin.Authorization };
        var auditBefore = (await fixture.CountAsync()).Audit;

        var bad = await SendAsync(admin, HttpMethod.Put, "/api/v1/admin/admission",
            new { capacity = 0, requestsPerSecond = -1, windows = new { until = (DateTimeOffset?)null, opens = new Dictionary<string, string> { ["12"] = "2026-01-01T00:00:00Z" } } }, headers: auth);
        var unreadable = await SendAsync(admin, HttpMethod.Put, "/api/v1/admin/admission", rawJson: "{\"capacity\": \"many\"", headers: auth);
        var clerk = await SendAsync(admin, HttpMethod.Put, "/api/v1/admin/admission", new { capacity = 5 },
            headers: new Dictionary<string, string> { ["Authorization"] = fixture.Clerk.Authorization });

        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal("admission.settings-invalid", bad.Code);
        Assert.Equal(["capacity", "requestsPerSecond", "windows.opens", "windows.until"], bad.ErrorFields.Order());
        Assert.Equal("admission.settings-invalid", unreadable.Code);
        Assert.Equal(HttpStatusCode.Forbidden, clerk.Status);
        Assert.Equal(AdmissionFixture.Capacity, fixture.Admission.Settings.Capacity);
        await using var db = fixture.NewContext();
        Assert.False((await db.AdmissionState.SingleAsync()).Saved);
        Assert.Equal(auditBefore, (await fixture.CountAsync()).Audit);

        var good = await SendAsync(admin, HttpMethod.Put, "/api/v1/admin/admission", new { capacity = 7, requestsPerSecond = 100 }, headers: auth);
        Assert.Equal(HttpStatusCode.OK, good.Status);
        Assert.Equal(7, good.Body.GetProperty("settings").GetProperty("capacity").GetInt32());
        Assert.Equal(7, fixture.Admission.Settings.Capacity);
        Assert.Equal(1, await db.AuditLog.CountAsync(a => a.Action == "admission.settings-saved"));
    }

    [Fact]
    public async Task Operators_staff_and_the_admission_api_are_in_their_own_lanes_while_citizens_queue()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        using var client = fixture.CreateClient();
        // Nobody has been let in and nothing advances: every citizen newcomer waits.
        var queued = await SendAsync(client, HttpMethod.Post, "/api/v1/challenges", new { purpose = "session" });
        Assert.Equal("admission.queued", queued.Code);

        var lookup = await LookupAsync(client, fixture.NewAgent(), await fixture.UnknownMyKeyIdAsync(), "0000");
        var services = await SendAsync(client, HttpMethod.Get, "/api/v1/services");
        var view = await SendAsync(client, HttpMethod.Get, "/api/v1/admin/admission",
            headers: new Dictionary<string, string> { ["Authorization"] = fixture.Admin.Authorization });

        Assert.Equal(HttpStatusCode.OK, lookup.Status);
        Assert.Equal(HttpStatusCode.OK, services.Status);
        Assert.Equal(HttpStatusCode.OK, view.Status);
        Assert.Equal(1, view.Body.GetProperty("live").GetProperty("queueLength").GetInt64());
    }

    [Fact]
    public async Task Over_the_request_rate_nobody_new_is_let_in_until_it_falls()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        using var admin = fixture.CreateClient();
        var saved = await SendAsync(admin, HttpMethod.Put, "/api/v1/admin/admission", new { capacity = 100, requestsPerSecond = 1 },
            headers: new Dictionary<string, string> { ["Authorization"] = fixture.Admin.Authorization });
        Assert.Equal(HttpStatusCode.OK, saved.Status);
        await fixture.AdvanceAsync();
        using var client = fixture.CreateClient();
        var pass = Token(await AdmissionFixture.DrawAsync(client));
        using var inside = fixture.ClientWith(pass);
        // Citizen-flow requests far above 1 per second (an advance measures them over its interval; this one is short).
        for (var i = 0; i < 40; i++)
            await ChallengeAsync(inside);
        await fixture.AdvanceAsync();

        var waiting = await AdmissionFixture.DrawAsync(client);
        Assert.Equal(AdmissionStates.Waiting, State(waiting));
        await using var db = fixture.NewContext();
        var tick = await db.AdmissionTicks.OrderByDescending(t => t.Id).FirstAsync();
        Assert.True(tick.RequestsPerSecond > 1, $"measured {tick.RequestsPerSecond} requests/s");

        // The rate falls (nobody sends anything): the next advance lets the newcomer in.
        await fixture.AdvanceAsync();
        Assert.Equal(AdmissionStates.Admitted, State(await AdmissionFixture.StateAsync(client, Token(waiting))));
    }

    [Fact]
    public async Task With_admission_off_nobody_waits_and_no_ticket_is_numbered()
    {
        await using var fixture = await AdmissionFixture.StartNewAsync(Provider);
        using var admin = fixture.CreateClient();
        await SendAsync(admin, HttpMethod.Put, "/api/v1/admin/admission", new { enabled = false },
            headers: new Dictionary<string, string> { ["Authorization"] = fixture.Admin.Authorization });
        using var client = fixture.CreateClient();

        await SignInAsync(client, fixture.IssueCard());
        var drawn = await AdmissionFixture.DrawAsync(client);

        Assert.Equal(AdmissionStates.Admitted, State(drawn));
        Assert.Equal(0, Number(drawn));
        await using var db = fixture.NewContext();
        Assert.Equal(0, (await db.AdmissionState.SingleAsync()).Issued);
    }
}

public sealed class SqliteAdmissionTests : AdmissionTests
{
    protected override StorageProvider Provider => StorageProvider.Sqlite;
}

public sealed class PostgresAdmissionTests : AdmissionTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}

/// <summary>A replica whose configuration says "off" while an administrator has switched admission on.</summary>
public sealed class AdmissionStartTests
{
    [Fact]
    public async Task A_replica_started_during_a_rush_reads_the_saved_settings_before_it_serves()
    {
        await using var fixture = new OffByConfiguration();
        await fixture.InitializeAsync();
        using var admin = fixture.CreateClient();
        var saved = await SendAsync(admin, HttpMethod.Put, "/api/v1/admin/admission", new { enabled = true, capacity = 5 },
            headers: new Dictionary<string, string> { ["Authorization"] = fixture.Admin.Authorization });
        Assert.Equal(HttpStatusCode.OK, saved.Status);

        await using var replica = fixture.StartReplica();

        Assert.True(replica.Services.GetRequiredService<AdmissionControl>().Settings.Enabled);
        using var client = replica.CreateClient();
        var gated = await SendAsync(client, HttpMethod.Post, "/api/v1/challenges", new { purpose = "session" });
        Assert.Equal("admission.queued", gated.Code);
    }

    private sealed class OffByConfiguration() : CallCentre.CallCentreFixture(StorageProvider.Sqlite)
    {
        protected override void Configure(Microsoft.AspNetCore.Hosting.IWebHostBuilder web)
        {
            base.Configure(web);
            web.UseSetting("Kangen:Admission:Enabled", "false");
            web.UseSetting("Kangen:Admission:TickMilliseconds", "0");
        }
    }
}

/// <summary>The replicas' own advance loop and the metrics, with real ticks (no test advances the queue here).</summary>
public sealed class AdmissionLoopTests
{
    [Fact]
    public async Task Each_replica_advances_the_queue_on_its_own_and_the_metrics_show_it()
    {
        await using var fixture = new TickingFixture();
        await fixture.InitializeAsync();
        using var client = fixture.CreateClient();
        var tickets = new List<string>();
        for (var i = 0; i < 4; i++)
            tickets.Add((await AdmissionFixture.DrawAsync(client)).Headers[AdmissionHttp.Header]);

        // Two people may be in the flow; the ticks let in the first two tickets and keep the others waiting. Waiting for
        // the ticks is waiting for a condition, not a measurement of time.
        var states = new List<string>();
        for (var attempt = 0; attempt < 600; attempt++)
        {
            states.Clear();
            foreach (var ticket in tickets)
                states.Add((await AdmissionFixture.StateAsync(client, ticket)).Text("state"));
            if (states.Count(s => s == AdmissionStates.Admitted) >= 2)
                break;
            await Task.Delay(50);
        }
        Assert.Equal([AdmissionStates.Admitted, AdmissionStates.Admitted, AdmissionStates.Waiting, AdmissionStates.Waiting], states);

        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("kangen_admission_queue_length", metrics, StringComparison.Ordinal);
        Assert.Contains("kangen_admission_admitted", metrics, StringComparison.Ordinal);
    }

    private sealed class TickingFixture() : CallCentre.CallCentreFixture(StorageProvider.Sqlite)
    {
        protected override void Configure(Microsoft.AspNetCore.Hosting.IWebHostBuilder web)
        {
            base.Configure(web);
            web.UseSetting("Kangen:Admission:Enabled", "true");
            web.UseSetting("Kangen:Admission:Capacity", "2");
            web.UseSetting("Kangen:Admission:TickMilliseconds", "50");
        }
    }
}

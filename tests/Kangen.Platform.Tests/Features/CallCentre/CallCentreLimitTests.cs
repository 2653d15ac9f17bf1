using System.Globalization;
using System.Net;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.CallCentre.CallCentreClient;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.CallCentre;

/// <summary>
/// The call-centre limits as a deployment meets them: two platform instances on one database (the limits are counted
/// there, so spreading lookups over replicas gains nothing), lookups at the same instant, and windows that end. Each
/// test runs on a platform of its own; on SQLite and on PostgreSQL.
/// </summary>
public abstract class CallCentreLimitTests
{
    protected abstract StorageProvider Provider { get; }

    [Fact]
    public async Task Lookups_of_one_ID_spread_over_two_instances_stop_at_the_limit()
    {
        await using var fixture = await CallCentreFixture.StartAsync(Provider);
        await using var replica = fixture.StartReplica();
        using var first = fixture.CreateClient();
        using var second = replica.CreateClient();
        var person = await fixture.AppliedAsync(first, "3141");
        var clients = new[] { first, second };

        var replies = new List<Reply>();
        for (var i = 0; i < CallCentreFixture.PerMyKeyIdPerHour + 2; i++)
            replies.Add(await LookupAsync(clients[i % 2], fixture.NewAgent(), person.MyKeyId, "3141"));

        Assert.All(replies[..CallCentreFixture.PerMyKeyIdPerHour], r => Assert.True(r.Body.GetProperty("matched").GetBoolean()));
        Assert.All(replies[CallCentreFixture.PerMyKeyIdPerHour..], r => Assert.Equal("callcentre.rate-limited", r.Code));
        // Both instances refused (the last two lookups went one to each).
        Assert.All(replies[CallCentreFixture.PerMyKeyIdPerHour..], r => Assert.Equal(HttpStatusCode.TooManyRequests, r.Status));
    }

    [Fact]
    public async Task Lookups_by_one_agent_spread_over_two_instances_stop_at_the_limit()
    {
        await using var fixture = await CallCentreFixture.StartAsync(Provider);
        await using var replica = fixture.StartReplica();
        using var first = fixture.CreateClient();
        using var second = replica.CreateClient();
        var agent = fixture.NewAgent();
        var clients = new[] { first, second };

        var replies = new List<Reply>();
        for (var i = 0; i < CallCentreFixture.PerCallerPerMinute + 2; i++)
            replies.Add(await LookupAsync(clients[i % 2], agent, await fixture.UnknownMyKeyIdAsync(), "0000"));

        Assert.All(replies[..CallCentreFixture.PerCallerPerMinute], r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.All(replies[CallCentreFixture.PerCallerPerMinute..], r => Assert.Equal("callcentre.rate-limited", r.Code));
    }

    [Fact]
    public async Task Simultaneous_lookups_over_two_instances_admit_exactly_the_limit_and_fail_none()
    {
        await using var fixture = await CallCentreFixture.StartAsync(Provider);
        await using var replica = fixture.StartReplica();
        using var first = fixture.CreateClient();
        using var second = replica.CreateClient();
        var clients = new[] { first, second };
        var unknown = await fixture.UnknownMyKeyIdAsync();
        var agents = Enumerable.Range(0, 12).Select(_ => fixture.NewAgent()).ToArray();
        var busy = fixture.NewAgent();
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
            ids.Add(await fixture.UnknownMyKeyIdAsync());

        // Twelve agents at once on one (new) ID, and one agent at once on twelve IDs: both first hits of their windows race.
        var byId = await Task.WhenAll(agents.Select((agent, i) => LookupAsync(clients[i % 2], agent, unknown, "2222")));
        var byCaller = await Task.WhenAll(ids.Select((id, i) => LookupAsync(clients[i % 2], busy, id, "2222")));

        if (byId.Concat(byCaller).FirstOrDefault(r => r.Status is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests)) is { } failed)
            Assert.Fail($"{failed.Status} {failed.Raw}{Environment.NewLine}{fixture.ServerErrors}");
        Assert.Equal(CallCentreFixture.PerMyKeyIdPerHour, byId.Count(r => r.Status == HttpStatusCode.OK));
        Assert.Equal(CallCentreFixture.PerCallerPerMinute, byCaller.Count(r => r.Status == HttpStatusCode.OK));
        await using var db = fixture.NewContext();
        Assert.Equal(24, await db.AuditLog.CountAsync(e => e.Action.StartsWith("call-centre.")));
        var verification = await AuditVerifier.VerifyAsync(db);
        Assert.True(verification.IsIntact, verification.Detail);
    }

    [Fact]
    public async Task An_agent_may_look_up_again_once_the_minute_is_over()
    {
        await using var fixture = await CallCentreFixture.StartAsync(Provider);
        using var client = fixture.CreateClient();
        var agent = fixture.NewAgent();
        for (var i = 0; i < CallCentreFixture.PerCallerPerMinute; i++)
            Assert.Equal(HttpStatusCode.OK, (await LookupAsync(client, agent, await fixture.UnknownMyKeyIdAsync(), "1234")).Status);
        var limited = await LookupAsync(client, agent, await fixture.UnknownMyKeyIdAsync(), "1234");
        var retryAfter = int.Parse(limited.Headers["Retry-After"], CultureInfo.InvariantCulture);

        fixture.Time.Advance(TimeSpan.FromSeconds(retryAfter - 1));
        var tooSoon = await LookupAsync(client, agent, await fixture.UnknownMyKeyIdAsync(), "1234");
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var again = await LookupAsync(client, agent, await fixture.UnknownMyKeyIdAsync(), "1234");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, tooSoon.Status);
        Assert.Equal("1", tooSoon.Headers["Retry-After"]);
        Assert.Equal(HttpStatusCode.OK, again.Status);
    }

    [Fact]
    public async Task An_ID_may_be_looked_up_again_once_the_hour_is_over()
    {
        await using var fixture = await CallCentreFixture.StartAsync(Provider);
        using var client = fixture.CreateClient();
        var person = await fixture.AppliedAsync(client, "7777");
        for (var i = 0; i < CallCentreFixture.PerMyKeyIdPerHour; i++)
            Assert.Equal(HttpStatusCode.OK, (await LookupAsync(client, fixture.NewAgent(), person.MyKeyId, "7777")).Status);
        var limited = await LookupAsync(client, fixture.NewAgent(), person.MyKeyId, "7777");
        var retryAfter = int.Parse(limited.Headers["Retry-After"], CultureInfo.InvariantCulture);

        fixture.Time.Advance(TimeSpan.FromSeconds(retryAfter));
        var again = await LookupAsync(client, fixture.NewAgent(), person.MyKeyId, "7777");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.InRange(retryAfter, 1, 3600);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.True(again.Body.GetProperty("matched").GetBoolean());
    }
}

public sealed class SqliteCallCentreLimitTests : CallCentreLimitTests
{
    protected override StorageProvider Provider => StorageProvider.Sqlite;
}

public sealed class PostgresCallCentreLimitTests : CallCentreLimitTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}

using System.Net;
using Kangen.Platform.Features.Reservation;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Reservation;

/// <summary>Flow 2 over HTTP: change and regenerate the My Key ID; run on SQLite and on PostgreSQL.</summary>
public abstract class ReservationApiTests<TFixture>(TFixture fixture) where TFixture : PlatformFixture
{
    protected TFixture Fixture { get; } = fixture;

    private static string UniqueChoice() => "Z" + Guid.NewGuid().ToString("N")[..7].ToUpperInvariant();

    [Fact]
    public async Task A_person_can_change_to_a_chosen_free_id()
    {
        using var client = Fixture.CreateClient();
        var (token, original) = await LoginOkAsync(client, Fixture.IssueCard());
        var chosen = UniqueChoice();
        var before = await Fixture.CountAsync();

        var reply = await SendAsync(client, HttpMethod.Put, "/api/v1/me/my-key-id", new { myKeyId = chosen.ToLowerInvariant() }, token);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(chosen, reply.Text("myKeyId"));
        Assert.Equal(original, reply.Text("previous"));
        Assert.Equal(before with { Audit = before.Audit + 1 }, await Fixture.CountAsync());
        Assert.Equal(chosen, (await SendAsync(client, HttpMethod.Get, "/api/v1/me", token: token)).Text("myKeyId"));
        await using var db = Fixture.NewContext();
        var entry = await db.AuditLog.OrderByDescending(a => a.Sequence).FirstAsync();
        Assert.Equal("my-key-id.changed", entry.Action);
        Assert.Contains(chosen, entry.Data);
    }

    [Fact]
    public async Task An_id_held_by_someone_else_is_refused_and_nothing_changes()
    {
        using var client = Fixture.CreateClient();
        var (_, taken) = await LoginOkAsync(client, Fixture.IssueCard());
        var (token, mine) = await LoginOkAsync(client, Fixture.IssueCard());
        var before = await Fixture.CountAsync();

        var reply = await SendAsync(client, HttpMethod.Put, "/api/v1/me/my-key-id", new { myKeyId = taken }, token);

        Assert.Equal(HttpStatusCode.Conflict, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
        Assert.Equal("reservation.my-key-id-taken", reply.Code);
        Assert.Equal(before, await Fixture.CountAsync());
        Assert.Equal(mine, (await SendAsync(client, HttpMethod.Get, "/api/v1/me", token: token)).Text("myKeyId"));
    }

    [Theory]
    [InlineData("{\"myKeyId\":\"ABC\"}")]
    [InlineData("{\"myKeyId\":\"ABCD-123\"}")]
    [InlineData("{\"myKeyId\":\"ＡＢＣＤ１２３４\"}")]
    [InlineData("{}")]
    [InlineData("{\"myKeyId\":")]
    public async Task A_malformed_id_is_refused_with_a_field_error_and_nothing_changes(string json)
    {
        using var client = Fixture.CreateClient();
        var (token, mine) = await LoginOkAsync(client, Fixture.IssueCard());
        var before = await Fixture.CountAsync();

        var reply = await SendAsync(client, HttpMethod.Put, "/api/v1/me/my-key-id", token: token, rawJson: json);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("reservation.my-key-id-invalid", reply.Code);
        Assert.True(reply.Body.GetProperty("errors").TryGetProperty("myKeyId", out _));
        Assert.Equal(before, await Fixture.CountAsync());
        Assert.Equal(mine, (await SendAsync(client, HttpMethod.Get, "/api/v1/me", token: token)).Text("myKeyId"));
    }

    [Fact]
    public async Task The_id_can_be_regenerated_three_times_and_no_more()
    {
        using var client = Fixture.CreateClient();
        var (token, original) = await LoginOkAsync(client, Fixture.IssueCard());
        var seen = new List<string> { original };
        for (var i = 1; i <= ReservationProblems.MaxRegenerations; i++)
        {
            var reply = await SendAsync(client, HttpMethod.Post, "/api/v1/me/my-key-id/regenerate", token: token);
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            var fresh = reply.Text("myKeyId");
            Assert.Equal(seen[^1], reply.Text("previous"));
            Assert.DoesNotContain(fresh, seen);
            Assert.All(fresh, c => Assert.Contains(c, MyKeyId.GeneratedAlphabet));
            Assert.Equal(i, reply.Body.GetProperty("regenerationsUsed").GetInt32());
            Assert.Equal(ReservationProblems.MaxRegenerations - i, reply.Body.GetProperty("regenerationsLeft").GetInt32());
            seen.Add(fresh);
        }
        var before = await Fixture.CountAsync();

        var refused = await SendAsync(client, HttpMethod.Post, "/api/v1/me/my-key-id/regenerate", token: token);

        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.Equal("reservation.regeneration-limit", refused.Code);
        Assert.Equal(before, await Fixture.CountAsync());
        var me = await SendAsync(client, HttpMethod.Get, "/api/v1/me", token: token);
        Assert.Equal(seen[^1], me.Text("myKeyId"));
        Assert.Equal(0, me.Body.GetProperty("regenerationsLeft").GetInt32());
    }

    [Fact]
    public async Task Concurrent_regenerations_never_pass_the_limit()
    {
        using var client = Fixture.CreateClient();
        var (token, _) = await LoginOkAsync(client, Fixture.IssueCard());

        var replies = await Task.WhenAll(Enumerable.Range(0, 6)
            .Select(_ => SendAsync(client, HttpMethod.Post, "/api/v1/me/my-key-id/regenerate", token: token)));

        Assert.Equal(ReservationProblems.MaxRegenerations, replies.Count(r => r.Status == HttpStatusCode.OK));
        Assert.All(replies.Where(r => r.Status != HttpStatusCode.OK), r => Assert.Equal("reservation.regeneration-limit", r.Code));
        Assert.Equal(ReservationProblems.MaxRegenerations, (await SendAsync(client, HttpMethod.Get, "/api/v1/me", token: token)).Body.GetProperty("regenerationsUsed").GetInt32());
    }

    [Fact]
    public async Task Concurrent_changes_leave_an_unbroken_trail_of_ids_in_the_audit_log()
    {
        using var client = Fixture.CreateClient();
        var (token, original) = await LoginOkAsync(client, Fixture.IssueCard());

        var replies = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => i % 3 == 2
            ? SendAsync(client, HttpMethod.Post, "/api/v1/me/my-key-id/regenerate", token: token)
            : SendAsync(client, HttpMethod.Put, "/api/v1/me/my-key-id", new { myKeyId = UniqueChoice() }, token)));

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        // Every change names the ID it replaced: the one the previous change set, never a stale read.
        await using var db = Fixture.NewContext();
        var actor = (await db.AuditLog.Where(a => a.Action == "person.created" && a.Data.Contains(original)).SingleAsync()).Subject;
        var trail = await db.AuditLog.Where(a => a.Actor == actor && (a.Action == "my-key-id.changed" || a.Action == "my-key-id.regenerated"))
            .OrderBy(a => a.Sequence).Select(a => a.Data).ToListAsync();
        Assert.Equal(replies.Length, trail.Count);
        var current = original;
        foreach (var data in trail)
        {
            var change = System.Text.Json.JsonDocument.Parse(data).RootElement;
            Assert.Equal(current, change.GetProperty("from").GetString());
            current = change.GetProperty("to").GetString()!;
        }
        var me = await SendAsync(client, HttpMethod.Get, "/api/v1/me", token: token);
        Assert.Equal(current, me.Text("myKeyId"));
        // Each answer's "previous" is what was really replaced, so the answers chain too.
        Assert.Equal(replies.Select(r => r.Text("previous")).Order(), trail.Select(d => System.Text.Json.JsonDocument.Parse(d).RootElement.GetProperty("from").GetString()!).Order());
    }
}

public sealed class SqliteReservationApiTests(SqlitePlatformFixture fixture)
    : ReservationApiTests<SqlitePlatformFixture>(fixture), IClassFixture<SqlitePlatformFixture>;

public sealed class PostgresReservationApiTests(PostgresPlatformFixture fixture)
    : ReservationApiTests<PostgresPlatformFixture>(fixture), IClassFixture<PostgresPlatformFixture>;

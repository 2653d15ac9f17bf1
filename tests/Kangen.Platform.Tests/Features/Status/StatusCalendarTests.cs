using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Features.Applications;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Features.Status.StatusReplies;

namespace Kangen.Platform.Tests.Features.Status;

/// <summary>
/// The status against the campaign's calendar: each test moves the fake clock, so each runs on a platform of its own
/// (the clock starts at 12:00 Japan time of the anchor day). Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class StatusCalendarTests
{
    protected abstract StorageProvider Provider { get; }

    [Fact]
    public async Task Before_the_windows_open_every_program_says_wait_until_its_own_opening()
    {
        await using var fixture = await ApplyingFixture.StartAsync(Provider, "2021-12-31");
        using var client = fixture.CreateClient();
        var card = fixture.IssueCard();
        var person = await SignInAsync(client, card);
        await RegisterHealthInsuranceAsync(client, person.Token);

        var early = Programs(await GetStatusOkAsync(client, person.Token));
        fixture.Time.Advance(TimeSpan.FromHours(12)); // 2022-01-01 00:00 Japan time: part 1 opens, parts 2 and 3 later
        var opened = Programs(await GetStatusOkAsync(client, (await SignInAsync(client, card)).Token));

        Assert.Equal(["todo.wait", "todo.wait", "todo.wait"], early.Select(ToDo));
        Assert.All(early, p => Assert.Contains("eligibility.window-not-open", Reasons(p)));
        Assert.All(early, p => Assert.False(p.GetProperty("eligible").GetBoolean()));
        // Waiting comes first even where a registration is also missing (part 3): it is the first thing in the way.
        Assert.Contains("eligibility.registration-missing", Reasons(early[2]));
        Assert.Equal(fixture.Time.GetUtcNow(), early[0].GetProperty("opensAt").GetDateTimeOffset());
        Assert.Equal(["todo.apply", "todo.wait", "todo.wait"], opened.Select(ToDo));
        Assert.True(opened[1].GetProperty("opensAt").GetDateTimeOffset() > fixture.Time.GetUtcNow());
    }

    [Fact]
    public async Task After_the_windows_close_the_unapplied_programs_say_closed_and_the_applied_ones_stay_applied()
    {
        await using var fixture = await ApplyingFixture.StartAsync(Provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var appliedCard = fixture.IssueCard();
        var idleCard = fixture.IssueCard();
        await ApplySelfOkAsync(client, await SignInAsync(client, appliedCard), "demo-pay", fixture.NewAccount("demo-pay"), Card);
        await SignInAsync(client, idleCard);

        fixture.Time.Advance(TimeSpan.FromDays(400)); // 2023-11-19 of the campaign calendar: every window has closed
        var applied = Programs(await GetStatusOkAsync(client, (await SignInAsync(client, appliedCard)).Token));
        var idle = Programs(await GetStatusOkAsync(client, (await SignInAsync(client, idleCard)).Token));

        Assert.Equal(["todo.closed", "todo.closed", "todo.closed"], idle.Select(ToDo));
        Assert.All(idle, p => Assert.Contains("eligibility.window-closed", Reasons(p)));
        Assert.All(idle, p => Assert.True(p.GetProperty("closesAt").GetDateTimeOffset() <= fixture.Time.GetUtcNow()));
        Assert.Equal(["todo.check-with-operator", "todo.closed", "todo.closed"], applied.Select(ToDo));
        Assert.True(applied[0].GetProperty("applied").GetBoolean());
        Assert.Equal("demo-pay", applied[0].GetProperty("service").GetProperty("code").GetString());
    }
}

public sealed class SqliteStatusCalendarTests : StatusCalendarTests
{
    protected override StorageProvider Provider => StorageProvider.Sqlite;
}

public sealed class PostgresStatusCalendarTests : StatusCalendarTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}

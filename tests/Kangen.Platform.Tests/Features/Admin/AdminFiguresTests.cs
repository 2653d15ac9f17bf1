using Kangen.Platform.Pages.Admin;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Tests.Features.Admin;

/// <summary>The dashboard's grouped queries (raw SQL per provider for the time buckets) against rows the test writes.</summary>
public abstract class AdminFiguresTests<TFixture>(TFixture fixture) where TFixture : PlatformFixture
{
    private static readonly DateTimeOffset Noon = new(2026, 4, 1, 3, 30, 0, TimeSpan.Zero);

    private static async Task<Guid> PersonAsync(KangenDbContext db)
    {
        var id = Guid.NewGuid();
        db.Persons.Add(new Person { Id = id, MyKeyId = "T" + id.ToString("N")[..7].ToUpperInvariant(), CreatedAt = Noon, CardHeldSince = Noon });
        await db.SaveChangesAsync();
        return id;
    }

    private static void Apply(KangenDbContext db, Guid person, string program, string service, string channel, DateTimeOffset at)
    {
        var submission = new ApplicationSubmission
        {
            Id = Guid.NewGuid(), RequesterId = person, IdempotencyKeyHash = Guid.NewGuid().ToString("N"), RequestHash = "r", PersonId = person,
            Campaign = "figures-test", CampaignVersion = 1, Service = service, TermsVersion = "1", AccountReference = Guid.NewGuid().ToString("N"),
            SealedServiceId = "s", Actor = "self", Channel = channel, StatementHash = "h", Serial = "01", Signature = "sig", RecordedAt = at,
        };
        db.ApplicationSubmissions.Add(submission);
        db.Applications.Add(new ProgramApplication
        {
            Campaign = "figures-test", PersonId = person, Program = program, SubmissionId = submission.Id, Service = service, Actor = "self", Channel = channel, RecordedAt = at,
        });
    }

    [Fact]
    public async Task Applications_are_counted_per_hour_channel_service_and_program_in_the_database()
    {
        await using var db = fixture.NewContext();
        var a = await PersonAsync(db);
        var b = await PersonAsync(db);
        Apply(db, a, "card-acquisition", "figures-pay", "web", Noon);
        Apply(db, a, "health-insurance", "figures-pay", "web", Noon.AddMinutes(20));
        Apply(db, b, "card-acquisition", "figures-card", "spot", Noon.AddHours(-5));
        await db.SaveChangesAsync();

        var hours = await AdminFigures.ApplicationsPerHourAsync(db, Noon.AddHours(-6), Noon.AddMinutes(30), CancellationToken.None);
        var channels = await AdminFigures.ApplicationsPerChannelAsync(db, CancellationToken.None);
        var services = await AdminFigures.ApplicationsPerServiceAsync(db, CancellationToken.None);

        // Every hour from 21:00 to 04:00 UTC (zero hours too), the two of 03:xx together and the spot one at 22:xx.
        Assert.Equal(8, hours.Count);
        Assert.Equal(new DateTimeOffset(2026, 3, 31, 21, 0, 0, TimeSpan.Zero), hours[0].Hour);
        Assert.Equal(2, hours.Single(h => h.Hour == new DateTimeOffset(2026, 4, 1, 3, 0, 0, TimeSpan.Zero)).Count);
        Assert.Equal(1, hours.Single(h => h.Hour == new DateTimeOffset(2026, 3, 31, 22, 0, 0, TimeSpan.Zero)).Count);
        var all = await db.Applications.Where(x => x.RecordedAt >= Noon.AddHours(-6)).CountAsync();
        Assert.Equal(all, hours.Sum(h => h.Count));
        Assert.Equal(await db.Applications.CountAsync(x => x.Channel == "spot"), channels.Single(c => c.Category == "spot").Count);
        Assert.Equal(2, services.Single(s => s.Category == "figures-pay").Count);
        Assert.Equal(1, services.Single(s => s.Category == "figures-card").Count);
    }

    [Fact]
    public async Task Grants_are_summed_per_program_and_day_of_the_campaign_calendar_and_months_per_operator()
    {
        await using var db = fixture.NewContext();
        var person = await PersonAsync(db);
        var code = "fig-" + Guid.NewGuid().ToString("N")[..8];
        db.Operators.Add(new OperatorAccount { Code = code, Status = "active", CreatedAt = Noon, UpdatedAt = Noon });
        // 23:30 UTC on 31 March is 08:30 on 1 April in Japan: the same day as the other two.
        var instants = new[] { Noon, Noon.AddHours(1), new DateTimeOffset(2026, 3, 31, 23, 30, 0, TimeSpan.Zero), Noon.AddDays(-3) };
        var points = new long[] { 500, 250, 100, 40 };
        for (var i = 0; i < instants.Length; i++)
        {
            db.Grants.Add(new GrantEntry
            {
                OperatorCode = code, Key = $"k{i}", LineHash = "h", Kind = "grant", PersonId = person, Campaign = "figures-test", Service = "figures-pay",
                Program = "card-acquisition", Proposed = points[i], Points = points[i], Status = "accepted", OccurredAt = instants[i], Month = 202603 + (i == 3 ? 0 : 1),
                RecordedAt = instants[i],
            });
        }
        await db.SaveChangesAsync();

        // Asked from an instant in Japan time, as the dashboard does (Npgsql refused a +09:00 parameter: a 500 on PostgreSQL).
        var days = (await AdminFigures.GrantsPerDayAsync(db, Noon.AddDays(-10).ToOffset(TimeSpan.FromHours(9)), TimeSpan.FromHours(9), CancellationToken.None))
            .Where(d => d.Program == "card-acquisition").ToArray();
        var months = (await AdminFigures.SettlementMonthsAsync(db, CancellationToken.None)).Where(m => m.Operator == code).ToArray();
        var operators = await AdminFigures.OperatorsAsync(db, CancellationToken.None);

        var april1 = days.Single(d => d.Day == new DateOnly(2026, 4, 1));
        // Only this test writes grants in its fixture: the figures are exact, so a join counting a row twice shows.
        Assert.Equal((3L, 850L), (april1.Lines, april1.Points));
        Assert.Equal(40L, days.Single(d => d.Day == new DateOnly(2026, 3, 29)).Points);
        Assert.Equal([(202604, 3L, 850L), (202603, 1L, 40L)], months.Select(m => (m.Month, m.Count, m.Points)));
        Assert.All(months, m => Assert.Equal("estimate", m.State));
        Assert.Contains(operators, o => o.Code == code && o.Status == "active" && !o.HasEndpoint && o.ActiveKeys == 0);
    }
}

public sealed class SqliteAdminFiguresTests(SqlitePlatformFixture fixture)
    : AdminFiguresTests<SqlitePlatformFixture>(fixture), IClassFixture<SqlitePlatformFixture>;

public sealed class PostgresAdminFiguresTests(PostgresPlatformFixture fixture)
    : AdminFiguresTests<PostgresPlatformFixture>(fixture), IClassFixture<PostgresPlatformFixture>;

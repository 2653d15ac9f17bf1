using System.Diagnostics;
using System.Net;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Xunit.Abstractions;

namespace Kangen.Platform.Tests.Features.Operators;

/// <summary>
/// The feed streams a full page of 100,000 records, in order, every line complete. How fast is measured by
/// benchmarks, never asserted by a test (docs/performance.md); the time is only written to the test output.
/// </summary>
public abstract class FeedPageTests<TFixture>(TFixture fixture, ITestOutputHelper output) where TFixture : OperatorsFixture
{
    protected TFixture Fixture { get; } = fixture;

    [Fact]
    public async Task A_full_page_of_100000_records_streams_in_order()
    {
        const int Count = OperatorsFeedLimits.Max;
        using var client = Fixture.CreateClient();
        using var operatorClient = Fixture.SignedClient(await Fixture.OnboardAsync(client, "kazaguruma"));
        // Synthetic positions far above the fixture's audit entries: only the feed's order and completeness are examined.
        const long Base = 1_000_000_000;
        var at = Fixture.Time.GetUtcNow();
        await using (var db = Fixture.NewContext())
        {
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            for (var i = 0; i < Count; i++)
            {
                db.EnrolmentEvents.Add(new EnrolmentEvent
                {
                    AuditSequence = Base + i / 2, Ordinal = i % 2, OperatorCode = "kazaguruma", Pseudonym = $"p-{i:D26}", Kind = EnrolmentRecord.Enrolled,
                    Service = "kazaguruma-pay", AccountReference = $"acct-{i}", Program = "card-acquisition", At = at,
                });
            }
            await db.SaveChangesAsync();
        }

        var clock = Stopwatch.StartNew();
        using var response = await operatorClient.GetAsync(OperatorRoutes.Enrolments + "?limit=" + Count, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var lines = 0;
        string? previous = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (lines % 9973 == 0)
            {
                var record = System.Text.Json.JsonSerializer.Deserialize<EnrolmentRecord>(line, ProtocolJson.Options)!;
                Assert.Equal($"p-{lines:D26}", record.Person);
                Assert.Equal($"{Base + lines / 2}.{lines % 2}", record.Cursor);
            }
            previous = line;
            lines++;
        }
        var elapsed = clock.Elapsed;
        output.WriteLine($"{Fixture.Provider}: {lines:N0} records in {elapsed.TotalMilliseconds:N0} ms = {lines / elapsed.TotalSeconds:N0} records/s");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Count, lines);
        Assert.Contains($"\"cursor\":\"{Base + (Count - 1) / 2}.1\"", previous);
    }
}

/// <summary>The feed's page limit, as a constant for tests.</summary>
internal static class OperatorsFeedLimits
{
    public const int Max = Kangen.Platform.Features.Operators.OperatorSelfEndpoints.MaxFeedLimit;
}

public sealed class SqliteFeedPageTests(SqliteOperatorsFixture fixture, ITestOutputHelper output)
    : FeedPageTests<SqliteOperatorsFixture>(fixture, output), IClassFixture<SqliteOperatorsFixture>;

public sealed class PostgresFeedPageTests(PostgresOperatorsFixture fixture, ITestOutputHelper output)
    : FeedPageTests<PostgresOperatorsFixture>(fixture, output), IClassFixture<PostgresOperatorsFixture>;

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kangen.Operator.Enrolments;
using Kangen.Operator.Grants;
using Kangen.Operator.Rebates;
using Kangen.Operator.Services;
using Kangen.Operator.Storage;
using Kangen.Protocol;
using Kangen.Rules;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kangen.Operator.Tests;

/// <summary>
/// The puller against a minimal counterpart of the platform's feed over real HTTP: signed GETs only, records
/// after the <c>after</c> cursor, at most <c>limit</c> per page, in order.
/// </summary>
public sealed class EnrolmentPullerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2022, 10, 15, 1, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly ECDsa _operatorKey = SigningKeys.Create();
    private readonly List<EnrolmentRecord> _feed = [];
    private readonly List<string?> _afters = [];
    private WebApplication _platform = null!;
    private PlatformClient _client = null!;
    private OperatorStore _store = null!;
    private OperatorLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        _platform = builder.Build();
        _platform.MapGet(OperatorRoutes.Enrolments, Feed);
        await _platform.StartAsync();
        var address = _platform.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new PlatformClient(new Uri(address), _operatorKey, TimeProvider.System, retries: 1, firstDelay: TimeSpan.FromMilliseconds(20));
        _store = new OperatorStore(_folder.Path, "kangen-demo");
        _ledger = new OperatorLedger(OperatorServices.Load("kangen-demo"), CampaignFile.LoadDefault(), TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _platform.StopAsync();
        await _platform.DisposeAsync();
        _operatorKey.Dispose();
        _folder.Dispose();
    }

    private IResult Feed(HttpContext http, string? after, int limit)
    {
        var h = http.Request.Headers;
        var timestamp = long.Parse(h[RequestSigning.TimestampHeader].ToString(), CultureInfo.InvariantCulture);
        if (h[RequestSigning.DigestHeader] != RequestSigning.EmptyDigest
            || !RequestSigning.Verify(_operatorKey, "GET", http.Request.GetEncodedPathAndQuery(), timestamp, h[RequestSigning.KeyIdHeader].ToString(), RequestSigning.EmptyDigest, h[RequestSigning.SignatureHeader]))
            return Results.StatusCode(401);
        lock (_feed)
        {
            _afters.Add(after);
            var start = after is null ? 0 : _feed.FindIndex(r => r.Cursor == after) + 1;
            var text = new StringBuilder();
            foreach (var record in _feed.Skip(start).Take(limit))
                text.Append(JsonSerializer.Serialize(record, ProtocolJson.Options)).Append('\n');
            return Results.Text(text.ToString(), OperatorRoutes.Ndjson);
        }
    }

    private void Publish(string kind, string person, string? program = null, string? reason = null)
    {
        lock (_feed)
            _feed.Add(new EnrolmentRecord($"{_feed.Count + 1}.0", kind, person, "demo-pay", "acc-" + person, program, At.AddMinutes(_feed.Count), reason));
    }

    private async Task<PullSummary> PullAsync(int pageSize)
    {
        await using var db = _store.Open();
        return await new EnrolmentPuller(_client, _ledger, TimeProvider.System, pageSize).PullAsync(db, default);
    }

    [Fact]
    public async Task The_feed_is_read_page_by_page_from_the_saved_cursor_and_applied()
    {
        Publish(EnrolmentRecord.Enrolled, "p-a", "card-acquisition");
        Publish(EnrolmentRecord.Enrolled, "p-a", "health-insurance");
        Publish(EnrolmentRecord.Enrolled, "p-b", "public-fund-account");
        Publish(EnrolmentRecord.Enrolled, "p-c", "card-acquisition");
        Publish(EnrolmentRecord.Suspended, "p-c", reason: "fraud");
        var first = await PullAsync(pageSize: 2);
        Assert.Equal(5, first.Records);
        Assert.Equal(4, first.Enrolled);
        Assert.Equal(1, first.Suspended);
        Assert.Equal(2, first.FixedGrants);
        Assert.Equal("5.0", first.Cursor);
        Assert.Equal([null, "2.0", "4.0"], _afters);

        // Only what is new is read next time, from the persisted cursor.
        Publish(EnrolmentRecord.Resumed, "p-c");
        Publish(EnrolmentRecord.Renewed, "p-a");
        Publish(EnrolmentRecord.Enrolled, "p-a", "health-insurance");
        var second = await PullAsync(pageSize: 10);
        Assert.Equal(3, second.Records);
        Assert.Equal(0, second.FixedGrants);
        Assert.Equal("5.0", _afters[^1]);

        await using var db = _store.Open();
        Assert.Equal(4, await db.Enrolments.CountAsync());
        var grants = await db.Grants.OrderBy(g => g.Key).ToListAsync();
        Assert.Equal([GrantKeys.ForFixed("p-a", 2), GrantKeys.ForFixed("p-b", 3)], grants.Select(g => g.Key));
        Assert.All(grants, g => Assert.Equal(7500, g.Points));
        var people = await db.People.ToDictionaryAsync(p => p.Person);
        Assert.False(people["p-c"].Suspended);
        Assert.Equal(1, people["p-a"].Renewals);
        Assert.Equal("8.0", (await db.Feed.SingleAsync()).Cursor);
    }

    [Fact]
    public async Task A_suspended_person_earns_nothing_until_resumed()
    {
        Publish(EnrolmentRecord.Enrolled, "p-a", "card-acquisition");
        Publish(EnrolmentRecord.Suspended, "p-a", reason: "death");
        await PullAsync(pageSize: 100);
        await using (var db = _store.Open())
        {
            var held = await _ledger.RecordAsync(db, new TransactionInput("demo-pay", "acc-p-a", TransactionKind.Purchase, 4000, At.AddHours(1)), default);
            Assert.Null(held.GrantKey);
        }
        Publish(EnrolmentRecord.Resumed, "p-a");
        await PullAsync(pageSize: 100);
        await using (var db = _store.Open())
        {
            var earned = await _ledger.RecordAsync(db, new TransactionInput("demo-pay", "acc-p-a", TransactionKind.Purchase, 4000, At.AddHours(2)), default);
            Assert.Equal(1000, earned.Points);
        }
    }
}

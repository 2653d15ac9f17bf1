using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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
/// The reporter against a minimal counterpart of the platform's grant route over real HTTP: it checks every
/// signature with the operator's public key, keeps an idempotent ledger (a key seen again gets its recorded
/// answer, marked replayed), caps part 1 at 5,000 per person, and can lose its first answer (the connection is
/// aborted after the lines were recorded), as a crash or a network cut would.
/// </summary>
public sealed class GrantReporterTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Enrolled = new(2022, 10, 15, 1, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly ECDsa _operatorKey = SigningKeys.Create();
    private readonly ConcurrentQueue<string[]> _requests = new();
    private readonly Dictionary<string, GrantResult> _ledger = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _granted = new(StringComparer.Ordinal);
    private int _abortFirst;
    private int _badSignatures;
    private int _bulkFiles;
    private WebApplication _platform = null!;
    private OperatorStore _store = null!;
    private OperatorLedger _operatorLedger = null!;
    private PlatformClient _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        _platform = builder.Build();
        _platform.MapPost(OperatorRoutes.Grants, HandleGrantsAsync);
        _platform.MapPost(OperatorRoutes.GrantsBulk, HandleBulkAsync);
        await _platform.StartAsync();
        var address = _platform.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _store = new OperatorStore(_folder.Path, "kangen-demo");
        _operatorLedger = new OperatorLedger(OperatorServices.Load("kangen-demo"), CampaignFile.LoadDefault(), TimeProvider.System);
        _client = new PlatformClient(new Uri(address), _operatorKey, TimeProvider.System, retries: 3, firstDelay: TimeSpan.FromMilliseconds(50));
        await using var db = _store.Open();
        db.Enrolments.Add(new EnrolmentRow { Person = "p-alice", Service = "demo-pay", AccountReference = "acc-1", Program = "card-acquisition", EnrolledAt = Enrolled, Cursor = "1.0" });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _platform.StopAsync();
        await _platform.DisposeAsync();
        _operatorKey.Dispose();
        _folder.Dispose();
    }

    private async Task HandleBulkAsync(HttpContext http)
    {
        var body = await CheckedBodyAsync(http);
        if (body is null)
            return;
        var lines = Encoding.UTF8.GetString(body).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonSerializer.Deserialize<GrantLine>(l, ProtocolJson.Options)!).ToList();
        _bulkFiles++;
        var results = Grant(lines);
        var answer = new StringBuilder();
        for (var i = 0; i < results.Count; i++)
            answer.Append(JsonSerializer.Serialize(results[i] with { Line = i + 1 }, ProtocolJson.Options)).Append('\n');
        answer.Append(JsonSerializer.Serialize(new BulkSummaryLine(new BulkSummary(lines.Count, results.Count(r => r.Status == GrantResult.AcceptedStatus), 0, 0, results.Sum(r => r.Accepted))), ProtocolJson.Options)).Append('\n');
        http.Response.ContentType = OperatorRoutes.Ndjson;
        await http.Response.WriteAsync(answer.ToString());
    }

    private async Task<byte[]?> CheckedBodyAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var h = http.Request.Headers;
        var timestamp = long.Parse(h[RequestSigning.TimestampHeader].ToString(), CultureInfo.InvariantCulture);
        var digest = h[RequestSigning.DigestHeader].ToString();
        if (digest != RequestSigning.Digest(body)
            || !RequestSigning.Verify(_operatorKey, "POST", http.Request.GetEncodedPathAndQuery(), timestamp, h[RequestSigning.KeyIdHeader].ToString(), digest, h[RequestSigning.SignatureHeader]))
        {
            Interlocked.Increment(ref _badSignatures);
            http.Response.StatusCode = 401;
            return null;
        }
        return body;
    }

    private List<GrantResult> Grant(IEnumerable<GrantLine> lines)
    {
        var results = new List<GrantResult>();
        lock (_ledger)
        {
            foreach (var line in lines)
            {
                if (_ledger.TryGetValue(line.Key, out var seen))
                {
                    results.Add(seen with { Replayed = true });
                    continue;
                }
                var before = _granted.GetValueOrDefault(line.Person);
                var accepted = Math.Min(line.Points, 5000 - before);
                _granted[line.Person] = before + accepted;
                var result = new GrantResult(line.Key,
                    accepted == line.Points ? GrantResult.AcceptedStatus : accepted > 0 ? GrantResult.PartialStatus : GrantResult.RefusedStatus,
                    accepted, accepted == line.Points ? null : "grant.exceeds-cap", new RemainingEntitlement(5000 - before - accepted, 20000 - before - accepted));
                _ledger[line.Key] = result;
                results.Add(result);
            }
        }
        return results;
    }

    private async Task HandleGrantsAsync(HttpContext http)
    {
        var body = await CheckedBodyAsync(http);
        if (body is null)
            return;
        var batch = JsonSerializer.Deserialize<GrantBatch>(body, ProtocolJson.Options)!;
        _requests.Enqueue([.. batch.Grants.Select(g => g.Key)]);
        var results = Grant(batch.Grants);
        // The lines are recorded; losing the answer now is what a crash or a cut connection looks like.
        if (Interlocked.Exchange(ref _abortFirst, 0) == 1)
        {
            http.Abort();
            return;
        }
        await http.Response.WriteAsJsonAsync(new GrantBatchResult(results), ProtocolJson.Options);
    }

    private async Task<RecordedTransaction> BuyAsync(long amount, int hour)
    {
        await using var db = _store.Open();
        return await _operatorLedger.RecordAsync(db, new TransactionInput("demo-pay", "acc-1", TransactionKind.Purchase, amount, Enrolled.AddHours(hour)), default);
    }

    private async Task<ReportSummary> ReportAsync()
    {
        await using var db = _store.Open();
        return await new GrantReporter(_client, TimeProvider.System).ReportAsync(db, _folder.Path, null, default);
    }

    [Fact]
    public async Task A_lost_answer_is_retried_with_the_same_keys_and_granted_once()
    {
        var first = await BuyAsync(2000, 1);
        var second = await BuyAsync(1000, 2);
        _abortFirst = 1;
        var summary = await ReportAsync();
        Assert.Null(summary.Error);
        var sent = _requests.ToArray();
        Assert.Equal(2, sent.Length);
        Assert.Equal(sent[0], sent[1]);
        Assert.Equal(new[] { first.GrantKey, second.GrantKey }.Order(StringComparer.Ordinal), sent[0]);
        Assert.Equal(0, _badSignatures);
        Assert.Equal(750, _granted["p-alice"]);
        await using var db = _store.Open();
        var grants = await db.Grants.OrderBy(g => g.Key).ToListAsync();
        Assert.All(grants, g => Assert.Equal(GrantStatus.Accepted, g.Status));
        Assert.Equal(750, grants.Sum(g => g.Accepted));
        Assert.All(grants, g => Assert.Equal(1, g.Attempts));
        // Nothing pending: a second run sends nothing.
        Assert.Equal(0, (await ReportAsync()).Sent);
        Assert.Equal(2, _requests.Count);
    }

    [Fact]
    public async Task A_crash_before_the_answer_was_recorded_resends_the_same_key_and_the_platform_replays()
    {
        var bought = await BuyAsync(4000, 1);
        // The first run's answer is lost for good (no retry reaches the platform in time): simulate it by sending
        // the outbox line straight to the platform, as the crashed process did, without recording the answer.
        await using (var db = _store.Open())
        {
            var pending = await db.Grants.SingleAsync();
            await _client.PostJsonAsync<GrantBatch, GrantBatchResult>(OperatorRoutes.Grants, new GrantBatch([GrantReporter.ToLine(pending)]), default);
        }
        var summary = await ReportAsync();
        Assert.Equal(1, summary.Sent);
        var keys = _requests.SelectMany(k => k).ToArray();
        Assert.Equal([bought.GrantKey!, bought.GrantKey!], keys);
        Assert.Equal(1000, _granted["p-alice"]);
        await using var check = _store.Open();
        Assert.Equal(1000, (await check.Grants.SingleAsync()).Accepted);
    }

    [Fact]
    public async Task The_platforms_partial_answer_is_recorded_as_the_truth_and_stops_further_proposals()
    {
        // The platform already holds 4,800 points for the person (e.g. Phase 1), which the operator cannot know.
        lock (_ledger)
            _granted["p-alice"] = 4800;
        await BuyAsync(2000, 1);
        var summary = await ReportAsync();
        Assert.Equal(1, summary.Partial);
        Assert.Equal(200, summary.Points);
        await using var db = _store.Open();
        var grant = await db.Grants.SingleAsync();
        Assert.Equal(GrantStatus.Partial, grant.Status);
        Assert.Equal(500, grant.Points);
        Assert.Equal(200, grant.Accepted);
        Assert.Equal("grant.exceeds-cap", grant.Reason);
        var person = await db.People.SingleAsync();
        Assert.True(person.CapReached);
        Assert.Equal(200, person.CardAcquisitionCommitted);
        var next = await BuyAsync(2000, 2);
        Assert.Null(next.GrantKey);
        Assert.True(next.AtCap);
    }

    [Fact]
    public async Task A_large_backlog_goes_as_one_signed_bulk_file_and_its_answers_are_recorded()
    {
        await BuyAsync(1000, 1);
        await BuyAsync(2000, 2);
        await BuyAsync(3000, 3);
        await using var db = _store.Open();
        var summary = await new GrantReporter(_client, TimeProvider.System, batchSize: 500, bulkThreshold: 3).ReportAsync(db, _folder.Path, null, default);
        Assert.Null(summary.Error);
        Assert.Equal(1, _bulkFiles);
        Assert.Empty(_requests);
        Assert.Equal(0, _badSignatures);
        Assert.Equal(3, summary.Accepted);
        Assert.Equal(1500, summary.Points);
        Assert.All(await db.Grants.ToListAsync(), g => Assert.Equal(GrantStatus.Accepted, g.Status));
        Assert.Empty(Directory.GetFiles(Path.Combine(_folder.Path, "outbox")));
    }
}

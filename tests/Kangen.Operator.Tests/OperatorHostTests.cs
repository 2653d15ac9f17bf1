using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Kangen.Operator.Hosting;
using Kangen.Operator.Storage;
using Kangen.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kangen.Operator.Tests;

/// <summary>
/// <see cref="OperatorHost"/> as the lead's demo and end-to-end tests host it: keys given in PEM, a short poll and
/// report interval, the background worker on, against a counterpart of the platform's feed and grant routes that
/// checks every signature.
/// </summary>
public sealed class OperatorHostTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private readonly ECDsa _operatorKey = SigningKeys.Create();
    private readonly ConcurrentQueue<GrantLine> _granted = new();
    private int _badSignatures;
    private WebApplication _platform = null!;
    private WebApplication _operator = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        _platform = builder.Build();
        _platform.MapGet(OperatorRoutes.Enrolments, (HttpContext http, string? after) =>
        {
            if (!Signed(http, RequestSigning.EmptyDigest))
                return Results.StatusCode(401);
            var record = new EnrolmentRecord("7.0", EnrolmentRecord.Enrolled, "p-host", "demo-pay", "acc-1", "health-insurance", DateTimeOffset.UtcNow.AddMinutes(-1));
            return Results.Text(after is null ? JsonSerializer.Serialize(record, ProtocolJson.Options) + "\n" : "", OperatorRoutes.Ndjson);
        });
        _platform.MapPost(OperatorRoutes.Grants, async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            if (!Signed(http, RequestSigning.Digest(buffer.ToArray())))
                return Results.StatusCode(401);
            var batch = JsonSerializer.Deserialize<GrantBatch>(buffer.ToArray(), ProtocolJson.Options)!;
            foreach (var line in batch.Grants)
                _granted.Enqueue(line);
            return Results.Json(new GrantBatchResult([.. batch.Grants.Select(g => new GrantResult(g.Key, GrantResult.AcceptedStatus, g.Points, null, new RemainingEntitlement(0, 12500)))]), ProtocolJson.Options);
        });
        await _platform.StartAsync();
        var platformUrl = _platform.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var platformKey = SigningKeys.Create();
        _operator = OperatorHost.Build(["--urls=http://127.0.0.1:0"], new OperatorOptions
        {
            Code = "kangen-demo",
            Platform = platformUrl,
            KeyPem = SigningKeys.PrivatePem(_operatorKey),
            PlatformKeyPem = SigningKeys.PublicPem(platformKey),
            Data = _folder.Path,
            PollInterval = TimeSpan.FromMilliseconds(100),
            ReportInterval = TimeSpan.FromMilliseconds(100),
        }, b => b.Logging.ClearProviders());
        await _operator.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _operator.StopAsync();
        await _operator.DisposeAsync();
        await _platform.StopAsync();
        await _platform.DisposeAsync();
        _operatorKey.Dispose();
        _folder.Dispose();
    }

    private bool Signed(HttpContext http, string digest)
    {
        var h = http.Request.Headers;
        var ok = h[RequestSigning.DigestHeader] == digest
            && long.TryParse(h[RequestSigning.TimestampHeader], out var timestamp)
            && RequestSigning.Verify(_operatorKey, http.Request.Method, http.Request.GetEncodedPathAndQuery(), timestamp, h[RequestSigning.KeyIdHeader].ToString(), digest, h[RequestSigning.SignatureHeader]);
        if (!ok)
            Interlocked.Increment(ref _badSignatures);
        return ok;
    }

    [Fact]
    public async Task The_hosted_operator_pulls_the_feed_and_reports_the_fixed_grant_by_itself()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (_granted.IsEmpty && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        var line = Assert.Single(_granted);
        Assert.Equal("p2.p-host", line.Key);
        Assert.Equal(7500, line.Points);
        Assert.Equal("health-insurance", line.Program);
        Assert.Equal(0, _badSignatures);

        var address = _operator.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        OperatorStatus? status = null;
        while (DateTime.UtcNow < deadline)
        {
            status = await http.GetFromJsonAsync<OperatorStatus>("/kangen/status");
            if (status!.Accepted == 1)
                break;
            await Task.Delay(50);
        }
        Assert.Equal(1, status!.Accepted);
        Assert.Equal(7500, status.PointsAccepted);
        Assert.Equal("7.0", status.Cursor);
        Assert.Equal(0, status.Pending);
        Assert.True(File.Exists(OperatorDb.PathOf(_folder.Path, "kangen-demo")));
    }
}

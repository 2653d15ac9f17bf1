using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Kangen.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kangen.Platform.Tests.Features.Operators;

/// <summary>How the test operator answers.</summary>
public enum OperatorBehaviour
{
    Verified,
    Rejected,
    Slow,
    Error,
    Garbled,
}

/// <summary>
/// An operator's account verification endpoint on a real Kestrel socket (127.0.0.1): it checks every call's
/// signature against the platform's public key (as a real operator does, from GET platform-key) and the body against
/// its digest, and answers as <see cref="Behaviour"/> says. It can be stopped (connection refused) and started again
/// on the same port.
/// </summary>
public sealed class FakeOperatorEndpoint(ECDsa platformKey, TimeProvider platformTime) : IAsyncDisposable
{
    private WebApplication? _app;
    private int _calls;
    private int _badSignatures;

    public int Port { get; } = FreePort();
    public string Url => $"http://127.0.0.1:{Port}/v1/verify";
    public OperatorBehaviour Behaviour { get; set; } = OperatorBehaviour.Verified;
    public int Calls => Volatile.Read(ref _calls);
    public int BadSignatures => Volatile.Read(ref _badSignatures);
    public AccountVerificationRequest? LastRequest { get; private set; }

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        var app = builder.Build();
        app.MapPost("/v1/verify", (Func<HttpContext, Task<IResult>>)HandleAsync);
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is null)
            return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _calls);
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = context.Request.Headers;
        var digest = headers[RequestSigning.DigestHeader].ToString();
        var keyId = headers[RequestSigning.KeyIdHeader].ToString();
        var signed = long.TryParse(headers[RequestSigning.TimestampHeader].ToString(), out var timestamp)
            && RequestSigning.IsFresh(timestamp, platformTime.GetUtcNow())
            && keyId == SigningKeys.KeyId(platformKey)
            && digest == RequestSigning.Digest(body)
            && RequestSigning.Verify(platformKey, context.Request.Method, context.Request.Path + context.Request.QueryString, timestamp, keyId, digest,
                headers[RequestSigning.SignatureHeader].ToString());
        if (!signed)
        {
            Interlocked.Increment(ref _badSignatures);
            return Results.Unauthorized();
        }
        LastRequest = JsonSerializer.Deserialize<AccountVerificationRequest>(body, ProtocolJson.Options);
        switch (Behaviour)
        {
            case OperatorBehaviour.Verified:
                var id = string.Join('\n', LastRequest!.Fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key + "=" + f.Value));
                return Results.Json(new AccountVerificationResponse(AccountVerificationResponse.Verified,
                    "acct-" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)))[..16], "テスト ハ＊＊"), ProtocolJson.Options);
            case OperatorBehaviour.Rejected:
                return Results.Json(new AccountVerificationResponse(AccountVerificationResponse.Rejected, Reason: "codes-mismatch"), ProtocolJson.Options);
            case OperatorBehaviour.Slow:
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }
                return Results.StatusCode(StatusCodes.Status504GatewayTimeout);
            case OperatorBehaviour.Error:
                return Results.StatusCode(StatusCodes.Status500InternalServerError);
            default:
                return Results.Text("{\"result\": \"verified\", \"accountReference\": ", "application/json");
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

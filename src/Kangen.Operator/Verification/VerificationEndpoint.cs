using System.Security.Cryptography;
using System.Text.Json;
using Kangen.Operator.Accounts;
using Kangen.Operator.Services;
using Kangen.Operator.Storage;
using Kangen.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kangen.Operator.Verification;

/// <summary>
/// The account verification endpoint the platform calls. Only calls signed by the platform's key are answered:
/// the key id must be the platform's, the timestamp within <see cref="RequestSigning.MaxSkew"/>, the body's
/// SHA-256 equal to the signed <c>Content-Digest</c>, and the signature valid; anything else is 401 and changes nothing.
/// </summary>
public static class VerificationEndpoint
{
    /// <summary>The largest body accepted (a verification request is a few hundred bytes).</summary>
    public const int MaxBody = 16 * 1024;

    /// <summary>Maps <c>POST {path}</c>.</summary>
    public static IEndpointRouteBuilder MapVerification(this IEndpointRouteBuilder app, string path)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost(path, HandleAsync);
        return app;
    }

    private static async Task<IResult> HandleAsync(HttpContext http, PlatformKey platformKey, OperatorServices services, OperatorStore store, TimeProvider time, ILoggerFactory logs)
    {
        var log = logs.CreateLogger("Kangen.Operator.Verification");
        var request = http.Request;
        var body = await ReadBodyAsync(request, http.RequestAborted);
        var problem = body is null ? "body too large" : await CheckSignatureAsync(request, body, platformKey, time, http.RequestAborted);
        if (problem is not null)
        {
            log.LogWarning("Verification call refused: {Problem}", problem);
            return Results.Json(new { code = "operator.unauthorised", detail = problem }, statusCode: StatusCodes.Status401Unauthorized);
        }
        AccountVerificationRequest? call;
        try
        {
            call = JsonSerializer.Deserialize<AccountVerificationRequest>(body!, ProtocolJson.Options);
        }
        catch (JsonException)
        {
            call = null;
        }
        if (call?.Service is null || call.Fields is null)
            return Results.Json(new { code = "operator.bad-request", detail = "expected {service, fields}" }, statusCode: StatusCodes.Status400BadRequest);
        await using var db = store.Open();
        var answer = await AccountBook.VerifyAsync(db, services, call, http.RequestAborted);
        log.LogInformation("Verification of an account of {Service}: {Result} {Reason}", call.Service, answer.Result, answer.Reason);
        return Results.Json(answer, ProtocolJson.Options);
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBody)
                return null;
        }
        return buffer.ToArray();
    }

    /// <summary>Null when the request is signed by the platform over this body; otherwise why not.</summary>
    internal static async Task<string?> CheckSignatureAsync(HttpRequest request, byte[] body, PlatformKey platformKey, TimeProvider time, CancellationToken cancellationToken)
    {
        var signed = SignatureHeaders.Read(request.Headers[RequestSigning.KeyIdHeader], request.Headers[RequestSigning.TimestampHeader],
            request.Headers[RequestSigning.DigestHeader], request.Headers[RequestSigning.SignatureHeader], time.GetUtcNow(), out var error);
        if (signed is null)
        {
            return error switch
            {
                SignatureHeaderError.Missing => "unsigned",
                SignatureHeaderError.TimestampInvalid => "bad timestamp",
                SignatureHeaderError.TimestampStale => "stale timestamp",
                _ => "body does not match its digest",
            };
        }
        if (!CryptographicOperations.FixedTimeEquals(signed.DigestHash, SHA256.HashData(body)))
            return "body does not match its digest";
        ECDsa? key;
        try
        {
            key = await platformKey.ForAsync(signed.KeyId, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or IOException or TaskCanceledException)
        {
            return "platform key unavailable: " + e.Message;
        }
        if (key is null)
            return "not the platform's key";
        return RequestSigning.Verify(key, request.Method, request.GetEncodedPathAndQuery(), signed.Timestamp, signed.KeyId, signed.Digest, signed.Signature)
            ? null
            : "bad signature";
    }
}

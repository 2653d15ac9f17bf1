using System.Net.Http.Headers;
using System.Text.Json;
using Kangen.Platform.Features.Services;
using Kangen.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Kangen.Platform.Features.Operators;

/// <summary>How the platform calls operators' verification endpoints: <c>Kangen:Operators:Verification</c>.</summary>
public sealed class VerificationOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Kangen:Operators:Verification";

    /// <summary>Longest wait for one attempt, in seconds (default 2).</summary>
    public double AttemptTimeoutSeconds { get; set; } = 2;

    /// <summary>Longest wait for the answer, retries included, in seconds (default 6): the applicant is waiting.</summary>
    public double TotalTimeoutSeconds { get; set; } = 6;

    /// <summary>Retries after a transient failure (timeout, refused connection, 408, 429, 5xx; default 2).</summary>
    public int Retries { get; set; } = 2;

    /// <summary>First delay before a retry, in milliseconds (doubles each time, with jitter; default 200).</summary>
    public int RetryDelayMilliseconds { get; set; } = 200;

    /// <summary>Calls to one operator within 30 s before its circuit may open (default 10).</summary>
    public int BreakerMinimumThroughput { get; set; } = 10;

    /// <summary>How long an operator's open circuit answers "unavailable" without calling it, in seconds (default 15).</summary>
    public double BreakSeconds { get; set; } = 15;

    /// <summary>How long the <c>operators</c> table is cached for verification, in seconds (default 5).</summary>
    public double CacheSeconds { get; set; } = 5;
}

/// <summary>
/// The platform's <see cref="IAccountVerifier"/> once the Operators feature is in: a service whose operator is
/// registered is verified over HTTP at the operator's endpoint (a signed <see cref="AccountVerificationRequest"/>,
/// answered by an <see cref="AccountVerificationResponse"/>); a service whose operator is not registered is left to
/// <c>fallback</c> (the demo operators when enabled, else "no operator connection"). Whatever goes wrong with the
/// call (timeout, refused connection, 5xx, an open circuit, a malformed or oversized answer) is
/// <see cref="AccountVerification.Unavailable"/>: the applicant is told to retry later and nothing is recorded.
/// </summary>
public sealed class OperatorAccountVerifier(OperatorDirectory directory, IHttpClientFactory clients, IAccountVerifier fallback) : IAccountVerifier
{
    /// <summary>The named <see cref="HttpClient"/> of verification calls (signed, with the resilience pipeline).</summary>
    public const string ClientName = "kangen-operator-verification";

    /// <summary>
    /// The key of the keyed <see cref="TimeProvider"/> that times verification calls (timeouts, retry delays, the
    /// circuit's break): the wall clock unless a host registers another under this key.
    /// </summary>
    public const string NetworkClock = "kangen-operator-network-clock";

    /// <summary>Longest operator answer read (a verification answer is a few hundred bytes).</summary>
    public const int MaxAnswerBytes = 64 * 1024;

    /// <summary>Longest account reference and masked name accepted (the columns that store them).</summary>
    public const int MaxText = 64;

    /// <summary>The verifier that answers for operators that are not registered.</summary>
    public IAccountVerifier Fallback => fallback;

    /// <inheritdoc />
    public async Task<AccountVerification> VerifyAsync(ValidatedFields fields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var code = fields.Service.Operator;
        var registered = await directory.FindAsync(code, cancellationToken);
        if (registered is null)
            return await fallback.VerifyAsync(fields, cancellationToken);
        if (registered.Status != OperatorStatuses.Active)
            return new AccountVerification.Unavailable($"operator {code} is suspended");
        if (registered.VerificationUrl is not { } url)
            return new AccountVerification.Unavailable($"operator {code} has no verification endpoint registered");

        var body = JsonSerializer.SerializeToUtf8Bytes(new AccountVerificationRequest(fields.Service.Code.Value, fields.Values), ProtocolJson.Options);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var http = clients.CreateClient(ClientName);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return new AccountVerification.Unavailable($"operator {code} answered {(int)response.StatusCode}");
            var bytes = await ReadLimitedAsync(response.Content, cancellationToken);
            if (bytes is null)
                return new AccountVerification.Unavailable($"operator {code} answered more than {MaxAnswerBytes:N0} bytes");
            return Interpret(code, bytes);
        }
        catch (BrokenCircuitException)
        {
            return new AccountVerification.Unavailable($"operator {code} is failing; calls are paused for a while (circuit open)");
        }
        catch (TimeoutRejectedException)
        {
            return new AccountVerification.Unavailable($"operator {code} did not answer in time");
        }
        catch (HttpRequestException e)
        {
            return new AccountVerification.Unavailable($"operator {code} is unreachable: {e.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AccountVerification.Unavailable($"operator {code} did not answer in time");
        }
    }

    /// <summary>What an operator's answer means; anything but a well-formed verified or rejected answer is unavailable.</summary>
    public static AccountVerification Interpret(string operatorCode, ReadOnlySpan<byte> answer)
    {
        AccountVerificationResponse? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<AccountVerificationResponse>(answer, ProtocolJson.Options);
        }
        catch (JsonException e)
        {
            return new AccountVerification.Unavailable($"operator {operatorCode} answered malformed JSON: {e.Message}");
        }
        switch (parsed)
        {
            case { Result: AccountVerificationResponse.Verified, AccountReference: { Length: > 0 and <= MaxText } reference, MaskedHolderName: { Length: > 0 and <= MaxText } name }:
                return new AccountVerification.Verified(reference, name);
            case { Result: AccountVerificationResponse.Verified }:
                return new AccountVerification.Unavailable($"operator {operatorCode} answered verified without an account reference and masked name of 1-{MaxText} characters");
            case { Result: AccountVerificationResponse.Rejected, Reason: AccountVerification.Rejected.NotFound or AccountVerification.Rejected.CodesMismatch or AccountVerification.Rejected.Closed }:
                return new AccountVerification.Rejected(parsed.Reason);
            case { Result: AccountVerificationResponse.Rejected }:
                return new AccountVerification.Unavailable($"operator {operatorCode} rejected with an unknown reason '{Truncate(parsed.Reason)}'");
            default:
                return new AccountVerification.Unavailable($"operator {operatorCode} answered an unknown result '{Truncate(parsed?.Result)}'");
        }
    }

    private static string Truncate(string? text) => text is null ? "" : text.Length <= 32 ? text : text[..32] + "...";

    private static async Task<byte[]?> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxAnswerBytes)
            return null;
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxAnswerBytes)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Adds the named client: the resilience pipeline (total timeout, retries with backoff on transient failures, a
    /// circuit breaker and an attempt timeout), one pipeline per operator host (<c>SelectPipelineByAuthority</c>), so
    /// one operator's outage opens only its own circuit; inside it the signing handler, so every attempt is signed
    /// afresh with the platform's key.
    /// </summary>
    internal static void AddClient(IServiceCollection services)
    {
        services.TryAddKeyedSingleton(NetworkClock, TimeProvider.System);
        services.AddHttpClient(ClientName, client =>
            {
                // The pipeline's timeouts decide; the client's own 100 s default would only hide them.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.MaxResponseContentBufferSize = MaxAnswerBytes;
            })
            .AddResilienceHandler("operator-verification", (pipeline, context) =>
            {
                var o = context.ServiceProvider.GetRequiredService<IOptions<VerificationOptions>>().Value;
                // Network waits are measured on the network clock (the wall clock unless a host registers another under
                // NetworkClock), not on the platform's (possibly simulated) TimeProvider that the DI container would
                // otherwise give the pipeline: a demo or test clock must not stop timeouts.
                pipeline.TimeProvider = context.ServiceProvider.GetRequiredKeyedService<TimeProvider>(NetworkClock);
                pipeline.AddTimeout(TimeSpan.FromSeconds(o.TotalTimeoutSeconds));
                if (o.Retries > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = o.Retries,
                        Delay = TimeSpan.FromMilliseconds(o.RetryDelayMilliseconds),
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                    });
                }
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = 0.5,
                    MinimumThroughput = o.BreakerMinimumThroughput,
                    SamplingDuration = TimeSpan.FromSeconds(30),
                    BreakDuration = TimeSpan.FromSeconds(o.BreakSeconds),
                });
                pipeline.AddTimeout(TimeSpan.FromSeconds(o.AttemptTimeoutSeconds));
            })
            .SelectPipelineByAuthority();
        services.AddHttpClient(ClientName)
            .AddHttpMessageHandler(sp => new SigningHandler(sp.GetRequiredService<PlatformSigningKey>().Key, sp.GetRequiredService<TimeProvider>()));
    }
}

using System.Net.Http.Json;
using System.Security.Cryptography;
using Kangen.Protocol;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Kangen.Operator.Grants;

/// <summary>The platform answered with an error that a retry will not fix (after the transient retries).</summary>
/// <param name="status">The HTTP status.</param>
/// <param name="body">The problem document or text.</param>
public sealed class PlatformException(int status, string body) : Exception($"The platform answered {status}: {body}")
{
    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;
    /// <summary>The answer's body.</summary>
    public string Body { get; } = body;
}

/// <summary>
/// Signed HTTP calls to the platform. Every request goes through a retry pipeline (exponential backoff with
/// jitter on 5xx, 408, 429 and network errors) and then <see cref="SigningHandler"/>, so each attempt is signed
/// afresh. Retrying a grant batch is safe: it carries the same keys, and the platform answers replays.
/// </summary>
public sealed class PlatformClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly HttpClient _bulk;

    /// <summary>A client of the platform at <paramref name="platform"/> signing with <paramref name="key"/>.</summary>
    /// <param name="platform">The platform's base URL.</param>
    /// <param name="key">The operator's private key.</param>
    /// <param name="time">The clock of the signatures.</param>
    /// <param name="retries">Retries after the first attempt.</param>
    /// <param name="firstDelay">The first backoff delay (doubling after it).</param>
    /// <param name="transport">
    /// Makes the handler under the signing handler (one per inner client); default a <see cref="SocketsHttpHandler"/>.
    /// For a platform hosted in-process (e.g. on an ASP.NET Core test server) or a handler observing the traffic.
    /// </param>
    public PlatformClient(Uri platform, ECDsa key, TimeProvider time, int retries = 5, TimeSpan? firstDelay = null, Func<HttpMessageHandler>? transport = null)
    {
        ArgumentNullException.ThrowIfNull(platform);
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, retries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = firstDelay ?? TimeSpan.FromMilliseconds(500),
            })
            .AddTimeout(TimeSpan.FromSeconds(60))
            .Build();
        transport ??= () => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var signing = new SigningHandler(key, time) { InnerHandler = transport() };
        KeyId = signing.KeyId;
#pragma warning disable CA2000 // The handlers are owned by the HttpClient, disposed with it.
        _http = new HttpClient(new ResilienceHandler(pipeline) { InnerHandler = signing }) { BaseAddress = platform, Timeout = TimeSpan.FromMinutes(5) };
        // A bulk upload streams a file and cannot be replayed by the pipeline; the reporter retries it whole, with the same keys.
        _bulk = new HttpClient(new SigningHandler(key, time) { InnerHandler = transport() }, disposeHandler: true)
        {
            BaseAddress = platform,
            Timeout = TimeSpan.FromMinutes(30),
        };
#pragma warning restore CA2000
    }

    /// <summary>The key id requests are signed with.</summary>
    public string KeyId { get; }

    /// <summary>The platform's base URL.</summary>
    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>GET a JSON document.</summary>
    public async Task<T> GetJsonAsync<T>(string pathAndQuery, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(pathAndQuery, UriKind.Relative), cancellationToken);
        await EnsureAsync(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<T>(ProtocolJson.Options, cancellationToken))!;
    }

    /// <summary>GET text (PEM, CSV, NDJSON), fully read.</summary>
    public async Task<string> GetTextAsync(string pathAndQuery, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(pathAndQuery, UriKind.Relative), cancellationToken);
        await EnsureAsync(response, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>POST JSON, read JSON.</summary>
    public async Task<TOut> PostJsonAsync<TIn, TOut>(string path, TIn body, CancellationToken cancellationToken)
    {
        using var content = JsonContent.Create(body, options: ProtocolJson.Options);
        // Buffer it: the pipeline may send it more than once.
        await content.LoadIntoBufferAsync(cancellationToken);
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<TOut>(ProtocolJson.Options, cancellationToken))!;
    }

    /// <summary>POST NDJSON text (small), read the answer's text.</summary>
    public async Task<string> PostNdjsonAsync(string path, string ndjson, CancellationToken cancellationToken)
    {
        using var content = new StringContent(ndjson, System.Text.Encoding.UTF8, OperatorRoutes.Ndjson);
        content.Headers.ContentType!.CharSet = null;
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>POST a NDJSON file streamed with its precomputed digest; the answer's text.</summary>
    public async Task<string> PostFileAsync(string path, string file, CancellationToken cancellationToken)
    {
        using var content = await SigningHandler.FileContentAsync(file, OperatorRoutes.Ndjson, cancellationToken);
        using var response = await _bulk.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
            return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new PlatformException((int)response.StatusCode, body.Length > 2000 ? body[..2000] : body);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _bulk.Dispose();
    }
}

using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Kangen.SmartCard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kangen.Cli.Features.Card.Agent;

/// <summary>What the local card agent serves and to whom.</summary>
public sealed record CardAgentOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one (see <see cref="CardAgent.Url"/>).</summary>
    public int Port { get; init; }

    /// <summary>The cards offered, in id order.</summary>
    public IReadOnlyList<AgentCard> Cards { get; init; } = [];

    /// <summary>
    /// Web origins (<c>https://kangen.example</c>) whose pages may call the agent. A request carrying any
    /// other <c>Origin</c> is refused with 403; requests without <c>Origin</c> (curl, native programs) pass.
    /// </summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>How long a request waits for another operation on the same card before it gets 409 <c>card.busy</c>.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Receives the agent's log lines (one per request: method, path, status, time; never bodies).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The least severe framework log level written to <see cref="Log"/>.</summary>
    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Warning;
}

/// <summary>
/// The local card agent: a small HTTP server on 127.0.0.1 through which a web page reads the
/// user-authentication certificate, reads the PIN tries left and has the card sign a server challenge.
/// See docs/smartcard.md ("Local card agent") for the API and the security model.
/// </summary>
public sealed class CardAgent : IAsyncDisposable
{
    private const int MaxBodyBytes = 64 * 1024;
    private readonly WebApplication _app;

    private CardAgent(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Where the agent listens, e.g. <c>http://127.0.0.1:48123/</c>.</summary>
    public Uri Url { get; }

    /// <summary>Starts listening on 127.0.0.1 and returns once requests are accepted.</summary>
    /// <exception cref="IOException">The port is taken.</exception>
    public static async Task<CardAgent> StartAsync(CardAgentOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Port is < 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(options), options.Port, "Port must be 0-65535.");
        var origins = options.AllowedOrigins.Select(NormalizeOrigin).ToHashSet(StringComparer.Ordinal);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(CardAgent).Assembly.GetName().Name });
        builder.WebHost.UseKestrel(kestrel =>
        {
            // Loopback only: the agent is the user's own card, never a network service.
            kestrel.Listen(IPAddress.Loopback, options.Port);
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        if (options.Log is { } log)
            builder.Logging.AddProvider(new LineLoggerProvider(log));
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddProblemDetails();

        var app = builder.Build();
        app.Use(async (http, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            await next(http);
            // The request line and status only: bodies carry the PIN and are never logged.
            options.Log?.Invoke($"agent: {http.Request.Method} {http.Request.Path} -> {http.Response.StatusCode} ({Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms)");
        });
        app.Use(async (http, next) =>
        {
            if (!IsLoopbackHost(http.Request.Host))
            {
                // A page on another site that rebinds its DNS name to 127.0.0.1 still sends its own Host.
                await AgentProblems.HostRefused(http.Request.Host.Value ?? "").ExecuteAsync(http);
                return;
            }
            var origin = http.Request.Headers.Origin.ToString();
            if (origin.Length > 0)
            {
                if (!origins.Contains(origin))
                {
                    await AgentProblems.OriginRefused(origin).ExecuteAsync(http);
                    return;
                }
                http.Response.Headers.AccessControlAllowOrigin = origin;
                http.Response.Headers.Vary = "Origin";
                if (HttpMethods.IsOptions(http.Request.Method))
                {
                    http.Response.Headers.AccessControlAllowMethods = "GET, POST";
                    http.Response.Headers.AccessControlAllowHeaders = "Content-Type";
                    http.Response.Headers.AccessControlMaxAge = "600";
                    // Chromium's Private Network Access asks before a public page may reach loopback.
                    if (http.Request.Headers["Access-Control-Request-Private-Network"] == "true")
                        http.Response.Headers["Access-Control-Allow-Private-Network"] = "true";
                    http.Response.StatusCode = StatusCodes.Status204NoContent;
                    return;
                }
            }
            http.Response.Headers.CacheControl = "no-store";
            await next(http);
        });

        var cards = options.Cards.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var endpoints = new AgentEndpoints(cards, options.BusyTimeout);
        endpoints.Map(app);

        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        return new CardAgent(app, new Uri($"http://127.0.0.1:{port}/"));
    }

    /// <summary>Stops accepting requests and lets running ones finish.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private static string NormalizeOrigin(string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/")
            throw new ArgumentException($"'{origin}' is not a web origin (scheme://host[:port], no path).", nameof(origin));
        return uri.IsDefaultPort ? $"{uri.Scheme}://{uri.Host}" : $"{uri.Scheme}://{uri.Host}:{uri.Port}";
    }

    private static bool IsLoopbackHost(HostString host) =>
        host.Host is "127.0.0.1" or "localhost" or "[::1]";
}

internal sealed class AgentEndpoints(Dictionary<string, AgentCard> cards, TimeSpan busyTimeout)
{
    public void Map(WebApplication app)
    {
        var v1 = app.MapGroup("/v1/cards");
        v1.MapGet("/", () => TypedResults.Ok(new CardList([.. cards.Values.Select(c => new CardSummary(c.Id, c.Kind, c.Label, c.IsPresent()))])));
        v1.MapGet("/{id}/certificate", (string id, CancellationToken ct) => WithCard(id, ct, client =>
        {
            client.SelectJpkiAp();
            var der = client.ReadAuthenticationCertificate();
            return TypedResults.Ok(new CertificateResponse(id, Convert.ToBase64String(der), PemEncoding.WriteString("CERTIFICATE", der)));
        }));
        v1.MapGet("/{id}/pin-status", (string id, CancellationToken ct) => WithCard(id, ct, client =>
        {
            client.SelectJpkiAp();
            var tries = client.GetAuthPinTriesLeft();
            return TypedResults.Ok(new PinStatusResponse(id, tries, PinRules.AuthenticationPinMaxTries, tries == 0));
        }));
        v1.MapPost("/{id}/sign", (string id, HttpRequest request, CancellationToken ct) => SignAsync(id, request, ct));
        v1.MapPost("/{id}/signing/sign", (string id, HttpRequest request, CancellationToken ct) => SignWithSigningKeyAsync(id, request, ct));
    }

    /// <summary>
    /// The signing certificate (which carries the holder's name, address and birth date) and a signature by the signing
    /// key, after the signing password in the same request: what a legal representative's page sends as the child's age
    /// proof. Separate from <c>/sign</c> so that the user-authentication PIN can never unlock the signing key.
    /// </summary>
    private async Task<IResult> SignWithSigningKeyAsync(string id, HttpRequest request, CancellationToken ct)
    {
        SigningSignRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<SigningSignRequest>(ct);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return AgentProblems.BadRequest("The body must be JSON: {\"password\": \"ABC123\", \"challenge\": \"<base64>\"} or {\"password\": ..., \"digestInfo\": \"<base64>\"}.");
        }
        if (body is null || (body.Challenge is null) == (body.DigestInfo is null))
            return AgentProblems.BadRequest("Give exactly one of 'challenge' (bytes the agent hashes with SHA-256) or 'digestInfo' (a DER DigestInfo the card signs as is).");
        if (!PinRules.IsValidSigningPassword(body.Password))
            return AgentProblems.SigningPasswordFormat();
        var (digestInfo, problem) = DigestInfoOf(body.Challenge, body.DigestInfo);
        if (problem is not null)
            return problem;
        return await WithCard(id, ct, client =>
        {
            client.SelectJpkiAp();
            var certificate = client.ReadSigningCertificate(body.Password!);
            var signature = client.SignWithSigningKey(digestInfo!);
            return TypedResults.Ok(new SigningSignResponse(id, Convert.ToBase64String(certificate), Convert.ToBase64String(signature),
                Convert.ToBase64String(digestInfo!), "RSASSA-PKCS1-v1_5"));
        }, signingPassword: true);
    }

    private static (byte[]? DigestInfo, IResult? Problem) DigestInfoOf(string? challenge, string? digestInfo)
    {
        byte[] bytes;
        try
        {
            bytes = challenge is not null
                ? JpkiClient.CreateSha256DigestInfo(Convert.FromBase64String(challenge))
                : Convert.FromBase64String(digestInfo!);
        }
        catch (FormatException)
        {
            return (null, AgentProblems.BadRequest("'challenge' and 'digestInfo' must be base64."));
        }
        if (bytes.Length is 0 or > 255)
            return (null, AgentProblems.BadRequest("'digestInfo' must be 1 to 255 bytes (a DER DigestInfo)."));
        return (bytes, null);
    }

    private async Task<IResult> SignAsync(string id, HttpRequest request, CancellationToken ct)
    {
        SignRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<SignRequest>(ct);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return AgentProblems.BadRequest("The body must be JSON: {\"pin\": \"1234\", \"challenge\": \"<base64>\"} or {\"pin\": ..., \"digestInfo\": \"<base64>\"}.");
        }
        if (body is null || (body.Challenge is null) == (body.DigestInfo is null))
            return AgentProblems.BadRequest("Give exactly one of 'challenge' (bytes the agent hashes with SHA-256) or 'digestInfo' (a DER DigestInfo the card signs as is).");
        if (!PinRules.IsValidAuthenticationPin(body.Pin))
            return AgentProblems.PinFormat();
        var (digestInfo, problem) = DigestInfoOf(body.Challenge, body.DigestInfo);
        if (problem is not null)
            return problem;
        return await WithCard(id, ct, client =>
        {
            client.SelectJpkiAp();
            client.VerifyAuthPin(body.Pin!);
            var signature = client.SignWithAuthenticationKey(digestInfo!);
            return TypedResults.Ok(new SignResponse(id, Convert.ToBase64String(signature), Convert.ToBase64String(digestInfo!), "RSASSA-PKCS1-v1_5"));
        });
    }

    /// <param name="id">The card.</param>
    /// <param name="ct">Cancellation.</param>
    /// <param name="operation">What to do with the card.</param>
    /// <param name="signingPassword">The operation verifies the signing password (its refusals have their own codes), not the PIN.</param>
    private async Task<IResult> WithCard(string id, CancellationToken ct, Func<JpkiClient, IResult> operation, bool signingPassword = false)
    {
        if (!cards.TryGetValue(id, out var card))
            return AgentProblems.UnknownCard(id);
        using var held = await card.LockAsync(busyTimeout, ct);
        if (held is null)
            return AgentProblems.Busy(id);
        // Card I/O is synchronous (PC/SC calls block); keep it off the request thread pool's fast path.
        return await Task.Run(() =>
        {
            try
            {
                using var transport = card.Open();
                if (transport is null)
                    return AgentProblems.Absent(id);
                using var transaction = (transport as PcscTransport)?.BeginTransaction();
                return operation(new JpkiClient(transport));
            }
            catch (SmartCardException e) when (e.IsBlocked)
            {
                return signingPassword ? AgentProblems.SigningPasswordBlocked(id) : AgentProblems.PinBlocked(id);
            }
            catch (SmartCardException e) when (e.TriesLeft is { } left)
            {
                return signingPassword ? AgentProblems.SigningPasswordWrong(id, left) : AgentProblems.PinWrong(id, left);
            }
            catch (SmartCardException e) when (e.IsTransient)
            {
                return AgentProblems.Absent(id, e.Message);
            }
            catch (SmartCardException e)
            {
                return AgentProblems.CardError(id, e);
            }
            catch (InvalidDataException e)
            {
                return AgentProblems.CardFileDamaged(id, e.Message);
            }
        }, ct);
    }
}

internal sealed record CardList(IReadOnlyList<CardSummary> Cards);

internal sealed record CardSummary(string Id, string Kind, string Label, bool Present);

internal sealed record CertificateResponse(string Id, string Der, string Pem);

internal sealed record PinStatusResponse(string Id, int TriesLeft, int MaxTries, bool Blocked);

internal sealed record SignRequest(string? Pin, string? Challenge, string? DigestInfo);

internal sealed record SignResponse(string Id, string Signature, string DigestInfo, string Algorithm);

internal sealed record SigningSignRequest(string? Password, string? Challenge, string? DigestInfo);

internal sealed record SigningSignResponse(string Id, string Certificate, string Signature, string DigestInfo, string Algorithm);

/// <summary>Forwards framework log lines to the agent's line sink (the console, or a test's buffer).</summary>
internal sealed class LineLoggerProvider(Action<string> sink) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName, sink);

    public void Dispose()
    {
    }

    private sealed class LineLogger(string category, Action<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel}: {category}: {formatter(state, exception)}";
            sink(exception is null ? line : $"{line} ({exception.GetType().Name}: {exception.Message})");
        }
    }
}

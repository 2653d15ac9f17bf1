using System.Text.Json;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Identity.Certificates;
using Kangen.Platform.Features.Identity.Challenges;
using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Observability;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.SmartCard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Identity;

/// <summary>The body of <c>POST /api/v1/challenges</c>.</summary>
/// <param name="Purpose"><c>session</c> (default) or <c>application</c>.</param>
public sealed record ChallengeRequest(string? Purpose);

/// <summary>A challenge to sign.</summary>
/// <param name="Challenge">The challenge text; the card signs its UTF-8 bytes.</param>
/// <param name="Purpose">What it may be used for.</param>
/// <param name="ExpiresAt">When it stops being accepted.</param>
public sealed record ChallengeResponse(string Challenge, string Purpose, DateTimeOffset ExpiresAt);

/// <summary>The answer to <c>POST /api/v1/sessions</c>.</summary>
/// <param name="Token">Bearer token for <c>Authorization: Bearer ...</c>; shown once.</param>
/// <param name="TokenType">Always <c>Bearer</c>.</param>
/// <param name="ExpiresAt">When the session ends by itself.</param>
/// <param name="MyKeyId">The person's My Key ID.</param>
/// <param name="Serial">The certificate serial the session is bound to.</param>
/// <param name="PersonCreated">True at the person's first authentication (the My Key ID was just reserved).</param>
/// <param name="LinkedByRenewal">True when this renewed certificate was just linked to the person of its predecessor.</param>
public sealed record SessionResponse(string Token, string TokenType, DateTimeOffset ExpiresAt, string MyKeyId, string Serial, bool PersonCreated, bool LinkedByRenewal);

/// <summary>Registration and routes of card authentication: challenges and sessions.</summary>
public static class IdentityEndpoints
{
    /// <summary>
    /// Registers challenges (key, codec), the certificate verifier with its trust (default: the emulated issuer in
    /// <c>&lt;data&gt;/issuer</c>, created if missing), the authenticator and bearer session authentication.
    /// </summary>
    public static IHostApplicationBuilder AddIdentity(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ChallengeOptions>().BindConfiguration(ChallengeOptions.Section)
            .Validate(o => o.LifetimeSeconds is > 0 and <= 3600, "Kangen:Challenges:LifetimeSeconds must be 1..3600.")
            // Said when the platform starts, not by a 500 on the first citizen's challenge.
            .ValidateOnStart();
        builder.Services.AddOptions<SessionOptions>().BindConfiguration(SessionOptions.Section)
            .Validate(o => o.LifetimeMinutes is > 0 and <= 24 * 60, "Kangen:Sessions:LifetimeMinutes must be 1..1440.")
            .ValidateOnStart();
        builder.Services.AddOptions<TrustSourceOptions>().BindConfiguration(TrustOptions.Section);
        builder.Services.AddSingleton(sp => new ChallengeCodec(
            ChallengeKey.Load(sp.GetRequiredService<IOptions<ChallengeOptions>>().Value.Key, Data(sp)),
            sp.GetRequiredService<TimeProvider>()));
        builder.AddCardCertificates(sp => CreateTrustStore(
            sp.GetRequiredService<IOptions<TrustSourceOptions>>().Value, Data(sp), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<TrustFreshness>();
        builder.Services.AddScoped<Authenticator>();
        builder.Services.AddSingleton<SessionWriter>();
        builder.Services.AddScoped<SessionGroup>();
        builder.Services.AddAuthentication(SessionAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, SessionAuthenticationHandler>(SessionAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        return builder;
    }

    private static string Data(IServiceProvider services) => PlatformData.Resolve(services.GetRequiredService<IConfiguration>());

    /// <summary>
    /// The trust store from configuration: explicit anchors with their CRLs and link files; else an issuer
    /// folder in the published layout; else the emulated issuer of the data folder, created when missing so
    /// that <c>kangen card issue --data</c> on the same folder issues cards this platform accepts.
    /// </summary>
    public static TrustStore CreateTrustStore(TrustSourceOptions sources, string dataDirectory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(sources);
        TrustStore store;
        if (sources.Anchors.Count > 0)
        {
            var anchors = sources.Anchors.Select(path => System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(path)).ToArray();
            store = TrustStore.Create(anchors, time);
        }
        else
        {
            var issuer = sources.IssuerDirectory;
            if (string.IsNullOrWhiteSpace(issuer))
            {
                if (!CardIssuer.Exists(dataDirectory))
                    CardIssuer.Open(dataDirectory, time);
                issuer = Path.Combine(dataDirectory, "issuer");
            }
            store = TrustStore.FromIssuerDirectory(issuer, time);
        }
        foreach (var crl in sources.Crls)
            store.AddCrlSource(crl);
        foreach (var links in sources.RenewalLinks)
            store.AddRenewalLinkSource(links);
        store.Refresh();
        return store;
    }

    /// <summary>Maps <c>/api/v1/challenges</c> and <c>/api/v1/sessions</c>.</summary>
    public static IEndpointRouteBuilder MapIdentity(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var challenges = app.MapGroup("/api/v1/challenges").WithTags("Authentication");
        challenges.MapPost("/", IssueChallenge)
            .Accepts<ChallengeRequest>("application/json")
            .WithSummary("Issue a single-use challenge for the card to sign.");

        var sessions = app.MapGroup("/api/v1/sessions").WithTags("Authentication");
        sessions.MapPost("/", OpenSession)
            .Accepts<SessionRequest>("application/json")
            .WithSummary("Open a session with the card's certificate and its signature over a challenge.");
        sessions.MapDelete("/current", EndSession)
            .RequireAuthorization()
            .WithSummary("End the current session.");
        return app;
    }

    private static async Task<Results<Ok<ChallengeResponse>, ProblemHttpResult>> IssueChallenge(
        HttpRequest request, ChallengeCodec codec, IOptions<ChallengeOptions> options, PlatformMetrics metrics, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadJsonAsync<ChallengeRequest>(request, allowEmpty: true, cancellationToken);
        if (problem is not null)
            return ProblemResults.From(problem);
        var purpose = string.IsNullOrEmpty(body?.Purpose) ? ChallengePurposes.Session : body.Purpose;
        if (!ChallengePurposes.All.Contains(purpose))
            return ProblemResults.From(IdentityProblems.PurposeInvalid(purpose));
        var (challenge, expires) = codec.Issue(purpose, TimeSpan.FromSeconds(options.Value.LifetimeSeconds));
        metrics.ChallengeIssued(purpose);
        return TypedResults.Ok(new ChallengeResponse(challenge, purpose, expires));
    }

    private static async Task<Results<Created<SessionResponse>, ProblemHttpResult>> OpenSession(
        HttpRequest request, Authenticator authenticator, PlatformMetrics metrics, CancellationToken cancellationToken)
    {
        var (body, readProblem) = await ReadJsonAsync<SessionRequest>(request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
        {
            metrics.AuthenticationRefused(readProblem.Code);
            return ProblemResults.From(readProblem);
        }
        var (session, problem) = await authenticator.OpenAsync(body, cancellationToken);
        if (problem is not null)
            return ProblemResults.From(problem);
        var s = session!;
        return TypedResults.Created("/api/v1/sessions/current",
            new SessionResponse(s.Token, "Bearer", s.ExpiresAt, s.MyKeyId, s.Serial, s.PersonCreated, s.LinkedByRenewal));
    }

    private static async Task<NoContent> EndSession(
        HttpContext http, KangenDbContext db, WriteGate gate, TimeProvider time, CancellationToken cancellationToken)
    {
        await Authenticator.EndAsync(db, gate, time, CurrentSession.From(http.User), cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Largest accepted request body; a session request is about 2.5 KB.</summary>
    internal const int MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// Reads a JSON body ourselves so that malformed JSON gets our problem code (<c>auth.request-invalid</c>)
    /// instead of the framework's generic 400. The size limit is enforced while reading, not only from
    /// <c>Content-Length</c>: a chunked body has none, and would otherwise be buffered up to the server's
    /// 30 MB limit (past which Kestrel's exception escaped as a 500).
    /// </summary>
    internal static async Task<(T? Body, PlatformProblem? Problem)> ReadJsonAsync<T>(HttpRequest request, bool allowEmpty, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.Any()))
            return allowEmpty ? (null, null) : (null, IdentityProblems.RequestInvalid("body", "a JSON body is required"));
        var tooLarge = IdentityProblems.RequestInvalid("body", "the body is larger than 64 KB");
        if (request.ContentLength > MaxBodyBytes)
            return (null, tooLarge);
        byte[] bytes;
        try
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[8192];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                    return (null, tooLarge);
                buffer.Write(chunk, 0, read);
            }
            bytes = buffer.ToArray();
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own refusals while reading (bad chunked framing, its size limit): bad input, not a bug.
            return (null, IdentityProblems.RequestInvalid("body", e.Message));
        }
        if (bytes.Length == 0)
            return allowEmpty ? (null, null) : (null, IdentityProblems.RequestInvalid("body", "a JSON body is required"));
        try
        {
            var body = JsonSerializer.Deserialize<T>(bytes, JsonOptions);
            return body is null && !allowEmpty ? (null, IdentityProblems.RequestInvalid("body", "a JSON object is required")) : (body, null);
        }
        catch (JsonException e)
        {
            return (null, IdentityProblems.RequestInvalid("body", "malformed JSON: " + e.Message));
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}

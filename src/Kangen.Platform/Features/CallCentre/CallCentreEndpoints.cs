using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kangen.Platform.Features.Applications;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.RateLimits;
using Kangen.Platform.Features.Reservation;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Features.Status;
using Kangen.Platform.Features.Identity;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.CallCentre;

/// <summary>Limits of call-centre lookups: <c>Kangen:CallCentre</c>.</summary>
public sealed class CallCentreOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Kangen:CallCentre";

    /// <summary>Lookups one agent may make per minute.</summary>
    public int PerCallerPerMinute { get; set; } = 20;

    /// <summary>Lookups of one My Key ID per hour, by all agents together, whether or not the ID exists.</summary>
    public int PerMyKeyIdPerHour { get; set; } = 5;
}

/// <summary>The body of <c>POST /api/v1/call-centre/lookups</c>.</summary>
/// <param name="MyKeyId">The My Key ID the caller gives.</param>
/// <param name="PhoneLast4">The last 4 digits of the phone number given at application.</param>
public sealed record CallCentreLookupRequest(string? MyKeyId, string? PhoneLast4);

/// <summary>
/// The answer: the status when the My Key ID and the phone digits match an application, otherwise only
/// <c>matched: false</c>, the same for an unknown ID and for wrong digits.
/// </summary>
/// <param name="Matched">True when they match.</param>
/// <param name="Status">The person's status (no grant amounts), when matched.</param>
public sealed record CallCentreLookupResponse(bool Matched, PersonStatus? Status);

/// <summary>Flow 7 for the call centre: lookups by My Key ID and phone last 4, rate-limited and audited.</summary>
public static class CallCentreEndpoints
{
    /// <summary>Adds the options.</summary>
    public static IHostApplicationBuilder AddCallCentre(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<CallCentreOptions>().BindConfiguration(CallCentreOptions.Section)
            .Validate(o => o.PerCallerPerMinute > 0 && o.PerMyKeyIdPerHour > 0, "Kangen:CallCentre limits must be positive.");
        builder.Services.AddScoped<CallCentreLookups>();
        return builder;
    }

    /// <summary>Maps <c>POST /api/v1/call-centre/lookups</c> (staff role call-centre or admin).</summary>
    public static IEndpointRouteBuilder MapCallCentre(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/api/v1/call-centre/lookups", Lookup).RequireAuthorization(StaffRoles.CallCentrePolicy).WithTags("Call centre")
            .Accepts<CallCentreLookupRequest>("application/json")
            .WithSummary("Look up a citizen's application status by My Key ID and phone last 4 (rate-limited per agent and per My Key ID, audited).");
        return app;
    }

    private static async Task<Results<Ok<CallCentreLookupResponse>, ProblemHttpResult>> Lookup(
        HttpContext http, CallCentreLookups lookups, CancellationToken cancellationToken)
    {
        var agent = StaffRoles.StaffId(http.User);
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<CallCentreLookupRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(CallCentreProblems.RequestInvalid(readProblem.Field ?? "body", readProblem.Detail ?? ""));
        var outcome = await lookups.LookupAsync(agent, body!, cancellationToken);
        if (outcome.Problem is { } problem)
        {
            if (outcome.RetryAfterSeconds is { } wait)
                http.Response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
            return ProblemResults.From(problem);
        }
        return TypedResults.Ok(outcome.Response!);
    }
}

/// <summary>The outcome of a call-centre lookup: the answer, or why there is none.</summary>
/// <param name="Response">The answer (matched or not), or null when refused.</param>
/// <param name="Problem">A malformed lookup or a rate limit, or null.</param>
/// <param name="RetryAfterSeconds">For a rate limit: seconds before the next lookup may pass.</param>
public sealed record CallCentreLookupOutcome(CallCentreLookupResponse? Response, PlatformProblem? Problem, int? RetryAfterSeconds);

/// <summary>
/// The lookup itself, shared by <c>POST /api/v1/call-centre/lookups</c> and the call-centre page: shapes checked, both
/// rate limits counted (in the database, so they hold across replicas), the phone digits compared in constant time
/// against the person's submissions, every lookup audited under the agent's staff id.
/// </summary>
public sealed class CallCentreLookups(
    KangenDbContext db, WriteGate gate, TimeProvider time, SecretBox box, ApplicationStatus status, IOptions<CallCentreOptions> options)
{
    /// <summary>Looks up <paramref name="request"/> for the agent <paramref name="agent"/> (a staff id).</summary>
    public async Task<CallCentreLookupOutcome> LookupAsync(string agent, CallCentreLookupRequest request, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(agent);
        ArgumentNullException.ThrowIfNull(request);
        // The shapes are public knowledge, so refusing a malformed one reveals nothing about who exists.
        if (!MyKeyId.TryParse(request.MyKeyId, out var myKeyId))
            return new(null, CallCentreProblems.RequestInvalid("myKeyId", "8 characters of A-Z and 0-9"), null);
        if (!ApplicantFacts.TryNormalizePhoneLast4(request.PhoneLast4, out var phone))
            return new(null, CallCentreProblems.RequestInvalid("phoneLast4", "4 digits"), null);

        Guid? matchedPerson;
        using (await gate.EnterAsync(cancellationToken))
        {
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // Both limits count every lookup, existing ID or not: the limit itself must not tell them apart.
            var byCaller = await RateWindows.HitAsync(db, "cc:caller:" + agent, TimeSpan.FromMinutes(1), options.Value.PerCallerPerMinute, now, cancellationToken);
            // An agent already over their own limit must not use up a citizen's allowance too: the per-ID count is taken
            // only for lookups the per-agent limit lets through.
            var byId = byCaller.Allowed
                ? await RateWindows.HitAsync(db, "cc:my-key-id:" + box.Hash("call-centre-my-key-id", myKeyId.Value)[..40], TimeSpan.FromHours(1),
                    options.Value.PerMyKeyIdPerHour, now, cancellationToken)
                : (Allowed: true, RetryAfter: TimeSpan.Zero);
            if (!byCaller.Allowed || !byId.Allowed)
            {
                await AuditIntent.AppendAllAsync(db, now, [new AuditIntent("staff:" + agent, "call-centre.lookup-limited", "staff:" + agent,
                    new { limit = byCaller.Allowed ? "my-key-id" : "caller" })], cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                var wait = byCaller.Allowed ? byId.RetryAfter : byId.Allowed ? byCaller.RetryAfter : TimeSpan.FromTicks(Math.Max(byCaller.RetryAfter.Ticks, byId.RetryAfter.Ticks));
                return new(null, CallCentreProblems.RateLimited, (int)Math.Ceiling(wait.TotalSeconds));
            }
            // The same queries and the same hash whether or not the ID exists (Guid.Empty matches no submission).
            var person = await db.Persons.AsNoTracking().Where(p => p.MyKeyId == myKeyId.Value).Select(p => (Guid?)p.Id).SingleOrDefaultAsync(cancellationToken);
            var hashes = await db.ApplicationSubmissions.AsNoTracking().Where(s => s.PersonId == (person ?? Guid.Empty) && s.PhoneHash != null)
                .Select(s => s.PhoneHash).ToListAsync(cancellationToken);
            // The digits are hashed exactly once whatever was found (HashEquals per stored hash hashed once per
            // submission, and not at all for an unknown ID or one without digits), then compared in constant time.
            var candidate = Encoding.ASCII.GetBytes(box.Hash(ApplicationRecorder.PhonePurpose, phone));
            var matched = false;
            foreach (var hash in hashes)
                matched |= CryptographicOperations.FixedTimeEquals(candidate, Encoding.ASCII.GetBytes(hash!));
            matchedPerson = matched ? person : null;
            await AuditIntent.AppendAllAsync(db, now, [new AuditIntent("staff:" + agent, "call-centre.lookup",
                person is { } p ? "person:" + p : "my-key-id:unknown", new { matched })], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        return new(matchedPerson is { } id
            ? new CallCentreLookupResponse(true, await status.OfAsync(id, cancellationToken))
            : new CallCentreLookupResponse(false, null), null, null);
    }
}

/// <summary>The codes of the call centre.</summary>
public static class CallCentreProblems
{
    /// <summary>A malformed lookup.</summary>
    public static PlatformProblem RequestInvalid(string field, string detail) => new("callcentre.request-invalid", StatusCodes.Status400BadRequest,
        "照会の内容が正しくありません。", "查询内容不正确。", "The lookup is incomplete or malformed.", detail, field);

    /// <summary>Too many lookups by this agent or of this My Key ID.</summary>
    public static readonly PlatformProblem RateLimited = new("callcentre.rate-limited", StatusCodes.Status429TooManyRequests,
        "照会の回数が上限に達しました。しばらくしてからお試しください。", "查询次数已达上限，请稍后再试。",
        "Too many lookups. Try again later.");
}

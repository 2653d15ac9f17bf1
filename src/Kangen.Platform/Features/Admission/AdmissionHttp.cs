using System.Globalization;
using System.Threading.RateLimiting;
using Kangen.Platform.Features.Identity;
using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Kangen.Platform.Features.Admission;

/// <summary>The waiting room on HTTP: the lanes, the gate in front of the citizen flow and the admission API.</summary>
public static class AdmissionHttp
{
    /// <summary>The header carrying an API client's ticket or pass (sent back on every request; answers carry the newest).</summary>
    public const string Header = "Kangen-Admission";

    /// <summary>The header stating the citizen's birth-year last digit while staggered windows are in force.</summary>
    public const string WindowDigitHeader = "Kangen-Window-Digit";

    /// <summary>The administrators' admission API.</summary>
    public const string AdminRoute = "/api/v1/admin/admission";

    /// <summary>The waiting page.</summary>
    public const string WaitingPath = "/waiting";

    /// <summary>The waiting page, sending the person on to <paramref name="returnUrl"/> once admitted.</summary>
    public static string WaitingUrl(string returnUrl) => WaitingPath + "?returnUrl=" + Uri.EscapeDataString(returnUrl);

    private static readonly string[] GatedPages = ["/login", "/me", "/apply", "/registrations", "/status"];
    private static readonly string[] GatedApi = ["/api/v1/challenges", "/api/v1/sessions", "/api/v1/me", "/api/v1/applications"];

    /// <summary>Whether <paramref name="path"/> is part of the citizen flow (the lane admission control guards).</summary>
    public static bool IsCitizenFlow(PathString path) =>
        GatedApi.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase))
        || GatedPages.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Registers the waiting room, its queue advance on every replica, and the lanes: the citizen flow's requests are
    /// served <see cref="AdmissionOptions.CitizenConcurrency"/> at a time (the rest wait in line, oldest first), while
    /// operators, staff consoles and counter terminals are never in that line.
    /// </summary>
    public static IHostApplicationBuilder AddAdmission(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<AdmissionOptions>().BindConfiguration(AdmissionOptions.Section)
            .Validate(o => o.Capacity is >= 1 and <= AdmissionSettings.MaxCapacity, "Kangen:Admission:Capacity must be between 1 and 10,000,000.")
            .Validate(o => o.RequestsPerSecond is >= 0 and <= AdmissionSettings.MaxRequestsPerSecond, "Kangen:Admission:RequestsPerSecond must be 0 (no limit) or more.")
            .Validate(o => o.PassMinutes >= 1, "Kangen:Admission:PassMinutes must be at least 1.")
            .Validate(o => o.TicketHours >= 1, "Kangen:Admission:TicketHours must be at least 1.")
            .Validate(o => o.PassGraceSeconds >= 1, "Kangen:Admission:PassGraceSeconds must be at least 1.")
            .Validate(o => o.TickMilliseconds >= 0, "Kangen:Admission:TickMilliseconds must be 0 (advance only when asked) or more.")
            .Validate(o => o.CitizenConcurrency >= 1, "Kangen:Admission:CitizenConcurrency must be at least 1.")
            .ValidateOnStart();
        builder.Services.AddSingleton<AdmissionControl>();
        builder.Services.AddHostedService<AdmissionLoop>();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                // Off, nobody is held back; a counter terminal (its staff cookie; the gate checks it for real) has a
                // lane of its own.
                if (!IsCitizenFlow(http.Request.Path) || !http.RequestServices.GetRequiredService<AdmissionControl>().Settings.Enabled
                    || http.Request.Cookies.ContainsKey(StaffSignIn.CookieName))
                    return RateLimitPartition.GetNoLimiter("other");
                var permits = http.RequestServices.GetRequiredService<IOptions<AdmissionOptions>>().Value.CitizenConcurrency;
                return RateLimitPartition.GetConcurrencyLimiter("citizen", _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = permits,
                    QueueLimit = 100_000,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                });
            });
        });
        return builder;
    }

    /// <summary>The gate and the lanes (after authentication, so sessions are known).</summary>
    public static WebApplication UseAdmission(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<AdmissionGate>();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Maps <c>/api/v1/admission</c> (citizens) and <c>/api/v1/admin/admission</c> (administrators).</summary>
    public static IEndpointRouteBuilder MapAdmission(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var citizens = app.MapGroup("/api/v1/admission").WithTags("Admission").AllowAnonymous();
        citizens.MapPost("/", Draw)
            .WithSummary($"Draw a queue ticket for the citizen flow (or, with a valid {Header} header, report its state). The answer's {Header} header is the token to send back.");
        citizens.MapGet("/", Get)
            .WithSummary($"The state of the ticket in the {Header} header: admitted, waiting (position, estimated wait) or window-closed (opensAt).");
        var admin = app.MapGroup(AdminRoute).RequireAuthorization(StaffRoles.AdminPolicy).WithTags("Administration");
        admin.MapGet("/", AdminGet).WithSummary("Admission settings, the live queue and the last hour's advances (staff role admin).");
        admin.MapPut("/", AdminPut).Accepts<AdmissionSettingsRequest>("application/json")
            .WithSummary("Change the capacity, the request rate, on/off and the staggered windows, live on every replica (staff role admin).");
        return app;
    }

    private static async Task<Results<Ok<AdmissionStatus>, ProblemHttpResult>> Draw(HttpContext http, AdmissionControl admission, CancellationToken cancellationToken)
    {
        var token = http.Request.Headers[Header].ToString();
        var (digit, digitProblem) = ReadDigit(http.Request);
        if (digitProblem is not null)
            return ProblemResults.From(digitProblem);
        var (status, newToken) = await admission.DrawAsync(token, digit, cancellationToken);
        if (Refusal(http, status) is { } problem)
            return problem;
        http.Response.Headers[Header] = newToken;
        SetRetryAfter(http, status);
        return TypedResults.Ok(status);
    }

    /// <summary>The problem for a state that is not an answer (digit required, queue unreachable), else null.</summary>
    internal static ProblemHttpResult? Refusal(HttpContext http, AdmissionStatus status)
    {
        switch (status.State)
        {
            case AdmissionStates.DigitRequired:
                return ProblemResults.From(AdmissionProblems.WindowDigitRequired);
            case AdmissionStates.Unavailable:
                http.Response.Headers.RetryAfter = "5";
                return ProblemResults.From(AdmissionProblems.Unavailable);
            default:
                return null;
        }
    }

    private static Results<Ok<AdmissionStatus>, ProblemHttpResult> Get(HttpContext http, AdmissionControl admission)
    {
        if (admission.Check(http.Request.Headers[Header].ToString()) is not var (status, token))
            return ProblemResults.From(AdmissionProblems.NoTicket);
        http.Response.Headers[Header] = token;
        SetRetryAfter(http, status);
        return TypedResults.Ok(status);
    }

    private static void SetRetryAfter(HttpContext http, AdmissionStatus status)
    {
        if (status.State == AdmissionStates.Waiting)
            http.Response.Headers.RetryAfter = RetryAfterSeconds(status).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>When to ask again: soon near the front, at most every 30 seconds far behind.</summary>
    internal static int RetryAfterSeconds(AdmissionStatus status) =>
        Math.Clamp(status.EstimatedWaitSeconds is { } wait ? wait / 4 : 2, 1, 30);

    /// <summary>The <see cref="WindowDigitHeader"/>: none, one digit, or a problem.</summary>
    internal static (int? Digit, PlatformProblem? Problem) ReadDigit(HttpRequest request)
    {
        var text = request.Headers[WindowDigitHeader].ToString();
        if (text.Length == 0)
            return (null, null);
        return text.Length == 1 && text[0] is >= '0' and <= '9'
            ? (text[0] - '0', null)
            : (null, AdmissionProblems.WindowDigitRequired.WithDetail($"'{(text.Length > 8 ? text[..8] + "..." : text)}' is not a digit 0-9"));
    }

    private static async Task<Ok<AdmissionView>> AdminGet(KangenDbContext db, AdmissionControl admission, CancellationToken cancellationToken)
    {
        var (live, history) = await admission.LiveAsync(db, TimeSpan.FromHours(1), cancellationToken);
        return TypedResults.Ok(new AdmissionView(AdmissionSettingsRequest.From(admission.Settings), live, history));
    }

    private static async Task<Results<Ok<AdmissionView>, ProblemHttpResult>> AdminPut(
        HttpContext http, KangenDbContext db, AdmissionControl admission, CancellationToken cancellationToken)
    {
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<AdmissionSettingsRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(AdmissionProblems.Invalid(readProblem.Field ?? "body", readProblem.Detail ?? "unreadable body"));
        var (settings, problems) = body!.ToSettings(admission.Settings);
        if (problems.Count > 0)
            return ProblemResults.From(problems);
        if (await admission.SaveSettingsAsync(db, settings!, StaffRoles.StaffId(http.User), cancellationToken) is { } problem)
            return ProblemResults.From(problem);
        return await AdminGet(db, admission, cancellationToken);
    }
}

/// <summary>The admin API's view: settings, the live queue and its history.</summary>
public sealed record AdmissionView(AdmissionSettingsRequest Settings, AdmissionLive Live, IReadOnlyList<AdmissionTickView> History);

/// <summary>The staggered windows on the wire: until when, and each digit's opening time.</summary>
public sealed record AdmissionWindowsRequest(DateTimeOffset? Until, Dictionary<string, DateTimeOffset>? Opens);

/// <summary>
/// Settings on the wire; a missing (or null) field keeps the value in force. <c>windows</c> replaces the staggered windows;
/// <c>"windows": {"until": null}</c> (no opening times) removes them.
/// </summary>
public sealed record AdmissionSettingsRequest(bool? Enabled, int? Capacity, int? RequestsPerSecond, AdmissionWindowsRequest? Windows)
{
    /// <summary>The wire form of <paramref name="settings"/>.</summary>
    public static AdmissionSettingsRequest From(AdmissionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(settings.Enabled, settings.Capacity, settings.RequestsPerSecond, settings.Windows is { } w
            ? new AdmissionWindowsRequest(w.Until, w.Opens.ToDictionary(o => o.Key.ToString(CultureInfo.InvariantCulture), o => o.Value))
            : null);
    }

    /// <summary>The settings asked for, on top of <paramref name="current"/>; or every field's problem.</summary>
    public (AdmissionSettings? Settings, IReadOnlyList<PlatformProblem> Problems) ToSettings(AdmissionSettings current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var problems = new List<PlatformProblem>();
        var windows = current.Windows;
        if (Windows is { Until: null, Opens: null or { Count: 0 } })
            windows = null;
        else if (Windows is not null)
        {
            if (Windows.Until is null)
                problems.Add(AdmissionProblems.Invalid("windows.until", "windows need 'until': when the staggered opening ends"));
            var opens = new Dictionary<int, DateTimeOffset>();
            foreach (var (key, at) in Windows.Opens ?? [])
            {
                if (key.Length == 1 && key[0] is >= '0' and <= '9')
                    opens[key[0] - '0'] = at;
                else
                    problems.Add(AdmissionProblems.Invalid("windows.opens", $"'{key}' is not a digit 0-9"));
            }
            if (Windows.Until is { } until)
                windows = new AdmissionWindows(until, opens);
        }
        var settings = new AdmissionSettings(Enabled ?? current.Enabled, Capacity ?? current.Capacity, RequestsPerSecond ?? current.RequestsPerSecond, windows);
        problems.AddRange(settings.Problems());
        return problems.Count > 0 ? (null, problems) : (settings, []);
    }
}

/// <summary>
/// The gate in front of the citizen flow. Passes: admission off; a counter terminal (its own lane); a citizen session
/// that authenticates (someone in the flow is never thrown out); an admitted pass. Anyone else draws a ticket: admitted
/// at once when there is room and nobody waits, else sent to the waiting page (pages) or answered 429
/// <c>admission.queued</c> with the ticket (API).
/// </summary>
internal sealed class AdmissionGate(RequestDelegate next, AdmissionControl admission)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (!AdmissionHttp.IsCitizenFlow(http.Request.Path))
        {
            await next(http);
            return;
        }
        if (!admission.Settings.Enabled)
        {
            await PassAsync(http);
            return;
        }
        var page = WebRegistration.IsPageRequest(http);
        if (page && await StaffSignIn.IsCounterAsync(http))
        {
            // The counter's own lane: neither queued nor counted in the citizens' request rate.
            await next(http);
            return;
        }
        var token = page ? http.Request.Cookies[AdmissionControl.CookieName] : http.Request.Headers[AdmissionHttp.Header].ToString();
        var scheme = page ? WebSessionAuthenticationHandler.SchemeName : SessionAuthenticationHandler.SchemeName;
        if ((await http.AuthenticateAsync(scheme)).Succeeded)
        {
            // In the flow: the session carries the person, and their pass is kept fresh for the steps without one.
            if (admission.Renew(token) is { } renewed)
                Keep(http, page, renewed);
            await PassAsync(http);
            return;
        }
        var state = admission.Check(token);
        if (state is null)
        {
            if (page && HttpMethods.IsHead(http.Request.Method))
            {
                // A probe or a link preview draws no ticket.
                RedirectToWaiting(http);
                return;
            }
            // A page asks for the digit on the waiting page; an API client says it in the header (anything else than one
            // digit is no digit, and the draw then asks for it).
            var digit = page ? null : AdmissionHttp.ReadDigit(http.Request).Digit;
            state = await admission.DrawAsync(token, digit, http.RequestAborted);
        }
        var (status, newToken) = state.Value;
        if (newToken.Length > 0 && newToken != token)
            Keep(http, page, newToken);
        if (status.State == AdmissionStates.Admitted)
        {
            await PassAsync(http);
            return;
        }
        if (page)
        {
            // Waiting, a closed window, the digit to ask or the queue unreachable: the waiting page explains each.
            RedirectToWaiting(http);
            return;
        }
        if (AdmissionHttp.Refusal(http, status) is { } refusal)
        {
            await refusal.ExecuteAsync(http);
            return;
        }
        var problem = ProblemResults.From(status.State == AdmissionStates.WindowClosed
            ? AdmissionProblems.WindowClosed.WithDetail(status.OpensAt is { } opens ? "opens at " + opens.ToString("O", CultureInfo.InvariantCulture) : null)
            : AdmissionProblems.Queued);
        var extensions = problem.ProblemDetails.Extensions;
        extensions["number"] = status.Number;
        extensions["position"] = status.Position;
        extensions["estimatedWaitSeconds"] = status.EstimatedWaitSeconds;
        extensions["opensAt"] = status.OpensAt;
        if (status.State == AdmissionStates.Waiting)
            http.Response.Headers.RetryAfter = AdmissionHttp.RetryAfterSeconds(status).ToString(CultureInfo.InvariantCulture);
        await problem.ExecuteAsync(http);
    }

    /// <summary>Lets the request through, counting it in the citizen flow's request rate (only what is served counts).</summary>
    private Task PassAsync(HttpContext http)
    {
        admission.CountRequest();
        return next(http);
    }

    private void Keep(HttpContext http, bool page, string token)
    {
        if (page)
            admission.WriteCookie(http, token);
        else
            http.Response.Headers[AdmissionHttp.Header] = token;
    }

    private static void RedirectToWaiting(HttpContext http)
    {
        var returnUrl = http.Request.PathBase + http.Request.Path + http.Request.QueryString;
        // 303: a form posted while waiting is asked again as a page, not re-posted.
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = AdmissionHttp.WaitingUrl(returnUrl);
    }
}

/// <summary>Advances the queue on every replica about every <see cref="AdmissionOptions.TickMilliseconds"/> (real time).</summary>
internal sealed class AdmissionLoop(AdmissionControl admission, IOptions<AdmissionOptions> options, ILogger<AdmissionLoop> log) : BackgroundService
{
    /// <summary>Reads the saved settings before the server takes requests, so a restarted replica never starts "off" by mistake.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await admission.RefreshAsync(cancellationToken);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
        {
            log.LogWarning(e, "The admission settings could not be read at start; the configuration's are used until the next tick.");
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.TickMilliseconds;
        if (interval <= 0)
            return;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(interval), TimeProvider.System);
        var ticks = 0L;
        do
        {
            try
            {
                // Off, nobody waits: a write every tick would buy nothing, so the figures are written every 40th tick
                // (10 s by default) and the settings re-read every 4th (switching on takes effect within a second).
                var tick = ticks++;
                if (admission.Settings.Enabled || tick % 40 == 0)
                    await admission.AdvanceAsync(force: false, stoppingToken);
                else if (tick % 4 == 0)
                    await admission.RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever failed (a database hiccup, a deadlock victim), the loop must outlive it: the queue stands
                // still for a tick and the next one tries again. Nothing is admitted by a failed advance.
                log.LogWarning(e, "The admission queue could not advance; retrying at the next tick.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

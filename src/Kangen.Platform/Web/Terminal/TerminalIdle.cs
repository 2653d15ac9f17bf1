using System.Globalization;
using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Web.Terminal;

/// <summary>
/// The assisted terminal's idle rule, enforced by the server whatever the browser runs: on a counter terminal (counter
/// staff or an administrator signed in) with a citizen's card in session, every request records the time of the
/// citizen's last activity in a protected cookie bound to that session; a request arriving more than
/// <c>Kangen:Web:CounterIdleSeconds</c> after it ends the session in the database first and goes to <c>/counter</c>
/// with a notice. The script of the banner (<c>terminal.js</c>) only warns and forgets a little sooner.
/// </summary>
/// <remarks>
/// The record is a cookie rather than a table so that any replica reads it (the Data Protection key ring is shared in
/// the data folder) and the API's hot path pays nothing: requests without both the staff and the session cookie pass
/// straight through. Without a record for the session (first request after the login, or a cookie dropped by hand) the
/// clock starts when the session was opened, so a terminal never adopts an old session.
/// A session opened at a procedure spot (channel <c>spot</c>) in a browser whose counter sign-in has lapsed is ended
/// too: the clerk is gone, the citizen must not stay.
/// </remarks>
public sealed class TerminalIdle(RequestDelegate next, IOptionsMonitor<WebOptions> options, TimeProvider time, IDataProtectionProvider protection)
{
    /// <summary>The cookie holding the last activity.</summary>
    public const string CookieName = "kangen-terminal";

    private static readonly object DeadlineKey = new();
    private readonly IDataProtector _protector = protection.CreateProtector("Kangen.Web.Terminal.Activity.v1");

    /// <summary>When the citizen of this request will be forgotten for idleness (null when this is not a terminal with a citizen).</summary>
    public static DateTimeOffset? DeadlineOf(HttpContext http) =>
        http?.Items.TryGetValue(DeadlineKey, out var value) == true ? (DateTimeOffset?)value : null;

    /// <summary>Checks and records the activity, or forgets the citizen.</summary>
    public async Task InvokeAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        // The API never reads the session cookie, and a request without it has no citizen to forget. The error page
        // after a failure is not activity, and looking the citizen up again would repeat a database failure.
        if (http.Request.Path.StartsWithSegments("/api") || !http.Request.Cookies.ContainsKey(WebSessionAuthenticationHandler.CookieName)
            || http.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>() is not null)
        {
            await next(http);
            return;
        }
        var citizen = await CitizenSignIn.CurrentAsync(http);
        if (citizen is null)
        {
            await next(http);
            return;
        }
        if (!await StaffSignIn.IsCounterAsync(http))
        {
            if (citizen.Channel == Channels.Spot)
            {
                await ForgetAsync(http, ForgetReason.Unattended);
                return;
            }
            await next(http);
            return;
        }

        var now = time.GetUtcNow();
        var idle = TimeSpan.FromSeconds(options.CurrentValue.CounterIdleSeconds);
        var last = ReadActivity(http, citizen) ?? await OpenedAtAsync(http, citizen);
        if (now - last >= idle)
        {
            await ForgetAsync(http, ForgetReason.Idle);
            return;
        }
        http.Response.Cookies.Append(CookieName, _protector.Protect(citizen.TokenHash + "|" + now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)),
            CookieOptions(http));
        http.Items[DeadlineKey] = now + idle;
        await next(http);
    }

    /// <summary>Ends the citizen's session and drops the activity record; the caller then sends the browser to /counter.</summary>
    public static async Task ForgetCitizenAsync(HttpContext http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        await CitizenSignIn.ForgetAsync(http, cancellationToken);
        http.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/" });
    }

    /// <summary>Where the terminal goes after forgetting a citizen for <paramref name="reason"/>.</summary>
    public static string CounterUrl(ForgetReason reason) => "/counter?forgotten=" + reason.ToCode();

    private async Task ForgetAsync(HttpContext http, ForgetReason reason)
    {
        await ForgetCitizenAsync(http, http.RequestAborted);
        // 303 so that a form posted too late is not posted again to /counter: what it carried is dropped, unapplied.
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = CounterUrl(reason);
        http.Response.Headers.CacheControl = "no-store";
    }

    private DateTimeOffset? ReadActivity(HttpContext http, CurrentSession citizen)
    {
        if (!http.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value))
            return null;
        string plain;
        try
        {
            plain = _protector.Unprotect(value);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null; // forged, truncated, or from a retired key: the session's opening time stands in
        }
        var bar = plain.LastIndexOf('|');
        if (bar <= 0 || !string.Equals(plain[..bar], citizen.TokenHash, StringComparison.Ordinal)
            || !long.TryParse(plain[(bar + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            return null;
        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    private static async Task<DateTimeOffset> OpenedAtAsync(HttpContext http, CurrentSession citizen)
    {
        var db = http.RequestServices.GetRequiredService<KangenDbContext>();
        var opened = await db.Sessions.AsNoTracking().Where(s => s.TokenHash == citizen.TokenHash)
            .Select(s => (DateTimeOffset?)s.CreatedAt).SingleOrDefaultAsync(http.RequestAborted);
        return opened ?? DateTimeOffset.MinValue;
    }

    private static CookieOptions CookieOptions(HttpContext http) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = http.Request.IsHttps,
        Path = "/",
        IsEssential = true,
    };
}

/// <summary>Why a terminal forgot its citizen (shown on <c>/counter</c>).</summary>
public enum ForgetReason
{
    /// <summary>The clerk or the citizen pressed "finish".</summary>
    Finished,

    /// <summary>Nobody used the terminal for the idle time.</summary>
    Idle,

    /// <summary>The application was recorded.</summary>
    Applied,

    /// <summary>The counter sign-in had ended while a spot session remained.</summary>
    Unattended,
}

/// <summary>The codes of <see cref="ForgetReason"/> in URLs.</summary>
public static class ForgetReasons
{
    /// <summary>The URL code.</summary>
    public static string ToCode(this ForgetReason reason) => reason switch
    {
        ForgetReason.Idle => "idle",
        ForgetReason.Applied => "applied",
        ForgetReason.Unattended => "unattended",
        _ => "finished",
    };

    /// <summary>The reason of a URL code, or null.</summary>
    public static ForgetReason? Parse(string? code) => code switch
    {
        "finished" => ForgetReason.Finished,
        "idle" => ForgetReason.Idle,
        "applied" => ForgetReason.Applied,
        "unattended" => ForgetReason.Unattended,
        _ => null,
    };
}

using Kangen.Platform.Storage;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Diagnostics;

namespace Kangen.Platform.Problems;

/// <summary>
/// The answer when the database cannot be reached (a PostgreSQL restart, a failover, a saturated pool, SQLite busy):
/// 503 with the stable code <c>storage.unavailable</c> and <c>Retry-After</c>, so that a client knows the request did
/// not complete and can be sent again as it is (every write is one transaction, and writes that matter carry an
/// idempotency key or are unique by nature, so even a connection broken during its commit is never recorded twice).
/// Pages get the error page with the same status.
/// </summary>
public sealed class StorageUnavailable(ILogger<StorageUnavailable> logger) : IExceptionHandler
{
    /// <summary>Seconds a client is asked to wait before sending the request again.</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>The problem.</summary>
    public static readonly PlatformProblem Problem = new("storage.unavailable", StatusCodes.Status503ServiceUnavailable,
        "ただいま混み合っているか、一時的に利用できません。少し待ってからもう一度お試しください。二重に記録されることはありません。",
        "系统繁忙或暂时无法使用。请稍后重试。不会重复记录。",
        "The service is busy or briefly unavailable. Try again in a moment: nothing is ever recorded twice.");

    /// <summary>The status for an unhandled exception: 503 when the database was unavailable, else 500.</summary>
    public static int StatusFor(Exception exception) =>
        KangenStorage.IsUnavailable(exception) ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;

    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (!KangenStorage.IsUnavailable(exception))
            return false;
        logger.LogWarning("Database unavailable for {Method} {Path}: {Error}", httpContext.Request.Method, httpContext.Request.Path, exception.GetBaseException().Message);
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Pages re-execute /error, which shows this status in the person's language.
        if (WebRegistration.IsPageRequest(httpContext))
            return false;
        await ProblemResults.From(Problem).ExecuteAsync(httpContext);
        return true;
    }
}

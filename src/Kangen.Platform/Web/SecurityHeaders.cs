using Microsoft.Extensions.Options;

namespace Kangen.Platform.Web;

/// <summary>
/// Headers on every answer: no MIME sniffing, no referrer, no framing; and on pages a content security policy that
/// allows only this site's own scripts and styles, plus connections to the local card agent on loopback, and
/// <c>Cache-Control: no-store</c> so that a shared terminal's back button never shows the previous citizen.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next, IOptions<WebOptions> options)
{
    private readonly string _policy = string.Join("; ",
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self' " + AgentOrigin(options.Value.CardAgentUrl),
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'");

    /// <summary>Adds the headers as the answer starts.</summary>
    public Task InvokeAsync(HttpContext http)
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
            // The interactive API reference brings its own scripts; every other HTML answer is one of our pages.
            if (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true
                && !http.Request.Path.StartsWithSegments("/scalar"))
            {
                headers.ContentSecurityPolicy = _policy;
                headers.CacheControl = "no-store";
            }
            return Task.CompletedTask;
        });
        return next(http);
    }

    /// <summary>The agent's origin, plus any loopback port: the citizen may run the agent on another one.</summary>
    private static string AgentOrigin(string url)
    {
        var uri = new Uri(url);
        var origin = uri.GetLeftPart(UriPartial.Authority);
        return origin + " http://127.0.0.1:* http://localhost:*";
    }
}

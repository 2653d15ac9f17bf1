using Kangen.Platform.Web.Terminal;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Counter;

/// <summary>
/// What the banner's script asks when the citizen is using the page without loading another (typing a long form) or
/// presses "continue" at the idle warning: the request itself is activity (<see cref="TerminalIdle"/> records it), and
/// the answer is the time left. After the idle time the request is redirected to <c>/counter</c> like any other.
/// </summary>
public sealed class CounterAliveModel(TimeProvider time) : PageModel
{
    /// <summary><c>{"citizen": true|false, "secondsLeft": n}</c>.</summary>
    public IActionResult OnGet()
    {
        var deadline = TerminalIdle.DeadlineOf(HttpContext);
        var left = deadline is { } d ? Math.Max(0, (int)Math.Floor((d - time.GetUtcNow()).TotalSeconds)) : 0;
        Response.Headers.CacheControl = "no-store";
        return new JsonResult(new { citizen = deadline is not null, secondsLeft = left });
    }
}

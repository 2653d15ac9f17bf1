using System.Security.Claims;
using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Web;

/// <summary>Who is at the page: the citizen whose card is in session and the staff member signed in, either or both.</summary>
/// <param name="Citizen">The citizen's session, or null.</param>
/// <param name="MyKeyId">The citizen's My Key ID on a counter terminal (the banner shows it), else null.</param>
/// <param name="StaffId">The staff member's id, or null.</param>
/// <param name="StaffRole">The staff member's role, or null.</param>
public sealed record WebViewerState(CurrentSession? Citizen, string? MyKeyId, string? StaffId, string? StaffRole)
{
    /// <summary>An assisted terminal: counter staff (or an administrator) signed in.</summary>
    public bool IsCounter => StaffRoles.IsCounter(StaffRole);

    /// <summary>The last 6 characters of the card's certificate serial, enough for the citizen to recognise their card.</summary>
    public string? SerialTail => Citizen?.Serial is { Length: > 6 } s ? s[^6..] : Citizen?.Serial;
}

/// <summary>Reads <see cref="WebViewerState"/> once per request (the layout and the pages share it).</summary>
public sealed class WebViewer(IHttpContextAccessor accessor, KangenDbContext db)
{
    private WebViewerState? _state;

    /// <summary>The state of the current request.</summary>
    public async Task<WebViewerState> GetAsync()
    {
        if (_state is not null)
            return _state;
        var http = accessor.HttpContext ?? throw new InvalidOperationException("No request.");
        var citizen = await CitizenSignIn.CurrentAsync(http);
        var staff = await StaffSignIn.CurrentAsync(http);
        var role = staff?.FindFirstValue(ClaimTypes.Role);
        // Only a terminal shows whose card is in session; a citizen's own pages read what they show themselves.
        string? myKeyId = null;
        if (citizen is not null && StaffRoles.IsCounter(role))
            myKeyId = await db.Persons.AsNoTracking().Where(p => p.Id == citizen.PersonId).Select(p => p.MyKeyId).SingleOrDefaultAsync(http.RequestAborted);
        _state = new WebViewerState(citizen, myKeyId, staff?.FindFirstValue(StaffRoles.IdClaim), role);
        return _state;
    }
}

using Kangen.Platform.Features.Audit;
using Kangen.Platform.Storage;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Pages.Admin;

/// <summary>One audit entry as listed (no personal data exists in the log: subjects are pseudonymous ids and codes).</summary>
public sealed record AuditRow(long Sequence, DateTimeOffset At, string Actor, string Action, string Subject);

/// <summary>The audit log: the latest entries, and (on request) the chain verification of <see cref="AuditVerifier"/>.</summary>
public sealed class AdminAuditModel(KangenDbContext db, TimeProvider time) : PageModel
{
    /// <summary>How many of the latest entries are listed.</summary>
    public const int Latest = 50;

    /// <summary>The latest entries, newest first.</summary>
    public IReadOnlyList<AuditRow> Entries { get; private set; } = [];

    /// <summary>The verification, when run.</summary>
    public AuditVerification? Verification { get; private set; }

    /// <summary>When it was run.</summary>
    public DateTimeOffset? VerifiedAt { get; private set; }

    /// <summary>The latest entries.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    /// <summary>Verifies the whole chain (streamed, never the table in memory), then lists the latest entries.</summary>
    public async Task OnPostVerifyAsync(CancellationToken cancellationToken)
    {
        Verification = await AuditVerifier.VerifyAsync(db, cancellationToken);
        VerifiedAt = time.GetUtcNow();
        await LoadAsync(cancellationToken);
    }

    private async Task LoadAsync(CancellationToken cancellationToken) =>
        Entries = await db.AuditLog.AsNoTracking().OrderByDescending(e => e.Sequence).Take(Latest)
            .Select(e => new AuditRow(e.Sequence, e.At, e.Actor, e.Action, e.Subject)).ToListAsync(cancellationToken);
}

using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Admin;

/// <summary>
/// Editing the campaign or the payment service catalogue: the JSON document in force, checked by the parsers that
/// load it (every problem with its path next to the editor; nothing saved), saved as a new version in force on every
/// replica (<see cref="ConfigurationDocuments"/>), and the history of versions.
/// </summary>
public sealed class AdminDocumentsModel(KangenDbContext db, WriteGate gate, TimeProvider time, ConfigurationDocuments documents) : PageModel
{
    /// <summary>How many versions the history lists.</summary>
    public const int HistoryLength = 20;

    /// <summary><c>campaign</c> or <c>catalogue</c>.</summary>
    [BindProperty(SupportsGet = true)]
    public string Kind { get; set; } = "";

    /// <summary>The document in the editor.</summary>
    [BindProperty(Name = "content")]
    public string? Document { get; set; }

    /// <summary>The version shown (0: the file).</summary>
    public int Version { get; private set; }

    /// <summary>The version just saved.</summary>
    [BindProperty(SupportsGet = true, Name = "saved")]
    public int? Saved { get; set; }

    /// <summary>The document's problems (nothing was saved).</summary>
    public IReadOnlyList<DocumentProblem> Problems { get; private set; } = [];

    /// <summary>A refusal other than the document's problems.</summary>
    public PlatformProblem? Refusal { get; private set; }

    /// <summary>The saved versions, newest first.</summary>
    public IReadOnlyList<ConfigurationVersion> History { get; private set; } = [];

    /// <summary>The version in force on this replica.</summary>
    public int InForce => documents.AppliedVersion(Kind);

    /// <summary>The editor with the document in force.</summary>
    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!ConfigurationKinds.IsKnown(Kind))
            return NotFound();
        (Document, Version) = await documents.CurrentTextAsync(db, Kind, cancellationToken);
        History = await ConfigurationDocuments.HistoryAsync(db, Kind, HistoryLength, cancellationToken);
        return Page();
    }

    /// <summary>Checks and saves the document as a new version.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ConfigurationKinds.IsKnown(Kind))
            return NotFound();
        var (saved, refusal, problems) = await documents.SaveAsync(db, gate, time, Kind, Document, StaffRoles.StaffId(User), cancellationToken);
        if (saved is not null)
            return Redirect($"/admin/documents/{Kind}?saved={saved.Version}");
        Problems = problems;
        Refusal = refusal;
        Response.StatusCode = refusal?.Status ?? StatusCodes.Status400BadRequest;
        History = await ConfigurationDocuments.HistoryAsync(db, Kind, HistoryLength, cancellationToken);
        Version = History.Count == 0 ? 0 : History[0].Version;
        return Page();
    }
}

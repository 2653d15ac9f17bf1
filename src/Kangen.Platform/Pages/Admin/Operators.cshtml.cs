using Kangen.Platform.Features.Operators;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Platform.Web;
using Kangen.Protocol;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Admin;

/// <summary>
/// Operators: the registered list; registering a catalogue operator; changing its endpoint or status; adding and
/// revoking its keys. The same code as the admin API (<see cref="OperatorAdminEndpoints"/>, <see cref="OperatorKeys"/>);
/// a refusal is shown next to its field and changes nothing.
/// </summary>
public sealed class AdminOperatorsModel(
    KangenDbContext db, WriteGate gate, TimeProvider time, ServiceCatalogue catalogue, OperatorDirectory directory, OperatorKeyCache keys) : PageModel
{
    /// <summary>The registered operators.</summary>
    public IReadOnlyList<OperatorProfile> Operators { get; private set; } = [];

    /// <summary>Catalogue operators not registered yet (suggestions).</summary>
    public IReadOnlyList<string> Unregistered { get; private set; } = [];

    /// <summary>The form that was refused (<c>register</c>, <c>update:{code}</c>, <c>key:{code}</c>, <c>revoke:{code}</c>).</summary>
    public string? ErrorForm { get; private set; }

    /// <summary>The refusal.</summary>
    public PlatformProblem? Error { get; private set; }

    /// <summary>What was just done, for the notice (<c>registered</c>, <c>updated</c>, <c>key-added</c>, <c>key-revoked</c>).</summary>
    [BindProperty(SupportsGet = true, Name = "done")]
    public string? Done { get; set; }

    /// <summary>The operator just changed.</summary>
    [BindProperty(SupportsGet = true, Name = "code")]
    public string? Code { get; set; }

    /// <summary>The posted verification URL.</summary>
    [BindProperty(Name = "verificationUrl")]
    public string? VerificationUrl { get; set; }

    /// <summary>The posted status.</summary>
    [BindProperty(Name = "status")]
    public string? Status { get; set; }

    /// <summary>The posted public key.</summary>
    [BindProperty(Name = "publicKeyPem")]
    public string? PublicKeyPem { get; set; }

    /// <summary>The posted key id to revoke.</summary>
    [BindProperty(Name = "keyId")]
    public string? KeyId { get; set; }

    /// <summary>The refusal's message when it belongs to <paramref name="form"/>'s <paramref name="field"/> (null field: the form's own).</summary>
    public string? ErrorFor(string form, string? field)
    {
        if (Error is null || ErrorForm != form)
            return null;
        var known = form == "register" ? new[] { "code", "verificationUrl" }
            : form.StartsWith("update:", StringComparison.Ordinal) ? ["verificationUrl", "status"]
            : form.StartsWith("key:", StringComparison.Ordinal) ? ["publicKeyPem"] : [];
        var target = Error.Field is not null && known.Contains(Error.Field) ? Error.Field : null;
        if (target != field)
            return null;
        return Texts.Message(Error) + (Error.Detail is null ? "" : " (" + Error.Detail + ")");
    }

    /// <summary>The list.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    /// <summary>Registers an operator.</summary>
    public async Task<IActionResult> OnPostRegisterAsync(CancellationToken cancellationToken)
    {
        var (profile, problem) = await OperatorAdminEndpoints.RegisterAsync(db, gate, time, catalogue, directory,
            new OperatorRegistrationRequest(Code, string.IsNullOrWhiteSpace(VerificationUrl) ? null : VerificationUrl), Actor, cancellationToken);
        return await AfterAsync("register", problem, "registered", profile?.Code, cancellationToken);
    }

    /// <summary>Changes an operator's endpoint and status.</summary>
    public async Task<IActionResult> OnPostUpdateAsync(string @operator, CancellationToken cancellationToken)
    {
        // The form always sends both: an empty URL removes the endpoint, as in the API.
        var (profile, problem) = await OperatorAdminEndpoints.UpdateAsync(db, gate, time, catalogue, directory, keys, @operator,
            new OperatorUpdateRequest(VerificationUrl?.Trim() ?? "", Status), Actor, cancellationToken);
        return await AfterAsync("update:" + @operator, problem, "updated", profile?.Code, cancellationToken);
    }

    /// <summary>Adds a public key.</summary>
    public async Task<IActionResult> OnPostAddKeyAsync(string @operator, CancellationToken cancellationToken)
    {
        var (_, problem) = await OperatorKeys.AddAsync(db, gate, time, @operator, PublicKeyPem, Actor, cancellationToken);
        return await AfterAsync("key:" + @operator, problem, "key-added", @operator, cancellationToken);
    }

    /// <summary>Revokes a key (an administrator may revoke the last one, as in the API).</summary>
    public async Task<IActionResult> OnPostRevokeAsync(string @operator, CancellationToken cancellationToken)
    {
        var (_, problem) = await OperatorKeys.RevokeAsync(db, gate, time, keys, @operator, KeyId ?? "", keepOne: false, Actor, cancellationToken);
        return await AfterAsync("revoke:" + @operator, problem, "key-revoked", @operator, cancellationToken);
    }

    private string Actor => "staff:" + StaffRoles.StaffId(User);

    private async Task<IActionResult> AfterAsync(string form, PlatformProblem? problem, string done, string? code, CancellationToken cancellationToken)
    {
        if (problem is null)
            return Redirect($"/admin/operators?done={done}&code={Uri.EscapeDataString(code ?? "")}#op-{Uri.EscapeDataString(code ?? "")}");
        ErrorForm = form;
        Error = problem;
        Done = null;
        Response.StatusCode = problem.Status;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Operators = await OperatorAdminEndpoints.ListAsync(db, catalogue, cancellationToken);
        var registered = Operators.Select(o => o.Code).ToHashSet(StringComparer.Ordinal);
        Unregistered = catalogue.All.Select(s => s.Operator).Distinct(StringComparer.Ordinal).Where(c => !registered.Contains(c)).Order(StringComparer.Ordinal).ToArray();
    }
}

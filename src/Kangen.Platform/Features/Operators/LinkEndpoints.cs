using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Identity;
using Kangen.Platform.Features.Reservation;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Operators;

/// <summary>The body of <c>POST /api/v1/admin/links/suspend</c>.</summary>
/// <param name="MyKeyId">The person's My Key ID.</param>
/// <param name="Reason"><c>death</c> or <c>fraud</c>.</param>
public sealed record LinkSuspensionRequest(string? MyKeyId, string? Reason);

/// <summary>The body of <c>POST /api/v1/admin/links/resume</c>.</summary>
/// <param name="MyKeyId">The person's My Key ID.</param>
public sealed record LinkResumeRequest(string? MyKeyId);

/// <summary>A person's links after a change.</summary>
/// <param name="MyKeyId">The person's My Key ID.</param>
/// <param name="Suspended">True while suspended.</param>
/// <param name="Reason">Why, while suspended.</param>
/// <param name="Records">Feed records written: one per campaign choice, in the feed of the choice's operator.</param>
public sealed record LinkStateResponse(string MyKeyId, bool Suspended, string? Reason, int Records);

/// <summary>
/// Later changes to a person's links with operators (staff roles municipal and admin): suspension (death or fraud:
/// no grant is accepted for the person until resumed) and resumption. Each writes or deletes the
/// <see cref="LinkSuspension"/>, appends the audit entry and then a <c>suspended</c> or <c>resumed</c> record to the
/// feed of every operator the person chose a service of, all in one transaction.
/// Suspending a suspended person is refused with 409 <c>links.already-suspended</c> (not idempotent: the reason
/// recorded first stays, and a second clerk learns that someone already acted); resuming one that is not suspended is
/// 409 <c>links.not-suspended</c>.
/// </summary>
public static class LinkEndpoints
{
    /// <summary>Death.</summary>
    public const string Death = "death";

    /// <summary>Fraud.</summary>
    public const string Fraud = "fraud";

    /// <summary>Maps <c>POST /api/v1/admin/links/suspend</c> and <c>/resume</c>.</summary>
    public static IEndpointRouteBuilder MapLinks(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var group = app.MapGroup("/api/v1/admin/links").RequireAuthorization(StaffRoles.MunicipalPolicy).WithTags("Operators (admin)");
        group.MapPost("/suspend", Suspend).Accepts<LinkSuspensionRequest>("application/json")
            .WithSummary("Suspend a person's links with operators (death or fraud): their operators are told, grants are refused (staff roles municipal, admin).");
        group.MapPost("/resume", Resume).Accepts<LinkResumeRequest>("application/json")
            .WithSummary("Resume a suspended person's links; their operators are told (staff roles municipal, admin).");
        return app;
    }

    private static async Task<Results<Ok<LinkStateResponse>, ProblemHttpResult>> Suspend(
        HttpContext http, KangenDbContext db, WriteGate gate, TimeProvider time, ServiceCatalogue catalogue, CancellationToken cancellationToken)
    {
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<LinkSuspensionRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(OperatorAdminProblems.LinkRequestInvalid(readProblem.Field ?? "body", readProblem.Detail ?? ""));
        return Answer(await LinkSuspensions.SuspendAsync(db, gate, time, catalogue, StaffRoles.StaffId(http.User), body!, cancellationToken));
    }

    private static async Task<Results<Ok<LinkStateResponse>, ProblemHttpResult>> Resume(
        HttpContext http, KangenDbContext db, WriteGate gate, TimeProvider time, ServiceCatalogue catalogue, CancellationToken cancellationToken)
    {
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<LinkResumeRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(OperatorAdminProblems.LinkRequestInvalid(readProblem.Field ?? "body", readProblem.Detail ?? ""));
        return Answer(await LinkSuspensions.ResumeAsync(db, gate, time, catalogue, StaffRoles.StaffId(http.User), body!, cancellationToken));
    }

    private static Results<Ok<LinkStateResponse>, ProblemHttpResult> Answer(LinkChangeOutcome outcome) =>
        outcome.Problem is { } problem ? ProblemResults.From(problem) : TypedResults.Ok(outcome.State!);
}

/// <summary>The outcome of a suspension or resumption: the person's links after it, or why nothing changed.</summary>
/// <param name="State">The links after the change, or null.</param>
/// <param name="Problem">Why nothing changed, or null.</param>
public sealed record LinkChangeOutcome(LinkStateResponse? State, PlatformProblem? Problem);

/// <summary>
/// Suspension and resumption themselves, shared by <c>POST /api/v1/admin/links/suspend|resume</c> and the municipal
/// page (see <see cref="LinkEndpoints"/> for the rules). The audit actor is <c>staff:&lt;staff id&gt;</c>.
/// </summary>
public static class LinkSuspensions
{
    /// <summary>Suspends the links of the person of <paramref name="request"/> for <paramref name="staff"/>.</summary>
    public static Task<LinkChangeOutcome> SuspendAsync(
        KangenDbContext db, WriteGate gate, TimeProvider time, ServiceCatalogue catalogue, string staff, LinkSuspensionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Reason is not (LinkEndpoints.Death or LinkEndpoints.Fraud) && MyKeyId.TryParse(request.MyKeyId, out _))
            return Task.FromResult(Refuse(OperatorAdminProblems.LinkRequestInvalid("reason", $"'{LinkEndpoints.Death}' or '{LinkEndpoints.Fraud}'")));
        return ChangeAsync(db, gate, time, catalogue, staff, request.MyKeyId, suspend: true, request.Reason, async (id, now) =>
        {
            var existing = await db.LinkSuspensions.AsNoTracking().SingleOrDefaultAsync(s => s.PersonId == id, cancellationToken);
            if (existing is not null)
                return OperatorAdminProblems.AlreadySuspended(existing.Reason);
            db.LinkSuspensions.Add(new LinkSuspension { PersonId = id, Reason = request.Reason!, SuspendedAt = now, SuspendedBy = staff });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (KangenStorage.IsUniqueViolation(e))
            {
                return OperatorAdminProblems.AlreadySuspended(request.Reason!);
            }
            return null;
        }, cancellationToken);
    }

    /// <summary>Resumes the suspended links of the person of <paramref name="request"/> for <paramref name="staff"/>.</summary>
    public static Task<LinkChangeOutcome> ResumeAsync(
        KangenDbContext db, WriteGate gate, TimeProvider time, ServiceCatalogue catalogue, string staff, LinkResumeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ChangeAsync(db, gate, time, catalogue, staff, request.MyKeyId, suspend: false, reason: null, async (id, _) =>
        {
            // Deleted by a statement, so of two concurrent resumptions exactly one finds the row.
            var deleted = await db.LinkSuspensions.Where(s => s.PersonId == id).ExecuteDeleteAsync(cancellationToken);
            return deleted == 0 ? OperatorAdminProblems.NotSuspended : null;
        }, cancellationToken);
    }

    /// <summary>
    /// One link change in one transaction: the person by My Key ID, <paramref name="change"/> (a refusal writes nothing),
    /// then a feed record per campaign choice for its operator and the audit entry.
    /// </summary>
    private static async Task<LinkChangeOutcome> ChangeAsync(
        KangenDbContext db, WriteGate gate, TimeProvider time, ServiceCatalogue catalogue, string staff, string? myKeyIdText, bool suspend, string? reason,
        Func<Guid, DateTimeOffset, Task<PlatformProblem?>> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrEmpty(staff);
        if (!MyKeyId.TryParse(myKeyIdText, out var myKeyId))
            return Refuse(OperatorAdminProblems.LinkRequestInvalid("myKeyId", "8 characters of A-Z and 0-9"));
        using (await gate.EnterAsync(cancellationToken))
        {
            db.ChangeTracker.Clear();
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var person = await db.Persons.AsNoTracking().Where(p => p.MyKeyId == myKeyId.Value).Select(p => (Guid?)p.Id).SingleOrDefaultAsync(cancellationToken);
            if (person is not { } id)
                return Refuse(OperatorAdminProblems.PersonUnknown);
            if (await change(id, now) is { } refused)
                return Refuse(refused);
            var changes = await LinkChanges.ForPersonAsync(db, catalogue, id, suspend ? EnrolmentRecord.Suspended : EnrolmentRecord.Resumed, reason, cancellationToken);
            var entry = suspend
                ? await AuditChain.AppendAsync(db, now, "staff:" + staff, "link.suspended", "person:" + id, new { reason, records = changes.Count }, cancellationToken)
                : await AuditChain.AppendAsync(db, now, "staff:" + staff, "link.resumed", "person:" + id, new { records = changes.Count }, cancellationToken);
            await EnrolmentFeed.AppendAsync(db, entry, now, changes, null, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new(new LinkStateResponse(myKeyId.Value, suspend, reason, changes.Count), null);
        }
    }

    private static LinkChangeOutcome Refuse(PlatformProblem problem) => new(null, problem);
}

/// <summary>The feed records a change to a person's links makes: one per campaign choice, for the choice's operator.</summary>
public static class LinkChanges
{
    /// <summary>
    /// A <paramref name="kind"/> record for each of the person's campaign choices (service to operator through the
    /// catalogue; a service no longer in the catalogue has no operator to tell).
    /// </summary>
    public static async Task<IReadOnlyList<EnrolmentChange>> ForPersonAsync(
        KangenDbContext db, ServiceCatalogue catalogue, Guid personId, string kind, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(catalogue);
        var choices = await db.CampaignChoices.AsNoTracking().Where(c => c.PersonId == personId)
            .Select(c => new { c.Campaign, c.Service, c.AccountReference }).ToListAsync(cancellationToken);
        return choices.OrderBy(c => c.Campaign, StringComparer.Ordinal).ThenBy(c => c.Service, StringComparer.Ordinal)
            .Select(c => (Choice: c, Service: catalogue.Find(c.Service)))
            .Where(c => c.Service is not null)
            .Select(c => new EnrolmentChange(c.Service!.Operator, personId, kind, c.Choice.Service, c.Choice.AccountReference, Reason: reason))
            .ToArray();
    }

    /// <summary>
    /// For Identity: after a renewed certificate was linked to <paramref name="personId"/> and the transaction's audit
    /// entries were appended and saved, appends a <c>renewed</c> record per campaign choice at the position of
    /// <paramref name="last"/>, the last of those entries, and saves. Does nothing for a person without choices.
    /// </summary>
    public static async Task AppendRenewalAsync(KangenDbContext db, ServiceCatalogue catalogue, Guid personId, AuditEntry last, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var changes = await ForPersonAsync(db, catalogue, personId, EnrolmentRecord.Renewed, null, cancellationToken);
        if (changes.Count == 0)
            return;
        await EnrolmentFeed.AppendAsync(db, last, now, changes, null, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
    }
}

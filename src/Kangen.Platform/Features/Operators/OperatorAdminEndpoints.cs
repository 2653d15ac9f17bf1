using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Identity;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Operators;

/// <summary>The body of <c>POST /api/v1/admin/operators</c>.</summary>
/// <param name="Code">An operator code of the service catalogue.</param>
/// <param name="VerificationUrl">Its account verification endpoint (absolute http or https URL), if it has one yet.</param>
public sealed record OperatorRegistrationRequest(string? Code, string? VerificationUrl);

/// <summary>The body of <c>PATCH /api/v1/admin/operators/{code}</c>: absent (null) fields stay as they are.</summary>
/// <param name="VerificationUrl">A new endpoint URL; the empty string removes it (its services then cannot be verified).</param>
/// <param name="Status"><c>active</c> or <c>suspended</c>.</param>
public sealed record OperatorUpdateRequest(string? VerificationUrl, string? Status);

/// <summary>
/// Onboarding (staff role admin): registering a catalogue operator, its verification endpoint, its status and its
/// public keys. Every change is audited in its transaction; bad input changes nothing.
/// </summary>
public static class OperatorAdminEndpoints
{
    /// <summary>Longest verification URL (the column).</summary>
    public const int MaxUrlLength = 512;

    /// <summary>Maps the <c>/api/v1/admin/operators</c> routes.</summary>
    public static IEndpointRouteBuilder MapOperatorAdmin(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var group = app.MapGroup("/api/v1/admin/operators").RequireAuthorization(StaffRoles.AdminPolicy).WithTags("Operators (admin)");
        group.MapPost("/", Register).Accepts<OperatorRegistrationRequest>("application/json")
            .WithSummary("Register a payment operator of the service catalogue, with its verification endpoint (staff role admin).");
        group.MapGet("/", List).WithSummary("Every registered operator: status, endpoint, catalogue services and keys (staff role admin).");
        group.MapPatch("/{code}", Update).Accepts<OperatorUpdateRequest>("application/json")
            .WithSummary("Change an operator's verification endpoint or status (active, suspended) (staff role admin).");
        group.MapPost("/{code}/keys", AddKey).Accepts<KeyRegistration>("application/json")
            .WithSummary("Add a P-256 public key (PEM) to an operator's credentials (staff role admin).");
        group.MapDelete("/{code}/keys/{keyId}", RevokeKey)
            .WithSummary("Revoke one of an operator's keys; it never authenticates again (staff role admin).");
        return app;
    }

    private static async Task<Results<Created<OperatorProfile>, ProblemHttpResult>> Register(
        HttpContext http, KangenDbContext db, WriteGate gate, TimeProvider time, ServiceCatalogue catalogue, OperatorDirectory directory, CancellationToken cancellationToken)
    {
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<OperatorRegistrationRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(OperatorAdminProblems.RequestInvalid(readProblem.Field ?? "body", readProblem.Detail ?? ""));
        var (profile, problem) = await RegisterAsync(db, gate, time, catalogue, directory, body!, "staff:" + StaffRoles.StaffId(http.User), cancellationToken);
        return problem is not null ? ProblemResults.From(problem) : TypedResults.Created($"/api/v1/admin/operators/{profile!.Code}", profile);
    }

    /// <summary>
    /// Registers a catalogue operator (active) with its verification URL, audited as <paramref name="actor"/>; for the
    /// admin API and the admin pages. Refusals: <c>operators.request-invalid</c> (code, verificationUrl),
    /// <c>operators.code-unknown</c>, <c>operators.already-registered</c>.
    /// </summary>
    public static async Task<(OperatorProfile? Profile, PlatformProblem? Problem)> RegisterAsync(
        KangenDbContext db, WriteGate gate, TimeProvider time, ServiceCatalogue catalogue, OperatorDirectory directory,
        OperatorRegistrationRequest request, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Code))
            return (null, OperatorAdminProblems.RequestInvalid("code", "the operator code is required"));
        var code = request.Code.Trim();
        if (!catalogue.All.Any(s => s.Operator == code))
            return (null, OperatorAdminProblems.CodeUnknown(code));
        string? url = null;
        if (!string.IsNullOrEmpty(request.VerificationUrl) && !TryParseUrl(request.VerificationUrl, out url, out var urlProblem))
            return (null, urlProblem!);

        using (await gate.EnterAsync(cancellationToken))
        {
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (await db.Operators.AnyAsync(o => o.Code == code, cancellationToken))
                return (null, OperatorAdminProblems.AlreadyRegistered(code));
            db.Operators.Add(new OperatorAccount { Code = code, Status = OperatorStatuses.Active, VerificationUrl = url, CreatedAt = now, UpdatedAt = now });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (KangenStorage.IsUniqueViolation(e))
            {
                // A twin registration committed between the check and the insert.
                return (null, OperatorAdminProblems.AlreadyRegistered(code));
            }
            await AuditIntent.AppendAllAsync(db, now, [new AuditIntent(actor, "operator.registered", "operator:" + code, new { verificationUrl = url })], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        directory.Forget(code);
        return (await ProfileAsync(db, catalogue, code, cancellationToken), null);
    }

    private static async Task<Ok<OperatorProfile[]>> List(KangenDbContext db, ServiceCatalogue catalogue, CancellationToken cancellationToken) =>
        TypedResults.Ok((await ListAsync(db, catalogue, cancellationToken)).ToArray());

    /// <summary>Every registered operator's profile, by code.</summary>
    public static async Task<IReadOnlyList<OperatorProfile>> ListAsync(KangenDbContext db, ServiceCatalogue catalogue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var codes = await db.Operators.AsNoTracking().OrderBy(o => o.Code).Select(o => o.Code).ToListAsync(cancellationToken);
        var profiles = new List<OperatorProfile>(codes.Count);
        foreach (var code in codes)
            profiles.Add((await ProfileAsync(db, catalogue, code, cancellationToken))!);
        return profiles;
    }

    private static async Task<Results<Ok<OperatorProfile>, ProblemHttpResult>> Update(
        HttpContext http, string code, KangenDbContext db, WriteGate gate, TimeProvider time, ServiceCatalogue catalogue,
        OperatorDirectory directory, OperatorKeyCache keys, CancellationToken cancellationToken)
    {
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<OperatorUpdateRequest>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(OperatorAdminProblems.RequestInvalid(readProblem.Field ?? "body", readProblem.Detail ?? ""));
        var (profile, problem) = await UpdateAsync(db, gate, time, catalogue, directory, keys, code, body!, "staff:" + StaffRoles.StaffId(http.User), cancellationToken);
        return problem is not null ? ProblemResults.From(problem) : TypedResults.Ok(profile!);
    }

    /// <summary>
    /// Changes an operator's verification URL (the empty string removes it) or status, audited as <paramref name="actor"/>;
    /// for the admin API and the admin pages. Refusals: <c>operators.request-invalid</c> (status, verificationUrl, body),
    /// <c>operators.not-registered</c>.
    /// </summary>
    public static async Task<(OperatorProfile? Profile, PlatformProblem? Problem)> UpdateAsync(
        KangenDbContext db, WriteGate gate, TimeProvider time, ServiceCatalogue catalogue, OperatorDirectory directory, OperatorKeyCache keys,
        string code, OperatorUpdateRequest request, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Status is not (null or OperatorStatuses.Active or OperatorStatuses.Suspended))
            return (null, OperatorAdminProblems.RequestInvalid("status", $"'{OperatorStatuses.Active}' or '{OperatorStatuses.Suspended}'"));
        if (request.Status is null && request.VerificationUrl is null)
            return (null, OperatorAdminProblems.RequestInvalid("body", "give verificationUrl, status or both"));
        string? url = null;
        if (!string.IsNullOrEmpty(request.VerificationUrl) && !TryParseUrl(request.VerificationUrl, out url, out var urlProblem))
            return (null, urlProblem!);

        using (await gate.EnterAsync(cancellationToken))
        {
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var account = await db.Operators.SingleOrDefaultAsync(o => o.Code == code, cancellationToken);
            if (account is null)
                return (null, OperatorAdminProblems.NotRegistered(code));
            var before = new { status = account.Status, verificationUrl = account.VerificationUrl };
            if (request.VerificationUrl is not null)
                account.VerificationUrl = url;
            if (request.Status is not null)
                account.Status = request.Status;
            account.UpdatedAt = now;
            await db.SaveChangesAsync(cancellationToken);
            await AuditIntent.AppendAllAsync(db, now, [new AuditIntent(actor, "operator.updated", "operator:" + code,
                new { before, after = new { status = account.Status, verificationUrl = account.VerificationUrl } })], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        // A suspension applies at once on this replica (the others within the caches' lifetimes).
        directory.Forget(code);
        keys.Forget();
        return ((await ProfileAsync(db, catalogue, code, cancellationToken))!, null);
    }

    private static async Task<Results<Created<OperatorKeyInfo>, ProblemHttpResult>> AddKey(
        HttpContext http, string code, KangenDbContext db, WriteGate gate, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, readProblem) = await IdentityEndpoints.ReadJsonAsync<KeyRegistration>(http.Request, allowEmpty: false, cancellationToken);
        if (readProblem is not null)
            return ProblemResults.From(OperatorAdminProblems.RequestInvalid(readProblem.Field ?? "body", readProblem.Detail ?? ""));
        var (info, problem) = await OperatorKeys.AddAsync(db, gate, time, code, body!.PublicKeyPem, "staff:" + StaffRoles.StaffId(http.User), cancellationToken);
        return problem is not null ? ProblemResults.From(problem) : TypedResults.Created($"/api/v1/admin/operators/{code}/keys/{info!.KeyId}", info);
    }

    private static async Task<Results<Ok<OperatorKeyInfo>, ProblemHttpResult>> RevokeKey(
        HttpContext http, string code, string keyId, KangenDbContext db, WriteGate gate, TimeProvider time, OperatorKeyCache keys, CancellationToken cancellationToken)
    {
        // An administrator may revoke an operator's last key (a compromised key must go even if it locks the operator out).
        var (info, problem) = await OperatorKeys.RevokeAsync(db, gate, time, keys, code, keyId, keepOne: false, "staff:" + StaffRoles.StaffId(http.User), cancellationToken);
        return problem is not null ? ProblemResults.From(problem) : TypedResults.Ok(info!);
    }

    /// <summary>An absolute http or https URL of at most <see cref="MaxUrlLength"/> characters, without credentials.</summary>
    public static bool TryParseUrl(string text, out string? url, out PlatformProblem? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        url = null;
        problem = null;
        if (text.Length > MaxUrlLength || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.UserInfo.Length > 0 || uri.Host.Length == 0)
        {
            problem = OperatorAdminProblems.RequestInvalid("verificationUrl", $"an absolute http or https URL of at most {MaxUrlLength} characters, without user information");
            return false;
        }
        url = uri.AbsoluteUri;
        return true;
    }

    /// <summary>The operator as the API shows it (to administrators and to itself), or null when it is not registered.</summary>
    public static async Task<OperatorProfile?> ProfileAsync(KangenDbContext db, ServiceCatalogue catalogue, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(catalogue);
        var account = await db.Operators.AsNoTracking().SingleOrDefaultAsync(o => o.Code == code, cancellationToken);
        if (account is null)
            return null;
        var keys = await db.OperatorKeys.AsNoTracking().Where(k => k.OperatorCode == code).ToListAsync(cancellationToken);
        return new OperatorProfile(account.Code, account.Status, account.VerificationUrl,
            catalogue.All.Where(s => s.Operator == code).Select(s => s.Code.Value).Order(StringComparer.Ordinal).ToArray(),
            keys.OrderBy(k => k.CreatedAt).ThenBy(k => k.KeyId, StringComparer.Ordinal).Select(k => new OperatorKeyInfo(k.KeyId, k.CreatedAt, k.RevokedAt)).ToArray());
    }
}

/// <summary>Adding and revoking operator keys, for the admin routes and the operator's own.</summary>
public static class OperatorKeys
{
    /// <summary>Adds <paramref name="publicKeyPem"/> to the operator's keys (audited as <paramref name="actor"/>).</summary>
    public static async Task<(OperatorKeyInfo? Key, PlatformProblem? Problem)> AddAsync(
        KangenDbContext db, WriteGate gate, TimeProvider time, string code, string? publicKeyPem, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(time);
        if (!SigningKeys.TryReadPublic(publicKeyPem, out var key, out var reason))
            return (null, OperatorAdminProblems.KeyInvalid(reason));
        string keyId, spki;
        using (key)
        {
            keyId = SigningKeys.KeyId(key!);
            spki = Convert.ToBase64String(key!.ExportSubjectPublicKeyInfo());
        }
        using (await gate.EnterAsync(cancellationToken))
        {
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (!await db.Operators.AnyAsync(o => o.Code == code, cancellationToken))
                return (null, OperatorAdminProblems.NotRegistered(code));
            if (await db.OperatorKeys.AnyAsync(k => k.KeyId == keyId, cancellationToken))
                return (null, OperatorAdminProblems.KeyRegistered(keyId));
            var row = new OperatorKey { KeyId = keyId, OperatorCode = code, PublicKey = spki, CreatedAt = now };
            db.OperatorKeys.Add(row);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (KangenStorage.IsUniqueViolation(e))
            {
                return (null, OperatorAdminProblems.KeyRegistered(keyId));
            }
            await AuditIntent.AppendAllAsync(db, now, [new AuditIntent(actor, "operator.key-added", "operator:" + code, new { keyId })], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return (new OperatorKeyInfo(keyId, row.CreatedAt, null), null);
        }
    }

    /// <summary>
    /// Revokes the operator's key <paramref name="keyId"/>; revoking a revoked key answers it as it is (idempotent).
    /// With <paramref name="keepOne"/> the operator's last active key is refused (<c>operators.last-key</c>).
    /// </summary>
    public static async Task<(OperatorKeyInfo? Key, PlatformProblem? Problem)> RevokeAsync(
        KangenDbContext db, WriteGate gate, TimeProvider time, OperatorKeyCache cache, string code, string keyId, bool keepOne, string actor,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(cache);
        OperatorKeyInfo info;
        using (await gate.EnterAsync(cancellationToken))
        {
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // The operator's row is locked (PostgreSQL; SQLite's transaction holds the write lock anyway), so two
            // concurrent revocations cannot each leave the other key as the "remaining" one.
            var exists = db.Provider == StorageProvider.Postgres
                ? (await db.Operators.FromSqlInterpolated($"SELECT * FROM operators WHERE code = {code} FOR UPDATE").AsNoTracking().ToListAsync(cancellationToken)).Count > 0
                : await db.Operators.AnyAsync(o => o.Code == code, cancellationToken);
            if (!exists)
                return (null, OperatorAdminProblems.NotRegistered(code));
            var key = await db.OperatorKeys.SingleOrDefaultAsync(k => k.KeyId == keyId && k.OperatorCode == code, cancellationToken);
            if (key is null)
                return (null, OperatorAdminProblems.KeyNotFound(keyId));
            if (key.RevokedAt is not null)
                return (new OperatorKeyInfo(key.KeyId, key.CreatedAt, key.RevokedAt), null);
            if (keepOne && !await db.OperatorKeys.AnyAsync(k => k.OperatorCode == code && k.KeyId != keyId && k.RevokedAt == null, cancellationToken))
                return (null, OperatorAdminProblems.LastKey(keyId));
            key.RevokedAt = now;
            await db.SaveChangesAsync(cancellationToken);
            await AuditIntent.AppendAllAsync(db, now, [new AuditIntent(actor, "operator.key-revoked", "operator:" + code, new { keyId })], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            info = new OperatorKeyInfo(key.KeyId, key.CreatedAt, key.RevokedAt);
        }
        // At once on this replica; the others stop trusting it within OperatorKeyCache.Lifetime.
        cache.Forget(keyId);
        return (info, null);
    }
}

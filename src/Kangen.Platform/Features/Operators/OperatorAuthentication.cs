using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Operators;

/// <summary>The operator principal: its claim, policy and scheme names.</summary>
public static class OperatorPrincipal
{
    /// <summary>The authentication scheme of signed operator requests.</summary>
    public const string SchemeName = "KangenOperator";

    /// <summary>The authorization policy of the operator API.</summary>
    public const string Policy = "operator";

    /// <summary>The claim holding the operator's code.</summary>
    public const string CodeClaim = "kangen:operator";

    /// <summary>The claim holding the key id the request was signed with.</summary>
    public const string KeyClaim = "kangen:operator-key";

    /// <summary>The <see cref="HttpContext.Items"/> entry holding the declared body digest (SHA-256 bytes).</summary>
    internal const string DigestItem = "kangen:operator-digest";

    /// <summary>The calling operator's code.</summary>
    public static string Code(ClaimsPrincipal user) =>
        user?.FindFirstValue(CodeClaim) ?? throw new InvalidOperationException("Not an operator principal.");

    /// <summary>The key the calling request was signed with.</summary>
    public static string KeyId(ClaimsPrincipal user) =>
        user?.FindFirstValue(KeyClaim) ?? throw new InvalidOperationException("Not an operator principal.");
}

/// <summary>
/// Authenticates signed operator requests (<see cref="RequestSigning"/>): the key must be active and belong to an
/// active operator, the timestamp fresh and the signature valid over the method, path, time and declared body
/// digest. The body itself is checked against the digest when an endpoint reads it (<see cref="OperatorBodies"/>).
/// Refusals answer with problem details (<c>operator.*</c> codes).
/// </summary>
public sealed class OperatorAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    OperatorKeyCache keys, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private PlatformProblem _problem = OperatorProblems.CredentialRequired;

    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers;
        var keyId = headers[RequestSigning.KeyIdHeader].ToString();
        if (keyId.Length == 0)
            return AuthenticateResult.NoResult();
        if (keyId.Length > 32)
            return Fail(OperatorProblems.SignatureInvalid.WithDetail($"{RequestSigning.KeyIdHeader} is at most 32 characters"));
        var now = time.GetUtcNow();
        var signed = SignatureHeaders.Read(keyId, headers[RequestSigning.TimestampHeader], headers[RequestSigning.DigestHeader],
            headers[RequestSigning.SignatureHeader], now, out var error);
        if (signed is null)
        {
            return Fail(error switch
            {
                SignatureHeaderError.TimestampStale => OperatorProblems.TimestampStale.WithDetail($"the request was signed at {headers[RequestSigning.TimestampHeader]}; the platform's clock says {now.ToUnixTimeSeconds()}"),
                SignatureHeaderError.TimestampInvalid => OperatorProblems.SignatureInvalid.WithDetail($"{RequestSigning.TimestampHeader} must be Unix seconds"),
                SignatureHeaderError.DigestInvalid => OperatorProblems.SignatureInvalid.WithDetail($"{RequestSigning.DigestHeader} must be sha-256=:<base64>:"),
                _ => OperatorProblems.SignatureInvalid.WithDetail($"a signed request carries {RequestSigning.KeyIdHeader}, {RequestSigning.TimestampHeader}, {RequestSigning.DigestHeader} and {RequestSigning.SignatureHeader}"),
            });
        }

        var key = await keys.FindAsync(keyId, Context.RequestAborted);
        if (key is null)
            return Fail(OperatorProblems.KeyUnknown);
        var pathAndQuery = Request.PathBase + Request.Path + Request.QueryString;
        if (!RequestSigning.Verify(key.PublicKey, Request.Method, pathAndQuery, signed.Timestamp, keyId, signed.Digest, signed.Signature))
            return Fail(OperatorProblems.SignatureInvalid.WithDetail("the signature does not verify with the key over method, path and query, timestamp, key id and digest"));
        if (key.OperatorStatus != OperatorStatuses.Active)
            return Fail(OperatorProblems.Suspended);

        Context.Items[OperatorPrincipal.DigestItem] = signed.DigestHash;
        var identity = new ClaimsIdentity(
            [new Claim(OperatorPrincipal.CodeClaim, key.OperatorCode), new Claim(OperatorPrincipal.KeyClaim, keyId)],
            OperatorPrincipal.SchemeName, OperatorPrincipal.CodeClaim, null);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), OperatorPrincipal.SchemeName));
    }

    private AuthenticateResult Fail(PlatformProblem problem)
    {
        _problem = problem;
        return AuthenticateResult.Fail(problem.Code);
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = RequestSigning.Scheme;
        await ProblemResults.From(_problem).ExecuteAsync(Context);
    }

    /// <inheritdoc />
    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await ProblemResults.From(OperatorProblems.Suspended).ExecuteAsync(Context);
}

/// <summary>Operator statuses.</summary>
public static class OperatorStatuses
{
    /// <summary>May call the API and be called for verification.</summary>
    public const string Active = "active";

    /// <summary>Keys do not authenticate; its services cannot be verified.</summary>
    public const string Suspended = "suspended";
}

/// <summary>An active key with its operator, parsed once.</summary>
/// <param name="KeyId">The key id.</param>
/// <param name="OperatorCode">The operator.</param>
/// <param name="OperatorStatus">The operator's status when read.</param>
/// <param name="PublicKey">The parsed public key.</param>
public sealed record ActiveOperatorKey(string KeyId, string OperatorCode, string OperatorStatus, ECDsa PublicKey);

/// <summary>
/// Active operator keys, parsed once and kept for <see cref="Lifetime"/>: a key added on one replica works on
/// the others at once (a miss reads the database), a revocation or suspension takes effect everywhere within
/// the lifetime. Misses are not cached, so a burst of unknown key ids costs one indexed read each.
/// </summary>
public sealed class OperatorKeyCache(IServiceScopeFactory scopes, TimeProvider time)
{
    /// <summary>How long a key read from the database is trusted without reading again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (ActiveOperatorKey Key, DateTimeOffset ReadAt)> _keys = new(StringComparer.Ordinal);

    /// <summary>The active key with this id, or null when unknown, revoked or its stored form is unusable.</summary>
    public async Task<ActiveOperatorKey?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_keys.TryGetValue(keyId, out var cached) && now - cached.ReadAt < Lifetime)
            return cached.Key;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        var row = await (from k in db.OperatorKeys.AsNoTracking()
                         join o in db.Operators.AsNoTracking() on k.OperatorCode equals o.Code
                         where k.KeyId == keyId && k.RevokedAt == null
                         select new { k.OperatorCode, k.PublicKey, o.Status }).SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            _keys.TryRemove(keyId, out _);
            return null;
        }
        var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(row.PublicKey), out _);
        var key = new ActiveOperatorKey(keyId, row.OperatorCode, row.Status, ecdsa);
        _keys[keyId] = (key, now);
        return key;
    }

    /// <summary>Forgets what this replica cached (after a revocation or suspension made here, so it applies at once here).</summary>
    public void Forget(string? keyId = null)
    {
        if (keyId is null)
            _keys.Clear();
        else
            _keys.TryRemove(keyId, out _);
    }
}

using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Identity.Sessions;

/// <summary>The signed-in session of a request, read from its claims.</summary>
/// <param name="PersonId">The person.</param>
/// <param name="Serial">The certificate serial the session is bound to.</param>
/// <param name="TokenHash">The stored hash of the bearer token.</param>
/// <param name="ExpiresAt">When it ends by itself.</param>
/// <param name="Channel">Where it was opened (<see cref="Channels"/>).</param>
public sealed record CurrentSession(Guid PersonId, string Serial, string TokenHash, DateTimeOffset ExpiresAt, string Channel)
{
    internal const string ChannelClaim = "kangen:channel";
    internal const string PersonClaim = "kangen:person";
    internal const string SerialClaim = "kangen:serial";
    internal const string SessionClaim = "kangen:session";
    internal const string ExpiresClaim = "kangen:expires";

    /// <summary>The session of an authenticated principal.</summary>
    public static CurrentSession From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new(
            Guid.Parse(user.FindFirstValue(PersonClaim)!),
            user.FindFirstValue(SerialClaim)!,
            user.FindFirstValue(SessionClaim)!,
            DateTimeOffset.Parse(user.FindFirstValue(ExpiresClaim)!, CultureInfo.InvariantCulture),
            user.FindFirstValue(ChannelClaim)!);
    }
}

/// <summary>
/// Bearer authentication by session token: the token's hash is looked up on every request, so ending a
/// session takes effect at once on every replica. Refusals answer with problem details
/// (<c>auth.session-required</c>, <c>auth.session-invalid</c>, <c>auth.session-expired</c>).
/// </summary>
public class SessionAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, KangenDbContext db, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "KangenSession";

    private PlatformProblem _problem = IdentityProblems.SessionRequired;

    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ReadToken();
        if (token is null)
            return AuthenticateResult.NoResult();
        if (token.Length is 0 or > 128)
        {
            _problem = IdentityProblems.SessionInvalid;
            return AuthenticateResult.Fail(_problem.Code);
        }
        var hash = Authenticator.HashToken(token);
        var session = await db.Sessions.AsNoTracking().SingleOrDefaultAsync(s => s.TokenHash == hash, Context.RequestAborted);
        if (session is null || session.EndedAt is not null)
        {
            _problem = IdentityProblems.SessionInvalid;
            return AuthenticateResult.Fail(_problem.Code);
        }
        if (time.GetUtcNow() >= session.ExpiresAt)
        {
            _problem = IdentityProblems.SessionExpired;
            return AuthenticateResult.Fail(_problem.Code);
        }
        var identity = new ClaimsIdentity(
        [
            new Claim(CurrentSession.PersonClaim, session.PersonId.ToString()),
            new Claim(CurrentSession.SerialClaim, session.Serial),
            new Claim(CurrentSession.SessionClaim, session.TokenHash),
            new Claim(CurrentSession.ExpiresClaim, session.ExpiresAt.ToString("O", CultureInfo.InvariantCulture)),
            new Claim(CurrentSession.ChannelClaim, session.Channel),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>The session token the request carries (here: <c>Authorization: Bearer</c>), or null when it carries none.</summary>
    protected virtual string? ReadToken()
    {
        var header = Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    /// <summary>The code of the refusal, for a subclass that answers it differently.</summary>
    protected PlatformProblem Problem => _problem;

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        await ProblemResults.From(_problem).ExecuteAsync(Context);
    }
}

using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Identity.Certificates;
using Kangen.Platform.Features.Identity.Challenges;
using Kangen.Platform.Features.Reservation;
using Kangen.Platform.Observability;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Identity.Sessions;

/// <summary>The body of <c>POST /api/v1/sessions</c>.</summary>
/// <param name="Challenge">The challenge text exactly as issued.</param>
/// <param name="Certificate">The card's user-authentication certificate (EF 000A), DER, base64.</param>
/// <param name="Signature">The card's signature (SIGN with the authentication key over the SHA-256 DigestInfo of the challenge's UTF-8 bytes), base64.</param>
/// <param name="Channel">Where the citizen is: <c>web</c> (default), <c>app</c>, <c>cli</c> or <c>spot</c> (a procedure-spot terminal).</param>
public sealed record SessionRequest(string? Challenge, string? Certificate, string? Signature, string? Channel = null);

/// <summary>The channels a citizen reaches the platform through.</summary>
public static class Channels
{
    /// <summary>A browser at home.</summary>
    public const string Web = "web";
    /// <summary>The smartphone app.</summary>
    public const string App = "app";
    /// <summary>The command line.</summary>
    public const string Cli = "cli";
    /// <summary>A support terminal at a procedure spot (public-fund accounts cannot be registered there).</summary>
    public const string Spot = "spot";

    /// <summary>Every channel.</summary>
    public static readonly IReadOnlyList<string> All = [Web, App, Cli, Spot];
}

/// <summary>A session that was opened.</summary>
/// <param name="Token">The bearer token (shown once; only its hash is stored).</param>
/// <param name="ExpiresAt">When the session ends by itself.</param>
/// <param name="MyKeyId">The person's My Key ID.</param>
/// <param name="Serial">The certificate serial the session is bound to.</param>
/// <param name="PersonCreated">True when this was the person's first authentication.</param>
/// <param name="LinkedByRenewal">True when this certificate was linked now as a renewal of an earlier one.</param>
public sealed record OpenedSession(string Token, DateTimeOffset ExpiresAt, string MyKeyId, string Serial, bool PersonCreated, bool LinkedByRenewal);

/// <summary>
/// Flow 1. Checks, in order and before writing anything: the request's shape, the challenge (MAC, purpose,
/// expiry), the certificate (the verifier: anchors, validity, policy, key usage, revocation) and the signature.
/// Then the <see cref="SessionWriter"/> records it in a group commit with the sessions waiting beside it: it consumes
/// the challenge nonce, resolves the person (flow 2), opens the session and appends the audit entries; a replay fails
/// on the nonce and writes nothing.
/// </summary>
public sealed class Authenticator(
    KangenDbContext db, ChallengeCodec challenges, CardCertificateVerifier verifier, TrustStore trust, TrustFreshness freshness,
    SessionWriter writer, TimeProvider time, IOptions<SessionOptions> options, PlatformMetrics metrics, Services.ServiceCatalogue catalogue)
{
    /// <summary>Largest accepted base64 field (a certificate is about 1.5 KB; the verifier caps DER at 8 KB).</summary>
    public const int MaxFieldLength = 16 * 1024;

    /// <summary>Opens a session, or says why not.</summary>
    public async Task<(OpenedSession? Session, PlatformProblem? Problem)> OpenAsync(SessionRequest? request, CancellationToken cancellationToken)
    {
        var (session, problem) = await OpenCoreAsync(request, cancellationToken);
        if (problem is not null)
            metrics.AuthenticationRefused(problem.Code);
        else
        {
            metrics.SessionCreated();
            // Counted once committed: a group that fails is recorded again, and would count twice.
            if (session!.PersonCreated)
                metrics.PersonCreated();
            if (session.LinkedByRenewal)
                metrics.RenewalLinked();
        }
        return (session, problem);
    }

    private async Task<(OpenedSession?, PlatformProblem?)> OpenCoreAsync(SessionRequest? request, CancellationToken cancellationToken)
    {
        if (request is null)
            return (null, IdentityProblems.RequestInvalid("body", "a JSON object with challenge, certificate and signature is required"));
        if (string.IsNullOrEmpty(request.Challenge))
            return (null, IdentityProblems.RequestInvalid("challenge", "missing"));
        if (DecodeBase64(request.Certificate) is not { } certificate)
            return (null, IdentityProblems.RequestInvalid("certificate", "base64 of the DER certificate is required"));
        if (DecodeBase64(request.Signature) is not { } signature)
            return (null, IdentityProblems.RequestInvalid("signature", "base64 of the card's signature is required"));
        var channel = string.IsNullOrEmpty(request.Channel) ? Channels.Web : request.Channel;
        if (!Channels.All.Contains(channel))
            return (null, IdentityProblems.RequestInvalid("channel", $"'{request.Channel}' is not one of {string.Join(", ", Channels.All)}"));

        var (challenge, challengeProblem) = challenges.Validate(request.Challenge, ChallengePurposes.Session);
        if (challengeProblem is not null)
            return (null, challengeProblem);
        var check = verifier.Check(certificate);
        if (!check.IsValid)
            return (null, IdentityProblems.Certificate(check.ErrorCode!, check.Detail));
        var cert = check.Certificate!;
        if (!verifier.VerifySignature(cert, ChallengeCodec.SignedBytes(request.Challenge), signature))
            return (null, IdentityProblems.SignatureInvalid);
        if (freshness.EnsureFresh() && trust.IsRevoked(cert.Serial))
            return (null, IdentityProblems.Certificate(CertificateErrorCodes.Revoked, "revoked since the last background refresh"));

        return await writer.WriteAsync(new SessionWork(challenge!, cert, channel), cancellationToken);
    }

    /// <summary>A session request whose every check that needs no database passed.</summary>
    /// <param name="Challenge">The session challenge it signed.</param>
    /// <param name="Certificate">The card's verified certificate.</param>
    /// <param name="Channel">The channel it came through.</param>
    public sealed record SessionWork(ValidChallenge Challenge, VerifiedCertificate Certificate, string Channel);

    /// <summary>
    /// Opens the checked session inside the transaction <see cref="SessionWriter"/> opened on this authenticator's
    /// context (it commits): consumes the challenge nonce, resolves the person (flow 2), adds the session and appends the
    /// audit entries; a replayed nonce is refused.
    /// </summary>
    internal async Task<(OpenedSession?, PlatformProblem?)> RecordAsync(SessionWork work, SessionGroup group)
    {
        var (challenge, cert, channel) = work;
        // The group is one unit: it is not abandoned halfway because one of its requests went away.
        var cancellationToken = CancellationToken.None;
        var now = time.GetUtcNow();
        if (group.TryConsumed(challenge.Nonce, out var consumed) ? consumed : await db.ConsumedChallenges.AnyAsync(c => c.Nonce == challenge.Nonce, cancellationToken))
            return (null, IdentityProblems.ChallengeUsed);
        db.ConsumedChallenges.Add(new ConsumedChallenge { Nonce = challenge.Nonce, Purpose = challenge.Purpose, ConsumedAt = now, ExpiresAt = challenge.ExpiresAt });
        var (resolution, audit) = await group.ResolveAsync(trust, cert, now, cancellationToken);
        var person = resolution.Person;
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var tokenHash = HashToken(token);
        var expires = now.AddMinutes(options.Value.LifetimeMinutes);
        db.Sessions.Add(new Session { TokenHash = tokenHash, PersonId = person.Id, Serial = cert.Serial, CreatedAt = now, ExpiresAt = expires, Channel = channel });
        var actor = "person:" + person.Id;
        var intents = audit.Append(new AuditIntent(actor, "session.created", SessionSubject(tokenHash), new { serial = cert.Serial, expiresAt = expires, channel }));
        var last = await AuditIntent.AppendAsync(db, now, intents, cancellationToken);
        if (group.Deferring)
            return (Opened(), null);
        // A concurrent first login of the same card (serial), a replay racing this one (nonce) or a My Key ID collision
        // fails on a unique key here: the writer starts this again, and the re-read finds what the other writer committed.
        await db.SaveChangesAsync(cancellationToken);
        // The person's operators learn of the renewal (same pseudonym) in the same transaction.
        if (resolution.LinkedByRenewal)
            await Operators.LinkChanges.AppendRenewalAsync(db, catalogue, person.Id, last!, now, cancellationToken);
        return (Opened(), null);

        OpenedSession Opened() => new(token, expires, person.MyKeyId, cert.Serial, resolution.Created, resolution.LinkedByRenewal);
    }

    /// <summary>
    /// Ends a session at once on every replica (the token is looked up on every request) and audits it; ending an
    /// already ended session writes nothing.
    /// </summary>
    public static async Task EndAsync(KangenDbContext db, WriteGate gate, TimeProvider time, CurrentSession current, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(current);
        using var _ = await gate.EnterAsync(cancellationToken);
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var ended = await db.Sessions
            .Where(s => s.TokenHash == current.TokenHash && s.EndedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.EndedAt, now), cancellationToken);
        if (ended == 1)
        {
            var actor = "person:" + current.PersonId;
            await AuditIntent.AppendAllAsync(db, now,
                [new AuditIntent(actor, "session.ended", Authenticator.SessionSubject(current.TokenHash), new { serial = current.Serial })], cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The stored form of a bearer token: SHA-256, lower-case hex.</summary>
    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>How the audit log names a session: a prefix of its token hash (not enough to use it).</summary>
    public static string SessionSubject(string tokenHash) => "session:" + tokenHash[..16];

    /// <summary>Base64 of at most <see cref="MaxFieldLength"/> characters decoded, or null when missing, too long or malformed.</summary>
    internal static byte[]? DecodeBase64(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxFieldLength)
            return null;
        var buffer = new byte[text.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(text.Trim(), buffer, out var written) && written > 0 ? buffer[..written] : null;
    }
}

using System.Security.Cryptography;
using System.Text;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Operators;
using Kangen.Protocol;
using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Features.Identity;
using Kangen.Platform.Features.Identity.Certificates;
using Kangen.Platform.Features.Identity.Challenges;
using Kangen.Platform.Features.Identity.Sessions;
using Kangen.Platform.Features.Registrations;
using Kangen.Platform.Features.Reservation;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Applications;

/// <summary>The outcome of a submission: the application (new or replayed) or the problems.</summary>
/// <param name="Application">The recorded application.</param>
/// <param name="Replayed">True when this was a retry of an application already recorded.</param>
/// <param name="Problems">Why nothing was recorded.</param>
public sealed record SubmissionOutcome(ApplicationResponse? Application, bool Replayed, IReadOnlyList<PlatformProblem> Problems);

/// <summary>
/// Flow 3, the final submission. Every check that needs no database runs first, in the request (shape, service, terms,
/// verification token, challenge, certificates and signatures, age proof); then the <see cref="SubmissionWriter"/>
/// records it in a group commit with the submissions waiting beside it: it replays an idempotent retry, consumes the
/// challenge, resolves the persons, applies the rules of <c>Kangen.Rules</c> per program, and records the submission,
/// its program rows, the campaign choice and the account binding with their audit entries. Unique keys decide races:
/// (campaign, person, program) for invariant 1, (service, account) for invariant 2, the challenge nonce for replays; a
/// loser is tried again and then meets the rule that refuses it. A refusal writes nothing.
/// </summary>
public sealed class ApplicationRecorder(
    KangenDbContext db, SubmissionWriter writer, TimeProvider time, CampaignProvider campaigns, ServiceCatalogue catalogue,
    ChallengeCodec challenges, CardCertificateVerifier verifier, TrustStore trust, TrustFreshness freshness,
    VerificationTokens tokens, AgeProofVerifier ageProofs, SecretBox box, IRegistrationRegistry registry)
{
    /// <summary>The purpose under which payment service IDs are sealed.</summary>
    public const string ServiceIdPurpose = "payment-service-id";

    /// <summary>The purpose under which phone digits are hashed.</summary>
    public const string PhonePurpose = "phone-last4";

    /// <summary>Records the application, replays a retry, or says why not.</summary>
    public async Task<SubmissionOutcome> SubmitAsync(ApplyRequest? request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var (checkedRequest, problem) = Check(request, idempotencyKey);
        if (problem is not null)
            return Refuse(problem);
        return await writer.WriteAsync(checkedRequest!, cancellationToken);
    }

    /// <summary>A submission whose every check that needs no database passed.</summary>
    public sealed record Checked(
        string Campaign, IReadOnlyList<ProgramKind> Programs, PaymentService Service, string TermsVersion, string Verification,
        AccountVerificationClaim Claim, string? PhoneLast4, ValidChallenge Challenge, string Statement, string KeyHash, string RequestHash,
        VerifiedCertificate Card, byte[] CardSignature, VerifiedCertificate? Representative, byte[]? RepresentativeSignature,
        bool ChildPresent, AgeBand AgeBand);

    private (Checked?, PlatformProblem?) Check(ApplyRequest? request, string? idempotencyKey)
    {
        if (request is null)
            return (null, ApplicationProblems.RequestInvalid("body", "a JSON object is required"));
        var campaign = campaigns.Definition.Id.Value;
        if (!string.IsNullOrEmpty(request.Campaign) && request.Campaign != campaign)
            return (null, ApplicationProblems.RequestInvalid("campaign", $"this platform runs '{campaign}', not '{request.Campaign}'"));
        if (request.Programs is not { Count: > 0 } || request.Programs.Count > ProgramKinds.All.Count * 2)
            return (null, ApplicationProblems.RequestInvalid("programs", "one or more of " + string.Join(", ", ProgramKinds.All.Select(p => p.ToCode()))));
        var programs = new List<ProgramKind>();
        foreach (var code in request.Programs)
        {
            if (!ProgramKinds.TryParse(code, out var kind))
                return (null, ApplicationProblems.RequestInvalid("programs", $"'{code}' is not a program"));
            if (!programs.Contains(kind))
                programs.Add(kind);
        }
        programs.Sort((a, b) => a.Part().CompareTo(b.Part()));
        if (catalogue.Find(request.Service) is not { } service)
            return (null, ApplicationProblems.ServiceUnknown(request.Service));
        foreach (var program in programs)
        {
            if (!service.Accepts(program))
                return (null, ApplicationProblems.ProgramNotOffered(service.Code.Value, program.ToCode()));
        }
        var zone = campaigns.Definition.Base.TimeZone;
        var current = service.TermsAt(campaigns.Definition.Base.TimeZone.DateOf(time.GetUtcNow()));
        if (request.TermsVersion != current.Version)
            return (null, ApplicationProblems.TermsNotCurrent(request.TermsVersion, current.Version));
        var (claim, claimProblem) = tokens.Read(request.Verification);
        if (claimProblem is not null)
            return (null, claimProblem);
        if (claim!.Service != service.Code.Value)
            return (null, ApplicationProblems.VerificationForSomeoneElse.WithDetail($"verified for {claim.Service}, applying with {service.Code.Value}"));
        var forChild = request.Representative is not null;
        if (claim.ForChild != forChild)
            return (null, ApplicationProblems.VerificationForSomeoneElse.WithDetail(claim.ForChild ? "verified for a child's application" : "verified for the person's own application"));
        string? phone = null;
        if (!string.IsNullOrEmpty(request.PhoneLast4))
        {
            if (!ApplicantFacts.TryNormalizePhoneLast4(request.PhoneLast4, out var digits))
                return (null, ApplicationProblems.RequestInvalid("phoneLast4", "4 digits"));
            phone = digits;
        }
        var (challenge, challengeProblem) = challenges.Validate(request.Challenge, ChallengePurposes.Application);
        if (challengeProblem is not null)
            return (null, challengeProblem);
        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > 128 || idempotencyKey.Any(ch => ch is < '!' or > '~')))
            return (null, ApplicationProblems.RequestInvalid("Idempotency-Key", "1 to 128 printable ASCII characters"));

        var statement = ApplicationStatement.Build(request.Challenge!, campaign, forChild, programs, service.Code.Value, current.Version,
            request.Verification!, phone, request.ChildPresent);
        var bytes = ApplicationStatement.SignedBytes(statement);
        var (card, cardSignature, cardProblem) = CheckCard(request.Card, "card", bytes);
        if (cardProblem is not null)
            return (null, cardProblem);
        VerifiedCertificate? representative = null;
        byte[]? representativeSignature = null;
        if (forChild)
        {
            (representative, representativeSignature, var repProblem) = CheckCard(request.Representative, "representative", bytes);
            if (repProblem is not null)
                return (null, repProblem);
            if (representative!.Serial == card!.Serial)
                return (null, ApplicationProblems.RepresentativeIsApplicant);
        }
        var band = AgeBand.Adult;
        if (request.AgeProof is { } proof)
        {
            if (Authenticator.DecodeBase64(proof.Certificate) is not { } proofCertificate || Authenticator.DecodeBase64(proof.Signature) is not { } proofSignature)
                return (null, ApplicationProblems.AgeProofInvalid("certificate and signature are required, base64"));
            var (born, error) = ageProofs.Verify(proofCertificate, bytes, proofSignature, card!.Subject);
            if (born is null)
                return (null, ApplicationProblems.AgeProofInvalid(error!));
            band = AgeBands.At(born.Value, time.GetUtcNow(), zone);
        }
        else if (forChild)
            return (null, ApplicationProblems.AgeProofRequired);

        // Content without the challenge and without the token's own bytes (the account it confirmed stands for it): a
        // client that signs the same application again with a fresh challenge, or after verifying the same account again
        // once its token expired, under the same key is retrying, not changing it.
        var content = string.Join("\n", statement.Split('\n')
            .Where(line => !line.StartsWith("challenge=", StringComparison.Ordinal) && !line.StartsWith("verification=", StringComparison.Ordinal))
            .Append("account=" + claim.AccountReference)
            // Who it is for: a representative reusing a key for another child with the same account changes the application.
            .Append("applicant=" + card!.Serial));
        var requestHash = Sha256Hex(content);
        var keyHash = Sha256Hex(idempotencyKey ?? ("statement:" + statement));
        return (new Checked(campaign, programs, service, current.Version, request.Verification!, claim, phone, challenge!, statement, keyHash, requestHash,
            card!, cardSignature!, representative, representativeSignature, request.ChildPresent, band), null);
    }

    private (VerifiedCertificate?, byte[]?, PlatformProblem?) CheckCard(CardProof? proof, string field, byte[] statement)
    {
        if (Authenticator.DecodeBase64(proof?.Certificate) is not { } der)
            return (null, null, ApplicationProblems.RequestInvalid(field + ".certificate", "base64 of the DER certificate is required"));
        if (Authenticator.DecodeBase64(proof?.Signature) is not { } signature)
            return (null, null, ApplicationProblems.RequestInvalid(field + ".signature", "base64 of the card's signature is required"));
        var check = verifier.Check(der);
        if (!check.IsValid)
            return (null, null, IdentityProblems.Certificate(check.ErrorCode!, check.Detail).ForField(field + ".certificate"));
        if (!verifier.VerifySignature(check.Certificate!, statement, signature))
            return (null, null, ApplicationProblems.SignatureInvalid(field + ".signature"));
        if (freshness.EnsureFresh() && trust.IsRevoked(check.Certificate!.Serial))
            return (null, null, IdentityProblems.Certificate(CertificateErrorCodes.Revoked, "revoked since the last background refresh").ForField(field + ".certificate"));
        return (check.Certificate, signature, null);
    }

    /// <summary>
    /// Records one checked submission inside the transaction <see cref="SubmissionWriter"/> opened on this recorder's
    /// context (it commits, and undoes whatever a refusal or a replay did). The reads are answered by
    /// <paramref name="group"/>, the group's reads, where it can, else by the database.
    /// </summary>
    internal async Task<SubmissionOutcome> RecordAsync(Checked c, SubmissionGroup group)
    {
        // The group is one unit: it is not abandoned halfway because one of its requests went away.
        var cancellationToken = CancellationToken.None;
        var now = time.GetUtcNow();

        if (await ReplayAsync(c, group, fresh: false, cancellationToken) is { } replay)
            return replay;
        // On PostgreSQL (read committed) a twin request can commit between the replay check above and the reads
        // below: a refusal looks for it once more, in the database, so a double click gets the replay rather than
        // "already applied".
        if (group.TryConsumed(c.Challenge.Nonce, out var consumed) ? consumed : await db.ConsumedChallenges.AnyAsync(x => x.Nonce == c.Challenge.Nonce, cancellationToken))
            return await ReplayAsync(c, group, fresh: true, cancellationToken) ?? Refuse(IdentityProblems.ChallengeUsed);
        db.ConsumedChallenges.Add(new ConsumedChallenge { Nonce = c.Challenge.Nonce, Purpose = c.Challenge.Purpose, ConsumedAt = now, ExpiresAt = c.Challenge.ExpiresAt });

        var audit = new List<AuditIntent>();
        var (applicantResolution, applicantAudit) = await group.ResolveAsync(trust, c.Card, now, cancellationToken);
        audit.AddRange(applicantAudit);
        var applicant = applicantResolution.Person;
        var requester = applicant;
        var representativeRenewed = false;
        if (c.Representative is { } rep)
        {
            var (repResolution, repAudit) = await group.ResolveAsync(trust, rep, now, cancellationToken);
            audit.AddRange(repAudit);
            requester = repResolution.Person;
            representativeRenewed = repResolution.LinkedByRenewal;
            if (requester.Id == applicant.Id)
                return Refuse(ApplicationProblems.RepresentativeIsApplicant);
        }
        if (requester.Id != c.Claim.RequesterId)
            return Refuse(ApplicationProblems.VerificationForSomeoneElse.WithDetail("the account was verified in another person's session"));

        var campaign = campaigns.At(now);
        var service = c.Service.Code;
        var account = AccountRef.Of(service, c.Claim.AccountReference);
        var person = PersonRef.Of(applicant.Id.ToString());
        // Applications first, then the choice: both are committed by the same transaction, so on PostgreSQL (read
        // committed, where each statement sees what was committed before it began) a twin request committing between
        // the two reads leaves the choice visible whenever its applications are; the other order could see the rows
        // without their choice.
        if (!group.TryApplications(c.Campaign, applicant.Id, out var existingRows, out var choice))
        {
            existingRows = await db.Applications.AsNoTracking().Where(a => a.Campaign == c.Campaign && a.PersonId == applicant.Id).ToListAsync(cancellationToken);
            choice = await db.CampaignChoices.AsNoTracking().SingleOrDefaultAsync(x => x.Campaign == c.Campaign && x.PersonId == applicant.Id, cancellationToken);
        }
        if (existingRows.Count > 0 && choice is null)
            throw new InvalidOperationException($"Applications of person {applicant.Id} exist without their campaign choice.");
        var existing = existingRows.Select(a => new ApplicationRecord(campaign.Id, 0, person, ServiceCode.Parse(a.Service),
            AccountRef.Of(ServiceCode.Parse(choice!.Service), choice.AccountReference), ParseActor(a.Actor), a.RecordedAt,
            ProgramKinds.TryParse(a.Program, out var program) ? program : throw new InvalidOperationException($"Stored program '{a.Program}' is unknown."))).ToArray();
        if (!group.TryHolder(service.Value, c.Claim.AccountReference, out var holder))
        {
            holder = await db.ServiceAccounts.AsNoTracking().Where(a => a.Service == service.Value && a.AccountReference == c.Claim.AccountReference)
                .Select(a => (Guid?)a.PersonId).SingleOrDefaultAsync(cancellationToken);
        }
        AccountRef? representativeOwn = null;
        if (c.Representative is not null)
        {
            if (!group.TryApplications(c.Campaign, requester.Id, out _, out var own))
                own = await db.CampaignChoices.AsNoTracking().SingleOrDefaultAsync(x => x.Campaign == c.Campaign && x.PersonId == requester.Id, cancellationToken);
            if (own is not null)
                representativeOwn = AccountRef.Of(ServiceCode.Parse(own.Service), own.AccountReference);
        }
        var facts = group.TryFacts(applicant.Id, out var known) ? known : await registry.GetFactsAsync(applicant.Id, cancellationToken);
        // The platform learns of a card only when it is first used here; the earliest certificate issue it has seen shows
        // the card was held earlier (a holder who first applies after the card-application deadline with an older card is
        // not "too late"). Status judges with the same instant.
        var personFacts = ApplicantFacts.Of(applicant, facts);
        var eligibility = EligibilityRules.Evaluate(campaign, personFacts, now, service);
        var actor = c.Representative is null ? Actor.Self : Actor.LegalRepresentative;
        var catalogueToday = campaigns.Definition.Base.TimeZone.DateOf(now);

        var problems = new List<PlatformProblem>();
        foreach (var program in c.Programs)
        {
            var decision = ApplicationRules.Decide(campaign, new ApplicationRequest(person, service, account, actor, c.AgeBand, false, c.ChildPresent,
                representativeOwn, now, program), existing, holder is { } h ? PersonRef.Of(h.ToString()) : null);
            var codes = new HashSet<string>();
            foreach (var violation in decision.IsSuccess ? [] : decision.Violations)
            {
                if (codes.Add(violation.Code.Code))
                    problems.Add(ApplicationProblems.Refused(violation, program.ToCode()));
            }
            foreach (var reason in eligibility.For(program)?.Reasons ?? [])
            {
                if (codes.Add(reason.Code.Code))
                    problems.Add(ApplicationProblems.Refused(reason, program.ToCode()));
            }
            // A service's own last day in the catalogue counts as much as a closing in the campaign file.
            if (!c.Service.IsOpenOn(catalogueToday) && codes.Add(RuleCodes.EligibilityServiceClosed.Code))
            {
                problems.Add(ApplicationProblems.Refused(new RuleViolation(RuleCodes.EligibilityServiceClosed, "service",
                    $"{service} last day {c.Service.LastDay:yyyy-MM-dd} (services catalogue)"), program.ToCode()));
            }
        }
        // The choice fixes service and account even when its applications were not visible to the read above (a twin
        // request committed in between): without this, an application could be recorded under another service.
        if (choice is not null && problems.All(p => p.Code is not ("application.service-fixed" or "application.immutable")))
        {
            if (choice.Service != service.Value)
                problems.Add(ApplicationProblems.Refused(new RuleViolation(RuleCodes.ApplicationServiceFixed, "service", $"chose {choice.Service}; requested {service}")));
            else if (choice.AccountReference != c.Claim.AccountReference)
                problems.Add(ApplicationProblems.Refused(new RuleViolation(RuleCodes.ApplicationImmutable, "account", "the recorded account cannot be replaced")));
        }
        if (problems.Count > 0)
        {
            // Conflicts (already applied, account taken) first: they decide the status.
            return await ReplayAsync(c, group, fresh: true, cancellationToken) ?? Refuse([.. problems.OrderBy(p => p.Status == StatusCodes.Status409Conflict ? 0 : 1)]);
        }

        var actorCode = actor == Actor.Self ? "self" : "legal-representative";
        var submission = new ApplicationSubmission
        {
            Id = Guid.CreateVersion7(now),
            RequesterId = requester.Id,
            IdempotencyKeyHash = c.KeyHash,
            RequestHash = c.RequestHash,
            PersonId = applicant.Id,
            Campaign = c.Campaign,
            CampaignVersion = campaign.Version,
            Service = service.Value,
            TermsVersion = c.TermsVersion,
            AccountReference = c.Claim.AccountReference,
            SealedServiceId = box.Seal(ServiceIdPurpose, c.Claim.AccountId),
            PhoneHash = c.PhoneLast4 is null ? null : box.Hash(PhonePurpose, c.PhoneLast4),
            Actor = actorCode,
            Channel = c.Claim.Channel,
            StatementHash = ApplicationStatement.Hash(c.Statement),
            Serial = c.Card.Serial,
            Signature = Convert.ToBase64String(c.CardSignature),
            RepresentativeSerial = c.Representative?.Serial,
            RepresentativeSignature = c.RepresentativeSignature is null ? null : Convert.ToBase64String(c.RepresentativeSignature),
            RecordedAt = now,
        };
        db.ApplicationSubmissions.Add(submission);
        foreach (var program in c.Programs)
        {
            db.Applications.Add(new ProgramApplication
            {
                Campaign = c.Campaign, PersonId = applicant.Id, Program = program.ToCode(), SubmissionId = submission.Id,
                Service = service.Value, Actor = actorCode, Channel = c.Claim.Channel, RecordedAt = now,
            });
        }
        if (choice is null)
            db.CampaignChoices.Add(new CampaignChoice { Campaign = c.Campaign, PersonId = applicant.Id, Service = service.Value, AccountReference = c.Claim.AccountReference, ChosenAt = now });
        if (holder is null)
            db.ServiceAccounts.Add(new ServiceAccount { Service = service.Value, AccountReference = c.Claim.AccountReference, PersonId = applicant.Id, BoundAt = now });
        audit.Add(new AuditIntent("person:" + requester.Id, "application.recorded", "person:" + applicant.Id, new
        {
            application = submission.Id,
            campaign = c.Campaign,
            version = campaign.Version,
            programs = c.Programs.Select(p => p.ToCode()).ToArray(),
            service = service.Value,
            actor = actorCode,
            channel = c.Claim.Channel,
            statement = submission.StatementHash,
        }));
        // The rows, their audit entries and the feed records are saved by one SaveChanges at the end: each SaveChanges
        // has a fixed cost on the writer's serial path, and inside the writer's transaction the order of the statements
        // changes nothing anyone else can see.
        var last = await AuditIntent.AppendAsync(db, now, audit, cancellationToken);
        // A renewal's earlier choices are read back from the database, which must hold this submission's rows by then.
        if (applicantResolution.LinkedByRenewal || representativeRenewed)
        {
            // Only a serial the group did not know is linked by renewal, and such a submission is never deferred (the
            // group's guard would refuse this save).
            await db.SaveChangesAsync(cancellationToken);
        }
        // The operator learns of the application through its enrolment feed (flow 3), under its own pseudonym; a card
        // renewed and first used here tells the operators of the person's earlier choices, as a login would have.
        var changes = new List<EnrolmentChange>();
        if (applicantResolution.LinkedByRenewal)
        {
            // The choice this submission made (saved just above) is announced by its enrolled records, not as a renewal.
            changes.AddRange((await LinkChanges.ForPersonAsync(db, catalogue, applicant.Id, EnrolmentRecord.Renewed, null, cancellationToken))
                .Where(r => choice is not null || r.Service != service.Value || r.AccountReference != c.Claim.AccountReference));
        }
        if (representativeRenewed && requester.Id != applicant.Id)
            changes.AddRange(await LinkChanges.ForPersonAsync(db, catalogue, requester.Id, EnrolmentRecord.Renewed, null, cancellationToken));
        changes.AddRange(c.Programs.Select(p => new EnrolmentChange(
            c.Service.Operator, applicant.Id, EnrolmentRecord.Enrolled, service.Value, c.Claim.AccountReference, p.ToCode())));
        await EnrolmentFeed.AppendAsync(db, last!, now, changes, group.TryPseudonym, cancellationToken);
        if (!group.Deferring)
            await db.SaveChangesAsync(cancellationToken);
        return new SubmissionOutcome(Describe(submission, applicant.MyKeyId, c.Programs.Select(p => p.ToCode()).ToArray(), c.Claim), false, []);
    }

    /// <summary>
    /// The recorded answer when the requester sent this idempotency key before (or the refusal of a reused key), else
    /// null; <paramref name="fresh"/> asks the database even where the group could answer.
    /// </summary>
    private async Task<SubmissionOutcome?> ReplayAsync(Checked c, SubmissionGroup group, bool fresh, CancellationToken cancellationToken)
    {
        var requesterSerial = c.Representative?.Serial ?? c.Card.Serial;
        if (fresh || !group.TryPersonOf(requesterSerial, out var known))
            known = await db.Certificates.AsNoTracking().Where(l => l.Serial == requesterSerial).Select(l => (Guid?)l.PersonId).SingleOrDefaultAsync(cancellationToken);
        if (known is not { } requester)
            return null;
        if (fresh || !group.TrySubmission(requester, c.KeyHash, out var earlier))
            earlier = await db.ApplicationSubmissions.AsNoTracking().SingleOrDefaultAsync(s => s.RequesterId == requester && s.IdempotencyKeyHash == c.KeyHash, cancellationToken);
        if (earlier is null)
            return null;
        return earlier.RequestHash == c.RequestHash
            ? new SubmissionOutcome(await DescribeAsync(earlier, c.Claim, cancellationToken), true, [])
            : Refuse(ApplicationProblems.IdempotencyKeyReused);
    }

    private async Task<ApplicationResponse> DescribeAsync(ApplicationSubmission submission, AccountVerificationClaim claim, CancellationToken cancellationToken)
    {
        var myKeyId = await db.Persons.AsNoTracking().Where(p => p.Id == submission.PersonId).Select(p => p.MyKeyId).SingleAsync(cancellationToken);
        var programs = await db.Applications.AsNoTracking().Where(a => a.SubmissionId == submission.Id).Select(a => a.Program).ToListAsync(cancellationToken);
        var ordered = ProgramKinds.All.Select(p => p.ToCode()).Where(programs.Contains).ToArray();
        box.TryOpen(ServiceIdPurpose, submission.SealedServiceId, out var accountId);
        return Describe(submission, myKeyId, ordered, claim with { AccountId = accountId });
    }

    // The masked holder name is not stored (it shows part of a name): a replay carries the same verification, whose
    // claim has it.
    private ApplicationResponse Describe(ApplicationSubmission s, string myKeyId, IReadOnlyList<string> programs, AccountVerificationClaim claim) =>
        new(s.Id, myKeyId, s.Campaign, s.CampaignVersion, programs, s.Service,
            catalogue.Find(s.Service) is { } service && claim.AccountId.Length > 0 ? service.MaskAccountId(claim.AccountId) : "",
            claim.MaskedHolderName, s.Actor, s.Channel, s.RecordedAt, s.StatementHash);

    private static Actor ParseActor(string code) => code == "self" ? Actor.Self : Actor.LegalRepresentative;

    private static SubmissionOutcome Refuse(PlatformProblem problem) => new(null, false, [problem]);

    private static SubmissionOutcome Refuse(IReadOnlyList<PlatformProblem> problems) => new(null, false, problems);

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

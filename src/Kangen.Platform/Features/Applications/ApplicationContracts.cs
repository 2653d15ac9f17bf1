namespace Kangen.Platform.Features.Applications;

/// <summary>The body of <c>POST /api/v1/applications/verify-account</c>.</summary>
/// <param name="Service">The payment service code.</param>
/// <param name="Fields">The service's own fields (name to value), as the citizen typed them.</param>
/// <param name="ForChild">True when a legal representative verifies the account to use for a child.</param>
public sealed record VerifyAccountRequest(string? Service, Dictionary<string, string?>? Fields, bool ForChild = false);

/// <summary>A version of a service's terms.</summary>
/// <param name="Version">The version.</param>
/// <param name="Effective">The first day it applies.</param>
/// <param name="Ja">Summary in Japanese.</param>
/// <param name="Zh">Summary in Chinese.</param>
/// <param name="En">Summary in English.</param>
public sealed record TermsView(string Version, DateOnly Effective, string Ja, string Zh, string En);

/// <summary>The operator's confirmation of an account, to show the applicant before they sign.</summary>
/// <param name="Verification">The token to send with the application (valid until <paramref name="ExpiresAt"/>).</param>
/// <param name="ExpiresAt">When the token stops being accepted.</param>
/// <param name="Service">The service code.</param>
/// <param name="MaskedAccountId">The payment service ID, masked.</param>
/// <param name="MaskedHolderName">The account holder's name as the operator masked it: the applicant confirms it is theirs.</param>
/// <param name="Terms">The terms in force, to read and accept.</param>
/// <param name="Programs">The programs this service takes applications for.</param>
public sealed record VerifyAccountResponse(string Verification, DateTimeOffset ExpiresAt, string Service, string MaskedAccountId,
    string MaskedHolderName, TermsView Terms, IReadOnlyList<string> Programs);

/// <summary>A card's certificate and its signature over the application statement.</summary>
/// <param name="Certificate">DER certificate, base64 (the user-authentication certificate; for <c>ageProof</c>, the signing certificate).</param>
/// <param name="Signature">The card's signature over the statement, base64.</param>
public sealed record CardProof(string? Certificate, string? Signature);

/// <summary>The body of <c>POST /api/v1/applications</c> (see <see cref="ApplicationStatement"/> for what the cards sign).</summary>
/// <param name="Campaign">The campaign id (optional: the platform's campaign).</param>
/// <param name="Programs">The programs applied for (<c>card-acquisition</c>, <c>health-insurance</c>, <c>public-fund-account</c>).</param>
/// <param name="Service">The payment service code.</param>
/// <param name="TermsVersion">The version of the service's terms the applicant accepted (must be the one in force).</param>
/// <param name="Verification">The token from account verification.</param>
/// <param name="PhoneLast4">Optional last 4 digits of a phone number (for call-centre enquiries); kept only as a keyed hash.</param>
/// <param name="Challenge">A challenge issued for purpose <c>application</c>.</param>
/// <param name="Card">The applicant's card (or the child's, when a representative applies).</param>
/// <param name="Representative">The legal representative's own card, when applying for a child.</param>
/// <param name="ChildPresent">True when the child (15-17) is present while the representative applies.</param>
/// <param name="AgeProof">The applicant's (child's) signing certificate and its signature over the statement: the birth date gives the age band. Required for a child.</param>
public sealed record ApplyRequest(string? Campaign, List<string>? Programs, string? Service, string? TermsVersion, string? Verification,
    string? PhoneLast4, string? Challenge, CardProof? Card, CardProof? Representative, bool ChildPresent, CardProof? AgeProof);

/// <summary>A recorded application.</summary>
/// <param name="ApplicationId">The application number.</param>
/// <param name="MyKeyId">The My Key ID of the person applied for.</param>
/// <param name="Campaign">The campaign id.</param>
/// <param name="CampaignVersion">The campaign version in force when it was recorded.</param>
/// <param name="Programs">The programs recorded.</param>
/// <param name="Service">The chosen service.</param>
/// <param name="MaskedAccountId">The payment service ID, masked.</param>
/// <param name="MaskedHolderName">The holder name the applicant confirmed (masked).</param>
/// <param name="Actor"><c>self</c> or <c>legal-representative</c>.</param>
/// <param name="Channel">The channel.</param>
/// <param name="RecordedAt">When it was recorded.</param>
/// <param name="StatementHash">SHA-256 of the signed statement.</param>
public sealed record ApplicationResponse(Guid ApplicationId, string MyKeyId, string Campaign, int CampaignVersion, IReadOnlyList<string> Programs,
    string Service, string MaskedAccountId, string MaskedHolderName, string Actor, string Channel, DateTimeOffset RecordedAt, string StatementHash);

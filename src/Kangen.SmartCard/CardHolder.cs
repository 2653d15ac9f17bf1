using System.Numerics;

namespace Kangen.SmartCard;

/// <summary>The holder's sex as the signing certificate records it.</summary>
public enum CardHolderSex
{
    /// <summary>Not stated (coded "3").</summary>
    NotStated = 0,
    /// <summary>Male (coded "1").</summary>
    Male = 1,
    /// <summary>Female (coded "2").</summary>
    Female = 2,
}

/// <summary>
/// The "basic four" facts of the resident record that the signing certificate carries (the
/// user-authentication certificate carries none of them).
/// </summary>
/// <param name="Name">Full name as registered.</param>
/// <param name="BirthDate">Date of birth; also sets the certificates' expiry (5th birthday after issue).</param>
/// <param name="Sex">Sex as recorded.</param>
/// <param name="Address">Registered address.</param>
public sealed record CardHolder(string Name, DateOnly BirthDate, CardHolderSex Sex, string Address);

/// <summary>Which of the card's two certificates.</summary>
public enum CertificateKind
{
    /// <summary>The user-authentication certificate (EF 000A, key 0017, PIN 0018).</summary>
    Authentication,
    /// <summary>The signing certificate (EF 0001, key 001A, password 001B).</summary>
    Signing,
}

/// <summary>A card the issuer has just written (issued or renewed).</summary>
/// <param name="CardFilePath">The card file.</param>
/// <param name="CardId">The card's identifier in the card file.</param>
/// <param name="AuthenticationSerial">Serial of the user-authentication certificate, upper-case hex as <c>X509Certificate2.SerialNumber</c> shows it.</param>
/// <param name="SigningSerial">Serial of the signing certificate, upper-case hex.</param>
/// <param name="NotBefore">Start of validity of both certificates.</param>
/// <param name="NotAfter">End of validity of both certificates (23:59:59 JST).</param>
/// <param name="GeneratedSigningPassword">The signing password the issuer chose when none was given (show it once), otherwise null.</param>
public sealed record IssuedCard(
    string CardFilePath,
    string CardId,
    string AuthenticationSerial,
    string SigningSerial,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string? GeneratedSigningPassword);

/// <summary>One renewal: services keyed to <paramref name="OldSerial"/> follow it to <paramref name="NewSerial"/>.</summary>
/// <param name="Kind">Which certificate was renewed.</param>
/// <param name="OldSerial">The serial before renewal (upper-case hex).</param>
/// <param name="NewSerial">The serial after renewal (upper-case hex).</param>
/// <param name="At">When the renewal happened.</param>
public sealed record RenewalLink(CertificateKind Kind, string OldSerial, string NewSerial, DateTimeOffset At);

/// <summary>One revoked certificate.</summary>
/// <param name="Kind">Which certificate.</param>
/// <param name="Serial">Its serial (upper-case hex).</param>
/// <param name="RevokedAt">When it was revoked.</param>
/// <param name="Reason">The CRL reason code.</param>
public sealed record RevokedCertificate(CertificateKind Kind, string Serial, DateTimeOffset RevokedAt, System.Security.Cryptography.X509Certificates.X509RevocationReason Reason);

/// <summary>A CRL the issuer has just signed and published.</summary>
/// <param name="Kind">Which CA's CRL.</param>
/// <param name="Path">Where the DER CRL was written.</param>
/// <param name="Number">The CRL number (increments on every publication).</param>
/// <param name="ThisUpdate">Issue time.</param>
/// <param name="NextUpdate">When the next CRL is due.</param>
/// <param name="Entries">The revoked certificates it lists.</param>
public sealed record RevocationListInfo(
    CertificateKind Kind,
    string Path,
    BigInteger Number,
    DateTimeOffset ThisUpdate,
    DateTimeOffset NextUpdate,
    IReadOnlyList<RevokedCertificate> Entries);

/// <summary>
/// The two key pairs a card is issued with when the caller supplies them (<see cref="CardIssuer.Issue"/>): a load
/// generator's many cards from a few keys. The caller keeps ownership of both keys.
/// </summary>
/// <param name="Authentication">The RSA-2048 key pair of the user-authentication certificate.</param>
/// <param name="Signing">The RSA-2048 key pair of the signing certificate.</param>
public sealed record CardKeys(System.Security.Cryptography.RSA Authentication, System.Security.Cryptography.RSA Signing);

using System.Security.Cryptography.X509Certificates;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Identity.Certificates;
using Kangen.Platform.Storage;
using Kangen.Platform.Web;
using Kangen.SmartCard;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Pages.Municipal;

/// <summary>An emulated card as the municipal office sees it.</summary>
/// <param name="FileName">The card file's name in the cards folder (what the pages use to name it).</param>
/// <param name="CardId">The card's id.</param>
/// <param name="Serial">Its user-authentication certificate serial (upper-case hex).</param>
/// <param name="NotAfter">When its certificates expire.</param>
/// <param name="Revoked">True when the issuer has revoked its user-authentication certificate.</param>
/// <param name="PinTriesLeft">User-authentication PIN tries left (0: locked).</param>
public sealed record MunicipalCard(string FileName, string CardId, string Serial, DateTimeOffset NotAfter, bool Revoked, int PinTriesLeft)
{
    /// <summary>The PIN is blocked.</summary>
    public bool PinLocked => PinTriesLeft == 0;
}

/// <summary>The revocation reasons the office offers, with their X.509 codes.</summary>
public static class RevocationReasons
{
    /// <summary>Lost or stolen.</summary>
    public const string KeyCompromise = "key-compromise";

    /// <summary>The holder's recorded details changed (moved abroad, name change).</summary>
    public const string AffiliationChanged = "affiliation-changed";

    /// <summary>The card was returned (death, surrender).</summary>
    public const string CessationOfOperation = "cessation-of-operation";

    /// <summary>Other.</summary>
    public const string Unspecified = "unspecified";

    /// <summary>Every reason, in the order the form lists them.</summary>
    public static readonly IReadOnlyList<string> All = [KeyCompromise, AffiliationChanged, CessationOfOperation, Unspecified];

    /// <summary>The X.509 reason code of a reason, or null for an unknown one.</summary>
    public static X509RevocationReason? Parse(string? reason) => reason switch
    {
        KeyCompromise => X509RevocationReason.KeyCompromise,
        AffiliationChanged => X509RevocationReason.AffiliationChanged,
        CessationOfOperation => X509RevocationReason.CessationOfOperation,
        Unspecified => X509RevocationReason.Unspecified,
        _ => null,
    };
}

/// <summary>
/// The platform's emulated card issuer (<c>&lt;data&gt;/issuer</c>), opened once per process so that its lock
/// serialises the office's acts, and the folder of card files it manages (<c>Kangen:Web:CardsDirectory</c>).
/// The issuer is never created here: a data folder without one has nothing for the office to do.
/// </summary>
public sealed class MunicipalIssuer(IOptions<WebOptions> web, IConfiguration configuration, TimeProvider time) : IDisposable
{
    private readonly Lock _gate = new();
    private CardIssuer? _issuer;

    /// <summary>The data folder.</summary>
    public string DataDirectory { get; } = PlatformData.Resolve(configuration);

    /// <summary>The folder of card files.</summary>
    public string CardsDirectory => Path.GetFullPath(string.IsNullOrWhiteSpace(web.Value.CardsDirectory)
        ? Path.Combine(DataDirectory, "cards")
        : web.Value.CardsDirectory);

    /// <summary>The issuer, or null when the data folder holds none.</summary>
    public CardIssuer? Issuer
    {
        get
        {
            lock (_gate)
            {
                if (_issuer is null && CardIssuer.Exists(DataDirectory))
                    _issuer = CardIssuer.Open(DataDirectory, time);
                return _issuer;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
            _issuer?.Dispose();
    }
}

/// <summary>What an act of the office did, or why it did nothing.</summary>
/// <param name="Done">True when the card changed.</param>
/// <param name="Field">The form field a refusal concerns, or null.</param>
/// <param name="Error">The refusal in the three languages (ja, zh, en), or null.</param>
/// <param name="NewSerial">After a renewal: the new authentication serial.</param>
public sealed record MunicipalActOutcome(bool Done, string? Field, (string Ja, string Zh, string En)? Error, string? NewSerial = null)
{
    /// <summary>A refusal.</summary>
    public static MunicipalActOutcome Refused(string? field, string ja, string zh, string en) => new(false, field, (ja, zh, en));
}

/// <summary>
/// The municipal office's acts on emulated cards: revoke, renew, reset a locked PIN. Each act is audited under the
/// staff id; revocation and renewal refresh the platform's trust store at once, so this replica refuses the revoked
/// certificate (and follows the renewal link) from the next request instead of at the next periodic refresh.
/// </summary>
public sealed class MunicipalCardOffice(MunicipalIssuer issuer, TrustStore trust, KangenDbContext db, WriteGate gate, TimeProvider time)
{
    /// <summary>True when the data folder holds this platform's issuer.</summary>
    public bool HasIssuer => issuer.Issuer is not null;

    /// <summary>The folder of card files.</summary>
    public string CardsDirectory => issuer.CardsDirectory;

    /// <summary>Every card file of this issuer in the folder, by file name; other files are left out.</summary>
    public IReadOnlyList<MunicipalCard> List()
    {
        if (issuer.Issuer is not { } cards || !Directory.Exists(CardsDirectory))
            return [];
        var revoked = cards.ReadRevokedCertificates().Select(r => r.Serial).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var authority = KeyId(cards.AuthenticationCaCertificate);
        return Directory.EnumerateFiles(CardsDirectory)
            .Select(path => Read(path, authority, revoked))
            .OfType<MunicipalCard>()
            .OrderBy(c => c.FileName, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>The card of that file name, or null (a name that is not a file of the folder is never a path).</summary>
    public MunicipalCard? Find(string? fileName)
    {
        if (PathOf(fileName) is not { } path || issuer.Issuer is not { } cards)
            return null;
        var revoked = cards.ReadRevokedCertificates().Select(r => r.Serial).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return Read(path, KeyId(cards.AuthenticationCaCertificate), revoked);
    }

    /// <summary>Revokes both certificates of the card.</summary>
    public async Task<MunicipalActOutcome> RevokeAsync(string staff, string fileName, string? reason, CancellationToken cancellationToken)
    {
        if (RevocationReasons.Parse(reason) is not { } code)
            return MunicipalActOutcome.Refused("reason", "失効の理由を選んでください。", "请选择注销理由。", "Choose the reason for the revocation.");
        if (Find(fileName) is not { } card)
            return Unknown();
        if (card.Revoked)
            return MunicipalActOutcome.Refused(null, "このカードは失効済みです。", "此卡已注销。", "This card is already revoked.");
        issuer.Issuer!.Revoke(PathOf(fileName)!, code);
        trust.Refresh();
        await AuditAsync(staff, "card.revoked", card.Serial, new { card = card.CardId, serial = card.Serial, reason }, cancellationToken);
        return new(true, null, null);
    }

    /// <summary>Renews the card: new keys and certificates, the old ones superseded and linked to the new.</summary>
    public async Task<MunicipalActOutcome> RenewAsync(string staff, string fileName, CancellationToken cancellationToken)
    {
        if (Find(fileName) is not { } card)
            return Unknown();
        if (card.Revoked)
            return MunicipalActOutcome.Refused(null, "失効したカードは更新できません。新しいカードを交付してください。", "已注销的卡无法更新，请发放新卡。",
                "A revoked card cannot be renewed: issue a new card instead.");
        var renewed = issuer.Issuer!.Renew(PathOf(fileName)!);
        trust.Refresh();
        await AuditAsync(staff, "card.renewed", card.Serial, new { card = card.CardId, serial = card.Serial, newSerial = renewed.AuthenticationSerial }, cancellationToken);
        return new(true, null, null, renewed.AuthenticationSerial);
    }

    /// <summary>Sets a new PIN (entered twice) and restores its 3 tries.</summary>
    public async Task<MunicipalActOutcome> ResetPinAsync(string staff, string fileName, string? pin, string? confirmation, CancellationToken cancellationToken)
    {
        if (Find(fileName) is not { } card)
            return Unknown();
        if (!PinRules.IsValidAuthenticationPin(pin))
            return MunicipalActOutcome.Refused("pin", "暗証番号は数字4桁で入力してください。", "密码请输入4位数字。", "The PIN must be 4 digits.");
        if (!string.Equals(pin, confirmation, StringComparison.Ordinal))
            return MunicipalActOutcome.Refused("confirmation", "確認のための暗証番号が一致しません。", "两次输入的密码不一致。", "The two PINs differ.");
        if (card.Revoked)
            return MunicipalActOutcome.Refused(null, "失効したカードの暗証番号は初期化できません。", "已注销的卡无法重置密码。", "A revoked card's PIN cannot be reset.");
        issuer.Issuer!.ResetPin(PathOf(fileName)!, pin!);
        await AuditAsync(staff, "card.pin-reset", card.Serial, new { card = card.CardId, serial = card.Serial, wasLocked = card.PinLocked }, cancellationToken);
        return new(true, null, null);
    }

    private static MunicipalActOutcome Unknown() =>
        MunicipalActOutcome.Refused(null, "そのカードは見つかりません。", "找不到该卡。", "No such card.");

    /// <summary>The full path of a file name of the folder, or null for anything else (a path, a missing file).</summary>
    private string? PathOf(string? fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName) || fileName != Path.GetFileName(fileName) || fileName is "." or "..")
            return null;
        var path = Path.Combine(CardsDirectory, fileName);
        return File.Exists(path) ? path : null;
    }

    private static MunicipalCard? Read(string path, byte[]? authority, HashSet<string> revoked)
    {
        EmulatedCard card;
        try
        {
            card = EmulatedCard.Load(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return null; // not a card file (or one being rewritten): nothing the office can act on
        }
        // Reading the certificate uses no PIN try and writes nothing to the file.
        using var transport = new InProcessTransport(card);
        var client = new JpkiClient(transport);
        using var certificate = X509CertificateLoader.LoadCertificate(client.ReadAuthenticationCertificate());
        var issuedHere = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier is { } id
            && authority is not null && id.Span.SequenceEqual(authority);
        if (!issuedHere)
            return null;
        return new MunicipalCard(Path.GetFileName(path), card.CardId, certificate.SerialNumber, certificate.NotAfter,
            revoked.Contains(certificate.SerialNumber), card.AuthPinTriesLeft);
    }

    private static byte[]? KeyId(X509Certificate2 ca)
    {
        using (ca)
            return ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes.ToArray();
    }

    private async Task AuditAsync(string staff, string action, string serial, object data, CancellationToken cancellationToken)
    {
        using (await gate.EnterAsync(cancellationToken))
        {
            db.ChangeTracker.Clear();
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // The person the card authenticated, when it has been used here; otherwise the certificate itself.
            var person = await db.Certificates.AsNoTracking().Where(c => c.Serial == serial).Select(c => (Guid?)c.PersonId).SingleOrDefaultAsync(cancellationToken);
            await AuditIntent.AppendAllAsync(db, now,
                [new AuditIntent("staff:" + staff, action, person is { } p ? "person:" + p : "certificate:" + serial, data)], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }
}

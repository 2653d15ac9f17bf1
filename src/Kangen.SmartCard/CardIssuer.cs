using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kangen.SmartCard.Internal;

namespace Kangen.SmartCard;

/// <summary>
/// The issuing authority for emulated cards, kept in a data folder: two root CAs (user
/// authentication and signing), issuance, renewal, revocation with signed CRLs, and the municipal
/// office's PIN reset. What a relying service needs is published under <c>&lt;data&gt;/issuer/</c>
/// (layout in docs/smartcard.md); the CA keys stay in <c>&lt;data&gt;/issuer/private/</c> (mode 0600).
/// </summary>
/// <remarks>
/// Operations are serialised within one process. Administrative operations rewrite a card file
/// atomically and are meant for a card that is not in use (as at the counter, where the card sits
/// in the office's reader), because a loaded <see cref="EmulatedCard"/> writes its own state back.
/// </remarks>
public sealed class CardIssuer : IDisposable
{
    /// <summary>How long a published CRL stays current (its nextUpdate minus thisUpdate).</summary>
    public static readonly TimeSpan CrlValidity = TimeSpan.FromDays(7);

    private const string AuthCaFile = "auth-ca.cer";
    private const string SignCaFile = "sign-ca.cer";
    private const string AuthCrlFile = "auth.crl";
    private const string SignCrlFile = "sign.crl";
    private const string RenewalsFile = "renewals.jsonl";
    private const string RevokedFile = "revoked.jsonl";
    private const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Uri _crlBaseUri;
    private readonly X509Certificate2 _authCa;
    private readonly X509Certificate2 _signCa;

    private CardIssuer(string issuerDirectory, TimeProvider time, Uri crlBaseUri, X509Certificate2 authCa, X509Certificate2 signCa)
    {
        IssuerDirectory = issuerDirectory;
        _time = time;
        _crlBaseUri = crlBaseUri;
        _authCa = authCa;
        _signCa = signCa;
    }

    /// <summary>
    /// Opens the issuer kept in <paramref name="dataDirectory"/>, creating the folder, both CAs and
    /// empty CRLs on first use.
    /// </summary>
    /// <param name="dataDirectory">The data folder; the issuer lives in its <c>issuer/</c> subfolder.</param>
    /// <param name="timeProvider">The clock for validity, revocation and CRL times (default: system clock).</param>
    /// <param name="crlBaseUri">Base of the CRL distribution point written into certificates (default <c>http://localhost/kangen/issuer/</c>).</param>
    /// <exception cref="InvalidDataException">The existing issuer material is damaged (a CA certificate and its key do not match, or cannot be read).</exception>
    public static CardIssuer Open(string dataDirectory, TimeProvider? timeProvider = null, Uri? crlBaseUri = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        var time = timeProvider ?? TimeProvider.System;
        var directory = Path.GetFullPath(Path.Combine(dataDirectory, "issuer"));
        var privateDirectory = Path.Combine(directory, "private");
        Directory.CreateDirectory(directory);
        if (!Directory.Exists(privateDirectory))
        {
            if (OperatingSystem.IsWindows())
                Directory.CreateDirectory(privateDirectory);
            else
                Directory.CreateDirectory(privateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var created = false;
        var authCa = LoadOrCreateCa(directory, CertificateKind.Authentication, time, ref created);
        var signCa = LoadOrCreateCa(directory, CertificateKind.Signing, time, ref created);
        var issuer = new CardIssuer(directory, time, crlBaseUri ?? new Uri("http://localhost/kangen/issuer/"), authCa, signCa);
        if (created || !File.Exists(Path.Combine(directory, AuthCrlFile)) || !File.Exists(Path.Combine(directory, SignCrlFile)))
            issuer.PublishCrls();
        return issuer;
    }

    /// <summary>True when <paramref name="dataDirectory"/> already holds an issuer (so reading it creates nothing).</summary>
    public static bool Exists(string dataDirectory) =>
        File.Exists(Path.Combine(dataDirectory, "issuer", AuthCaFile)) && File.Exists(Path.Combine(dataDirectory, "issuer", "private", "auth-ca.key"));

    /// <summary>The folder holding the published material (<c>&lt;data&gt;/issuer</c>).</summary>
    public string IssuerDirectory { get; }

    /// <summary>The user-authentication root CA certificate (public part; also published as <c>auth-ca.cer</c>).</summary>
    public X509Certificate2 AuthenticationCaCertificate => X509CertificateLoader.LoadCertificate(_authCa.RawData);

    /// <summary>The signing root CA certificate (public part; also published as <c>sign-ca.cer</c>).</summary>
    public X509Certificate2 SigningCaCertificate => X509CertificateLoader.LoadCertificate(_signCa.RawData);

    /// <summary>Path of the published DER CRL of <paramref name="kind"/>.</summary>
    public string CrlPath(CertificateKind kind) => Path.Combine(IssuerDirectory, kind == CertificateKind.Authentication ? AuthCrlFile : SignCrlFile);

    /// <summary>The 5th birthday strictly after <paramref name="issuedAt"/> (Japan date) at 23:59:59 JST: when JPKI certificates expire.</summary>
    /// <remarks>A 29 February birthday falls on 28 February in common years.</remarks>
    public static DateTimeOffset ValidityEnd(DateOnly birthDate, DateTimeOffset issuedAt) => CertificateProfile.FifthBirthdayAfter(birthDate, issuedAt);

    /// <summary>Issues a new card: two RSA-2048 key pairs, both certificates, PIN and signing password, written to <paramref name="cardFilePath"/>.</summary>
    /// <param name="cardFilePath">Where to write the card file; must not exist yet.</param>
    /// <param name="holder">The resident's basic four facts (only the signing certificate carries them).</param>
    /// <param name="pin">The 4-digit user-authentication PIN.</param>
    /// <param name="signingPassword">The signing password; null to have one generated (returned in <see cref="IssuedCard.GeneratedSigningPassword"/>).</param>
    /// <param name="validUntil">Override of the expiry date (23:59:59 JST that day); null for the 5th birthday after issue.</param>
    /// <param name="keys">
    /// Key pairs to certify instead of two new ones: for load generators, which need many distinct cards (distinct
    /// certificates, serials and holders) and cannot spend two RSA-2048 key generations on each. Never for a card a
    /// person holds: cards sharing a key can sign for each other.
    /// </param>
    /// <exception cref="ArgumentException">A PIN, password or date breaks the rules.</exception>
    /// <exception cref="IOException">The card file exists already or cannot be written.</exception>
    public IssuedCard Issue(string cardFilePath, CardHolder holder, string pin, string? signingPassword = null, DateOnly? validUntil = null,
        CardKeys? keys = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(cardFilePath);
        ArgumentNullException.ThrowIfNull(holder);
        if (!PinRules.IsValidAuthenticationPin(pin))
            throw new ArgumentException("The user-authentication PIN must be exactly 4 digits.", nameof(pin));
        if (signingPassword is not null && !PinRules.IsValidSigningPassword(signingPassword))
            throw new ArgumentException("The signing password must be 6-16 characters of A-Z and 0-9 with at least one letter and one digit.", nameof(signingPassword));
        if (keys is not null && (keys.Authentication.KeySize != 2048 || keys.Signing.KeySize != 2048))
            throw new ArgumentException("A My Number Card's keys are RSA-2048.", nameof(keys));
        var generated = signingPassword is null ? GenerateSigningPassword() : null;
        lock (_gate)
        {
            if (File.Exists(cardFilePath))
                throw new IOException($"The card file '{cardFilePath}' already exists; refusing to overwrite a card.");
            var now = _time.GetUtcNow();
            var notAfter = NotAfter(holder, now, validUntil);
            // One opaque subject for both certificates of the card: a relying party can tell that a signing certificate
            // (which carries the birth date) comes from the same card as an authentication certificate.
            var subject = CertificateProfile.OpaqueName(24);
            var authentication = NewSlot(CertificateKind.Authentication, holder, now, notAfter, StoredSecret.Create(pin, PinRules.AuthenticationPinMaxTries), subject,
                keys?.Authentication);
            var signing = NewSlot(CertificateKind.Signing, holder, now, notAfter, StoredSecret.Create(signingPassword ?? generated!, PinRules.SigningPasswordMaxTries), subject,
                keys?.Signing);
            var image = new CardImage(Convert.ToHexString(RandomNumberGenerator.GetBytes(8)), Jpki.MyNumberCardToken, authentication, signing);
            CardFile.Write(cardFilePath, image);
            WriteHolder(image.CardId, holder);
            return Describe(cardFilePath, image, generated);
        }
    }

    /// <summary>
    /// Renews both certificates of a card: new key pairs and serials on the same card file, PIN and
    /// password unchanged. The old certificates are revoked (superseded) and the links old -> new are
    /// appended to <c>renewals.jsonl</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The card was not issued by this issuer, or is revoked.</exception>
    /// <exception cref="InvalidDataException">The card file is damaged.</exception>
    public IssuedCard Renew(string cardFilePath)
    {
        lock (_gate)
        {
            var image = ReadOwnCard(cardFilePath);
            var oldAuth = SerialOf(image.Authentication.Certificate);
            var oldSign = SerialOf(image.Signing.Certificate);
            var revoked = ReadRevoked();
            if (revoked.Any(r => r.Serial == oldAuth))
                throw new InvalidOperationException($"The card's certificate {oldAuth} is revoked; a revoked card is replaced, not renewed.");
            var holder = ReadHolder(image.CardId);
            var now = _time.GetUtcNow();
            var notAfter = NotAfter(holder, now, null);
            var subject = CertificateProfile.OpaqueName(24);
            var renewed = new CardImage(image.CardId, image.TokenInfo,
                NewSlot(CertificateKind.Authentication, holder, now, notAfter, image.Authentication.Secret, subject),
                NewSlot(CertificateKind.Signing, holder, now, notAfter, image.Signing.Secret, subject));
            CardFile.Write(cardFilePath, renewed);
            var newAuth = SerialOf(renewed.Authentication.Certificate);
            var newSign = SerialOf(renewed.Signing.Certificate);
            AppendLine(RenewalsFile, new RenewalLink(CertificateKind.Authentication, oldAuth, newAuth, now));
            AppendLine(RenewalsFile, new RenewalLink(CertificateKind.Signing, oldSign, newSign, now));
            AppendLine(RevokedFile, new RevokedCertificate(CertificateKind.Authentication, oldAuth, now, X509RevocationReason.Superseded));
            AppendLine(RevokedFile, new RevokedCertificate(CertificateKind.Signing, oldSign, now, X509RevocationReason.Superseded));
            PublishCrlsLocked();
            return Describe(cardFilePath, renewed, null);
        }
    }

    /// <summary>Revokes both certificates of a card and publishes new CRLs. Revoking twice changes nothing.</summary>
    /// <returns>The certificates this call revoked (empty when they were revoked already).</returns>
    /// <exception cref="InvalidOperationException">The card was not issued by this issuer.</exception>
    public IReadOnlyList<RevokedCertificate> Revoke(string cardFilePath, X509RevocationReason reason = X509RevocationReason.Unspecified)
    {
        lock (_gate)
        {
            var image = ReadOwnCard(cardFilePath);
            var already = ReadRevoked().Select(r => r.Serial).ToHashSet(StringComparer.Ordinal);
            var now = _time.GetUtcNow();
            var added = new List<RevokedCertificate>();
            foreach (var (kind, slot) in new[] { (CertificateKind.Authentication, image.Authentication), (CertificateKind.Signing, image.Signing) })
            {
                var serial = SerialOf(slot.Certificate);
                if (already.Contains(serial))
                    continue;
                var entry = new RevokedCertificate(kind, serial, now, reason);
                AppendLine(RevokedFile, entry);
                added.Add(entry);
            }
            if (added.Count > 0)
                PublishCrlsLocked();
            return added;
        }
    }

    /// <summary>
    /// The municipal office's PIN reset: sets a new user-authentication PIN and restores its 3 tries.
    /// An administrative act on the card file, never a card command.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="newPin"/> is not 4 digits.</exception>
    /// <exception cref="InvalidOperationException">The card was not issued by this issuer.</exception>
    public void ResetPin(string cardFilePath, string newPin)
    {
        if (!PinRules.IsValidAuthenticationPin(newPin))
            throw new ArgumentException("The user-authentication PIN must be exactly 4 digits.", nameof(newPin));
        ReplaceSecret(cardFilePath, image => image.Authentication, newPin, PinRules.AuthenticationPinMaxTries);
    }

    /// <summary>As <see cref="ResetPin"/>, for the signing password (5 tries restored).</summary>
    public void ResetSigningPassword(string cardFilePath, string newPassword)
    {
        if (!PinRules.IsValidSigningPassword(newPassword))
            throw new ArgumentException("The signing password must be 6-16 characters of A-Z and 0-9 with at least one letter and one digit.", nameof(newPassword));
        ReplaceSecret(cardFilePath, image => image.Signing, newPassword, PinRules.SigningPasswordMaxTries);
    }

    private void ReplaceSecret(string cardFilePath, Func<CardImage, KeySlot> slot, string secret, int maxTries)
    {
        lock (_gate)
        {
            var image = ReadOwnCard(cardFilePath);
            slot(image).Secret = StoredSecret.Create(secret, maxTries);
            CardFile.Write(cardFilePath, image);
        }
    }

    /// <summary>Signs and publishes fresh CRLs for both CAs (each CRL number increments).</summary>
    /// <returns>The user-authentication CRL first, then the signing CRL.</returns>
    public IReadOnlyList<RevocationListInfo> PublishCrls()
    {
        lock (_gate)
            return PublishCrlsLocked();
    }

    /// <summary>Every renewal link published so far, oldest first.</summary>
    public IReadOnlyList<RenewalLink> ReadRenewalLinks()
    {
        lock (_gate)
            return ReadLines<RenewalLink>(RenewalsFile);
    }

    /// <summary>Every revoked certificate, oldest first.</summary>
    public IReadOnlyList<RevokedCertificate> ReadRevokedCertificates()
    {
        lock (_gate)
            return ReadRevoked();
    }

    /// <summary>True when the certificate with <paramref name="serial"/> (hex, any case) is revoked.</summary>
    public bool IsRevoked(string serial)
    {
        ArgumentNullException.ThrowIfNull(serial);
        lock (_gate)
            return ReadRevoked().Any(r => string.Equals(r.Serial, serial, StringComparison.OrdinalIgnoreCase));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _authCa.Dispose();
        _signCa.Dispose();
    }

    private List<RevocationListInfo> PublishCrlsLocked()
    {
        var revoked = ReadRevoked();
        var state = ReadState();
        var now = _time.GetUtcNow();
        var lists = new List<RevocationListInfo>();
        foreach (var kind in new[] { CertificateKind.Authentication, CertificateKind.Signing })
        {
            var number = (kind == CertificateKind.Authentication ? state.AuthCrlNumber : state.SignCrlNumber) + 1;
            if (kind == CertificateKind.Authentication)
                state.AuthCrlNumber = number;
            else
                state.SignCrlNumber = number;
            var entries = revoked.Where(r => r.Kind == kind).ToList();
            var builder = new CertificateRevocationListBuilder();
            foreach (var entry in entries)
                builder.AddEntry(Convert.FromHexString(entry.Serial), entry.RevokedAt, entry.Reason);
            var ca = kind == CertificateKind.Authentication ? _authCa : _signCa;
            var thisUpdate = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
            var crl = builder.Build(ca, new BigInteger(number), thisUpdate + CrlValidity, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, thisUpdate);
            var path = CrlPath(kind);
            AtomicFile.Write(path, crl);
            lists.Add(new RevocationListInfo(kind, path, number, thisUpdate, thisUpdate + CrlValidity, entries));
        }
        WriteState(state);
        return lists;
    }

    private KeySlot NewSlot(CertificateKind kind, CardHolder holder, DateTimeOffset now, DateTimeOffset notAfter, StoredSecret secret, string subject,
        RSA? given = null)
    {
        var ca = kind == CertificateKind.Authentication ? _authCa : _signCa;
        var key = given ?? RSA.Create(2048);
        var crlUri = new Uri(_crlBaseUri, kind == CertificateKind.Authentication ? AuthCrlFile : SignCrlFile).AbsoluteUri;
        using var certificate = CertificateProfile.CreateLeaf(kind, key, ca, holder, now, notAfter, crlUri, subject);
        return new KeySlot(certificate.RawData, ca.RawData, key.ExportPkcs8PrivateKey(), key, secret);
    }

    private DateTimeOffset NotAfter(CardHolder holder, DateTimeOffset now, DateOnly? validUntil)
    {
        var notAfter = validUntil is { } date ? CertificateProfile.EndOfDayJst(date) : CertificateProfile.FifthBirthdayAfter(holder.BirthDate, now);
        if (notAfter <= now)
            throw new ArgumentException($"The validity end {notAfter:yyyy-MM-dd HH:mm:ss zzz} is not after the issue time.", nameof(validUntil));
        var caEnd = new DateTimeOffset(_authCa.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (notAfter > caEnd)
            throw new ArgumentException($"The validity end {notAfter:yyyy-MM-dd} is after the CA's own expiry ({caEnd:yyyy-MM-dd}).", nameof(validUntil));
        return notAfter;
    }

    private CardImage ReadOwnCard(string cardFilePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(cardFilePath);
        var image = CardFile.Read(cardFilePath);
        if (!IssuedBy(image.Authentication.Certificate, _authCa) || !IssuedBy(image.Signing.Certificate, _signCa))
            throw new InvalidOperationException($"The card in '{cardFilePath}' was not issued by the issuer in '{IssuerDirectory}'.");
        return image;
    }

    private static bool IssuedBy(byte[] certificate, X509Certificate2 ca)
    {
        using var cert = X509CertificateLoader.LoadCertificate(certificate);
        if (!cert.IssuerName.RawData.AsSpan().SequenceEqual(ca.SubjectName.RawData))
            return false;
        var aki = cert.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault();
        var ski = ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
        return aki?.KeyIdentifier is { } keyId && ski is not null && keyId.Span.SequenceEqual(Convert.FromHexString(ski.SubjectKeyIdentifier!));
    }

    private static string SerialOf(byte[] certificate)
    {
        using var cert = X509CertificateLoader.LoadCertificate(certificate);
        return cert.SerialNumber;
    }

    private static IssuedCard Describe(string path, CardImage image, string? generatedPassword)
    {
        using var auth = X509CertificateLoader.LoadCertificate(image.Authentication.Certificate);
        return new IssuedCard(Path.GetFullPath(path), image.CardId, auth.SerialNumber, SerialOf(image.Signing.Certificate),
            new DateTimeOffset(auth.NotBefore.ToUniversalTime(), TimeSpan.Zero), new DateTimeOffset(auth.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            generatedPassword);
    }

    private static string GenerateSigningPassword()
    {
        // 10 characters of A-Z0-9 with at least one letter and one digit, as the rules require.
        while (true)
        {
            var candidate = CertificateProfile.OpaqueName(10);
            if (PinRules.IsValidSigningPassword(candidate))
                return candidate;
        }
    }

    private static X509Certificate2 LoadOrCreateCa(string directory, CertificateKind kind, TimeProvider time, ref bool created)
    {
        var certPath = Path.Combine(directory, kind == CertificateKind.Authentication ? AuthCaFile : SignCaFile);
        var keyPath = Path.Combine(directory, "private", kind == CertificateKind.Authentication ? "auth-ca.key" : "sign-ca.key");
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            try
            {
                using var publicPart = X509CertificateLoader.LoadCertificate(File.ReadAllBytes(certPath));
                using var key = RSA.Create();
                key.ImportFromPem(File.ReadAllText(keyPath));
                return publicPart.CopyWithPrivateKey(key);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                throw new InvalidDataException($"The issuer material in '{directory}' is damaged ({kind} CA certificate or key): {e.Message}", e);
            }
        }
        using var rsa = RSA.Create(2048);
        using var ca = CertificateProfile.CreateCa(kind, rsa, time.GetUtcNow());
        // Key first: a certificate without its key would make the next Open fail, a key without its certificate is simply replaced.
        AtomicFile.Write(keyPath, System.Text.Encoding.ASCII.GetBytes(rsa.ExportPkcs8PrivateKeyPem()), PrivateFileMode);
        AtomicFile.Write(certPath, ca.RawData);
        created = true;
        using var publicOnly = X509CertificateLoader.LoadCertificate(ca.RawData);
        return publicOnly.CopyWithPrivateKey(rsa);
    }

    private void WriteHolder(string cardId, CardHolder holder) =>
        AtomicFile.Write(HolderPath(cardId), JsonSerializer.SerializeToUtf8Bytes(holder, Json), PrivateFileMode);

    private CardHolder ReadHolder(string cardId)
    {
        var path = HolderPath(cardId);
        if (!File.Exists(path))
            throw new InvalidOperationException($"The issuer has no resident record for card {cardId} ('{path}').");
        return JsonSerializer.Deserialize<CardHolder>(File.ReadAllBytes(path), Json)
            ?? throw new InvalidDataException($"The resident record '{path}' is empty.");
    }

    private string HolderPath(string cardId) => Path.Combine(IssuerDirectory, "private", "holders", $"{cardId}.json");

    private List<RevokedCertificate> ReadRevoked() => ReadLines<RevokedCertificate>(RevokedFile);

    private List<T> ReadLines<T>(string file)
    {
        var path = Path.Combine(IssuerDirectory, file);
        if (!File.Exists(path))
            return [];
        var items = new List<T>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0)
                continue;
            try
            {
                items.Add(JsonSerializer.Deserialize<T>(line, Json) ?? throw new JsonException("null line"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"Line {number} of '{path}' is not valid: {e.Message}", e);
            }
        }
        return items;
    }

    private void AppendLine<T>(string file, T item)
    {
        var path = Path.Combine(IssuerDirectory, file);
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(JsonSerializer.SerializeToUtf8Bytes(item, Json));
        stream.WriteByte((byte)'\n');
        stream.Flush(flushToDisk: true);
    }

    private IssuerState ReadState()
    {
        var path = Path.Combine(IssuerDirectory, "private", "state.json");
        return File.Exists(path) ? JsonSerializer.Deserialize<IssuerState>(File.ReadAllBytes(path), Json) ?? new IssuerState() : new IssuerState();
    }

    private void WriteState(IssuerState state) =>
        AtomicFile.Write(Path.Combine(IssuerDirectory, "private", "state.json"), JsonSerializer.SerializeToUtf8Bytes(state, Json), PrivateFileMode);

    private sealed class IssuerState
    {
        public long AuthCrlNumber { get; set; }
        public long SignCrlNumber { get; set; }
    }
}

using System.Security.Cryptography;
using System.Text;
using Kangen.SmartCard.Internal;

namespace Kangen.SmartCard;

/// <summary>
/// Talks to the JPKI application of a My Number Card (real or emulated) over an
/// <see cref="ICardTransport"/>: reads the token info and certificates, checks and verifies the
/// PIN and the signing password, and has the card sign a DigestInfo.
/// </summary>
/// <remarks>
/// The client selects the JPKI application on first use and keeps it selected; call
/// <see cref="SelectJpkiAp"/> to select it again, which also clears the card's verified state.
/// Card errors raise <see cref="SmartCardException"/> with the status word (a wrong PIN carries
/// <see cref="SmartCardException.TriesLeft"/>, a blocked one <see cref="SmartCardException.IsBlocked"/>).
/// Not thread-safe: one conversation at a time, as with a physical card.
/// </remarks>
public sealed class JpkiClient
{
    private const int ChunkLength = 256;
    private const byte ClaIso = 0x00;
    private const byte ClaProprietary = 0x80;
    private const byte InsSelect = 0xA4;
    private const byte InsReadBinary = 0xB0;
    private const byte InsVerify = 0x20;
    private const byte InsChangeReferenceData = 0x24;
    private const byte InsComputeSignature = 0x2A;

    private readonly ICardTransport _transport;
    private bool _apSelected;

    /// <summary>A client over <paramref name="transport"/>. The client does not own (dispose) the transport.</summary>
    public JpkiClient(ICardTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
    }

    /// <summary>Selects the JPKI application. Clears any verified PIN on the card.</summary>
    /// <exception cref="SmartCardException">The card has no JPKI application (<c>6A82</c>), or the transport failed.</exception>
    public void SelectJpkiAp()
    {
        _apSelected = false;
        Check(Transmit(new CommandApdu(ClaIso, InsSelect, 0x04, 0x0C, Jpki.ApplicationId)), "SELECT the JPKI application");
        _apSelected = true;
    }

    /// <summary>Reads the token info (EF 0006), trimmed of its space padding. <see cref="Jpki.MyNumberCardToken"/> marks a My Number Card.</summary>
    public string ReadTokenInfo()
    {
        SelectFile(Jpki.Files.TokenInfo);
        var data = ReadBinary(0, ChunkLength, "READ the token info");
        return Encoding.ASCII.GetString(data).TrimEnd(' ', '\0');
    }

    /// <summary>Reads the user-authentication certificate (EF 000A) as DER. Needs no PIN.</summary>
    public byte[] ReadAuthenticationCertificate() => ReadCertificate(Jpki.Files.AuthenticationCertificate);

    /// <summary>Reads the user-authentication CA certificate (EF 000B) as DER.</summary>
    public byte[] ReadAuthenticationCaCertificate() => ReadCertificate(Jpki.Files.AuthenticationCaCertificate);

    /// <summary>Verifies the signing password, then reads the signing certificate (EF 0001) as DER.</summary>
    /// <exception cref="SmartCardException">Wrong password (<see cref="SmartCardException.TriesLeft"/>), blocked, or another card error.</exception>
    public byte[] ReadSigningCertificate(string signingPassword)
    {
        VerifySigningPassword(signingPassword);
        return ReadCertificate(Jpki.Files.SigningCertificate);
    }

    /// <summary>Reads the signing CA certificate (EF 0002) as DER.</summary>
    public byte[] ReadSigningCaCertificate() => ReadCertificate(Jpki.Files.SigningCaCertificate);

    /// <summary>The tries left of the user-authentication PIN (0 = blocked). Does not use a try.</summary>
    public int GetAuthPinTriesLeft() => GetTriesLeft(Jpki.Files.AuthenticationPin);

    /// <summary>The tries left of the signing password (0 = blocked). Does not use a try.</summary>
    public int GetSigningPasswordTriesLeft() => GetTriesLeft(Jpki.Files.SigningPassword);

    /// <summary>Verifies the 4-digit user-authentication PIN.</summary>
    /// <exception cref="ArgumentException"><paramref name="pin"/> is not 4 digits (nothing is sent, no try is used).</exception>
    /// <exception cref="SmartCardException">Wrong PIN (<see cref="SmartCardException.TriesLeft"/>) or blocked (<see cref="SmartCardException.IsBlocked"/>).</exception>
    public void VerifyAuthPin(string pin)
    {
        if (!PinRules.IsValidAuthenticationPin(pin))
            throw new ArgumentException("The user-authentication PIN is 4 digits.", nameof(pin));
        Verify(Jpki.Files.AuthenticationPin, pin, "user-authentication PIN");
    }

    /// <summary>Verifies the signing password.</summary>
    /// <exception cref="ArgumentException"><paramref name="password"/> breaks the format rules (nothing is sent).</exception>
    /// <exception cref="SmartCardException">Wrong password (<see cref="SmartCardException.TriesLeft"/>) or blocked.</exception>
    public void VerifySigningPassword(string password)
    {
        if (!PinRules.IsValidSigningPassword(password))
            throw new ArgumentException("The signing password is 6-16 of A-Z and 0-9 with at least one letter and one digit.", nameof(password));
        Verify(Jpki.Files.SigningPassword, password, "signing password");
    }

    /// <summary>Has the card sign <paramref name="digestInfo"/> (DER DigestInfo) with the user-authentication key; needs <see cref="VerifyAuthPin"/> first.</summary>
    /// <returns>The 256-byte RSA PKCS#1 v1.5 signature.</returns>
    /// <exception cref="SmartCardException"><c>6982</c> when the PIN was not verified, or another card error.</exception>
    public byte[] SignWithAuthenticationKey(ReadOnlySpan<byte> digestInfo) => Sign(Jpki.Files.AuthenticationKey, digestInfo);

    /// <summary>Has the card sign <paramref name="digestInfo"/> with the signing key; needs <see cref="VerifySigningPassword"/> first.</summary>
    /// <returns>The 256-byte RSA PKCS#1 v1.5 signature.</returns>
    public byte[] SignWithSigningKey(ReadOnlySpan<byte> digestInfo) => Sign(Jpki.Files.SigningKey, digestInfo);

    /// <summary>Changes the user-authentication PIN: verifies <paramref name="currentPin"/>, then sets <paramref name="newPin"/>.</summary>
    /// <exception cref="ArgumentException">Either PIN is not 4 digits.</exception>
    /// <exception cref="SmartCardException">Wrong or blocked current PIN, or the card refused the change.</exception>
    public void ChangeAuthPin(string currentPin, string newPin)
    {
        if (!PinRules.IsValidAuthenticationPin(newPin))
            throw new ArgumentException("The user-authentication PIN is 4 digits.", nameof(newPin));
        VerifyAuthPin(currentPin);
        Check(Transmit(new CommandApdu(ClaIso, InsChangeReferenceData, 0x01, 0x80, Encoding.ASCII.GetBytes(newPin))), "CHANGE the user-authentication PIN");
    }

    /// <summary>The DER DigestInfo of SHA-256(<paramref name="message"/>), as the card expects it for SIGN.</summary>
    public static byte[] CreateSha256DigestInfo(ReadOnlySpan<byte> message)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(message, hash);
        return CreateSha256DigestInfoFromHash(hash);
    }

    /// <summary>The DER DigestInfo wrapping an existing 32-byte SHA-256 hash.</summary>
    /// <exception cref="ArgumentException"><paramref name="sha256Hash"/> is not 32 bytes.</exception>
    public static byte[] CreateSha256DigestInfoFromHash(ReadOnlySpan<byte> sha256Hash)
    {
        if (sha256Hash.Length != SHA256.HashSizeInBytes)
            throw new ArgumentException("A SHA-256 hash is 32 bytes.", nameof(sha256Hash));
        // The same prefix the emulated card recognises when it signs.
        var prefix = DigestInfos.Sha256Prefix;
        var digestInfo = new byte[prefix.Length + sha256Hash.Length];
        prefix.CopyTo(digestInfo);
        sha256Hash.CopyTo(digestInfo.AsSpan(prefix.Length));
        return digestInfo;
    }

    /// <summary>Sends one APDU and parses the response; status words are returned, not thrown.</summary>
    /// <exception cref="SmartCardException">The transport failed or the response had no status word.</exception>
    public ResponseApdu Transmit(CommandApdu command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var raw = _transport.Transmit(command.Encode());
        if (raw.Length < 2)
            throw new SmartCardException($"The card answered {raw.Length} byte(s), without a status word.", isTransient: false);
        return ResponseApdu.Parse(raw);
    }

    private byte[] ReadCertificate(ushort fid)
    {
        SelectFile(fid);
        var head = ReadBinary(0, 4, $"READ EF {fid:X4}");
        if (head.Length < 4 || head[0] != 0x30 || head[1] != 0x82)
            throw new SmartCardException($"EF {fid:X4} does not start with a DER SEQUENCE of two-byte length (30 82 LL LL).", isTransient: false);
        var total = (head[2] << 8 | head[3]) + 4;
        var certificate = new byte[total];
        head.CopyTo(certificate, 0);
        var offset = head.Length;
        while (offset < total)
        {
            if (offset > 0x7FFF)
                throw new SmartCardException($"EF {fid:X4} is longer than a READ BINARY offset can reach.", isTransient: false);
            var chunk = ReadBinary(offset, Math.Min(ChunkLength, total - offset), $"READ EF {fid:X4}");
            if (chunk.Length == 0)
                throw new SmartCardException($"EF {fid:X4} ended after {offset} of {total} bytes.", isTransient: false);
            var take = Math.Min(chunk.Length, total - offset);
            chunk.AsSpan(0, take).CopyTo(certificate.AsSpan(offset));
            offset += take;
        }
        return certificate;
    }

    private byte[] ReadBinary(int offset, int length, string what)
    {
        var response = Transmit(new CommandApdu(ClaIso, InsReadBinary, (byte)(offset >> 8), (byte)offset, le: length));
        Check(response, what);
        return response.Data.ToArray();
    }

    private int GetTriesLeft(ushort pinFid)
    {
        SelectFile(pinFid);
        var response = Transmit(new CommandApdu(ClaIso, InsVerify, 0x00, 0x80));
        return StatusWords.TriesLeft(response.StatusWord)
            ?? throw new SmartCardException($"Asking EF {pinFid:X4} for its tries left: {Describe(response.StatusWord)}.", response.StatusWord);
    }

    private void Verify(ushort pinFid, string secret, string what)
    {
        SelectFile(pinFid);
        var response = Transmit(new CommandApdu(ClaIso, InsVerify, 0x00, 0x80, Encoding.ASCII.GetBytes(secret)));
        if (response.IsSuccess)
            return;
        var message = response.StatusWord switch
        {
            StatusWords.AuthenticationMethodBlocked or StatusWords.VerificationFailedBase => $"The {what} is blocked.",
            var sw when StatusWords.IsVerificationFailed(sw) => $"Wrong {what}: {sw & 0x0F} tries left.",
            var sw => $"VERIFY the {what}: {Describe(sw)}.",
        };
        throw new SmartCardException(message, response.StatusWord);
    }

    private byte[] Sign(ushort keyFid, ReadOnlySpan<byte> digestInfo)
    {
        if (digestInfo.IsEmpty || digestInfo.Length > CommandApdu.MaxDataLength)
            throw new ArgumentException("A DigestInfo is 1-255 bytes.", nameof(digestInfo));
        SelectFile(keyFid);
        var response = Transmit(new CommandApdu(ClaProprietary, InsComputeSignature, 0x00, 0x80, digestInfo, CommandApdu.MaxLe));
        Check(response, $"SIGN with key {keyFid:X4}");
        return response.Data.ToArray();
    }

    private void SelectFile(ushort fid)
    {
        if (!_apSelected)
            SelectJpkiAp();
        Check(Transmit(new CommandApdu(ClaIso, InsSelect, 0x02, 0x0C, [(byte)(fid >> 8), (byte)fid])), $"SELECT EF {fid:X4}");
    }

    private static void Check(ResponseApdu response, string what)
    {
        if (!response.IsSuccess)
            throw new SmartCardException($"{what}: the card answered {Describe(response.StatusWord)}.", response.StatusWord);
    }

    private static string Describe(ushort statusWord) => $"{statusWord:X4} ({StatusWords.Describe(statusWord)})";
}

using System.Security.Cryptography;
using Kangen.SmartCard.Internal;

namespace Kangen.SmartCard;

/// <summary>
/// A software My Number Card: the JPKI application with its files, keys, PIN and signing password,
/// answering APDUs as the real card does (see docs/smartcard.md for the files, access rules and
/// status words). Cards are made by <see cref="CardIssuer"/> and kept in a card file.
/// </summary>
/// <remarks>
/// <para>A card loaded with <see cref="Load"/> writes every change of its persistent state (try counters,
/// a changed PIN) back to its card file atomically before answering, so a blocked card stays blocked
/// across runs. If that write fails the card answers <c>6581</c> and nothing changes.</para>
/// <para>Thread-safe: APDUs are processed one at a time per card. <see cref="Process"/> never throws.</para>
/// </remarks>
public sealed class EmulatedCard : ICardSide
{
    private static readonly byte[] AtrBytes = Jpki.MyNumberCardAtr.ToArray();

    private readonly Lock _gate = new();
    private readonly CardImage _image;
    private readonly byte[] _tokenInfo;

    // Session state: what a power cycle forgets.
    private bool _apSelected;
    private ushort? _currentEf;
    private bool _authVerified;
    private bool _signingVerified;

    private EmulatedCard(CardImage image, string? cardFilePath)
    {
        _image = image;
        _tokenInfo = CardFile.PadTokenInfo(image.TokenInfo);
        CardFilePath = cardFilePath;
    }

    /// <summary>Loads the card kept in <paramref name="cardFilePath"/>; changes of its state are written back to that file.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid card file (corrupt, truncated, another format or version); the message says why.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static EmulatedCard Load(string cardFilePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(cardFilePath);
        return new EmulatedCard(CardFile.Read(cardFilePath), Path.GetFullPath(cardFilePath));
    }

    /// <summary>A card from the bytes of a card file, kept in memory only (changes are not written anywhere).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid card file.</exception>
    public static EmulatedCard FromBytes(ReadOnlySpan<byte> cardFileContent) =>
        new(CardFile.Parse(cardFileContent, "card file content"), null);

    /// <summary>The card file this card writes to, or null for an in-memory card.</summary>
    public string? CardFilePath { get; }

    /// <summary>The card's identifier in its card file (issuer bookkeeping; the JPKI application never reveals it).</summary>
    public string CardId => _image.CardId;

    /// <inheritdoc />
    public ReadOnlyMemory<byte> Atr => AtrBytes;

    /// <summary>The tries left of the user-authentication PIN (an administrative view; clients ask with an empty VERIFY).</summary>
    public int AuthPinTriesLeft
    {
        get { lock (_gate) return _image.Authentication.Secret.TriesLeft; }
    }

    /// <summary>The tries left of the signing password.</summary>
    public int SigningPasswordTriesLeft
    {
        get { lock (_gate) return _image.Signing.Secret.TriesLeft; }
    }

    /// <summary>The current state as card file bytes (what <see cref="Load"/> reads).</summary>
    public byte[] ToBytes()
    {
        lock (_gate)
            return CardFile.Serialize(_image);
    }

    /// <summary>Writes the current state to <paramref name="cardFilePath"/> atomically (temporary file, flush, rename).</summary>
    public void Save(string cardFilePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(cardFilePath);
        lock (_gate)
            CardFile.Write(cardFilePath, _image);
    }

    /// <inheritdoc />
    public void Reset()
    {
        lock (_gate)
            ClearSession();
    }

    /// <inheritdoc />
    public void PowerOff() => Reset();

    /// <inheritdoc />
    public byte[] Process(ReadOnlySpan<byte> commandApdu)
    {
        if (!CommandApdu.TryParse(commandApdu, out var command))
            return ResponseApdu.Encode(StatusWords.WrongLength);
        lock (_gate)
            return Dispatch(command);
    }

    private void ClearSession()
    {
        _apSelected = false;
        _currentEf = null;
        _authVerified = false;
        _signingVerified = false;
    }

    private byte[] Dispatch(CommandApdu command) => (command.Cla, command.Ins) switch
    {
        (0x00, 0xA4) => Select(command),
        (0x00, 0xB0) => ReadBinary(command),
        (0x00, 0x20) => Verify(command),
        (0x00, 0x24) => ChangeReferenceData(command),
        (0x80, 0x2A) => ComputeSignature(command),
        (0x00 or 0x80, _) => Status(StatusWords.InstructionNotSupported),
        _ => Status(StatusWords.ClassNotSupported),
    };

    private byte[] Select(CommandApdu command)
    {
        if (command.P2 is not (0x0C or 0x00))
            return Status(StatusWords.IncorrectP1P2);
        var data = command.Data.Span;
        switch (command.P1)
        {
            case 0x04:
                if (data.IsEmpty || data.Length > 16)
                    return Status(StatusWords.WrongLength);
                if (!data.SequenceEqual(Jpki.ApplicationId))
                    return Status(StatusWords.FileNotFound);
                ClearSession();
                _apSelected = true;
                return Status(StatusWords.Success);
            case 0x02:
                if (data.Length != 2)
                    return Status(StatusWords.WrongLength);
                var fid = (ushort)(data[0] << 8 | data[1]);
                if (!_apSelected || !Exists(fid))
                    return Status(StatusWords.FileNotFound);
                _currentEf = fid;
                return Status(StatusWords.Success);
            default:
                return Status(StatusWords.IncorrectP1P2);
        }
    }

    private byte[] ReadBinary(CommandApdu command)
    {
        if (!command.Data.IsEmpty || command.Le is not { } le)
            return Status(StatusWords.WrongLength);
        ushort fid;
        int offset;
        if ((command.P1 & 0x80) != 0)
        {
            // Short EF identifier in P1 bits 1-5, 8-bit offset in P2; the EF becomes current.
            if ((command.P1 & 0x60) != 0)
                return Status(StatusWords.IncorrectP1P2);
            fid = (ushort)(command.P1 & 0x1F);
            if (!_apSelected || !Exists(fid))
                return Status(StatusWords.FileNotFound);
            _currentEf = fid;
            offset = command.P2;
        }
        else
        {
            if (_currentEf is not { } current)
                return Status(StatusWords.NoCurrentEf);
            fid = current;
            offset = command.P1 << 8 | command.P2;
        }
        if (IsKey(fid))
            return Status(StatusWords.SecurityStatusNotSatisfied);
        if (IsPin(fid))
            return Status(StatusWords.IncompatibleFileStructure);
        if (fid == Jpki.Files.SigningCertificate && !_signingVerified)
            return Status(StatusWords.SecurityStatusNotSatisfied);
        var content = BinaryContent(fid);
        if (offset >= content.Length)
            return Status(StatusWords.WrongOffset);
        var length = Math.Min(le, content.Length - offset);
        var response = new byte[length + 2];
        content.AsSpan(offset, length).CopyTo(response);
        response[^2] = 0x90;
        return response;
    }

    private byte[] Verify(CommandApdu command)
    {
        if (command.P1 != 0x00)
            return Status(StatusWords.IncorrectP1P2);
        if (!TryResolvePin(command.P2, 0x98, 0x9B, out var slot, out var failure))
            return Status(failure);
        var secret = slot.Secret;
        if (command.Data.IsEmpty)
            return Status(StatusWords.VerificationFailed(secret.TriesLeft));
        if (secret.IsBlocked)
            return Status(StatusWords.AuthenticationMethodBlocked);
        var right = secret.Matches(command.Data.Span);
        SetVerified(slot, false);
        var updated = secret.WithTriesLeft(right ? secret.MaxTries : secret.TriesLeft - 1);
        if (updated != secret && !TryCommit(slot, updated))
            return Status(StatusWords.MemoryFailure);
        if (!right)
            return Status(StatusWords.VerificationFailed(updated.TriesLeft));
        SetVerified(slot, true);
        return Status(StatusWords.Success);
    }

    private byte[] ChangeReferenceData(CommandApdu command)
    {
        // P1 = 01: only the new PIN is sent, after VERIFY. P1 = 00 (old + new) is not known from JPKI cards.
        if (command.P1 != 0x01)
            return Status(StatusWords.IncorrectP1P2);
        if (!TryResolvePin(command.P2, 0x98, 0x9B, out var slot, out var failure))
            return Status(failure);
        if (command.Data.IsEmpty)
            return Status(StatusWords.WrongLength);
        if (!IsVerified(slot))
            return Status(StatusWords.SecurityStatusNotSatisfied);
        var candidate = System.Text.Encoding.ASCII.GetString(command.Data.Span);
        var valid = slot == _image.Authentication ? PinRules.IsValidAuthenticationPin(candidate) : PinRules.IsValidSigningPassword(candidate);
        if (!valid || command.Data.Span.ContainsAnyExceptInRange((byte)0x20, (byte)0x7E))
            return Status(StatusWords.IncorrectData);
        if (!TryCommit(slot, StoredSecret.Create(candidate, slot.Secret.MaxTries)))
            return Status(StatusWords.MemoryFailure);
        return Status(StatusWords.Success);
    }

    private byte[] ComputeSignature(CommandApdu command)
    {
        if (command.P1 != 0x00)
            return Status(StatusWords.IncorrectP1P2);
        KeySlot slot;
        switch (command.P2)
        {
            case 0x80 when _currentEf == Jpki.Files.AuthenticationKey:
            case 0x97 when _apSelected:
                slot = _image.Authentication;
                break;
            case 0x80 when _currentEf == Jpki.Files.SigningKey:
            case 0x9A when _apSelected:
                slot = _image.Signing;
                break;
            case 0x80:
                return Status(_currentEf is null ? StatusWords.NoCurrentEf : StatusWords.ReferencedDataNotFound);
            case 0x97 or 0x9A:
                return Status(StatusWords.FileNotFound);
            default:
                return Status(StatusWords.IncorrectP1P2);
        }
        if (command.Data.IsEmpty)
            return Status(StatusWords.WrongLength);
        if (command.Le is { } le && le != CommandApdu.MaxLe)
            return Status(StatusWords.WrongLength);
        if (!IsVerified(slot))
            return Status(StatusWords.SecurityStatusNotSatisfied);
        if (!DigestInfos.TryParse(command.Data.Span, out var algorithm, out var hash))
            return Status(StatusWords.IncorrectData);
        byte[] signature;
        try
        {
            signature = slot.Key.SignHash(hash, algorithm, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return Status(StatusWords.NoPreciseDiagnosis);
        }
        var response = new byte[signature.Length + 2];
        signature.CopyTo(response, 0);
        response[^2] = 0x90;
        return response;
    }

    private bool TryResolvePin(byte p2, byte authShortId, byte signingShortId, out KeySlot slot, out ushort failure)
    {
        slot = _image.Authentication;
        failure = 0;
        if (p2 == 0x80)
        {
            if (_currentEf == Jpki.Files.AuthenticationPin)
                return true;
            if (_currentEf == Jpki.Files.SigningPassword)
            {
                slot = _image.Signing;
                return true;
            }
            failure = _currentEf is null ? StatusWords.NoCurrentEf : StatusWords.ReferencedDataNotFound;
            return false;
        }
        if (p2 == authShortId || p2 == signingShortId)
        {
            if (!_apSelected)
            {
                failure = StatusWords.FileNotFound;
                return false;
            }
            if (p2 == signingShortId)
                slot = _image.Signing;
            return true;
        }
        failure = StatusWords.IncorrectP1P2;
        return false;
    }

    private bool TryCommit(KeySlot slot, StoredSecret updated)
    {
        var previous = slot.Secret;
        slot.Secret = updated;
        if (CardFilePath is null)
            return true;
        try
        {
            CardFile.Write(CardFilePath, _image);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            slot.Secret = previous;
            return false;
        }
    }

    private bool IsVerified(KeySlot slot) => slot == _image.Authentication ? _authVerified : _signingVerified;

    private void SetVerified(KeySlot slot, bool verified)
    {
        if (slot == _image.Authentication)
            _authVerified = verified;
        else
            _signingVerified = verified;
    }

    private static bool Exists(ushort fid) => fid is Jpki.Files.TokenInfo or Jpki.Files.AuthenticationCertificate
        or Jpki.Files.AuthenticationCaCertificate or Jpki.Files.AuthenticationKey or Jpki.Files.AuthenticationPin
        or Jpki.Files.SigningCertificate or Jpki.Files.SigningCaCertificate or Jpki.Files.SigningKey or Jpki.Files.SigningPassword;

    private static bool IsKey(ushort fid) => fid is Jpki.Files.AuthenticationKey or Jpki.Files.SigningKey;

    private static bool IsPin(ushort fid) => fid is Jpki.Files.AuthenticationPin or Jpki.Files.SigningPassword;

    private byte[] BinaryContent(ushort fid) => fid switch
    {
        Jpki.Files.TokenInfo => _tokenInfo,
        Jpki.Files.AuthenticationCertificate => _image.Authentication.Certificate,
        Jpki.Files.AuthenticationCaCertificate => _image.Authentication.CaCertificate,
        Jpki.Files.SigningCertificate => _image.Signing.Certificate,
        Jpki.Files.SigningCaCertificate => _image.Signing.CaCertificate,
        _ => [],
    };

    private static byte[] Status(ushort statusWord) => ResponseApdu.Encode(statusWord);
}

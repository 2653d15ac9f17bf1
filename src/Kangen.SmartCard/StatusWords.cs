namespace Kangen.SmartCard;

/// <summary>
/// The ISO 7816-4 status words (SW1 SW2 as one big-endian number) that the JPKI application and the
/// emulated card use.
/// </summary>
public static class StatusWords
{
    /// <summary><c>9000</c>: normal processing.</summary>
    public const ushort Success = 0x9000;

    /// <summary><c>63C0</c>: verification failed, no tries left (the PIN is now blocked). OR the tries left (0-15) into it.</summary>
    public const ushort VerificationFailedBase = 0x63C0;

    /// <summary><c>6581</c>: memory failure (the emulated card could not persist its state; nothing changed).</summary>
    public const ushort MemoryFailure = 0x6581;

    /// <summary><c>6700</c>: wrong length (Lc or Le, or a malformed APDU).</summary>
    public const ushort WrongLength = 0x6700;

    /// <summary><c>6981</c>: command incompatible with the file structure (e.g. READ BINARY of a PIN file).</summary>
    public const ushort IncompatibleFileStructure = 0x6981;

    /// <summary><c>6982</c>: security status not satisfied (PIN not verified, or the file is never readable).</summary>
    public const ushort SecurityStatusNotSatisfied = 0x6982;

    /// <summary><c>6983</c>: authentication method blocked (VERIFY with data on a blocked PIN).</summary>
    public const ushort AuthenticationMethodBlocked = 0x6983;

    /// <summary><c>6986</c>: command not allowed, no current EF.</summary>
    public const ushort NoCurrentEf = 0x6986;

    /// <summary><c>6A80</c>: incorrect data field (e.g. a new PIN of the wrong format, an unknown DigestInfo).</summary>
    public const ushort IncorrectData = 0x6A80;

    /// <summary><c>6A82</c>: file or application not found.</summary>
    public const ushort FileNotFound = 0x6A82;

    /// <summary><c>6A86</c>: incorrect P1 P2.</summary>
    public const ushort IncorrectP1P2 = 0x6A86;

    /// <summary><c>6A88</c>: referenced data not found (e.g. VERIFY while the current EF is not a PIN).</summary>
    public const ushort ReferencedDataNotFound = 0x6A88;

    /// <summary><c>6B00</c>: wrong parameters P1 P2 (an offset past the end of the file).</summary>
    public const ushort WrongOffset = 0x6B00;

    /// <summary><c>6D00</c>: instruction not supported.</summary>
    public const ushort InstructionNotSupported = 0x6D00;

    /// <summary><c>6E00</c>: class not supported.</summary>
    public const ushort ClassNotSupported = 0x6E00;

    /// <summary><c>6F00</c>: no precise diagnosis.</summary>
    public const ushort NoPreciseDiagnosis = 0x6F00;

    /// <summary>The <c>63Cx</c> word for <paramref name="triesLeft"/> tries left (0-15).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="triesLeft"/> is outside 0-15.</exception>
    public static ushort VerificationFailed(int triesLeft)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(triesLeft);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(triesLeft, 15);
        return (ushort)(VerificationFailedBase | triesLeft);
    }

    /// <summary>True for <c>63Cx</c>, the answer of VERIFY carrying the tries left.</summary>
    public static bool IsVerificationFailed(ushort statusWord) => (statusWord & 0xFFF0) == VerificationFailedBase;

    /// <summary>The tries left carried by a <c>63Cx</c> word, or null for any other word.</summary>
    public static int? TriesLeft(ushort statusWord) => IsVerificationFailed(statusWord) ? statusWord & 0x0F : null;

    /// <summary>A short English description of a status word, for messages.</summary>
    public static string Describe(ushort statusWord) => statusWord switch
    {
        Success => "success",
        MemoryFailure => "memory failure",
        WrongLength => "wrong length",
        IncompatibleFileStructure => "command incompatible with file structure",
        SecurityStatusNotSatisfied => "security status not satisfied",
        AuthenticationMethodBlocked => "authentication method blocked",
        NoCurrentEf => "no current EF",
        IncorrectData => "incorrect data",
        FileNotFound => "file or application not found",
        IncorrectP1P2 => "incorrect P1 P2",
        ReferencedDataNotFound => "referenced data not found",
        WrongOffset => "offset out of range",
        InstructionNotSupported => "instruction not supported",
        ClassNotSupported => "class not supported",
        NoPreciseDiagnosis => "no precise diagnosis",
        _ when IsVerificationFailed(statusWord) => $"verification failed, {statusWord & 0x0F} tries left",
        _ => "unknown status",
    };
}

namespace Kangen.SmartCard.Internal;

/// <summary>pcsc-lite's result codes (positive 64-bit values on Linux x86-64), with readable names.</summary>
internal static class PcscErrors
{
    public const long Success = 0;
    public const long Cancelled = 0x80100002;
    public const long InsufficientBuffer = 0x80100008;
    public const long UnknownReader = 0x80100009;
    public const long Timeout = 0x8010000A;
    public const long SharingViolation = 0x8010000B;
    public const long NoSmartcard = 0x8010000C;
    public const long ReaderUnavailable = 0x80100017;
    public const long NoService = 0x8010001D;
    public const long ServiceStopped = 0x8010001E;
    public const long NoReadersAvailable = 0x8010002E;
    public const long RemovedCard = 0x80100069;
    public const long ResetCard = 0x80100068;

    /// <summary>The constant's name, what it means for a user, and whether trying again may help.</summary>
    public static (string Name, string Meaning, bool Transient) Describe(long code) => code switch
    {
        0x80100001 => ("SCARD_F_INTERNAL_ERROR", "internal error in pcscd", false),
        0x80100002 => ("SCARD_E_CANCELLED", "the operation was cancelled", true),
        0x80100003 => ("SCARD_E_INVALID_HANDLE", "invalid context or card handle (pcscd may have restarted)", true),
        0x80100004 => ("SCARD_E_INVALID_PARAMETER", "invalid parameter", false),
        0x80100006 => ("SCARD_E_NO_MEMORY", "pcscd is out of memory", true),
        0x80100008 => ("SCARD_E_INSUFFICIENT_BUFFER", "response buffer too small", false),
        0x80100009 => ("SCARD_E_UNKNOWN_READER", "no reader with that name", false),
        0x8010000A => ("SCARD_E_TIMEOUT", "timed out", true),
        0x8010000B => ("SCARD_E_SHARING_VIOLATION", "the card is in exclusive use by another program", true),
        0x8010000C => ("SCARD_E_NO_SMARTCARD", "no card in the reader", true),
        0x8010000D => ("SCARD_E_UNKNOWN_CARD", "unknown card", false),
        0x8010000F => ("SCARD_E_PROTO_MISMATCH", "the card does not speak the requested protocol (T=0/T=1)", false),
        0x80100010 => ("SCARD_E_NOT_READY", "the reader or card is not ready", true),
        0x80100013 => ("SCARD_F_COMM_ERROR", "communication error with pcscd or the reader", true),
        0x80100014 => ("SCARD_F_UNKNOWN_ERROR", "unknown error in pcscd", false),
        0x80100016 => ("SCARD_E_NOT_TRANSACTED", "the transaction failed (card removed or reset?)", true),
        0x80100017 => ("SCARD_E_READER_UNAVAILABLE", "the reader is not available (unplugged?)", true),
        0x80100018 => ("SCARD_P_SHUTDOWN", "pcscd is shutting down", true),
        0x8010001D => ("SCARD_E_NO_SERVICE", "pcscd is not running (start it: scripts/pcsc.sh start, or systemctl start pcscd.socket)", true),
        0x8010001E => ("SCARD_E_SERVICE_STOPPED", "pcscd stopped", true),
        0x8010001F => ("SCARD_E_UNSUPPORTED_FEATURE", "not supported by this reader", false),
        0x8010002E => ("SCARD_E_NO_READERS_AVAILABLE", "no card reader is connected (for the virtual reader install vsmartcard-vpcd and restart pcscd)", true),
        0x8010002F => ("SCARD_E_COMM_DATA_LOST", "data lost in communication with the card", true),
        0x80100031 => ("SCARD_E_SERVER_TOO_BUSY", "pcscd is too busy", true),
        0x80100065 => ("SCARD_W_UNSUPPORTED_CARD", "the card is not supported (no answer to reset?)", false),
        0x80100066 => ("SCARD_W_UNRESPONSIVE_CARD", "the card does not respond", true),
        0x80100067 => ("SCARD_W_UNPOWERED_CARD", "the card is not powered", true),
        0x80100068 => ("SCARD_W_RESET_CARD", "the card was reset by another program", true),
        0x80100069 => ("SCARD_W_REMOVED_CARD", "the card was removed", true),
        _ => ("PC/SC error", "unrecognised PC/SC error", false),
    };

    /// <summary>One line such as <c>SCardConnect failed: SCARD_E_NO_SMARTCARD (0x8010000C): no card in the reader</c>.</summary>
    public static string Message(string operation, long code)
    {
        var (name, meaning, _) = Describe(code);
        return $"{operation} failed: {name} (0x{code:X8}): {meaning}";
    }
}

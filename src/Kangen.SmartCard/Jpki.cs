namespace Kangen.SmartCard;

/// <summary>
/// Identifiers of the JPKI application of the My Number Card, as worked out by open-source tools
/// against real cards (J-LIS publishes no APDU specification).
/// </summary>
public static class Jpki
{
    /// <summary>The AID of the JPKI application: <c>D3 92 F0 00 26 01 00 00 00 01</c>.</summary>
    public static ReadOnlySpan<byte> ApplicationId => [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

    /// <summary>The AID of the card-info input application (not emulated: answers <c>6A82</c>).</summary>
    public static ReadOnlySpan<byte> CardInfoInputApplicationId => [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];

    /// <summary>The AID of the card-face application (not emulated: answers <c>6A82</c>).</summary>
    public static ReadOnlySpan<byte> CardFaceApplicationId => [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];

    /// <summary>The answer to reset of a real contact My Number Card (T=1).</summary>
    public static ReadOnlySpan<byte> MyNumberCardAtr =>
        [0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12, 0x39, 0x2F, 0x31, 0xC1, 0x73, 0xC6, 0x01, 0xC0, 0x3B];

    /// <summary>The token info (EF 0006, trimmed) that identifies a My Number Card.</summary>
    public const string MyNumberCardToken = "JPKIAPICCTOKEN2";

    /// <summary>Certificate policy of the user-authentication certificate.</summary>
    public const string AuthenticationPolicyOid = "1.2.392.200149.8.5.1.3.30";

    /// <summary>Certificate policy of the signing certificate.</summary>
    public const string SigningPolicyOid = "1.2.392.200149.8.5.1.1.20";

    /// <summary>subjectAltName otherName of the signing certificate: the holder's name (UTF8String).</summary>
    public const string NameOid = "1.2.392.200149.8.5.5.1";

    /// <summary>subjectAltName otherName of the signing certificate: the holder's sex (UTF8String "1" male, "2" female, "3" not stated).</summary>
    public const string SexOid = "1.2.392.200149.8.5.5.3";

    /// <summary>subjectAltName otherName of the signing certificate: birth date (UTF8String, era digit then yyyyMMdd).</summary>
    public const string BirthDateOid = "1.2.392.200149.8.5.5.4";

    /// <summary>subjectAltName otherName of the signing certificate: the holder's address (UTF8String).</summary>
    public const string AddressOid = "1.2.392.200149.8.5.5.5";

    /// <summary>The elementary files of the JPKI application.</summary>
    public static class Files
    {
        /// <summary>EF 0006: token info, 32 bytes of space-padded ASCII. Readable.</summary>
        public const ushort TokenInfo = 0x0006;

        /// <summary>EF 000A: user-authentication certificate (DER). Readable.</summary>
        public const ushort AuthenticationCertificate = 0x000A;

        /// <summary>EF 000B: the user-authentication CA certificate. Readable.</summary>
        public const ushort AuthenticationCaCertificate = 0x000B;

        /// <summary>EF 0017: the user-authentication private key. Never readable; used by SIGN.</summary>
        public const ushort AuthenticationKey = 0x0017;

        /// <summary>EF 0018: the user-authentication PIN (4 digits, 3 tries).</summary>
        public const ushort AuthenticationPin = 0x0018;

        /// <summary>EF 0001: signing certificate. Readable only after the signing password.</summary>
        public const ushort SigningCertificate = 0x0001;

        /// <summary>EF 0002: the signing CA certificate. Readable.</summary>
        public const ushort SigningCaCertificate = 0x0002;

        /// <summary>EF 001A: the signing private key. Never readable.</summary>
        public const ushort SigningKey = 0x001A;

        /// <summary>EF 001B: the signing password (6-16 of A-Z 0-9, at least one letter and one digit; 5 tries).</summary>
        public const ushort SigningPassword = 0x001B;
    }
}

/// <summary>The formats of the two JPKI secrets.</summary>
public static class PinRules
{
    /// <summary>Tries of the user-authentication PIN before it blocks.</summary>
    public const int AuthenticationPinMaxTries = 3;

    /// <summary>Tries of the signing password before it blocks.</summary>
    public const int SigningPasswordMaxTries = 5;

    /// <summary>True for exactly 4 ASCII digits.</summary>
    public static bool IsValidAuthenticationPin(string? pin) =>
        pin is { Length: 4 } && pin.All(char.IsAsciiDigit);

    /// <summary>True for 6-16 characters of A-Z and 0-9 with at least one letter and one digit.</summary>
    public static bool IsValidSigningPassword(string? password) =>
        password is { Length: >= 6 and <= 16 }
        && password.All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterUpper(c))
        && password.Any(char.IsAsciiDigit)
        && password.Any(char.IsAsciiLetterUpper);
}

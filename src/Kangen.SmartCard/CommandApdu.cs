using System.Diagnostics.CodeAnalysis;

namespace Kangen.SmartCard;

/// <summary>
/// A short command APDU (ISO 7816-4): CLA INS P1 P2, an optional data field of 1-255 bytes
/// (Lc) and an optional expected response length Le of 1-256 (256 is encoded as <c>00</c>).
/// Extended-length APDUs are not used by the JPKI application and are not supported.
/// </summary>
public sealed class CommandApdu
{
    /// <summary>The largest data field of a short APDU.</summary>
    public const int MaxDataLength = 255;

    /// <summary>The largest Le of a short APDU (encoded as <c>00</c>).</summary>
    public const int MaxLe = 256;

    private readonly byte[] _data;

    /// <summary>Creates a command APDU.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The data is longer than 255 bytes, or <paramref name="le"/> is outside 1-256.</exception>
    public CommandApdu(byte cla, byte ins, byte p1, byte p2, ReadOnlySpan<byte> data = default, int? le = null)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(data.Length, MaxDataLength, nameof(data));
        if (le is { } expected)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(expected, 1, nameof(le));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(expected, MaxLe, nameof(le));
        }
        Cla = cla;
        Ins = ins;
        P1 = p1;
        P2 = p2;
        _data = data.ToArray();
        Le = le;
    }

    /// <summary>The class byte.</summary>
    public byte Cla { get; }

    /// <summary>The instruction byte.</summary>
    public byte Ins { get; }

    /// <summary>Parameter 1.</summary>
    public byte P1 { get; }

    /// <summary>Parameter 2.</summary>
    public byte P2 { get; }

    /// <summary>The data field (empty when there is no Lc).</summary>
    public ReadOnlyMemory<byte> Data => _data;

    /// <summary>The expected response length (1-256), or null when the APDU carries no Le.</summary>
    public int? Le { get; }

    /// <summary>The encoded length of this APDU.</summary>
    public int EncodedLength => 4 + (_data.Length > 0 ? 1 + _data.Length : 0) + (Le is null ? 0 : 1);

    /// <summary>Encodes the APDU as sent to the card.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[EncodedLength];
        bytes[0] = Cla;
        bytes[1] = Ins;
        bytes[2] = P1;
        bytes[3] = P2;
        var at = 4;
        if (_data.Length > 0)
        {
            bytes[at++] = (byte)_data.Length;
            _data.CopyTo(bytes, at);
            at += _data.Length;
        }
        if (Le is { } le)
            bytes[at] = (byte)(le == MaxLe ? 0 : le);
        return bytes;
    }

    /// <summary>Parses an encoded short command APDU.</summary>
    /// <exception cref="FormatException">The bytes are not a well-formed short APDU (too short, Lc disagreeing with the length, extended length).</exception>
    public static CommandApdu Parse(ReadOnlySpan<byte> encoded)
    {
        if (!TryParse(encoded, out var apdu, out var error))
            throw new FormatException(error);
        return apdu;
    }

    /// <summary>Parses an encoded short command APDU; false when the bytes are malformed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out CommandApdu? apdu) =>
        TryParse(encoded, out apdu, out _);

    private static bool TryParse(ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out CommandApdu? apdu, out string error)
    {
        apdu = null;
        switch (encoded.Length)
        {
            case < 4:
                error = $"A command APDU has at least 4 bytes (CLA INS P1 P2); got {encoded.Length}.";
                return false;
            case 4:
                apdu = new CommandApdu(encoded[0], encoded[1], encoded[2], encoded[3]);
                error = "";
                return true;
            case 5:
                apdu = new CommandApdu(encoded[0], encoded[1], encoded[2], encoded[3], le: encoded[4] == 0 ? MaxLe : encoded[4]);
                error = "";
                return true;
        }
        var lc = encoded[4];
        if (lc == 0)
        {
            error = "Extended-length APDUs are not supported.";
            return false;
        }
        var rest = encoded.Length - 5;
        if (rest != lc && rest != lc + 1)
        {
            error = $"Lc is {lc} but {rest} bytes follow it (expected {lc}, or {lc + 1} with Le).";
            return false;
        }
        int? le = rest == lc + 1 ? (encoded[^1] == 0 ? MaxLe : encoded[^1]) : null;
        apdu = new CommandApdu(encoded[0], encoded[1], encoded[2], encoded[3], encoded.Slice(5, lc), le);
        error = "";
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Convert.ToHexString(Encode());
}

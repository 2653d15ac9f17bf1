namespace Kangen.SmartCard;

/// <summary>A response APDU: the response data followed by the status bytes SW1 SW2.</summary>
public sealed class ResponseApdu
{
    private readonly byte[] _data;

    /// <summary>Creates a response from its data and status word.</summary>
    public ResponseApdu(ReadOnlySpan<byte> data, ushort statusWord)
    {
        _data = data.ToArray();
        StatusWord = statusWord;
    }

    /// <summary>The response data (may be empty).</summary>
    public ReadOnlyMemory<byte> Data => _data;

    /// <summary>SW1 SW2 as one big-endian number, e.g. <c>0x9000</c>.</summary>
    public ushort StatusWord { get; }

    /// <summary>The first status byte.</summary>
    public byte SW1 => (byte)(StatusWord >> 8);

    /// <summary>The second status byte.</summary>
    public byte SW2 => (byte)StatusWord;

    /// <summary>True for <c>9000</c>.</summary>
    public bool IsSuccess => StatusWord == StatusWords.Success;

    /// <summary>Encodes the response as a card sends it: data, SW1, SW2.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[_data.Length + 2];
        _data.CopyTo(bytes, 0);
        bytes[^2] = SW1;
        bytes[^1] = SW2;
        return bytes;
    }

    /// <summary>Parses a response as received from a card.</summary>
    /// <exception cref="FormatException">Fewer than two bytes (no status word).</exception>
    public static ResponseApdu Parse(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length < 2)
            throw new FormatException($"A response APDU ends with SW1 SW2; got {encoded.Length} byte(s).");
        return new ResponseApdu(encoded[..^2], (ushort)(encoded[^2] << 8 | encoded[^1]));
    }

    /// <summary>Encodes a bare status word (no data) as a response.</summary>
    public static byte[] Encode(ushort statusWord) => [(byte)(statusWord >> 8), (byte)statusWord];

    /// <inheritdoc />
    public override string ToString() => $"{Convert.ToHexString(_data)} {StatusWord:X4}".TrimStart();
}

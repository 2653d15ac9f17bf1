namespace Kangen.SmartCard;

/// <summary>
/// A channel to one inserted card: carries a command APDU to it and brings back the response
/// (data followed by SW1 SW2). Implementations: in-process (an emulated card in memory) and PC/SC.
/// </summary>
public interface ICardTransport : IDisposable
{
    /// <summary>The card's answer to reset, as the reader reported it.</summary>
    ReadOnlyMemory<byte> Atr { get; }

    /// <summary>Sends one command APDU and returns the whole response APDU (data + SW1 SW2).</summary>
    byte[] Transmit(ReadOnlySpan<byte> commandApdu);
}

/// <summary>
/// The card side of the conversation: something that answers APDUs as a card would.
/// The emulated My Number Card implements it; the in-process transport and the vpcd bridge drive it.
/// </summary>
public interface ICardSide
{
    /// <summary>The answer to reset presented to readers.</summary>
    ReadOnlyMemory<byte> Atr { get; }

    /// <summary>Power on or reset: clears every verified state and the current selection.</summary>
    void Reset();

    /// <summary>Power off: as <see cref="Reset"/>, and the card may release resources.</summary>
    void PowerOff();

    /// <summary>Processes one command APDU and returns the response APDU (data + SW1 SW2). Never throws on bad input.</summary>
    byte[] Process(ReadOnlySpan<byte> commandApdu);
}

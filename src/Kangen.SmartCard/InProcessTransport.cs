namespace Kangen.SmartCard;

/// <summary>
/// A transport to a card in the same process (typically an <see cref="EmulatedCard"/>): each
/// APDU is handed to <see cref="ICardSide.Process"/> directly, with no reader framing.
/// </summary>
public sealed class InProcessTransport : ICardTransport
{
    private readonly ICardSide _card;
    private bool _disposed;

    /// <summary>"Inserts" <paramref name="card"/>: resets it, as a reader powers a card up.</summary>
    public InProcessTransport(ICardSide card)
    {
        ArgumentNullException.ThrowIfNull(card);
        _card = card;
        _card.Reset();
    }

    /// <inheritdoc />
    public ReadOnlyMemory<byte> Atr => _card.Atr;

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The transport was disposed (the card was "removed").</exception>
    public byte[] Transmit(ReadOnlySpan<byte> commandApdu)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _card.Process(commandApdu);
    }

    /// <summary>"Removes" the card: powers it off. The card object itself stays usable.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _card.PowerOff();
    }
}

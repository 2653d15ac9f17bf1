using Kangen.SmartCard.Internal;

namespace Kangen.SmartCard;

/// <summary>
/// An <see cref="ICardTransport"/> to a card in a PC/SC reader (a real USB reader, or vpcd's
/// <c>Virtual PCD 00 00</c>), connected in shared mode. Thread-safe: one APDU exchange at a time.
/// Use <see cref="BeginTransaction"/> around a sequence that must not interleave with other
/// programs (for example SELECT, VERIFY, SIGN).
/// </summary>
public sealed class PcscTransport : ICardTransport
{
    // Largest extended response (65536 data bytes + SW1 SW2).
    private const int ReceiveBufferLength = 65538;

    private readonly Lock _lock = new();
    private readonly PcscContext? _ownedContext;
    private nint _card;

    private PcscTransport(nint card, PcscProtocols protocol, string reader, byte[] atr, PcscContext? ownedContext)
    {
        _card = card;
        Protocol = protocol;
        Reader = reader;
        Atr = atr;
        _ownedContext = ownedContext;
    }

    /// <summary>The reader this transport is connected through.</summary>
    public string Reader { get; }

    /// <summary>The protocol negotiated with the card (<see cref="PcscProtocols.T0"/> or <see cref="PcscProtocols.T1"/>).</summary>
    public PcscProtocols Protocol { get; }

    /// <inheritdoc />
    public ReadOnlyMemory<byte> Atr { get; }

    /// <summary>Establishes its own <see cref="PcscContext"/> and connects to the card in <paramref name="reader"/>.</summary>
    /// <exception cref="SmartCardException">pcscd is not running, the reader is unknown, or it holds no card.</exception>
    public static PcscTransport Connect(string reader, PcscProtocols protocols = PcscProtocols.Any)
    {
        var context = PcscContext.Establish();
        try
        {
            return Connect(context, reader, protocols, ownsContext: true);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Connects to the card in <paramref name="reader"/> through an existing context (which must outlive the transport).</summary>
    /// <exception cref="SmartCardException">The reader is unknown, it holds no card, or the protocol does not match.</exception>
    public static PcscTransport Connect(PcscContext context, string reader, PcscProtocols protocols = PcscProtocols.Any)
        => Connect(context, reader, protocols, ownsContext: false);

    private static PcscTransport Connect(PcscContext context, string reader, PcscProtocols protocols, bool ownsContext)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrEmpty(reader);
        if ((protocols & PcscProtocols.Any) == 0)
            throw new ArgumentOutOfRangeException(nameof(protocols), protocols, "Choose T0, T1 or both.");
        var result = (long)PcscNative.Connect(context.Handle, reader, PcscNative.ShareShared, (nuint)protocols, out var card, out var active);
        PcscFailure.ThrowIfError($"SCardConnect to '{reader}'", result);
        try
        {
            var atr = ReadAtr(card);
            return new PcscTransport(card, (PcscProtocols)(int)active, reader, atr, ownsContext ? context : null);
        }
        catch
        {
            _ = PcscNative.Disconnect(card, PcscNative.LeaveCard);
            throw;
        }
    }

    /// <inheritdoc />
    /// <exception cref="SmartCardException">The card was removed or reset, or the reader failed.</exception>
    public byte[] Transmit(ReadOnlySpan<byte> commandApdu)
    {
        if (commandApdu.Length < 4)
            throw new ArgumentException("A command APDU has at least 4 bytes (CLA INS P1 P2).", nameof(commandApdu));
        lock (_lock)
        {
            var response = TransmitOnce(commandApdu);
            if (Protocol != PcscProtocols.T0)
                return response;
            return CompleteT0(commandApdu, response);
        }
    }

    /// <summary>
    /// Takes the card for this program alone until the returned scope is disposed, so another
    /// program cannot slip an APDU between ours (and, say, reset the verified state).
    /// </summary>
    public IDisposable BeginTransaction()
    {
        var result = (long)PcscNative.BeginTransaction(Handle);
        PcscFailure.ThrowIfError("SCardBeginTransaction", result);
        return new TransactionScope(this);
    }

    /// <summary>Disconnects, leaving the card as it is; releases the context if this transport made it.</summary>
    public void Dispose()
    {
        var card = Interlocked.Exchange(ref _card, 0);
        if (card != 0)
            _ = PcscNative.Disconnect(card, PcscNative.LeaveCard);
        _ownedContext?.Dispose();
    }

    private nint Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_card == 0, this);
            return _card;
        }
    }

    private unsafe byte[] TransmitOnce(ReadOnlySpan<byte> command)
    {
        var sendPci = new PcscNative.IoRequest { Protocol = Protocol == PcscProtocols.T0 ? PcscNative.ProtocolT0 : PcscNative.ProtocolT1, PciLength = 16 };
        var buffer = new byte[ReceiveBufferLength];
        nuint length = (nuint)buffer.Length;
        long result;
        fixed (byte* send = command)
        fixed (byte* receive = buffer)
            result = (long)PcscNative.Transmit(Handle, &sendPci, send, (nuint)command.Length, null, receive, ref length);
        PcscFailure.ThrowIfError("SCardTransmit", result);
        if (length < 2)
            throw PcscFailure.Create($"SCardTransmit returned {length} bytes (a response has at least SW1 SW2)", PcscErrors.InsufficientBuffer);
        return buffer.AsSpan(0, (int)length).ToArray();
    }

    // T=0 leaves two exchanges to the application: 61xx (more data: GET RESPONSE) and 6Cxx (wrong Le: resend).
    private byte[] CompleteT0(ReadOnlySpan<byte> command, byte[] response)
    {
        if (response.Length == 2 && response[0] == 0x6C && command.Length >= 5)
        {
            var resend = command.ToArray();
            resend[^1] = response[1];
            response = TransmitOnce(resend);
        }
        var data = new List<byte>();
        for (var rounds = 0; rounds < 256 && response.Length >= 2 && response[^2] == 0x61; rounds++)
        {
            data.AddRange(response.AsSpan(0, response.Length - 2));
            response = TransmitOnce([command[0], 0xC0, 0x00, 0x00, response[^1]]);
        }
        if (data.Count == 0)
            return response;
        data.AddRange(response);
        return [.. data];
    }

    private static unsafe byte[] ReadAtr(nint card)
    {
        var atr = new byte[PcscNative.MaxAtrSize];
        nuint atrLength = (nuint)atr.Length;
        nuint nameLength = 0;
        long result;
        fixed (byte* p = atr)
            result = (long)PcscNative.Status(card, null, ref nameLength, out _, out _, p, ref atrLength);
        PcscFailure.ThrowIfError("SCardStatus", result);
        return atr.AsSpan(0, (int)Math.Min(atrLength, (nuint)atr.Length)).ToArray();
    }

    private sealed class TransactionScope(PcscTransport transport) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0 && transport._card != 0)
                _ = PcscNative.EndTransaction(transport._card, PcscNative.LeaveCard);
        }
    }
}

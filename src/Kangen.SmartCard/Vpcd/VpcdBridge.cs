using System.Buffers.Binary;
using System.Net.Sockets;

namespace Kangen.SmartCard;

/// <summary>
/// Puts an <see cref="ICardSide"/> (typically the emulated My Number Card) into pcscd's virtual reader:
/// connects as a TCP client to vsmartcard's vpcd driver (127.0.0.1:35963 for <c>Virtual PCD 00 00</c>)
/// and answers its requests, so any PC/SC program (our <see cref="PcscTransport"/>, OpenSC) sees a
/// card inserted. Closing the connection is how the card is removed.
/// </summary>
/// <remarks>
/// Wire format, both ways: a 2-byte big-endian length, then that many bytes. A 1-byte payload is a
/// control message: <c>00</c> power off, <c>01</c> power on, <c>02</c> reset (none of them answered),
/// <c>04</c> get ATR (answered with the ATR). A longer payload is a command APDU, answered with the
/// response APDU. Malformed input from the peer (zero length, oversized or truncated frames, a peer
/// that vanishes mid-command) is logged and handled without throwing out of <see cref="RunAsync"/>;
/// the card sees only complete APDUs, and power-off on every disconnect, as a removed card would.
/// </remarks>
public sealed class VpcdBridge
{
    private const byte PowerOff = 0x00;
    private const byte PowerOn = 0x01;
    private const byte Reset = 0x02;
    private const byte GetAtr = 0x04;

    private readonly ICardSide _card;
    private readonly VpcdBridgeOptions _options;
    private readonly Lock _lock = new();
    private TaskCompletionSource _connected = NewSignal();
    private int _running;

    /// <summary>Creates a bridge for <paramref name="card"/>; nothing happens until <see cref="RunAsync"/>.</summary>
    public VpcdBridge(ICardSide card, VpcdBridgeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(card);
        _card = card;
        _options = options ?? new VpcdBridgeOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxCommandLength, 4, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.MaxCommandLength, ushort.MaxValue, nameof(options));
        if (_options.Port is < 1 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(options), _options.Port, "Port must be 1-65535.");
    }

    /// <summary>True while a connection to vpcd is open (the card is "inserted").</summary>
    public bool IsConnected { get; private set; }

    /// <summary>How many connections to vpcd have been made so far (a reconnect after a pcscd restart adds one).</summary>
    public int Connections { get; private set; }

    /// <summary>Completes when the bridge is connected to vpcd (at once if it already is).</summary>
    public Task WaitForConnectionAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
            return _connected.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Connects to vpcd and serves the card until <paramref name="cancellationToken"/> is cancelled
    /// (then returns normally, having closed the connection: the card is removed), or until the
    /// connection ends and <see cref="VpcdBridgeOptions.Reconnect"/> is false.
    /// </summary>
    /// <exception cref="SmartCardException">vpcd could not be reached within <see cref="VpcdBridgeOptions.MaxConnectAttempts"/> (transient).</exception>
    /// <exception cref="InvalidOperationException">The bridge is already running.</exception>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
            throw new InvalidOperationException("This vpcd bridge is already running.");
        try
        {
            var failedAttempts = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                using var client = await TryConnectAsync(cancellationToken).ConfigureAwait(false);
                if (client is null)
                {
                    if (cancellationToken.IsCancellationRequested)
                        return;
                    failedAttempts++;
                    if (!_options.Reconnect || failedAttempts >= (_options.MaxConnectAttempts ?? int.MaxValue))
                        throw new SmartCardException(
                            $"Could not connect to vpcd at {_options.Host}:{_options.Port} after {failedAttempts} attempt(s). " +
                            "Is pcscd running with vsmartcard-vpcd installed? (scripts/pcsc.sh install && scripts/pcsc.sh start)",
                            isTransient: true);
                }
                else
                {
                    failedAttempts = 0;
                    await ServeAsync(client, cancellationToken).ConfigureAwait(false);
                    if (cancellationToken.IsCancellationRequested || !_options.Reconnect)
                        return;
                }
                try
                {
                    await Task.Delay(_options.ReconnectDelay, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private async Task<TcpClient?> TryConnectAsync(CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            await client.ConnectAsync(_options.Host, _options.Port, timeout.Token).ConfigureAwait(false);
            return client;
        }
        catch (SocketException e)
        {
            Log($"cannot connect to vpcd at {_options.Host}:{_options.Port}: {e.SocketErrorCode} (is pcscd running with vsmartcard-vpcd?)");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log($"connecting to vpcd at {_options.Host}:{_options.Port} timed out after {_options.ConnectTimeout.TotalSeconds:0.#} s");
        }
        catch (OperationCanceledException)
        {
        }
        client.Dispose();
        return null;
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        var stream = client.GetStream();
        SetConnected(true);
        Log($"connected to vpcd at {_options.Host}:{_options.Port}: the card is inserted");
        var reason = "vpcd closed the connection (pcscd stopped or restarted?)";
        try
        {
            var header = new byte[2];
            while (true)
            {
                // Waiting for the next frame is unbounded (pcscd polls with GET ATR when it cares);
                // the rest of a frame, once its length has arrived, must come within FrameTimeout.
                var read = await ReadFullyAsync(stream, header, cancellationToken, frameTimeout: false).ConfigureAwait(false);
                if (read == 0)
                    break;
                if (read == 1)
                {
                    reason = "vpcd closed the connection in the middle of a frame length";
                    break;
                }
                var length = BinaryPrimitives.ReadUInt16BigEndian(header);
                if (length == 0)
                {
                    Log("vpcd sent a zero-length frame; ignored");
                    continue;
                }
                if (length > _options.MaxCommandLength)
                {
                    if (!await DiscardAsync(stream, length, cancellationToken).ConfigureAwait(false))
                    {
                        reason = $"vpcd closed the connection inside an oversized frame ({length} bytes)";
                        break;
                    }
                    Log($"vpcd sent a {length}-byte command, over the {_options.MaxCommandLength}-byte limit; answered 6700 (wrong length)");
                    await WriteFrameAsync(stream, [0x67, 0x00], cancellationToken).ConfigureAwait(false);
                    continue;
                }
                var payload = new byte[length];
                var got = await ReadFullyAsync(stream, payload, cancellationToken, frameTimeout: true).ConfigureAwait(false);
                if (got < length)
                {
                    reason = $"vpcd closed the connection after {got} of {length} bytes of a frame; the partial command was not given to the card";
                    break;
                }
                if (length == 1)
                {
                    if (HandleControl(payload[0]) is { } atr)
                        await WriteFrameAsync(stream, atr, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                var response = ProcessApdu(payload);
                try
                {
                    await WriteFrameAsync(stream, response, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    reason = $"vpcd went away before the answer to INS {payload[1]:X2} could be sent (the card did process the command)";
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reason = "stopped: the card is removed";
        }
        catch (TimeoutException e)
        {
            reason = e.Message;
        }
        catch (IOException e)
        {
            reason = $"connection to vpcd lost: {e.InnerException?.Message ?? e.Message}";
        }
        finally
        {
            client.Close();
            SetConnected(false);
            // A card pulled out of a reader loses its session state (verified PIN, selection).
            _card.PowerOff();
        }
        Log(reason);
    }

    private byte[]? HandleControl(byte control)
    {
        switch (control)
        {
            case PowerOff:
                _card.PowerOff();
                return null;
            case PowerOn:
            case Reset:
                _card.Reset();
                return null;
            case GetAtr:
                return _card.Atr.ToArray();
            default:
                Log($"vpcd sent unknown control byte {control:X2}; ignored");
                return null;
        }
    }

    private byte[] ProcessApdu(byte[] command)
    {
        byte[] response;
        try
        {
            response = _card.Process(command);
        }
        // ICardSide.Process promises not to throw; if a card implementation breaks that promise the
        // bridge answers like a card with an internal fault instead of taking pcscd's reader down.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log($"the card failed on INS {command[1]:X2} ({e.GetType().Name}: {e.Message}); answered 6F00");
            return [0x6F, 0x00];
        }
        if (response.Length is < 2 or > ushort.MaxValue)
        {
            Log($"the card gave a {response.Length}-byte response to INS {command[1]:X2}, which cannot be framed; answered 6F00");
            return [0x6F, 0x00];
        }
        return response;
    }

    private async Task<int> ReadFullyAsync(NetworkStream stream, Memory<byte> buffer, CancellationToken cancellationToken, bool frameTimeout)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (frameTimeout)
            timeout.CancelAfter(_options.FrameTimeout);
        var total = 0;
        try
        {
            while (total < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer[total..], timeout.Token).ConfigureAwait(false);
                if (read == 0)
                    break;
                total += read;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"vpcd sent {total} of {buffer.Length} bytes of a frame and then nothing for {_options.FrameTimeout.TotalSeconds:0.#} s; disconnected");
        }
        return total;
    }

    private async Task<bool> DiscardAsync(NetworkStream stream, int length, CancellationToken cancellationToken)
    {
        var sink = new byte[Math.Min(length, 4096)];
        var left = length;
        while (left > 0)
        {
            var chunk = sink.AsMemory(0, Math.Min(left, sink.Length));
            var read = await ReadFullyAsync(stream, chunk, cancellationToken, frameTimeout: true).ConfigureAwait(false);
            if (read < chunk.Length)
                return false;
            left -= read;
        }
        return true;
    }

    private static async Task WriteFrameAsync(NetworkStream stream, byte[] payload, CancellationToken cancellationToken)
    {
        var frame = new byte[payload.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)payload.Length);
        payload.CopyTo(frame, 2);
        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
    }

    private void SetConnected(bool connected)
    {
        lock (_lock)
        {
            IsConnected = connected;
            if (connected)
            {
                Connections++;
                _connected.TrySetResult();
            }
            else if (_connected.Task.IsCompleted)
            {
                _connected = NewSignal();
            }
        }
    }

    private void Log(string message) => _options.Log?.Invoke($"vpcd: {message}");

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

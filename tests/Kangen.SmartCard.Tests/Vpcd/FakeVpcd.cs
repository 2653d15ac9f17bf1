using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Kangen.SmartCard.Tests.Vpcd;

/// <summary>
/// The reader side of the vpcd protocol on a loopback port, driven byte by byte by a test, so the
/// bridge can be fed what real pcscd never sends (truncated, zero-length, oversized frames).
/// </summary>
internal sealed class FakeVpcd : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private TcpClient? _client;

    public FakeVpcd() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public NetworkStream Stream => _client?.GetStream() ?? throw new InvalidOperationException("No card connected.");

    /// <summary>Waits for the bridge (the card) to connect.</summary>
    public async Task AcceptAsync()
    {
        _client?.Dispose();
        using var cts = new CancellationTokenSource(Timeout);
        _client = await _listener.AcceptTcpClientAsync(cts.Token);
    }

    public Task SendRawAsync(params byte[] bytes) => Stream.WriteAsync(bytes).AsTask();

    public Task SendFrameAsync(params byte[] payload)
    {
        var frame = new byte[payload.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)payload.Length);
        payload.CopyTo(frame, 2);
        return SendRawAsync(frame);
    }

    /// <summary>Sends <paramref name="payload"/> as one frame and reads the bridge's answer frame.</summary>
    public async Task<byte[]> ExchangeAsync(params byte[] payload)
    {
        await SendFrameAsync(payload);
        return await ReceiveFrameAsync();
    }

    public async Task<byte[]> ReceiveFrameAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var header = new byte[2];
        await Stream.ReadExactlyAsync(header, cts.Token);
        var payload = new byte[BinaryPrimitives.ReadUInt16BigEndian(header)];
        await Stream.ReadExactlyAsync(payload, cts.Token);
        return payload;
    }

    /// <summary>Reads until the bridge closes the connection; true when it did within the timeout.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[256];
        try
        {
            while (await Stream.ReadAsync(buffer, cts.Token) > 0)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Drops the connection, as pcscd does when it stops.</summary>
    public void CloseClient()
    {
        _client?.Client.Shutdown(SocketShutdown.Both);
        _client?.Dispose();
        _client = null;
    }

    public ValueTask DisposeAsync()
    {
        _client?.Dispose();
        _listener.Stop();
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}

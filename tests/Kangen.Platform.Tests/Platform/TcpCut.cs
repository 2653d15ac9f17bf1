using System.Net;
using System.Net.Sockets;

namespace Kangen.Platform.Tests.Platform;

/// <summary>
/// A TCP forwarder on loopback between the platform and its database server that a test can cut (every open
/// connection reset, new ones refused) and restore on the same port: a network partition or a database restart as
/// the platform sees it, without touching the server other tests share.
/// </summary>
public sealed class TcpCut : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly List<Socket> _open = [];
    private TcpListener _listener;
    private CancellationTokenSource _cut = new();

    public TcpCut(string host, int port)
    {
        _target = new IPEndPoint(IPAddress.Parse(host == "localhost" ? "127.0.0.1" : host), port);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync(_listener, _cut.Token);
    }

    /// <summary>The loopback port to connect to instead of the server's.</summary>
    public int Port { get; }

    /// <summary>Resets every forwarded connection and stops listening: connecting is refused until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _cut.Cancel();
        _listener.Stop();
        lock (_open)
        {
            foreach (var socket in _open)
            {
                socket.LingerState = new LingerOption(true, 0); // close with a reset, as a crashed peer would
                socket.Close();
            }
            _open.Clear();
        }
    }

    /// <summary>Listens again on the same port.</summary>
    public void Restore()
    {
        _cut.Dispose();
        _cut = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _ = AcceptAsync(_listener, _cut.Token);
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cut)
    {
        while (!cut.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(cut);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(_target, cut);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                client.Close();
                server.Close();
                continue;
            }
            lock (_open)
            {
                _open.Add(client);
                _open.Add(server);
            }
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                    break;
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // cut, or the other side went away: the peer sees the reset
        }
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        _cut.Dispose();
        return ValueTask.CompletedTask;
    }
}

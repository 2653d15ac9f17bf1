using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kangen.SmartCard.Tests.Vpcd;

/// <summary>The vpcd wire protocol of <see cref="VpcdBridge"/>, against a scripted reader side on loopback.</summary>
[Collection(IssuerCollection.Name)]
public sealed class VpcdBridgeTests(IssuerFixture issuer) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly byte[] SelectAp = [0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
    private static readonly byte[] SelectPin = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18];
    private static readonly byte[] EmptyVerify = [0x00, 0x20, 0x00, 0x80];

    private readonly FakeVpcd _vpcd = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private readonly ConcurrentQueue<string> _log = new();
    private EmulatedCard _card = null!;
    private string _cardPath = null!;
    private VpcdBridge _bridge = null!;
    private Task _run = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _cardPath = issuer.CopyOfTemplate();
        _card = EmulatedCard.Load(_cardPath);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAny(_run, Task.Delay(Wait));
        await _vpcd.DisposeAsync();
        _stop.Dispose();
    }

    private async Task StartAsync(VpcdBridgeOptions? options = null)
    {
        _bridge = new VpcdBridge(_card, (options ?? new VpcdBridgeOptions()) with { Port = _vpcd.Port, Log = _log.Enqueue });
        _run = _bridge.RunAsync(_stop.Token);
        await _vpcd.AcceptAsync();
        await _bridge.WaitForConnectionAsync(_stop.Token).WaitAsync(Wait);
    }

    private static byte[] Verify(string pin) => [0x00, 0x20, 0x00, 0x80, (byte)pin.Length, .. Encoding.ASCII.GetBytes(pin)];

    private string Log => string.Join('\n', _log);

    [Fact]
    public async Task Get_ATR_is_answered_with_the_cards_ATR_and_power_messages_are_not_answered()
    {
        await StartAsync();

        await _vpcd.SendFrameAsync(0x01); // power on: no reply
        await _vpcd.SendFrameAsync(0x02); // reset: no reply
        var atr = await _vpcd.ExchangeAsync(0x04);

        Assert.Equal(Jpki.MyNumberCardAtr.ToArray(), atr);
        Assert.True(_bridge.IsConnected);
    }

    [Fact]
    public async Task Command_APDUs_reach_the_card_and_its_answers_come_back_framed()
    {
        await StartAsync();

        Assert.Equal([0x90, 0x00], await _vpcd.ExchangeAsync(SelectAp));
        Assert.Equal([0x90, 0x00], await _vpcd.ExchangeAsync(SelectPin));
        Assert.Equal([0x63, 0xC3], await _vpcd.ExchangeAsync(EmptyVerify));
        Assert.Equal([0x63, 0xC2], await _vpcd.ExchangeAsync(Verify("9999")));

        Assert.Equal(2, EmulatedCard.Load(_cardPath).AuthPinTriesLeft);
    }

    [Fact]
    public async Task Power_off_forgets_the_verified_PIN()
    {
        await StartAsync();
        await _vpcd.ExchangeAsync(SelectAp);
        await _vpcd.ExchangeAsync(SelectPin);
        Assert.Equal([0x90, 0x00], await _vpcd.ExchangeAsync(Verify(IssuerFixture.Pin)));

        await _vpcd.SendFrameAsync(0x00);
        await _vpcd.SendFrameAsync(0x01);

        // After the power cycle the AP is no longer selected: SELECT of the key EF alone cannot lead to a signature.
        await _vpcd.ExchangeAsync(SelectAp);
        Assert.Equal([0x90, 0x00], await _vpcd.ExchangeAsync(0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x17));
        var sign = await _vpcd.ExchangeAsync([0x80, 0x2A, 0x00, 0x80, .. LengthPrefixed(JpkiClient.CreateSha256DigestInfo("x"u8)), 0x00]);
        Assert.Equal([0x69, 0x82], sign);
    }

    [Fact]
    public async Task A_zero_length_frame_is_logged_and_ignored()
    {
        await StartAsync();

        await _vpcd.SendRawAsync(0x00, 0x00);
        Assert.Equal([0x90, 0x00], await _vpcd.ExchangeAsync(SelectAp));

        Assert.Contains("zero-length frame", Log);
    }

    [Fact]
    public async Task An_oversized_command_is_answered_wrong_length_and_the_stream_stays_in_step()
    {
        await StartAsync(new VpcdBridgeOptions { MaxCommandLength = 300 });

        var oversized = new byte[400];
        oversized[0] = 0x00;
        oversized[1] = 0x20;
        Assert.Equal([0x67, 0x00], await _vpcd.ExchangeAsync(oversized));
        Assert.Equal([0x90, 0x00], await _vpcd.ExchangeAsync(SelectAp));

        Assert.Contains("over the 300-byte limit", Log);
    }

    [Fact]
    public async Task A_truncated_command_never_reaches_the_card_and_the_bridge_reconnects()
    {
        await StartAsync(new VpcdBridgeOptions { ReconnectDelay = TimeSpan.FromMilliseconds(50) });
        await _vpcd.ExchangeAsync(SelectAp);
        await _vpcd.ExchangeAsync(SelectPin);

        // A wrong-PIN VERIFY cut off after its length and 6 of its 9 bytes, then pcscd goes away.
        var verify = Verify("9999");
        await _vpcd.SendRawAsync([0x00, (byte)verify.Length, .. verify.AsSpan(0, 6)]);
        _vpcd.CloseClient();

        // The bridge reconnects (pcscd restarted) and the card behind it is whole: no try was used.
        await _vpcd.AcceptAsync();
        await WaitUntilAsync(() => _bridge.Connections == 2 && _bridge.IsConnected);
        await _vpcd.ExchangeAsync(SelectAp);
        await _vpcd.ExchangeAsync(SelectPin);
        Assert.Equal([0x63, 0xC3], await _vpcd.ExchangeAsync(EmptyVerify));
        Assert.Equal(3, EmulatedCard.Load(_cardPath).AuthPinTriesLeft);
        Assert.Contains("after 6 of 9 bytes", Log);
    }

    [Fact]
    public async Task A_peer_that_stalls_inside_a_frame_is_disconnected_after_the_frame_timeout()
    {
        await StartAsync(new VpcdBridgeOptions { FrameTimeout = TimeSpan.FromMilliseconds(300), Reconnect = false });

        await _vpcd.SendRawAsync(0x00, 0x0F, 0x00, 0xA4);

        Assert.True(await _vpcd.WaitForCloseAsync(Wait));
        await _run.WaitAsync(Wait);
        Assert.False(_bridge.IsConnected);
        Assert.Contains("then nothing for 0.3 s", Log);
    }

    [Fact]
    public async Task A_peer_that_vanishes_right_after_a_command_does_not_crash_the_bridge()
    {
        await StartAsync(new VpcdBridgeOptions { Reconnect = false });

        await _vpcd.SendFrameAsync(SelectAp);
        _vpcd.CloseClient();

        await _run.WaitAsync(Wait);
        Assert.True(_run.IsCompletedSuccessfully);
        Assert.False(_bridge.IsConnected);
        Assert.Equal(3, EmulatedCard.Load(_cardPath).AuthPinTriesLeft);
    }

    [Fact]
    public async Task Cancelling_the_bridge_removes_the_card()
    {
        await StartAsync();

        await _stop.CancelAsync();

        Assert.True(await _vpcd.WaitForCloseAsync(Wait));
        await _run.WaitAsync(Wait);
        Assert.True(_run.IsCompletedSuccessfully);
        Assert.Contains("the card is removed", Log);
    }

    [Fact]
    public async Task An_unreachable_vpcd_fails_with_a_transient_error_after_the_allowed_attempts()
    {
        var closedPort = FreePort();
        var bridge = new VpcdBridge(_card, new VpcdBridgeOptions
        {
            Port = closedPort,
            MaxConnectAttempts = 2,
            ReconnectDelay = TimeSpan.FromMilliseconds(20),
            Log = _log.Enqueue,
        });

        var error = await Assert.ThrowsAsync<SmartCardException>(() => bridge.RunAsync(_stop.Token).WaitAsync(Wait));

        Assert.True(error.IsTransient);
        Assert.Contains("after 2 attempt(s)", error.Message);
        Assert.Contains("scripts/pcsc.sh", error.Message);
        Assert.Equal(2, _log.Count(line => line.Contains("cannot connect to vpcd")));
    }

    private static byte[] LengthPrefixed(byte[] data) => [(byte)data.Length, .. data];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within the timeout");
            await Task.Delay(20);
        }
    }
}

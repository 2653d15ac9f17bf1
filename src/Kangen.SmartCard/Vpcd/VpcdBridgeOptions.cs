namespace Kangen.SmartCard;

/// <summary>How a <see cref="VpcdBridge"/> finds vpcd and what it does when the connection is lost.</summary>
public sealed record VpcdBridgeOptions
{
    /// <summary>The vpcd slot 0 port (slot 1 is 35964).</summary>
    public const int DefaultPort = 35963;

    /// <summary>Where pcscd's vpcd driver listens; it listens on all interfaces, but the card should stay local.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>vpcd's port: <see cref="DefaultPort"/> for reader <c>Virtual PCD 00 00</c>, 35964 for <c>00 01</c>.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>
    /// Whether to connect again after vpcd closes the connection (pcscd stopped or restarted) or
    /// cannot be reached. When false, <see cref="VpcdBridge.RunAsync"/> ends at the first disconnect.
    /// </summary>
    public bool Reconnect { get; init; } = true;

    /// <summary>Pause between connection attempts.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Consecutive failed connection attempts after which <see cref="VpcdBridge.RunAsync"/> gives up
    /// with a <see cref="SmartCardException"/>; null tries until cancelled. A successful connection resets the count.
    /// </summary>
    public int? MaxConnectAttempts { get; init; }

    /// <summary>How long one connection attempt may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the rest of a frame may take once its length has arrived. A peer that sends a length
    /// and then stalls is treated as broken and disconnected, instead of holding the card forever.
    /// </summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Longest command APDU accepted (the 2-byte length allows 65535). Longer frames are read and
    /// discarded and answered with <c>6700</c> (wrong length), so the stream stays in step.
    /// </summary>
    public int MaxCommandLength { get; init; } = ushort.MaxValue;

    /// <summary>The clock for the reconnect pause (tests may pass a fake).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Receives one line per event worth telling an operator (connected, lost, protocol errors). Never sees APDU contents.</summary>
    public Action<string>? Log { get; init; }
}

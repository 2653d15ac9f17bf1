using System.Runtime.InteropServices;
using System.Text;
using Kangen.SmartCard.Internal;

namespace Kangen.SmartCard;

/// <summary>
/// A connection to the PC/SC service (pcscd on Linux, through <c>libpcsclite.so.1</c>): lists readers,
/// watches them for cards and opens <see cref="PcscTransport"/>s. Failures of the service surface as
/// <see cref="SmartCardException"/> naming the PC/SC error (for example <c>SCARD_E_NO_SERVICE</c> when
/// pcscd is not running). One context may be used from one thread at a time, except
/// <see cref="Cancel"/>, which any thread may call to end a <see cref="WaitForCard"/>.
/// </summary>
public sealed class PcscContext : IDisposable
{
    private nint _handle;

    private PcscContext(nint handle) => _handle = handle;

    /// <summary>Establishes a system-scope context with pcscd.</summary>
    /// <exception cref="SmartCardException">pcscd is not running or refused the connection.</exception>
    /// <exception cref="DllNotFoundException">libpcsclite.so.1 is not installed (Debian: libpcsclite1).</exception>
    public static PcscContext Establish()
    {
        var result = (long)PcscNative.EstablishContext(PcscNative.ScopeSystem, 0, 0, out var handle);
        PcscFailure.ThrowIfError("SCardEstablishContext", result);
        return new PcscContext(handle);
    }

    internal nint Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle == 0, this);
            return _handle;
        }
    }

    /// <summary>The names of the readers pcscd knows, in its order; empty when no reader is connected.</summary>
    public IReadOnlyList<string> ListReaders()
    {
        // Two calls (size, then data) rather than SCARD_AUTOALLOCATE, so no SCardFreeMemory is needed;
        // a reader plugged in between them shows as SCARD_E_INSUFFICIENT_BUFFER, so try again.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            nuint length = 0;
            long result;
            unsafe { result = (long)PcscNative.ListReaders(Handle, null, null, ref length); }
            if (result == PcscErrors.NoReadersAvailable)
                return [];
            PcscFailure.ThrowIfError("SCardListReaders", result);
            var buffer = new byte[(int)length];
            unsafe
            {
                fixed (byte* p = buffer)
                    result = (long)PcscNative.ListReaders(Handle, null, p, ref length);
            }
            if (result == PcscErrors.InsufficientBuffer)
                continue;
            if (result == PcscErrors.NoReadersAvailable)
                return [];
            PcscFailure.ThrowIfError("SCardListReaders", result);
            return ParseMultiString(buffer.AsSpan(0, (int)length));
        }
        throw PcscFailure.Create("SCardListReaders (the reader list kept changing)", PcscErrors.InsufficientBuffer);
    }

    /// <summary>
    /// The current state of each named reader (all readers when <paramref name="readers"/> is null):
    /// whether a card is present, and its ATR.
    /// </summary>
    public IReadOnlyList<PcscReaderStatus> GetStatus(IEnumerable<string>? readers = null)
    {
        var names = (readers ?? ListReaders()).ToArray();
        if (names.Length == 0)
            return [];
        var states = QueryStates(names, timeout: TimeSpan.Zero, currentStates: null, out _);
        return [.. states];
    }

    /// <summary>
    /// Waits until a usable card is in <paramref name="reader"/> (returns true at once if one is), or
    /// until <paramref name="timeout"/> passes or <paramref name="cancellationToken"/> is cancelled (false).
    /// </summary>
    /// <exception cref="SmartCardException">The reader does not exist, or pcscd failed.</exception>
    public bool WaitForCard(string reader, TimeSpan timeout, CancellationToken cancellationToken = default)
        => WaitFor(reader, present: true, timeout, cancellationToken);

    /// <summary>Waits until <paramref name="reader"/> has no card; false on timeout or cancellation.</summary>
    public bool WaitForCardRemoval(string reader, TimeSpan timeout, CancellationToken cancellationToken = default)
        => WaitFor(reader, present: false, timeout, cancellationToken);

    /// <summary>Ends a wait in progress on this context (SCardCancel); safe from any thread.</summary>
    public void Cancel()
    {
        var handle = _handle;
        if (handle != 0)
            _ = PcscNative.Cancel(handle);
    }

    /// <summary>Connects to the card in <paramref name="reader"/>; see <see cref="PcscTransport.Connect(PcscContext, string, PcscProtocols)"/>.</summary>
    public PcscTransport Connect(string reader, PcscProtocols protocols = PcscProtocols.Any)
        => PcscTransport.Connect(this, reader, protocols);

    /// <summary>Releases the context; open transports made from it must be disposed first.</summary>
    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, 0);
        if (handle != 0)
            _ = PcscNative.ReleaseContext(handle);
    }

    private bool WaitFor(string reader, bool present, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(reader);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        using var registration = cancellationToken.Register(Cancel);
        nuint[]? current = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            // The first query (UNAWARE) answers at once with the reader's state; later ones block
            // in pcscd until that state changes or the remaining time runs out.
            var remaining = current is null ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
            var status = QueryStates([reader], remaining, current, out var result)[0];
            // On timeout or cancellation pcscd reports no new state, so the flags prove nothing.
            if (result is PcscErrors.Cancelled or PcscErrors.Timeout)
                return false;
            if (status.IsCardPresent == present && !(present && status.IsMute))
                return true;
            if (Environment.TickCount64 >= deadline)
                return false;
            current = [status.RawEventState & ~PcscNative.StateChanged];
        }
        return false;
    }

    private unsafe PcscReaderStatus[] QueryStates(string[] names, TimeSpan timeout, nuint[]? currentStates, out long result)
    {
        var states = new PcscNative.ReaderState[names.Length];
        var strings = new nint[names.Length];
        try
        {
            for (var i = 0; i < names.Length; i++)
            {
                strings[i] = Marshal.StringToCoTaskMemUTF8(names[i]);
                states[i].Reader = strings[i];
                states[i].CurrentState = currentStates?[i] ?? PcscNative.StateUnaware;
            }
            var milliseconds = (nuint)Math.Min(timeout.TotalMilliseconds, uint.MaxValue - 1);
            var statuses = new PcscReaderStatus[names.Length];
            fixed (PcscNative.ReaderState* p = states)
            {
                result = (long)PcscNative.GetStatusChange(Handle, milliseconds, p, (nuint)states.Length);
                if (result != PcscErrors.Success && result != PcscErrors.Timeout && result != PcscErrors.Cancelled)
                    PcscFailure.ThrowIfError("SCardGetStatusChange", result);
                for (var i = 0; i < names.Length; i++)
                {
                    var state = p[i].EventState;
                    var atrLength = Math.Clamp((int)p[i].AtrLength, 0, PcscNative.MaxAtrSize);
                    var atr = (state & PcscNative.StatePresent) != 0 ? new ReadOnlySpan<byte>(p[i].Atr, atrLength).ToArray() : [];
                    statuses[i] = new PcscReaderStatus(names[i], state, atr);
                }
            }
            return statuses;
        }
        finally
        {
            foreach (var s in strings)
                if (s != 0)
                    Marshal.FreeCoTaskMem(s);
        }
    }

    private static string[] ParseMultiString(ReadOnlySpan<byte> multiString)
    {
        var names = new List<string>();
        while (multiString.Length > 0)
        {
            var end = multiString.IndexOf((byte)0);
            if (end <= 0)
                break;
            names.Add(Encoding.UTF8.GetString(multiString[..end]));
            multiString = multiString[(end + 1)..];
        }
        return [.. names];
    }
}

/// <summary>The protocols a <see cref="PcscTransport"/> may negotiate with the card.</summary>
[Flags]
public enum PcscProtocols
{
    /// <summary>T=0 (character protocol).</summary>
    T0 = 1,
    /// <summary>T=1 (block protocol); the My Number Card and vpcd use it.</summary>
    T1 = 2,
    /// <summary>Whichever the card offers.</summary>
    Any = T0 | T1,
}

/// <summary>One reader as pcscd sees it at the moment of the query.</summary>
/// <param name="Reader">The reader's name, for example <c>Virtual PCD 00 00</c>.</param>
/// <param name="RawEventState">pcscd's SCARD_STATE_* flags.</param>
/// <param name="Atr">The card's answer to reset; empty when no card is present.</param>
public sealed record PcscReaderStatus(string Reader, nuint RawEventState, byte[] Atr)
{
    /// <summary>A card is in the reader (it may still be mute: see <see cref="IsMute"/>).</summary>
    public bool IsCardPresent => (RawEventState & PcscNative.StatePresent) != 0;

    /// <summary>The card in the reader gave no usable answer to reset.</summary>
    public bool IsMute => (RawEventState & PcscNative.StateMute) != 0;

    /// <summary>Another program holds the card (shared or exclusive).</summary>
    public bool IsInUse => (RawEventState & PcscNative.StateInUse) != 0;

    /// <summary>pcscd cannot use the reader (unplugged, driver failure).</summary>
    public bool IsUnavailable => (RawEventState & (PcscNative.StateUnavailable | PcscNative.StateUnknown)) != 0;

    /// <summary>The ATR as upper-case hex pairs separated by spaces, or an empty string.</summary>
    public string AtrHex => Convert.ToHexString(Atr) is var hex && hex.Length > 0
        ? string.Join(' ', Enumerable.Range(0, hex.Length / 2).Select(i => hex.Substring(i * 2, 2)))
        : "";
}

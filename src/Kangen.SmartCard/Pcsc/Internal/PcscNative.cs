using System.Runtime.InteropServices;

namespace Kangen.SmartCard.Internal;

/// <summary>
/// P/Invoke declarations for pcsc-lite's <c>libpcsclite.so.1</c> on Linux x86-64, where DWORD and
/// LONG are 64-bit (<see cref="nuint"/> / <see cref="nint"/>) and SCARDCONTEXT / SCARDHANDLE are LONG.
/// Windows' winscard.dll uses 32-bit DWORDs and A/W suffixes; it is not supported here.
/// </summary>
internal static unsafe partial class PcscNative
{
    private const string Library = "libpcsclite.so.1";

    public const nuint ScopeSystem = 2;
    public const nuint ShareShared = 2;
    public const nuint ProtocolT0 = 1;
    public const nuint ProtocolT1 = 2;
    public const nuint LeaveCard = 0;
    public const nuint ResetCard = 1;
    public const nuint Infinite = 0xFFFFFFFF;
    public const int MaxAtrSize = 33;

    // dwCurrentState / dwEventState of SCARD_READERSTATE.
    public const nuint StateUnaware = 0x0000;
    public const nuint StateChanged = 0x0002;
    public const nuint StateUnknown = 0x0004;
    public const nuint StateUnavailable = 0x0008;
    public const nuint StateEmpty = 0x0010;
    public const nuint StatePresent = 0x0020;
    public const nuint StateInUse = 0x0100;
    public const nuint StateMute = 0x0200;

    /// <summary>SCARD_IO_REQUEST: two unsigned longs on Linux x86-64 (16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoRequest
    {
        public nuint Protocol;
        public nuint PciLength;
    }

    /// <summary>SCARD_READERSTATE as pcsc-lite lays it out on x86-64 (80 bytes with padding).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ReaderState
    {
        public nint Reader;
        public nint UserData;
        public nuint CurrentState;
        public nuint EventState;
        public nuint AtrLength;
        public fixed byte Atr[MaxAtrSize];
    }

    [LibraryImport(Library, EntryPoint = "SCardEstablishContext")]
    public static partial nint EstablishContext(nuint scope, nint reserved1, nint reserved2, out nint context);

    [LibraryImport(Library, EntryPoint = "SCardReleaseContext")]
    public static partial nint ReleaseContext(nint context);

    [LibraryImport(Library, EntryPoint = "SCardCancel")]
    public static partial nint Cancel(nint context);

    [LibraryImport(Library, EntryPoint = "SCardListReaders")]
    public static partial nint ListReaders(nint context, byte* groups, byte* readers, ref nuint readersLength);

    [LibraryImport(Library, EntryPoint = "SCardConnect", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint Connect(nint context, string reader, nuint shareMode, nuint preferredProtocols, out nint card, out nuint activeProtocol);

    [LibraryImport(Library, EntryPoint = "SCardDisconnect")]
    public static partial nint Disconnect(nint card, nuint disposition);

    [LibraryImport(Library, EntryPoint = "SCardBeginTransaction")]
    public static partial nint BeginTransaction(nint card);

    [LibraryImport(Library, EntryPoint = "SCardEndTransaction")]
    public static partial nint EndTransaction(nint card, nuint disposition);

    [LibraryImport(Library, EntryPoint = "SCardTransmit")]
    public static partial nint Transmit(nint card, IoRequest* sendPci, byte* send, nuint sendLength, IoRequest* receivePci, byte* receive, ref nuint receiveLength);

    [LibraryImport(Library, EntryPoint = "SCardStatus")]
    public static partial nint Status(nint card, byte* readerName, ref nuint readerNameLength, out nuint state, out nuint protocol, byte* atr, ref nuint atrLength);

    [LibraryImport(Library, EntryPoint = "SCardGetStatusChange")]
    public static partial nint GetStatusChange(nint context, nuint timeoutMilliseconds, ReaderState* states, nuint count);
}

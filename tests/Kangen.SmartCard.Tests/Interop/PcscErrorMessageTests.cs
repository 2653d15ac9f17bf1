using Kangen.SmartCard.Internal;

namespace Kangen.SmartCard.Tests.Interop;

/// <summary>PC/SC result codes become messages a user can act on, and transient ones are marked so.</summary>
public sealed class PcscErrorMessageTests
{
    [Theory]
    [InlineData(0x8010002EL, "SCARD_E_NO_READERS_AVAILABLE (0x8010002E)", "no card reader", true)]
    [InlineData(0x8010000CL, "SCARD_E_NO_SMARTCARD (0x8010000C)", "no card in the reader", true)]
    [InlineData(0x8010001DL, "SCARD_E_NO_SERVICE (0x8010001D)", "scripts/pcsc.sh start", true)]
    [InlineData(0x80100069L, "SCARD_W_REMOVED_CARD (0x80100069)", "removed", true)]
    [InlineData(0x80100009L, "SCARD_E_UNKNOWN_READER (0x80100009)", "no reader with that name", false)]
    [InlineData(0x8010000FL, "SCARD_E_PROTO_MISMATCH (0x8010000F)", "T=0/T=1", false)]
    public void PC_SC_errors_name_the_constant_the_code_and_the_fix(long code, string name, string hint, bool transient)
    {
        var error = PcscFailure.Create("SCardConnect", code);

        Assert.StartsWith($"SCardConnect failed: {name}", error.Message);
        Assert.Contains(hint, error.Message);
        Assert.Equal(transient, error.IsTransient);
        Assert.Equal((ushort)0, error.StatusWord);
    }

    [Fact]
    public void An_unknown_code_is_still_shown_in_hex()
    {
        var error = PcscFailure.Create("SCardTransmit", 0x801000FF);

        Assert.Contains("0x801000FF", error.Message);
        Assert.False(error.IsTransient);
    }
}

namespace Kangen.SmartCard.Tests;

public class ApduTests
{
    [Fact]
    public void A_case_four_apdu_round_trips_through_encode_and_parse()
    {
        var apdu = new CommandApdu(0x80, 0x2A, 0x00, 0x80, [1, 2, 3], 256);

        var encoded = apdu.Encode();
        var parsed = CommandApdu.Parse(encoded);

        Assert.Equal("802A00800301020300", Convert.ToHexString(encoded));
        Assert.Equal((0x80, 0x2A, 0x00, 0x80), (parsed.Cla, parsed.Ins, parsed.P1, parsed.P2));
        Assert.Equal([1, 2, 3], parsed.Data.ToArray());
        Assert.Equal(256, parsed.Le);
    }

    [Theory]
    [InlineData("00A4040C", 0, null)]
    [InlineData("00B0000004", 0, 4)]
    [InlineData("00B0000000", 0, 256)]
    [InlineData("00A4020C020006", 2, null)]
    [InlineData("00200080043132333400", 4, 256)]
    public void Each_short_apdu_case_is_parsed(string hex, int dataLength, int? le)
    {
        var apdu = CommandApdu.Parse(Convert.FromHexString(hex));

        Assert.Equal(dataLength, apdu.Data.Length);
        Assert.Equal(le, apdu.Le);
        Assert.Equal(hex, Convert.ToHexString(apdu.Encode()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")]
    [InlineData("00A404")]
    [InlineData("00A4040C05D392")]
    [InlineData("00A4040C02D392F000")]
    [InlineData("00B00000000100")]
    public void Malformed_apdus_are_refused_with_a_format_error(string hex)
    {
        var bytes = Convert.FromHexString(hex);

        Assert.Throws<FormatException>(() => CommandApdu.Parse(bytes));
        Assert.False(CommandApdu.TryParse(bytes, out _));
    }

    [Fact]
    public void Building_an_apdu_with_too_much_data_or_a_bad_le_is_misuse()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CommandApdu(0, 0xB0, 0, 0, new byte[256]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CommandApdu(0, 0xB0, 0, 0, le: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CommandApdu(0, 0xB0, 0, 0, le: 257));
    }

    [Fact]
    public void A_response_splits_into_data_and_status_word()
    {
        var response = ResponseApdu.Parse([0xAA, 0xBB, 0x63, 0xC2]);

        Assert.Equal([0xAA, 0xBB], response.Data.ToArray());
        Assert.Equal(0x63C2, response.StatusWord);
        Assert.Equal(0x63, response.SW1);
        Assert.Equal(0xC2, response.SW2);
        Assert.False(response.IsSuccess);
        Assert.Equal(2, StatusWords.TriesLeft(response.StatusWord));
        Assert.Throws<FormatException>(() => ResponseApdu.Parse([0x90]));
    }

    [Fact]
    public void The_exception_reports_tries_left_and_blocked_state_from_the_status_word()
    {
        Assert.Equal(2, new SmartCardException("wrong", 0x63C2).TriesLeft);
        Assert.False(new SmartCardException("wrong", 0x63C2).IsBlocked);
        Assert.True(new SmartCardException("blocked", 0x63C0).IsBlocked);
        Assert.True(new SmartCardException("blocked", 0x6983).IsBlocked);
        Assert.Null(new SmartCardException("denied", 0x6982).TriesLeft);
        Assert.True(new SmartCardException("reader gone", isTransient: true).IsTransient);
    }
}

using Kangen.Platform.Features.Reservation;

namespace Kangen.Platform.Tests.Features.Reservation;

public class MyKeyIdTests
{
    [Fact]
    public void Generated_ids_are_eight_unambiguous_characters_and_differ()
    {
        var ids = Enumerable.Range(0, 2000).Select(_ => MyKeyId.Generate().Value).ToArray();
        Assert.All(ids, id => Assert.Equal(8, id.Length));
        Assert.All(ids, id => Assert.All(id, c => Assert.Contains(c, MyKeyId.GeneratedAlphabet)));
        Assert.DoesNotContain(ids.SelectMany(id => id), c => c is '0' or 'O' or '1' or 'I' or 'L');
        Assert.Equal(ids.Length, ids.Distinct().Count());
        // Every character of the alphabet turns up: the draw is not stuck on a subset.
        Assert.Equal(MyKeyId.GeneratedAlphabet.Length, ids.SelectMany(id => id).Distinct().Count());
    }

    [Theory]
    [InlineData("ABCD1234", "ABCD1234")]
    [InlineData("abcd1234", "ABCD1234")]
    [InlineData("O0I1L000", "O0I1L000")]
    public void A_chosen_id_may_use_all_of_a_to_z_and_0_to_9(string text, string expected)
    {
        Assert.True(MyKeyId.TryParse(text, out var id));
        Assert.Equal(expected, id.Value);
        Assert.Equal(id, MyKeyId.Parse(text));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ABC1234")]
    [InlineData("ABCD12345")]
    [InlineData("ABCD-123")]
    [InlineData("ABCD 123")]
    [InlineData("ＡＢＣＤ１２３４")]
    [InlineData("ÄBCD1234")]
    public void Anything_else_is_not_a_my_key_id(string? text)
    {
        Assert.False(MyKeyId.TryParse(text, out _));
        if (text is not null)
            Assert.Throws<FormatException>(() => MyKeyId.Parse(text));
    }
}

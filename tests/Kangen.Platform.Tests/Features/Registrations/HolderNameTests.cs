using Kangen.Platform.Features.Registrations;

namespace Kangen.Platform.Tests.Features.Registrations;

public class HolderNameTests
{
    [Theory]
    [InlineData("ヤマダ タロウ", "ヤマダ　タロウ")]
    [InlineData("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ　タロウ")] // half-width, voiced mark composed
    [InlineData("やまだ　たろう", "ヤマダ　タロウ")] // hiragana, ideographic space
    [InlineData("  ヤマダ \t  タロウ  ", "ヤマダ　タロウ")] // trimmed, one space between words
    [InlineData("キョウコ", "キヨウコ")] // small kana full size, as the Zengin list writes them
    [InlineData("ﾁｯｸ", "チツク")]
    [InlineData("ヶ", "ケ")]
    [InlineData("カ゛ンタ゜", "ガンタ\u309A")] // a stand-alone mark joins a kana that takes it; ゜ after タ does not (rejected later)
    [InlineData("サトー", "サト－")] // long vowel
    [InlineData("ｻﾄｰ", "サト－")]
    [InlineData("サト—", "サト－")] // em dash look-alike
    [InlineData("ゐゑヰヱ", "イエイエ")]
    [InlineData("ジョン・スミス", "ジヨン．スミス")] // middle dot as banks write it
    [InlineData("ｼﾞｮﾝ･ｽﾐｽ", "ジヨン．スミス")]
    [InlineData("ゔぁ", "ヴア")]
    public void What_people_type_becomes_the_banks_form(string typed, string expected) =>
        Assert.Equal(expected, HolderName.Normalize(typed));

    [Theory]
    [InlineData("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ　タロウ")]
    [InlineData("（カ）ヤマダシヨウテン", "（カ）ヤマダシヨウテン")]
    [InlineData("(ｶ)ﾔﾏﾀﾞ", "（カ）ヤマダ")]
    public void Valid_names_come_back_normalised(string typed, string expected)
    {
        Assert.Equal(expected, HolderName.TryNormalize(typed, out var whyNot));
        Assert.Null(whyNot);
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("   ", "missing")]
    [InlineData("山田 太郎", "not katakana")]
    [InlineData("YAMADA TARO", "Latin letters")]
    [InlineData("ヤマダ1", "Latin letters and digits")]
    [InlineData("ヤマダ!", "not a katakana")]
    [InlineData("－．", "no katakana")]
    [InlineData("カ゛ンタ゜", "U+309A")]
    public void Names_banks_cannot_hold_are_refused_with_a_reason(string? typed, string reason)
    {
        Assert.Null(HolderName.TryNormalize(typed, out var whyNot));
        Assert.Contains(reason, whyNot, StringComparison.Ordinal);
    }

    [Fact]
    public void The_limit_is_30_characters_after_normalisation()
    {
        var thirty = new string('ア', 14) + " " + new string('イ', 15);
        Assert.Equal(30, HolderName.TryNormalize(thirty, out _)!.Length);
        Assert.Null(HolderName.TryNormalize(thirty + "ウ", out var whyNot));
        Assert.Contains("31 characters", whyNot, StringComparison.Ordinal);
        // Spaces collapse before counting.
        Assert.NotNull(HolderName.TryNormalize(new string('ア', 14) + "     " + new string('イ', 15), out _));
    }
}

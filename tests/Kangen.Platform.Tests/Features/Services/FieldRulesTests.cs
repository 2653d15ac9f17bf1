using Kangen.Platform.Features.Services;
using Kangen.Protocol;

namespace Kangen.Platform.Tests.Features.Services;

public class FieldRulesTests
{
    [Theory]
    [InlineData(CheckDigitKind.Luhn, "4111111111111111", true)]
    [InlineData(CheckDigitKind.Luhn, "79927398713", true)]
    [InlineData(CheckDigitKind.Luhn, "4111111111111112", false)]
    [InlineData(CheckDigitKind.Luhn, "79927398710", false)]
    [InlineData(CheckDigitKind.Mod10Weights31, "4006381333931", true)]
    [InlineData(CheckDigitKind.Mod10Weights31, "4901234567894", true)]
    [InlineData(CheckDigitKind.Mod10Weights31, "4901234567895", false)]
    [InlineData(CheckDigitKind.Mod11, "123456789018", true)]
    [InlineData(CheckDigitKind.Mod11, "123456789011", false)]
    [InlineData(CheckDigitKind.None, "123", true)]
    public void Check_digits_accept_known_good_values_and_refuse_altered_ones(CheckDigitKind kind, string value, bool valid)
    {
        Assert.Equal(valid, CheckDigits.IsValid(kind, value));
    }

    [Fact]
    public void Every_scheme_catches_every_single_digit_typo_of_its_check_digit()
    {
        foreach (var kind in new[] { CheckDigitKind.Luhn, CheckDigitKind.Mod10Weights31, CheckDigitKind.Mod11 })
        {
            const string payload = "352806000123456";
            var good = payload + CheckDigits.Compute(kind, payload);
            Assert.True(CheckDigits.IsValid(kind, good));
            for (var d = '0'; d <= '9'; d++)
            {
                if (d != good[^1])
                    Assert.False(CheckDigits.IsValid(kind, payload + d), $"{kind} accepted {payload + d}");
            }
        }
    }

    [Fact]
    public void Luhn_and_mod11_catch_adjacent_transpositions_that_change_the_sum()
    {
        var good = "411111111111111" + CheckDigits.Compute(CheckDigitKind.Luhn, "411111111111111");
        Assert.False(CheckDigits.IsValid(CheckDigitKind.Luhn, "141111111111111" + good[^1]));
        var mod11 = "12345678901" + CheckDigits.Compute(CheckDigitKind.Mod11, "12345678901");
        Assert.False(CheckDigits.IsValid(CheckDigitKind.Mod11, "21345678901" + mod11[^1]));
    }

    [Fact]
    public void Check_digit_codes_round_trip()
    {
        foreach (var kind in Enum.GetValues<CheckDigitKind>())
        {
            Assert.True(CheckDigits.TryParse(kind.ToCode(), out var parsed));
            Assert.Equal(kind, parsed);
        }
        Assert.False(CheckDigits.TryParse("Luhn", out _));
    }

    [Theory]
    [InlineData("digits", "１２３４　５６７８－９０１２ー3456", "1234567890123456")]
    [InlineData("digits", " 1234-5678 9012\t3456 ", "1234567890123456")]
    [InlineData("digits", "1234‐5678−9012–3456", "1234567890123456")]
    [InlineData("upper-alnum", "ｊｗ１２ 3456-7890 1234 5", "JW123456789012345")]
    [InlineData("upper-alnum", "jw123456789012345", "JW123456789012345")]
    [InlineData("lower-ascii", "  ＹａｍａＤＡ2022 ", "yamada2022")]
    [InlineData("trim", " PassWord１ ", "PassWord1")]
    public void Normalisation_turns_what_people_type_into_the_value(string scheme, string raw, string expected)
    {
        Assert.Equal(expected, FieldNormalisation.Apply(scheme, raw));
    }

    [Theory]
    [InlineData("last4", "1234567890123456", "************3456")]
    [InlineData("first2-last4", "JW123456789012345", "JW***********2345")]
    [InlineData("first2", "yamada2022", "ya********")]
    [InlineData("hidden", "1234", "********")]
    [InlineData("last4", "12345", "*****")]
    public void Masks_show_only_what_they_promise(string mask, string value, string expected)
    {
        Assert.Equal(expected, FieldMasks.Apply(mask, value));
    }

    [Fact]
    public void The_service_masks_its_account_id_with_the_field_mask()
    {
        var ecash = ServiceCatalogue.LoadDefault().Find("demo-ecash")!;
        Assert.Equal("************3456", ecash.MaskAccountId("1234567890123456"));
    }

    [Fact]
    public void Kind_codes_round_trip_and_unknown_ones_are_refused()
    {
        Assert.Equal(["prepaid", "qr-app", "credit", "debit", "online"], ServiceKinds.All.Select(k => k.ToCode()));
        foreach (var kind in ServiceKinds.All)
        {
            Assert.True(ServiceKinds.TryParse(kind.ToCode(), out var parsed));
            Assert.Equal(kind, parsed);
        }
        Assert.False(ServiceKinds.TryParse("QrApp", out _));
        Assert.False(ServiceKinds.TryParse(null, out _));
    }
}

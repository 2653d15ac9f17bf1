using Kangen.Platform.Features.ReferenceData;

namespace Kangen.Platform.Tests.Features.ReferenceData;

public class MunicipalityTests
{
    private static MunicipalityDirectory Municipalities => ReferenceDataSet.Municipalities;

    [Fact]
    public void The_list_holds_47_prefectures_1741_municipalities_and_171_wards()
    {
        var byKind = Municipalities.All.GroupBy(m => m.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(47, byKind[MunicipalityKind.Prefecture]);
        Assert.Equal(171, byKind[MunicipalityKind.Ward]);
        Assert.Equal(23, byKind[MunicipalityKind.SpecialWard]);
        Assert.Equal(20, byKind[MunicipalityKind.DesignatedCity]);
        Assert.Equal(1741, Municipalities.All.Count(m => m.Kind is not (MunicipalityKind.Prefecture or MunicipalityKind.Ward)));
    }

    [Theory]
    [InlineData("016951")] // 色丹村
    [InlineData("017001")] // 蘂取村
    public void Northern_territories_villages_are_dropped(string code) => Assert.Null(Municipalities.Find(code));

    [Fact]
    public void Hamamatsu_has_its_2024_wards_and_not_the_old_ones()
    {
        var chuo = Municipalities.Find("221384");
        Assert.NotNull(chuo);
        Assert.Equal("浜松市中央区", chuo.Name);
        Assert.Equal("はままつしちゅうおうく", chuo.Reading);
        Assert.Equal("221309", chuo.ParentCode);
        Assert.Null(Municipalities.Find("221317")); // 旧中区
        Assert.Equal(3, Municipalities.All.Count(m => m.ParentCode == "221309"));
    }

    [Fact]
    public void Every_code_carries_a_valid_check_digit()
    {
        foreach (var m in Municipalities.All)
            Assert.Equal(m.Code, MunicipalityCode.TryNormalize(m.Code));
    }

    [Theory]
    [InlineData("13101", "131016")]
    [InlineData("131016", "131016")]
    [InlineData("131017", null)] // wrong check digit
    [InlineData("1310", null)]
    [InlineData("13a01", null)]
    public void Codes_are_normalised_to_six_digits_and_check_digits_verified(string input, string? expected) =>
        Assert.Equal(expected, MunicipalityCode.TryNormalize(input));

    [Fact]
    public void Yusuhara_is_found_under_its_variant_spelling_and_gets_its_town_hall_point()
    {
        var yusuhara = Municipalities.All.Single(m => m.Name == "梼原町");
        Assert.Equal(PointSource.TownHall, yusuhara.PointSource);
        Assert.InRange(yusuhara.Point.Lat, 33.3, 33.5);
    }

    [Fact]
    public void Wards_take_their_citys_point()
    {
        var sapporo = Municipalities.Find("011002")!;
        var chuo = Municipalities.Find("011011")!;
        Assert.Equal(PointSource.CityOfWard, chuo.PointSource);
        Assert.Equal(sapporo.Point, chuo.Point);
    }

    [Fact]
    public void Municipalities_missing_from_the_point_source_fall_back_to_their_prefecture_and_are_marked()
    {
        var fallback = Municipalities.All.Where(m => m.PointSource == PointSource.PrefectureFallback).ToArray();
        Assert.Contains(fallback, m => m.Name == "石垣市");
        Assert.All(fallback.Where(m => m.PrefectureCode == "40"), m => Assert.Equal(Municipalities.Find("400009")!.Point, m.Point));
        Assert.Equal(1680, Municipalities.All.Count(m => m.PointSource == PointSource.TownHall));
    }
}

public class PostalCodeTests
{
    [Theory]
    [InlineData("1000001")]
    [InlineData("100-0001")]
    [InlineData("〒１００－０００１")]
    public void A_postal_code_in_any_usual_shape_finds_its_municipality(string input)
    {
        var entry = ReferenceDataSet.PostalCodes.Find(input);
        Assert.NotNull(entry);
        Assert.Equal("131016", entry.MunicipalityCode);
        Assert.Equal("千代田", entry.Town);
    }

    [Fact]
    public void A_new_hamamatsu_postal_code_points_to_a_2024_ward()
    {
        var entry = ReferenceDataSet.PostalCodes.Find("4300929"); // 浜松市中央区中央
        Assert.NotNull(entry);
        Assert.Equal("221384", entry.MunicipalityCode);
    }

    [Theory]
    [InlineData("0000000")]
    [InlineData("12345")]
    [InlineData("abcdefg")]
    public void Unknown_or_malformed_postal_codes_are_not_found(string input) => Assert.Null(ReferenceDataSet.PostalCodes.Find(input));

    [Fact]
    public void The_list_holds_about_117_thousand_codes() => Assert.InRange(ReferenceDataSet.PostalCodes.Count, 110_000, 125_000);
}

public class HolidayCalendarTests
{
    private static HolidayCalendar Holidays => ReferenceDataSet.Holidays;

    [Theory]
    [InlineData("2022-07-18", "海の日")]
    [InlineData("2026-09-22", "休日")] // 国民の休日 between 敬老の日 and 秋分の日, which PublicHoliday misses
    [InlineData("2025-02-24", "休日")] // substitute for Sunday 天皇誕生日
    [InlineData("2023-01-01", "元日")]
    public void Official_holidays_are_known(string date, string name)
    {
        var holiday = Holidays.Find(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotNull(holiday);
        Assert.Equal(name, holiday.Name);
        Assert.True(holiday.Official);
    }

    [Fact]
    public void Years_after_the_official_list_are_projected_up_to_2050()
    {
        var newYear = Holidays.Find(new DateOnly(2030, 1, 1));
        Assert.NotNull(newYear);
        Assert.False(newYear.Official);
        Assert.Equal(new DateOnly(2050, 11, 23), Holidays.Last);
    }

    [Theory]
    [InlineData("2022-07-19")]
    [InlineData("2023-12-29")]
    public void Ordinary_days_are_not_holidays(string date) =>
        Assert.False(Holidays.IsHoliday(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture)));
}

public class BankCodeTests
{
    [Fact]
    public void A_known_branch_is_found_with_its_kana()
    {
        Assert.True(ReferenceDataSet.Banks.TryGetBranch("0001", "001", out var branch));
        Assert.Equal("東京営業部", branch.Name);
        Assert.Equal("トウキヨウ", branch.Kana);
        Assert.True(ReferenceDataSet.Banks.TryGetBank("0001", out var bank));
        Assert.Equal("みずほ", bank.Name);
    }

    [Fact]
    public void Yucho_branches_have_numeric_names()
    {
        Assert.True(ReferenceDataSet.Banks.TryGetBranch("9900", "108", out var branch));
        Assert.Equal("一〇八", branch.Name);
    }

    [Theory]
    [InlineData("0001", "999")]
    [InlineData("9999", "001")]
    [InlineData("001", "001")]
    [InlineData("0001", "01")]
    [InlineData(null, "001")]
    public void Unknown_or_malformed_codes_are_not_found(string? bank, string? branch) =>
        Assert.False(ReferenceDataSet.Banks.TryGetBranch(bank, branch, out _));

    [Fact]
    public void The_list_holds_all_banks_and_branches()
    {
        Assert.Equal(1146, ReferenceDataSet.Banks.BankCount);
        Assert.Equal(28944, ReferenceDataSet.Banks.BranchCount);
    }
}

public class KanaNameTests
{
    [Theory]
    [InlineData("ﾄｳｷｮｳ", "トウキヨウ")]         // half-width with small kana
    [InlineData("とうきょう", "トウキヨウ")]      // hiragana
    [InlineData("トウキョウ", "トウキヨウ")]      // small kana
    [InlineData("ﾐﾂﾋﾞｼﾕｰｴﾌｼﾞｪｲ", "ミツビシユ－エフジエイ")] // voiced marks, long vowel, small ェ
    [InlineData("ﾔﾏﾀﾞ  ﾀﾛｳ", "ヤマダ　タロウ")]    // runs of spaces become one full-width space
    [InlineData("abc 1", "ＡＢＣ　１")]
    public void Holder_names_are_normalised_to_the_zengin_style(string input, string expected) =>
        Assert.Equal(expected, KanaName.Normalize(input));

    [Fact]
    public void A_name_typed_in_half_width_matches_the_banks_kana()
    {
        Assert.True(ReferenceDataSet.Banks.TryGetBank("0005", out var bank));
        Assert.True(KanaName.AreSame("ﾐﾂﾋﾞｼﾕｰｴﾌｼﾞｪｲ", bank.Kana));
        Assert.False(KanaName.AreSame("ﾐﾂｲｽﾐﾄﾓ", bank.Kana));
    }
}

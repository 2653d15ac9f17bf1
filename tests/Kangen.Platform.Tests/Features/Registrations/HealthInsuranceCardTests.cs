using Kangen.Platform.Features.Registrations;

namespace Kangen.Platform.Tests.Features.Registrations;

public class HealthInsuranceCardTests
{
    // Published insurer numbers: 協会けんぽ Tokyo, Osaka and Hokkaido branches; National Health Insurance of
    // Chiyoda-ku, Sapporo, Osaka and Yokohama.
    [Theory]
    [InlineData("01130012")]
    [InlineData("01270016")]
    [InlineData("01010016")]
    [InlineData("130013")]
    [InlineData("010017")]
    [InlineData("270017")]
    [InlineData("138156")]
    public void Real_insurer_numbers_pass_the_check_digit(string insurer)
    {
        Assert.Equal(insurer[^1], HealthInsuranceCard.CheckDigit(insurer.AsSpan(0, insurer.Length - 1)));
        var (card, problems) = HealthInsuranceCard.Validate(new HealthInsuranceRequest(insurer, null, "12", null));
        Assert.Empty(problems);
        Assert.Equal(insurer, card!.InsurerNumber);
    }

    [Theory]
    [InlineData("01130013", '2')]
    [InlineData("01130021", '0')] // two neighbouring digits swapped (12 -> 21)
    [InlineData("130018", '3')]
    public void A_mistyped_insurer_number_is_caught_by_its_check_digit(string insurer, char expected)
    {
        var (card, problems) = HealthInsuranceCard.Validate(new HealthInsuranceRequest(insurer, "1", "2", null));
        Assert.Null(card);
        var problem = Assert.Single(problems);
        Assert.Equal("registration.insurer-number-check-digit", problem.Code);
        Assert.Equal("insurerNumber", problem.Field);
        Assert.Contains(expected.ToString(), problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0113001")]
    [InlineData("011300120")]
    [InlineData("0113001A")]
    [InlineData("480012")] // prefecture 48 does not exist
    [InlineData("00130012")] // nor law number 00
    public void Malformed_insurer_numbers_are_refused(string? insurer)
    {
        var (_, problems) = HealthInsuranceCard.Validate(new HealthInsuranceRequest(insurer, "1", "2", null));
        Assert.Equal("registration.insurer-number-invalid", Assert.Single(problems).Code);
    }

    [Fact]
    public void What_people_type_is_normalised()
    {
        var (card, problems) = HealthInsuranceCard.Validate(new HealthInsuranceRequest(" ０１１３ ００１２ ", "　１２３４ ５６７８ ", "ab１２３", "０１"));

        Assert.Empty(problems);
        Assert.Equal("01130012", card!.InsurerNumber);
        Assert.Equal("12345678", card.Symbol);
        Assert.Equal("AB123", card.Number);
        Assert.Equal("01", card.BranchNumber);
    }

    [Fact]
    public void Symbols_may_be_empty_or_hold_kanji_and_the_branch_number_is_optional()
    {
        var (none, p1) = HealthInsuranceCard.Validate(new HealthInsuranceRequest("130013", null, "7", null));
        var (kanji, p2) = HealthInsuranceCard.Validate(new HealthInsuranceRequest("130013", "千代田－イ", "7", ""));

        Assert.Empty(p1);
        Assert.Equal("", none!.Symbol);
        Assert.Null(none.BranchNumber);
        Assert.Empty(p2);
        Assert.Equal("千代田-イ", kanji!.Symbol);
    }

    [Fact]
    public void Every_bad_field_is_reported_at_once()
    {
        var (card, problems) = HealthInsuranceCard.Validate(new HealthInsuranceRequest("12345", new string('1', 21), "12-34", "1"));

        Assert.Null(card);
        Assert.Equal(
            ["registration.insurer-number-invalid", "registration.symbol-invalid", "registration.number-invalid", "registration.branch-number-invalid"],
            problems.Select(p => p.Code));
        Assert.Equal(["insurerNumber", "symbol", "number", "branchNumber"], problems.Select(p => p.Field));
        Assert.All(problems, p => Assert.False(string.IsNullOrEmpty(p.Ja) || string.IsNullOrEmpty(p.Zh) || string.IsNullOrEmpty(p.En)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("123456789012345678901")]
    [InlineData("12.3")]
    public void The_number_is_1_to_20_letters_and_digits(string? number)
    {
        var (_, problems) = HealthInsuranceCard.Validate(new HealthInsuranceRequest("01130012", null, number, null));
        Assert.Equal("registration.number-invalid", Assert.Single(problems).Code);
    }

    [Fact]
    public void The_summary_shows_the_insurer_but_masks_the_insured_number()
    {
        var (card, _) = HealthInsuranceCard.Validate(new HealthInsuranceRequest("01130012", "5555", "987654", "02"));

        Assert.Contains("01130012", card!.Summary, StringComparison.Ordinal);
        Assert.Contains("****54", card.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("987654", card.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("5555", card.Summary, StringComparison.Ordinal);
        Assert.Equal(card.Summary, card.ToString());
    }
}

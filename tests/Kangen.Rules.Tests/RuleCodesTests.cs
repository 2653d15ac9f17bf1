using System.Reflection;
using Kangen.Rules;

namespace Kangen.Rules.Tests;

public class RuleCodesTests
{
    [Fact]
    public void Every_code_has_a_message_in_Japanese_Chinese_and_English()
    {
        Assert.All(RuleCodes.All, code =>
        {
            Assert.False(string.IsNullOrWhiteSpace(code.Message(Language.Ja)), code.Code);
            Assert.False(string.IsNullOrWhiteSpace(code.Message(Language.Zh)), code.Code);
            Assert.False(string.IsNullOrWhiteSpace(code.Message(Language.En)), code.Code);
            Assert.NotEqual(code.Ja, code.En);
            Assert.NotEqual(code.Zh, code.En);
        });
    }

    [Fact]
    public void Codes_are_unique_and_shaped_area_dot_name()
    {
        var codes = RuleCodes.All.Select(c => c.Code).ToArray();
        Assert.Equal(codes.Length, codes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(codes, c => Assert.Matches("^(campaign|eligibility|application|grant)\\.[a-z0-9-]+$", c));
    }

    [Fact]
    public void The_catalogue_lists_every_declared_code()
    {
        var declared = typeof(RuleCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(RuleCode))
            .Select(f => (RuleCode)f.GetValue(null)!)
            .ToHashSet();
        Assert.True(declared.SetEquals(RuleCodes.All));
        Assert.Same(RuleCodes.GrantExceedsCap, RuleCodes.Find("grant.exceeds-cap"));
    }

    [Theory]
    [InlineData("application.already-exists")]
    [InlineData("grant.exceeds-cap")]
    [InlineData("eligibility.window-closed")]
    [InlineData("campaign.invalid")]
    public void Published_codes_stay_as_published(string code) => Assert.NotNull(RuleCodes.Find(code));
}

using Kangen.Platform.Features.ReferenceData;
using Kangen.Platform.Features.Registrations;

namespace Kangen.Platform.Tests.Features.Registrations;

public class PublicFundAccountTests
{
    private static BankCodes Banks => ReferenceDataSet.Banks;

    private static PublicFundAccountRequest Good => new("0005", "001", "ordinary", "1234567", "ヤマダ タロウ");

    [Fact]
    public void A_real_bank_and_branch_are_accepted_and_the_number_is_padded_to_7_digits()
    {
        var (account, problems) = PublicFundAccount.Validate(Good with { AccountNumber = "４５６７", AccountType = "普通" }, Banks);

        Assert.Empty(problems);
        Assert.Equal("0005", account!.Bank.Code);
        Assert.Equal("本店", account.Branch.Name);
        Assert.Equal(AccountTypes.Ordinary, account.AccountType);
        Assert.Equal("0004567", account.AccountNumber);
        Assert.Equal("ヤマダ　タロウ", account.HolderName);
    }

    [Fact]
    public void Japan_Post_Bank_branch_codes_from_the_list_are_accepted()
    {
        var (account, problems) = PublicFundAccount.Validate(Good with { BankCode = "9900", BranchCode = "018" }, Banks);
        Assert.Empty(problems);
        Assert.Equal("〇一八", account!.Branch.Name);
    }

    [Fact]
    public void An_unknown_bank_is_refused_and_its_branch_is_not_looked_up()
    {
        var (_, problems) = PublicFundAccount.Validate(Good with { BankCode = "0002" }, Banks);
        var problem = Assert.Single(problems);
        Assert.Equal("registration.bank-unknown", problem.Code);
        Assert.Equal("bankCode", problem.Field);
    }

    [Fact]
    public void A_branch_the_bank_does_not_have_is_refused()
    {
        var (_, problems) = PublicFundAccount.Validate(Good with { BranchCode = "999" }, Banks);
        var problem = Assert.Single(problems);
        Assert.Equal("registration.branch-unknown", problem.Code);
        Assert.Equal("branchCode", problem.Field);
    }

    [Theory]
    [InlineData("ordinary", "ordinary")]
    [InlineData("CURRENT", "current")]
    [InlineData("当座", "current")]
    [InlineData("貯蓄預金", "savings")]
    public void Account_types_are_read_in_english_or_japanese(string typed, string code) =>
        Assert.Equal(code, AccountTypes.Parse(typed));

    [Fact]
    public void Every_bad_field_is_reported_at_once_without_repeating_the_name_or_number()
    {
        var (account, problems) = PublicFundAccount.Validate(new PublicFundAccountRequest("5", "1", "checking", "12345678", "山田 太郎"), Banks);

        Assert.Null(account);
        Assert.Equal(
            ["registration.bank-code-invalid", "registration.branch-code-invalid", "registration.account-type-invalid", "registration.account-number-invalid", "registration.holder-name-invalid"],
            problems.Select(p => p.Code));
        Assert.Equal(["bankCode", "branchCode", "accountType", "accountNumber", "holderName"], problems.Select(p => p.Field));
        Assert.All(problems, p => Assert.DoesNotContain("12345678", p.ToString(), StringComparison.Ordinal));
        Assert.All(problems, p => Assert.DoesNotContain("山田", p.ToString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345678")]
    [InlineData("12-345")]
    [InlineData("0000000")]
    public void The_account_number_is_1_to_7_digits(string? number)
    {
        var (_, problems) = PublicFundAccount.Validate(Good with { AccountNumber = number }, Banks);
        Assert.Equal("registration.account-number-invalid", Assert.Single(problems).Code);
    }

    [Fact]
    public void The_summary_names_bank_and_branch_and_only_the_last_3_digits()
    {
        var (account, _) = PublicFundAccount.Validate(Good with { AccountNumber = "7654321" }, Banks);

        Assert.Equal("三菱ＵＦＪ 本店 (0005-001) 普通 ****321", account!.Summary);
        Assert.DoesNotContain("ヤマダ", account.ToString(), StringComparison.Ordinal);
    }
}

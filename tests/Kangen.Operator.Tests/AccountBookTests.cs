using Kangen.Operator.Accounts;
using Kangen.Operator.Services;
using Kangen.Operator.Storage;
using Kangen.Protocol;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Operator.Tests;

public sealed class AccountBookTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2022, 10, 15, 1, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly OperatorServices _services = OperatorServices.Load("kangen-demo");
    private readonly OperatorStore _store;

    public AccountBookTests() => _store = new OperatorStore(_folder.Path, "kangen-demo");

    public void Dispose() => _folder.Dispose();

    private async Task<OpenedAccount> OpenAsync(string service = "demo-pay")
    {
        await using var db = _store.Open();
        return (await AccountBook.OpenAsync(db, _services.Find(service)!, 1, new Random(7), Now, default))[0];
    }

    private async Task<AccountVerificationResponse> VerifyAsync(string service, IReadOnlyDictionary<string, string> fields)
    {
        await using var db = _store.Open();
        return await AccountBook.VerifyAsync(db, _services, new AccountVerificationRequest(service, fields), default);
    }

    [Fact]
    public async Task Codes_are_stored_only_as_salted_hashes()
    {
        var account = await OpenAsync();
        await using var db = _store.Open();
        var row = await db.Accounts.SingleAsync();
        var secrets = _services.Find("demo-pay")!.Fields.Where(f => f.Secret).Select(f => account.Fields[f.Name]).ToArray();
        Assert.Equal(3, secrets.Length);
        var bytes = await File.ReadAllBytesAsync(_store.File);
        var text = System.Text.Encoding.UTF8.GetString(bytes) + row.CodesHash + row.CodesSalt;
        Assert.DoesNotContain(string.Concat(secrets), text, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(row.CodesHash).Length);
        Assert.Equal(16, Convert.FromBase64String(row.CodesSalt).Length);
    }

    [Fact]
    public async Task The_right_codes_verify_with_the_reference_and_the_masked_holder()
    {
        var account = await OpenAsync();
        var answer = await VerifyAsync("demo-pay", account.Fields);
        Assert.Equal(AccountVerificationResponse.Verified, answer.Result);
        Assert.Equal(account.Reference, answer.AccountReference);
        Assert.Equal(AccountBook.Mask(account.HolderKana), answer.MaskedHolderName);
        Assert.Contains('＊', answer.MaskedHolderName!);
        Assert.StartsWith("kangen-demo-", answer.AccountReference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_account_id_verifies_as_normalised_whatever_the_grouping()
    {
        var account = await OpenAsync();
        var fields = new Dictionary<string, string>(account.Fields);
        Assert.Contains('-', fields["appUserId"]);
        fields["appUserId"] = fields["appUserId"].Replace("-", "", StringComparison.Ordinal);
        Assert.Equal(AccountVerificationResponse.Verified, (await VerifyAsync("demo-pay", fields)).Result);
    }

    [Fact]
    public async Task One_wrong_code_is_a_codes_mismatch()
    {
        var account = await OpenAsync();
        var fields = new Dictionary<string, string>(account.Fields);
        fields["securityCode2"] = fields["securityCode2"] == "0000" ? "0001" : "0000";
        var answer = await VerifyAsync("demo-pay", fields);
        Assert.Equal(AccountVerificationResponse.Rejected, answer.Result);
        Assert.Equal("codes-mismatch", answer.Reason);
        Assert.Null(answer.AccountReference);
    }

    [Fact]
    public async Task An_unknown_account_or_service_is_not_found()
    {
        var account = await OpenAsync();
        var fields = new Dictionary<string, string>(account.Fields) { ["appUserId"] = "0000000000" };
        Assert.Equal("not-found", (await VerifyAsync("demo-pay", fields)).Reason);
        Assert.Equal("not-found", (await VerifyAsync("demo-ecash", account.Fields)).Reason);
        Assert.Equal("not-found", (await VerifyAsync("sakura-pay-qr", account.Fields)).Reason);
    }

    [Fact]
    public async Task A_closed_account_is_refused_as_closed()
    {
        var account = await OpenAsync();
        await using (var db = _store.Open())
            Assert.True(await AccountBook.CloseAsync(db, account.Reference, default));
        Assert.Equal("closed", (await VerifyAsync("demo-pay", account.Fields)).Reason);
    }

    [Theory]
    [InlineData("ヤマダ タロウ", "ヤマダ タ＊＊")]
    [InlineData("モリ ユミ", "モリ ユ＊")]
    [InlineData("イケダ ア", "イケダ ア")]
    public void Holder_names_are_masked_after_the_given_names_first_character(string holder, string masked) =>
        Assert.Equal(masked, AccountBook.Mask(holder));

    [Fact]
    public void New_values_fit_every_field_of_every_catalogue_service()
    {
        var random = new Random(3);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "catalogue.json")));
        var operators = doc.RootElement.GetProperty("operators").EnumerateArray().Select(o => o.GetProperty("code").GetString()!).ToArray();
        var checkedFields = 0;
        foreach (var code in operators)
        {
            foreach (var service in OperatorServices.Load(code).All)
            {
                foreach (var field in service.Fields)
                {
                    for (var i = 0; i < 5; i++)
                    {
                        var value = FieldValues.Make(field, random);
                        Assert.True(FieldValues.IsValid(field, value), $"{service.Code}.{field.Name} = {value}");
                        checkedFields++;
                    }
                }
            }
        }
        Assert.True(checkedFields > 1000);
    }

    [Theory]
    [InlineData("luhn", "7992739871", '3')]
    [InlineData("mod11", "123456789", '2')]
    [InlineData("mod10-31", "400638133393", '1')]
    public void Check_digits_follow_their_schemes(string scheme, string payload, char expected)
    {
        Assert.True(Kangen.Protocol.CheckDigits.TryParse(scheme, out var kind));
        Assert.Equal(expected, Kangen.Protocol.CheckDigits.Compute(kind, payload));
    }
}

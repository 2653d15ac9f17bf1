using System.Text.RegularExpressions;
using Kangen.Cli.Tests.Features.Serve;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Cli.Tests.Features.Register;

public partial class RegisterCommandTests(ServedPlatform platform) : IClassFixture<ServedPlatform>
{
    [GeneratedRegex(@"My Key ID: ([A-Z0-9]{8})\b")]
    private static partial Regex MyKeyIdLine();

    private static async Task<Guid> PersonAsync(KangenDbContext db, string output)
    {
        var myKeyId = MyKeyIdLine().Match(output).Groups[1].Value;
        return await db.Persons.Where(p => p.MyKeyId == myKeyId).Select(p => p.Id).SingleAsync();
    }

    private KangenDbContext Database() =>
        KangenStorage.CreateContext(StorageProvider.Sqlite, $"Data Source={Path.Combine(platform.Data, "kangen.db")}");

    [Fact]
    public async Task Health_insurance_is_registered_then_replaced_and_shown_masked()
    {
        var card = await platform.IssueCardAsync();

        var (code, output) = await platform.RunAsync("register", "health-insurance", "--card", card, "--pin", "1234", "--server", platform.Url,
            "--insurer-number", "01130012", "--symbol", "１２３４", "--number", "556677", "--branch-number", "01");

        Assert.True(code == 0, output);
        Assert.Contains("registered", output);
        Assert.Contains("保険者番号 01130012", output);
        Assert.Contains("****77", output);
        Assert.DoesNotContain("556677", output);

        var (again, replaced) = await platform.RunAsync("register", "health-insurance", "--card", card, "--pin", "1234", "--server", platform.Url,
            "--insurer-number", "130013", "--number", "8");
        Assert.True(again == 0, replaced);
        Assert.Contains("registration replaced", replaced);

        var (shown, list) = await platform.RunAsync("register", "show", "--card", card, "--pin", "1234", "--server", platform.Url);
        Assert.True(shown == 0, list);
        Assert.Contains("保険者番号 130013", list);
        Assert.Contains("public-fund account: 未登録 / 未登记 / not registered", list);
        Assert.Contains("via cli", list);
    }

    [Fact]
    public async Task A_public_fund_account_typed_in_half_width_kana_is_registered_and_never_printed_back_in_full()
    {
        var card = await platform.IssueCardAsync();

        var (code, output) = await platform.RunAsync("register", "public-fund-account", "--card", card, "--pin", "1234", "--server", platform.Url,
            "--bank", "0005", "--branch", "001", "--account-type", "ordinary", "--account-number", "1234567", "--holder", "ﾔﾏﾀﾞ ﾀﾛｳ");

        Assert.True(code == 0, output);
        Assert.Contains("三菱ＵＦＪ 本店 (0005-001) 普通 ****567", output);
        var (_, list) = await platform.RunAsync("register", "show", "--card", card, "--pin", "1234", "--server", platform.Url);
        Assert.Contains("****567", list);
        Assert.DoesNotContain("1234567", list);
        Assert.DoesNotContain("ヤマダ", list);
        Assert.Contains("health insurance: 未登録", list);
    }

    [Fact]
    public async Task Every_bad_field_is_reported_and_the_command_fails()
    {
        var card = await platform.IssueCardAsync();

        var (code, output) = await platform.RunAsync("register", "public-fund-account", "--card", card, "--pin", "1234", "--server", platform.Url,
            "--bank", "0002", "--branch", "001", "--account-type", "checking", "--account-number", "12345678", "--holder", "Yamada Taro");

        Assert.Equal(1, code);
        Assert.Contains("registration.bank-unknown", output);
        Assert.Contains("bankCode:", output);
        Assert.Contains("accountType:", output);
        Assert.Contains("accountNumber:", output);
        Assert.Contains("holderName:", output);
        await using var db = Database();
        var person = await PersonAsync(db, output);
        Assert.False(await db.Registrations.AnyAsync(r => r.PersonId == person));
    }

    [Fact]
    public async Task A_mistyped_insurer_number_is_refused_with_its_code()
    {
        var card = await platform.IssueCardAsync();

        var (code, output) = await platform.RunAsync("register", "health-insurance", "--card", card, "--pin", "1234", "--server", platform.Url,
            "--insurer-number", "01130013", "--number", "1");

        Assert.Equal(1, code);
        Assert.Contains("registration.insurer-number-check-digit", output);
    }

    [Fact]
    public async Task Every_command_ends_the_session_it_opened()
    {
        var card = await platform.IssueCardAsync();
        var (shown, output) = await platform.RunAsync("register", "show", "--card", card, "--pin", "1234", "--server", platform.Url);
        Assert.Equal(0, shown);
        Assert.Equal(1, (await platform.RunAsync("register", "health-insurance", "--card", card, "--pin", "1234", "--server", platform.Url,
            "--insurer-number", "1", "--number", "1")).ExitCode);
        Assert.Equal(0, (await platform.RunAsync("register", "health-insurance", "--card", card, "--pin", "1234", "--server", platform.Url,
            "--insurer-number", "01130012", "--number", "1")).ExitCode);

        await using var db = Database();
        var person = await PersonAsync(db, output);
        var sessions = await db.Sessions.Where(s => s.PersonId == person).ToListAsync();
        Assert.Equal(3, sessions.Count);
        Assert.All(sessions, s => Assert.NotNull(s.EndedAt));
        Assert.All(sessions, s => Assert.Equal("cli", s.Channel));
    }

    [Fact]
    public async Task Missing_options_are_a_usage_error()
    {
        var card = await platform.IssueCardAsync();
        var (code, output) = await platform.RunAsync("register", "public-fund-account", "--card", card, "--pin", "1234", "--server", platform.Url,
            "--bank", "0005");
        Assert.Equal(2, code);
        Assert.Contains("--account-number", output);
    }
}

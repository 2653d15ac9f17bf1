using System.Text.RegularExpressions;
using Kangen.Cli.Tests.Features.Serve;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Features.Staff;

namespace Kangen.Cli.Tests.Features.CallCentre;

/// <summary>A served platform on demo dates with one call-centre agent configured by the hash of its token.</summary>
public sealed class ServedCallCentre() : ServedPlatform(["--demo-dates", "--demo-operators",
    "--Kangen:Staff:Tokens:0:Id=agent-7", "--Kangen:Staff:Tokens:0:Role=call-centre", "--Kangen:Staff:Tokens:0:Sha256=" + StaffRoles.HashToken(Token),
    "--Kangen:CallCentre:PerMyKeyIdPerHour=3"])
{
    public const string Token = "test-agent-token-7";
}

public partial class CallCentreCommandTests(ServedCallCentre platform) : IClassFixture<ServedCallCentre>
{
    [GeneratedRegex(@"My Key ID: ([A-Z0-9]{8})\b")]
    private static partial Regex MyKeyIdLine();

    private async Task<string> ApplyWithPhoneAsync(string phone)
    {
        var card = await platform.IssueCardAsync();
        var account = DemoAccounts.Create(ServiceCatalogue.LoadDefault().Find("demo-ecash")!, Random.Shared.Next(1, 1_000_000));
        var (code, output) = await platform.RunAsync(["apply", "--card", card, "--pin", "1234", "--server", platform.Url, "--service", "demo-ecash",
            .. account.SelectMany(f => new[] { "--field", $"{f.Key}={f.Value}" }), "--program", "card-acquisition", "--phone-last4", phone, "--yes"]);
        Assert.True(code == 0, output);
        return MyKeyIdLine().Match(output).Groups[1].Value;
    }

    private Task<(int ExitCode, string Output)> Lookup(string myKeyId, string phone, string token = ServedCallCentre.Token) =>
        platform.RunAsync("callcentre", "lookup", "--server", platform.Url, "--staff-token", token, "--my-key-id", myKeyId, "--phone-last4", phone);

    [Fact]
    public async Task The_agent_sees_the_status_when_the_my_key_id_and_phone_digits_match()
    {
        var myKeyId = await ApplyWithPhoneAsync("4321");

        var (code, output) = await Lookup(myKeyId, "4321");

        Assert.True(code == 0, output);
        Assert.Contains(myKeyId, output);
        Assert.Contains("card-acquisition", output);
        Assert.Contains("Demo eCash", output);
    }

    [Fact]
    public async Task Wrong_digits_and_an_unknown_my_key_id_get_the_same_answer()
    {
        var myKeyId = await ApplyWithPhoneAsync("1111");

        var wrong = await Lookup(myKeyId, "2222");
        var unknown = await Lookup("UNKNOWN1", "1111");

        Assert.Equal(1, wrong.ExitCode);
        Assert.Equal(wrong, unknown);
        Assert.Contains("No match", wrong.Output);
    }

    [Fact]
    public async Task Guessing_the_digits_of_one_my_key_id_is_stopped_by_its_limit_whoever_asks()
    {
        var myKeyId = await ApplyWithPhoneAsync("5555");
        for (var i = 0; i < 3; i++)
            Assert.Equal(1, (await Lookup(myKeyId, $"000{i}")).ExitCode);

        var (code, output) = await Lookup(myKeyId, "5555");

        Assert.Equal(1, code);
        Assert.Contains("callcentre.rate-limited", output);
    }

    [Fact]
    public async Task An_unknown_staff_token_is_refused()
    {
        var (code, output) = await Lookup("ABCDEFGH", "1234", token: "not-a-token");
        Assert.Equal(1, code);
        Assert.Contains("staff.credential-invalid", output);
    }

    [Fact]
    public async Task A_blank_token_is_a_usage_error_that_says_how_to_give_one()
    {
        // A blank --staff-token, so the answer does not depend on KANGEN_STAFF_TOKEN in the environment of the run.
        var (code, output) = await platform.RunAsync("callcentre", "lookup", "--server", platform.Url, "--staff-token", " ", "--my-key-id", "ABCDEFGH", "--phone-last4", "1234");
        Assert.Equal(2, code);
        Assert.Contains("KANGEN_STAFF_TOKEN", output);
    }

    [Fact]
    public async Task Admin_staff_token_prints_a_token_whose_hash_is_the_configuration_line()
    {
        var (code, output) = await platform.RunAsync("admin", "staff-token", "--id", "agent-9", "--role", "call-centre", "--index", "3");

        Assert.True(code == 0, output);
        var token = Regex.Match(output, "shown once: ([0-9a-f]{48})").Groups[1].Value;
        Assert.Contains("Kangen__Staff__Tokens__3__Id=agent-9", output);
        Assert.Contains("Kangen__Staff__Tokens__3__Sha256=" + StaffRoles.HashToken(token), output);
    }

    [Fact]
    public async Task Serve_refuses_an_unknown_option_that_is_not_a_setting()
    {
        var (code, output) = await platform.RunAsync("serve", "--data", Path.Combine(platform.Root, "other"), "--urls", "http://127.0.0.1:1", "--bogus");
        Assert.Equal(2, code);
        Assert.Contains("--Kangen:Section:Key=value", output);
    }
}

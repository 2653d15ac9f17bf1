using System.Text.RegularExpressions;
using Kangen.Cli.Tests.Features.Serve;

namespace Kangen.Cli.Tests.Features.Reserve;

public partial class ReserveCommandTests(ServedPlatform platform) : IClassFixture<ServedPlatform>
{
    [GeneratedRegex(@"My Key ID: ([A-Z0-9]{8})\b")]
    private static partial Regex MyKeyIdLine();

    [Fact]
    public async Task A_card_from_the_same_data_folder_reserves_a_my_key_id_and_keeps_it()
    {
        var card = await platform.IssueCardAsync();

        var (code, output) = await platform.RunAsync("reserve", "--card", card, "--pin", "1234", "--server", platform.Url);

        Assert.True(code == 0, output);
        var myKeyId = MyKeyIdLine().Match(output).Groups[1].Value;
        Assert.Equal(8, myKeyId.Length);
        Assert.Contains("reserved now", output);

        var (again, second) = await platform.RunAsync("reserve", "--card", card, "--pin", "1234", "--server", platform.Url);
        Assert.Equal(0, again);
        Assert.Equal(myKeyId, MyKeyIdLine().Match(second).Groups[1].Value);
        Assert.Contains("already reserved", second);
    }

    [Fact]
    public async Task A_renewed_card_keeps_its_my_key_id()
    {
        var card = await platform.IssueCardAsync();
        var (_, first) = await platform.RunAsync("reserve", "--card", card, "--pin", "1234", "--server", platform.Url);
        Assert.Equal(0, (await platform.RunAsync("card", "renew", card, "--data", platform.Data)).ExitCode);
        // Seconds later the platform's view of the issuer is older than Kangen:Trust:MaxAgeSeconds (10), so the
        // next authentication re-reads the renewal links before deciding who the new serial belongs to.
        platform.Time.Advance(TimeSpan.FromSeconds(11));

        var (code, second) = await platform.RunAsync("reserve", "--card", card, "--pin", "1234", "--server", platform.Url);

        Assert.True(code == 0, second);
        Assert.Equal(MyKeyIdLine().Match(first).Groups[1].Value, MyKeyIdLine().Match(second).Groups[1].Value);
        Assert.Contains("renewed certificate linked", second);
    }

    [Fact]
    public async Task A_wrong_pin_says_how_many_tries_are_left()
    {
        var card = await platform.IssueCardAsync();
        var (code, output) = await platform.RunAsync("reserve", "--card", card, "--pin", "9999", "--server", platform.Url);
        Assert.Equal(1, code);
        Assert.Contains("2 tries left", output);
    }

    [Fact]
    public async Task A_locked_pin_sends_the_citizen_to_the_municipal_office()
    {
        var card = await platform.IssueCardAsync();
        for (var i = 0; i < 2; i++)
            Assert.Equal(1, (await platform.RunAsync("reserve", "--card", card, "--pin", "9999", "--server", platform.Url)).ExitCode);

        var (code, output) = await platform.RunAsync("reserve", "--card", card, "--pin", "9999", "--server", platform.Url);

        Assert.Equal(1, code);
        Assert.Contains("municipal office", output);
    }

    [Fact]
    public async Task A_card_from_another_issuer_is_refused_with_the_problem_code()
    {
        var path = Path.Combine(platform.Root, "stranger.card.json");
        var (issued, issueOutput) = await platform.RunAsync("card", "issue", "--data", Path.Combine(platform.Root, "elsewhere"), "--out", path, "--pin", "1234");
        Assert.True(issued == 0, issueOutput);

        var (code, output) = await platform.RunAsync("reserve", "--card", path, "--pin", "1234", "--server", platform.Url);

        Assert.Equal(1, code);
        Assert.Contains("auth.certificate-untrusted", output);
    }

    [Fact]
    public async Task A_revoked_card_is_refused_with_the_problem_code()
    {
        var card = await platform.IssueCardAsync();
        Assert.Equal(0, (await platform.RunAsync("card", "revoke", card, "--data", platform.Data)).ExitCode);
        platform.Time.Advance(TimeSpan.FromSeconds(11));

        var (code, output) = await platform.RunAsync("reserve", "--card", card, "--pin", "1234", "--server", platform.Url);

        Assert.Equal(1, code);
        Assert.Contains("auth.certificate-revoked", output);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_readable_failure()
    {
        var card = await platform.IssueCardAsync();
        var (code, output) = await platform.RunAsync("reserve", "--card", card, "--pin", "1234", "--server", "http://127.0.0.1:1");
        Assert.Equal(1, code);
        Assert.Contains("Cannot reach the platform", output);
    }
}

using System.Text.RegularExpressions;
using Kangen.Cli.Tests.Features.Serve;
using Kangen.Platform.Features.Services;

namespace Kangen.Cli.Tests.Features.Apply;

/// <summary><c>kangen serve --demo-dates</c>: the 2022-2023 campaign open today (the fixture's clock).</summary>
public sealed class ServedDemoPlatform() : ServedPlatform(["--demo-dates", "--demo-operators"]);

/// <summary><c>kangen apply</c> and <c>kangen status</c> against a served platform, as a citizen at a PC with a card reader.</summary>
public partial class ApplyCommandTests(ServedDemoPlatform platform) : IClassFixture<ServedDemoPlatform>
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.LoadDefault();
    private static int _nextAccount = Random.Shared.Next(1000, 100_000) * 100;

    [GeneratedRegex(@"申込番号 / Application\s*│\s*([0-9a-f-]{36})")]
    private static partial Regex ApplicationNumber();

    private static string[] Fields(string service)
    {
        var account = DemoAccounts.Create(Catalogue.Find(service)!, Interlocked.Increment(ref _nextAccount));
        return [.. account.SelectMany(f => new[] { "--field", $"{f.Key}={f.Value}" })];
    }

    private Task<(int ExitCode, string Output)> Apply(string card, params string[] more) =>
        platform.RunAsync(["apply", "--card", card, "--pin", "1234", "--server", platform.Url, .. more]);

    [Fact]
    public async Task A_citizen_applies_for_card_acquisition_and_sees_it_in_the_status()
    {
        var card = await platform.IssueCardAsync();

        var (code, output) = await Apply(card, ["--service", "demo-pay", .. Fields("demo-pay"), "--phone-last4", "1234", "--yes"]);

        Assert.True(code == 0, output);
        Assert.Matches(ApplicationNumber(), output);
        Assert.Contains("card-acquisition", output);
        Assert.DoesNotContain("health-insurance", output.Split("申込番号")[1]); // not registered: part 2 is not applied for
        var (statusCode, status) = await platform.RunAsync("status", "--card", card, "--pin", "1234", "--server", platform.Url, "--lang", "en");
        Assert.True(statusCode == 0, status);
        Assert.Contains("Demo Pay", status);
        Assert.Contains("Applied. Check the points", status);
        Assert.Contains("First register your My Number Card", status);
    }

    [Fact]
    public async Task Without_confirmation_on_a_non_interactive_console_nothing_is_applied()
    {
        var card = await platform.IssueCardAsync();
        var fields = Fields("demo-pay");

        var (code, output) = await Apply(card, ["--service", "demo-pay", .. fields]);

        Assert.Equal(2, code);
        Assert.Contains("--yes", output);
        var (_, status) = await platform.RunAsync("status", "--card", card, "--pin", "1234", "--server", platform.Url, "--lang", "en");
        Assert.Contains("You can apply", status);
    }

    [Fact]
    public async Task A_second_application_is_refused_with_the_rule_code()
    {
        var card = await platform.IssueCardAsync();
        var fields = Fields("demo-pay");
        Assert.Equal(0, (await Apply(card, ["--service", "demo-pay", .. fields, "--program", "card-acquisition", "--yes"])).ExitCode);

        var (code, output) = await Apply(card, ["--service", "demo-pay", .. fields, "--program", "card-acquisition", "--yes"]);

        Assert.Equal(1, code);
        Assert.Contains("application.already-exists", output);
    }

    [Fact]
    public async Task Someone_else_s_account_is_refused()
    {
        var first = await platform.IssueCardAsync();
        var second = await platform.IssueCardAsync();
        var fields = Fields("demo-ecash");
        Assert.Equal(0, (await Apply(first, ["--service", "demo-ecash", .. fields, "--program", "card-acquisition", "--yes"])).ExitCode);

        var (code, output) = await Apply(second, ["--service", "demo-ecash", .. fields, "--program", "card-acquisition", "--yes"]);

        Assert.Equal(1, code);
        Assert.Contains("application.account-taken", output);
    }

    [Fact]
    public async Task Bad_field_values_are_reported_per_field()
    {
        var card = await platform.IssueCardAsync();

        var (code, output) = await Apply(card, "--service", "demo-pay", "--field", "serviceId=12", "--yes");

        Assert.Equal(1, code);
        Assert.Contains("fields.", output);
    }

    [Fact]
    public async Task A_malformed_field_option_is_a_usage_error()
    {
        var card = await platform.IssueCardAsync();
        var (code, output) = await Apply(card, "--service", "demo-pay", "--field", "no-equals-sign", "--yes");
        Assert.Equal(2, code);
        Assert.Contains("name=value", output);
    }

    [Fact]
    public async Task A_parent_applies_for_a_child_under_15_with_both_cards()
    {
        var parent = await platform.IssueCardAsync();
        // The fixture's clock is 2026-04-01: born 2015 is under 15.
        var child = await platform.IssueCardAsync(birthDate: "2015-05-05", signingPassword: "CHILD2015");

        var (code, output) = await Apply(parent, ["--service", "demo-pay", .. Fields("demo-pay"), "--program", "card-acquisition",
            "--child-card", child, "--child-pin", "1234", "--child-signing-password", "CHILD2015", "--yes"]);

        Assert.True(code == 0, output);
        Assert.Contains("legal representative", output);
        var (_, status) = await platform.RunAsync("status", "--card", parent, "--pin", "1234", "--server", platform.Url, "--lang", "en");
        Assert.Contains("Child", status);
    }

    [Fact]
    public async Task A_wrong_child_signing_password_says_the_tries_left_and_records_nothing()
    {
        var parent = await platform.IssueCardAsync();
        var child = await platform.IssueCardAsync(birthDate: "2015-05-05", signingPassword: "CHILD2015");

        var (code, output) = await Apply(parent, ["--service", "demo-pay", .. Fields("demo-pay"), "--program", "card-acquisition",
            "--child-card", child, "--child-pin", "1234", "--child-signing-password", "WRONG2015", "--yes"]);

        Assert.Equal(1, code);
        Assert.Contains("tries left", output);
        var (_, status) = await platform.RunAsync("status", "--card", parent, "--pin", "1234", "--server", platform.Url, "--lang", "en");
        Assert.DoesNotContain("Child", status);
    }
}

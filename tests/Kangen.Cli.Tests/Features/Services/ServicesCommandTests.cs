using System.Text.RegularExpressions;
using Kangen.Cli.Tests.Features.Serve;
using Kangen.Platform.Features.Services;

namespace Kangen.Cli.Tests.Features.Services;

public partial class ServicesCommandTests
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.LoadDefault();

    [GeneratedRegex(@"--field ([A-Za-z0-9]+)=(\S+)")]
    internal static partial Regex FieldOption();

    internal static Dictionary<string, string?> Fields(string output) =>
        FieldOption().Matches(output).ToDictionary(m => m.Groups[1].Value, m => (string?)m.Groups[2].Value);

    [Fact]
    public async Task Search_by_japanese_name_lists_the_service_from_the_built_in_catalogue()
    {
        var (code, output) = await CliRun.RunAsync("services", "search", "デモペイ");

        Assert.Equal(0, code);
        Assert.Contains("demo-pay", output);
        Assert.Contains("1 payment service(s) (built-in catalogue)", output);
        Assert.DoesNotContain("demo-card", output);
    }

    [Fact]
    public async Task Search_filters_by_kind_and_program_and_speaks_english_on_request()
    {
        var (code, output) = await CliRun.RunAsync("services", "search", "demo", "--kind", "credit", "--program", "card-acquisition", "--lang", "en");

        Assert.Equal(0, code);
        Assert.Contains("1 payment service(s)", output);
        Assert.Contains("Demo Card", output);
        Assert.Contains("2022-12-31", output);
        Assert.DoesNotContain("demo-pay", output);
    }

    [Fact]
    public async Task Search_without_text_lists_every_service_of_a_kind()
    {
        var (code, output) = await CliRun.RunAsync("services", "search", "--kind", "debit");

        Assert.Equal(0, code);
        var debit = Catalogue.All.Where(s => s.Kind == ServiceKind.Debit).ToArray();
        Assert.Contains($"{debit.Length} payment service(s)", output);
        Assert.All(debit, s => Assert.Contains(s.Code.Value, output));
    }

    [Theory]
    [InlineData("services", "search", "--kind", "cheque")]
    [InlineData("services", "search", "--program", "lottery")]
    [InlineData("services", "show", "demo-pay", "--lang", "fr")]
    [InlineData("services", "demo-account", "demo-pay", "--index", "-1")]
    [InlineData("services", "show")]
    public async Task Bad_options_are_usage_errors(params string[] args)
    {
        var (code, output) = await CliRun.RunAsync(args);
        Assert.Equal(2, code);
        Assert.Contains("error", output);
    }

    [Fact]
    public async Task Show_lists_the_fields_which_are_secret_the_terms_in_force_and_the_dates()
    {
        var transit = Catalogue.Find("demo-transit")!;

        var (code, output) = await CliRun.RunAsync("services", "show", "demo-transit", "--lang", "en");

        Assert.Equal(0, code);
        Assert.Contains("Demo Transit IC", output);
        Assert.Contains("last day: 2023-05-31", output);
        Assert.Contains("cardId (account ID)", output);
        Assert.Contains("secret", output);
        Assert.Contains($"grant timing: {transit.GrantTiming}; rounding: {transit.Rounding}", output);
        // CliRun's clock stands at 2022-07-01 (Japan): the version in force then.
        var terms = transit.TermsAt(new DateOnly(2022, 7, 1));
        Assert.Contains($"terms in force: {terms.Version}", output);
        Assert.Contains(terms.Summary.En[..30], output);
    }

    [Fact]
    public async Task Show_speaks_chinese_on_request()
    {
        var (code, output) = await CliRun.RunAsync("services", "show", "demo-pay", "--lang", "zh");
        Assert.Equal(0, code);
        Assert.Contains("演示支付", output);
        Assert.Contains("安全码1", output);
    }

    [Fact]
    public async Task An_unknown_service_is_a_failure_with_the_problem_code()
    {
        var (code, output) = await CliRun.RunAsync("services", "show", "no-such-service");
        Assert.Equal(1, code);
        Assert.Contains("service.not-found", output);
        Assert.Equal(1, (await CliRun.RunAsync("services", "demo-account", "no-such-service")).ExitCode);
    }

    [Fact]
    public async Task A_demo_account_is_printed_as_field_options_that_the_demo_operators_accept()
    {
        var operators = new DemoOperators();
        foreach (var service in Catalogue.All.Where(s => s.Code.Value.StartsWith("demo-", StringComparison.Ordinal)))
        {
            var (code, output) = await CliRun.RunAsync("services", "demo-account", service.Code.Value);
            Assert.Equal(0, code);
            var fields = Fields(output);
            Assert.Equal(service.Fields.Select(f => f.Name).Order(), fields.Keys.Order());

            var (valid, problems) = FieldValidation.Validate(service, fields);
            Assert.Empty(problems);
            var verified = Assert.IsType<AccountVerification.Verified>(await operators.VerifyAsync(valid!, CancellationToken.None));
            Assert.Contains(verified.MaskedHolderName, output);
            Assert.Contains(service.MaskAccountId(valid!.AccountId), output);
        }
    }

    [Fact]
    public async Task Indexes_give_different_accounts_and_closed_ones_are_refused()
    {
        var service = Catalogue.Find("demo-ecash")!;
        var first = Fields((await CliRun.RunAsync("services", "demo-account", "demo-ecash")).Output);
        var second = Fields((await CliRun.RunAsync("services", "demo-account", "demo-ecash", "--index", "5")).Output);
        Assert.NotEqual(first["cardNumber"], second["cardNumber"]);

        var (code, output) = await CliRun.RunAsync("services", "demo-account", "demo-ecash", "--closed");
        Assert.Equal(0, code);
        Assert.Contains("closed account", output);
        var (closed, _) = FieldValidation.Validate(service, Fields(output));
        Assert.Equal(new AccountVerification.Rejected("closed"), await new DemoOperators().VerifyAsync(closed!, CancellationToken.None));
    }
}

/// <summary>The same commands against a running platform (<c>--server</c>): the answers come from GET /api/v1/services.</summary>
public class ServicesCommandServerTests(ServedPlatform platform) : IClassFixture<ServedPlatform>
{
    [Fact]
    public async Task Search_through_the_server_finds_what_the_offline_catalogue_finds()
    {
        var (code, online) = await platform.RunAsync("services", "search", "演示", "--server", platform.Url);
        var (_, offline) = await platform.RunAsync("services", "search", "演示");

        Assert.True(code == 0, online);
        Assert.Contains($"4 payment service(s) ({platform.Url}/)", online);
        foreach (var demo in new[] { "demo-pay", "demo-card", "demo-transit", "demo-ecash" })
            Assert.Contains(demo, online);
        Assert.Equal(offline[offline.IndexOf('\n')..], online[online.IndexOf('\n')..]);
    }

    [Fact]
    public async Task Show_through_the_server_prints_the_service_and_an_unknown_code_is_the_servers_problem()
    {
        var (code, output) = await platform.RunAsync("services", "show", "demo-card", "--server", platform.Url, "--lang", "en");
        Assert.True(code == 0, output);
        Assert.Contains("Demo Card", output);
        Assert.Contains("luhn", output);
        Assert.Equal(output, (await platform.RunAsync("services", "show", "demo-card", "--lang", "en")).Output);

        var (missing, text) = await platform.RunAsync("services", "show", "no-such-service", "--server", platform.Url);
        Assert.Equal(1, missing);
        Assert.Contains("service.not-found", text);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_is_a_readable_failure()
    {
        var (code, output) = await platform.RunAsync("services", "search", "--server", "http://127.0.0.1:1");
        Assert.Equal(1, code);
        Assert.Contains("Cannot reach the platform", output);
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;
using Kangen.Operator.Accounts;
using Kangen.Operator.Services;
using Kangen.Operator.Storage;
using Kangen.Platform.Features.Services;
using Kangen.Protocol;

namespace Kangen.Cli.Tests.Features.Operator;

public sealed partial class OperatorCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kangen-cli-operator-" + Guid.NewGuid().ToString("N"));

    public OperatorCommandTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }

    [GeneratedRegex(@"Key id: (k-[0-9a-f]{20})")]
    private static partial Regex KeyIdLine();

    [Fact]
    public async Task Keygen_writes_an_owner_only_private_key_and_prints_its_id_and_public_key()
    {
        var file = Path.Combine(_folder, "key.pem");
        var (code, output) = await CliRun.RunAsync("operator", "keygen", "--out", file);
        Assert.Equal(0, code);
        using var key = SigningKeys.ReadPrivate(await File.ReadAllTextAsync(file));
        Assert.Equal(SigningKeys.KeyId(key), KeyIdLine().Match(output).Groups[1].Value);
        var publicPem = output[output.IndexOf("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal)..];
        Assert.True(SigningKeys.TryReadPublic(publicPem.Trim(), out var read, out _));
        Assert.Equal(SigningKeys.KeyId(key), SigningKeys.KeyId(read!));
        read!.Dispose();
        Assert.DoesNotContain("PRIVATE KEY", output, StringComparison.Ordinal);
        Assert.True(SigningKeys.TryReadPublic(await File.ReadAllTextAsync(file + ".pub"), out var fromFile, out _));
        Assert.Equal(SigningKeys.KeyId(key), SigningKeys.KeyId(fromFile!));
        fromFile!.Dispose();
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task Keygen_does_not_overwrite_an_existing_key()
    {
        var file = Path.Combine(_folder, "key.pem");
        await File.WriteAllTextAsync(file, "keep me");
        var (code, output) = await CliRun.RunAsync("operator", "keygen", "--out", file);
        Assert.Equal(1, code);
        Assert.Contains("--force", output, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task Opened_accounts_print_fields_the_platform_accepts_and_the_operator_verifies()
    {
        var (code, output) = await CliRun.RunAsync("operator", "accounts", "open", "--data", _folder, "--operator", "kangen-demo", "--service", "demo-pay", "--count", "3", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(3, doc.RootElement.GetArrayLength());
        var platformService = ServiceCatalogue.LoadDefault().Find("demo-pay")!;
        var store = new OperatorStore(_folder, "kangen-demo");
        var references = new HashSet<string>(StringComparer.Ordinal);
        foreach (var account in doc.RootElement.EnumerateArray())
        {
            var typed = account.GetProperty("fields").EnumerateObject().ToDictionary(p => p.Name, p => (string?)p.Value.GetString());
            // What a citizen types passes the platform's own field validation (patterns, check digits) ...
            var (validated, problems) = FieldValidation.Validate(platformService, typed);
            Assert.Empty(problems);
            // ... and the normalised values the platform would forward verify at the operator.
            await using var db = store.Open();
            var answer = await AccountBook.VerifyAsync(db, OperatorServices.Load("kangen-demo"),
                new AccountVerificationRequest("demo-pay", validated!.Values), default);
            Assert.Equal(AccountVerificationResponse.Verified, answer.Result);
            Assert.Equal(account.GetProperty("reference").GetString(), answer.AccountReference);
            references.Add(answer.AccountReference!);
        }
        Assert.Equal(3, references.Count);
    }

    [Fact]
    public async Task Accounts_cannot_be_opened_on_another_operators_service()
    {
        var (code, output) = await CliRun.RunAsync("operator", "accounts", "open", "--data", _folder, "--operator", "kangen-demo", "--service", "demo-card");
        Assert.Equal(1, code);
        Assert.Contains("demo-pay", output, StringComparison.Ordinal);
        Assert.False(File.Exists(OperatorDb.PathOf(_folder, "kangen-demo")));
    }

    [Fact]
    public async Task Status_counts_what_the_store_holds()
    {
        Assert.Equal(0, (await CliRun.RunAsync("operator", "accounts", "open", "--data", _folder, "--operator", "demo-rail", "--service", "demo-transit", "--count", "4")).ExitCode);
        var (code, output) = await CliRun.RunAsync("operator", "status", "--data", _folder);
        Assert.Equal(0, code);
        Assert.Contains("demo-rail", output, StringComparison.Ordinal);
        Assert.Matches(@"Accounts\s*│\s*4\s", output);
        Assert.Contains("(start)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_of_a_folder_without_an_operator_fails_clearly()
    {
        var (code, output) = await CliRun.RunAsync("operator", "status", "--data", _folder);
        Assert.Equal(1, code);
        Assert.Contains("No operator database", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settle_refuses_a_malformed_month_as_a_usage_error()
    {
        var key = Path.Combine(_folder, "key.pem");
        await CliRun.RunAsync("operator", "keygen", "--out", key);
        var (code, output) = await CliRun.RunAsync("operator", "settle", "--data", _folder, "--operator", "kangen-demo",
            "--platform", "http://127.0.0.1:9", "--key", key, "--month", "2022-13");
        Assert.Equal(2, code);
        Assert.Contains("yyyy-MM", output, StringComparison.Ordinal);
    }
}

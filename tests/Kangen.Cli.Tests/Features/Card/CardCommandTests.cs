using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kangen.SmartCard;
using Microsoft.Extensions.Time.Testing;
using Spectre.Console.Testing;

namespace Kangen.Cli.Tests.Features.Card;

/// <summary>One data folder and one card issued through the CLI, shared by the tests of this class (key generation is slow).</summary>
public sealed class CardCliFixture : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 4, 1, 3, 0, 0, TimeSpan.Zero);

    public CardCliFixture()
    {
        Root = Directory.CreateTempSubdirectory("kangen-cli-card-").FullName;
        Data = Path.Combine(Root, "data");
        TemplatePath = Path.Combine(Root, "template.json");
        var (code, output) = Run("card", "issue", "--out", TemplatePath, "--pin", "1234", "--signing-password", "ABC123",
            "--birth-date", "1990-06-15", "--name", "見本 花子", "--sex", "female", "--data", Data).GetAwaiter().GetResult();
        if (code != 0)
            throw new InvalidOperationException($"Issuing the template card failed: {output}");
        IssueOutput = output;
        TemplateBytes = File.ReadAllBytes(TemplatePath);
    }

    public string Root { get; }
    public string Data { get; }
    public string TemplatePath { get; }
    public string IssueOutput { get; }
    public byte[] TemplateBytes { get; }

    public Task<(int ExitCode, string Output)> Run(params string[] args) => CliRun.RunAsync(new FakeTimeProvider(Now), args);

    public string CopyOfTemplate()
    {
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(Root, Guid.NewGuid().ToString("N"))).FullName, "card.json");
        File.WriteAllBytes(path, TemplateBytes);
        return path;
    }

    public string NewPath(string name) => Path.Combine(Directory.CreateDirectory(Path.Combine(Root, Guid.NewGuid().ToString("N"))).FullName, name);

    public static string AuthSerial(string cardPath)
    {
        using var transport = new InProcessTransport(EmulatedCard.Load(cardPath));
        using var certificate = X509CertificateLoader.LoadCertificate(new JpkiClient(transport).ReadAuthenticationCertificate());
        return certificate.SerialNumber;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public class CardCommandTests(CardCliFixture fixture) : IClassFixture<CardCliFixture>
{
    [Fact]
    public void Issue_writes_a_card_file_and_publishes_the_issuer_material()
    {
        Assert.Contains("Issued", fixture.IssueOutput);
        Assert.Contains(CardCliFixture.AuthSerial(fixture.TemplatePath), fixture.IssueOutput);
        Assert.Contains("2030-06-15 23:59:59 JST", fixture.IssueOutput);
        foreach (var file in new[] { "auth-ca.cer", "sign-ca.cer", "auth.crl", "sign.crl" })
            Assert.True(File.Exists(Path.Combine(fixture.Data, "issuer", file)), file);
        Assert.True(File.Exists(Path.Combine(fixture.Data, "issuer", "private", "auth-ca.key")));
    }

    [Fact]
    public async Task Issue_without_a_signing_password_generates_and_shows_one()
    {
        var (code, output) = await fixture.Run("card", "issue", "--out", fixture.NewPath("c.json"), "--pin", "4321", "--data", fixture.Data);

        Assert.Equal(0, code);
        Assert.Matches("Signing password \\(shown once, keep it\\): [A-Z0-9]{10}", output);
    }

    [Theory]
    [InlineData(1, "--pin", "12345")]
    [InlineData(1, "--signing-password", "abc")]
    [InlineData(2, "--birth-date", "15/06/1990")]
    [InlineData(2, "--sex", "other")]
    [InlineData(1, "--valid-until", "2020-01-01")]
    public async Task Issue_with_bad_input_fails_with_a_readable_error_and_writes_no_card(int expectedCode, string option, string value)
    {
        var path = fixture.NewPath("bad.json");
        var args = new List<string> { "card", "issue", "--out", path, "--data", fixture.Data, "--pin", "1234" };
        var at = args.IndexOf(option);
        if (at >= 0)
            args[at + 1] = value;
        else
            args.AddRange([option, value]);

        var (code, output) = await fixture.Run([.. args]);

        Assert.Equal(expectedCode, code);
        Assert.Contains("error", output);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Issue_refuses_to_overwrite_an_existing_card()
    {
        var (code, output) = await fixture.Run("card", "issue", "--out", fixture.TemplatePath, "--pin", "1234", "--data", fixture.Data);

        Assert.Equal(1, code);
        Assert.Contains("already exists", output);
        Assert.Equal(fixture.TemplateBytes, File.ReadAllBytes(fixture.TemplatePath));
    }

    [Fact]
    public async Task Issue_without_a_pin_on_a_non_interactive_console_is_a_usage_error()
    {
        var (code, output) = await fixture.Run("card", "issue", "--out", fixture.NewPath("c.json"), "--data", fixture.Data);

        Assert.Equal(2, code);
        Assert.Contains("--pin is required", output);
    }

    [Fact]
    public async Task Info_shows_the_token_certificate_tries_and_state()
    {
        var (code, output) = await fixture.Run("card", "info", fixture.CopyOfTemplate(), "--data", fixture.Data);

        Assert.Equal(0, code);
        Assert.Contains("JPKIAPICCTOKEN2 (My Number Card)", output);
        Assert.Contains(Jpki.AuthenticationPolicyOid, output);
        Assert.Contains(CardCliFixture.AuthSerial(fixture.TemplatePath), output);
        Assert.Contains("3/3", output);
        Assert.Contains("5/5", output);
        Assert.Contains("active", output);
        Assert.Contains("JPKI for user authentication", output);
    }

    [Fact]
    public async Task A_wrong_pin_prints_the_tries_left_and_a_locked_card_points_to_the_municipal_office()
    {
        var card = fixture.CopyOfTemplate();

        var first = await fixture.Run("card", "verify-pin", card, "--pin", "0000");
        await fixture.Run("card", "verify-pin", card, "--pin", "0000");
        var third = await fixture.Run("card", "verify-pin", card, "--pin", "0000");
        var right = await fixture.Run("card", "verify-pin", card, "--pin", "1234");
        var status = await fixture.Run("card", "pin-status", card);
        var info = await fixture.Run("card", "info", card, "--data", fixture.Data);

        Assert.Equal((1, true), (first.ExitCode, first.Output.Contains("2 tries left")));
        Assert.Equal(1, third.ExitCode);
        Assert.Contains("municipal office", third.Output);
        Assert.Equal(1, right.ExitCode);
        Assert.Contains("municipal office", right.Output);
        Assert.Contains("PIN: 0/3", status.Output);
        Assert.Contains("PIN locked", info.Output);
    }

    [Fact]
    public async Task Verify_pin_with_the_right_pin_succeeds()
    {
        var (code, output) = await fixture.Run("card", "verify-pin", fixture.CopyOfTemplate(), "--pin", "1234");

        Assert.Equal(0, code);
        Assert.Contains("PIN verified", output);
    }

    [Fact]
    public async Task Sign_prints_a_base64_signature_that_verifies_with_the_certificate()
    {
        var card = fixture.CopyOfTemplate();
        var file = fixture.NewPath("payload.bin");
        File.WriteAllBytes(file, [1, 2, 3, 250]);

        var text = await fixture.Run("card", "sign", card, "--pin", "1234", "--data", "申請 2026-04-01");
        var fromFile = await fixture.Run("card", "sign", card, "--pin", "1234", "--data-file", file);

        Assert.Equal(0, text.ExitCode);
        Assert.Equal(0, fromFile.ExitCode);
        using var transport = new InProcessTransport(EmulatedCard.Load(card));
        using var certificate = X509CertificateLoader.LoadCertificate(new JpkiClient(transport).ReadAuthenticationCertificate());
        using var key = certificate.GetRSAPublicKey()!;
        Assert.True(key.VerifyData("申請 2026-04-01"u8, Convert.FromBase64String(text.Output.Trim()), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.True(key.VerifyData(new byte[] { 1, 2, 3, 250 }, Convert.FromBase64String(fromFile.Output.Trim()), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task Sign_needs_exactly_one_of_data_and_data_file()
    {
        var card = fixture.CopyOfTemplate();

        Assert.Equal(2, (await fixture.Run("card", "sign", card, "--pin", "1234")).ExitCode);
        Assert.Equal(2, (await fixture.Run("card", "sign", card, "--pin", "1234", "--data", "a", "--data-file", card)).ExitCode);
    }

    [Fact]
    public async Task Sign_with_a_wrong_pin_prints_no_signature()
    {
        var (code, output) = await fixture.Run("card", "sign", fixture.CopyOfTemplate(), "--pin", "9999", "--data", "x");

        Assert.Equal(1, code);
        Assert.Contains("2 tries left", output);
        Assert.DoesNotContain("==", output);
    }

    [Fact]
    public async Task Reset_pin_unlocks_a_locked_card_with_the_new_pin()
    {
        var card = fixture.CopyOfTemplate();
        for (var i = 0; i < 3; i++)
            await fixture.Run("card", "verify-pin", card, "--pin", "0000");

        var reset = await fixture.Run("card", "reset-pin", card, "--new-pin", "2580", "--data", fixture.Data);
        var verify = await fixture.Run("card", "verify-pin", card, "--pin", "2580");

        Assert.Equal(0, reset.ExitCode);
        Assert.Equal(0, verify.ExitCode);
    }

    [Fact]
    public async Task Renew_prints_the_serial_links_and_revoke_puts_the_card_in_the_crl()
    {
        var card = fixture.NewPath("own.json");
        Assert.Equal(0, (await fixture.Run("card", "issue", "--out", card, "--pin", "1234", "--data", fixture.Data)).ExitCode);
        var oldSerial = CardCliFixture.AuthSerial(card);

        var renew = await fixture.Run("card", "renew", card, "--data", fixture.Data);
        var newSerial = CardCliFixture.AuthSerial(card);
        var revoke = await fixture.Run("card", "revoke", card, "--reason", "key-compromise", "--data", fixture.Data);
        var crl = await fixture.Run("card", "crl", "--data", fixture.Data);
        var info = await fixture.Run("card", "info", card, "--data", fixture.Data);

        Assert.Equal(0, renew.ExitCode);
        Assert.NotEqual(oldSerial, newSerial);
        Assert.Contains($"Authentication serial: {oldSerial} -> {newSerial}", renew.Output);
        Assert.Contains(oldSerial, File.ReadAllText(Path.Combine(fixture.Data, "issuer", "renewals.jsonl")));
        Assert.Equal(0, revoke.ExitCode);
        Assert.Contains(newSerial, revoke.Output);
        Assert.Equal(0, crl.ExitCode);
        Assert.Contains(newSerial, crl.Output);
        Assert.Contains("KeyCompromise", crl.Output);
        Assert.Contains("Next update", crl.Output);
        Assert.Contains("revoked", info.Output);
    }

    [Fact]
    public async Task A_corrupt_card_file_gives_a_clear_error_and_is_left_alone()
    {
        var card = fixture.NewPath("corrupt.json");
        File.WriteAllText(card, "{\"format\":\"kangen.emulated-jpki-card\",\"version\":1,\"cardId\":");

        var (code, output) = await fixture.Run("card", "info", card);

        Assert.Equal(1, code);
        Assert.Contains("not a usable Kangen card file", output);
        Assert.Equal("{\"format\":\"kangen.emulated-jpki-card\",\"version\":1,\"cardId\":", File.ReadAllText(card));
    }

    [Fact]
    public async Task On_an_interactive_console_a_missing_pin_is_prompted_for()
    {
        var console = new TestConsole().Interactive();
        console.Input.PushTextWithEnter("1234");

        var code = await KangenCli.RunAsync(["card", "verify-pin", fixture.CopyOfTemplate()], new CliContext(console, new FakeTimeProvider(CardCliFixture.Now)));

        Assert.Equal(0, code);
        Assert.Contains("PIN verified", console.Output);
        Assert.DoesNotContain("1234", console.Output);
    }

    [Fact]
    public async Task Info_after_the_validity_end_reports_the_card_expired()
    {
        var after = new FakeTimeProvider(new DateTimeOffset(2030, 6, 15, 15, 0, 0, TimeSpan.Zero));

        var (code, output) = await CliRun.RunAsync(after, "card", "info", fixture.CopyOfTemplate(), "--data", fixture.Data);

        Assert.Equal(0, code);
        Assert.Contains("expired", output);
    }

    [Fact]
    public async Task A_missing_card_file_is_a_readable_failure()
    {
        var (code, output) = await fixture.Run("card", "pin-status", Path.Combine(fixture.Root, "missing.json"));

        Assert.Equal(1, code);
        Assert.Contains("File not found", output);
    }

    [Fact]
    public async Task A_card_from_another_data_folder_cannot_be_reset_here()
    {
        var otherData = Path.Combine(fixture.Root, "other-data-" + Guid.NewGuid().ToString("N"));

        var (code, output) = await fixture.Run("card", "reset-pin", fixture.CopyOfTemplate(), "--new-pin", "1111", "--data", otherData);

        Assert.Equal(1, code);
        Assert.Contains("not issued by", output);
    }
}

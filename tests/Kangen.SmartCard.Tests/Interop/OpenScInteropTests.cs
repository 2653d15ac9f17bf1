using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Kangen.SmartCard.Tests.Interop;

/// <summary>
/// Debian's OpenSC, as an independent JPKI client, against the emulated card behind pcscd + vpcd:
/// its <c>jpki</c> driver must pick the card and its PKCS#15 emulation must bind, which it only does
/// when the card answers the other drivers' probes, the empty VERIFYs and the file reads exactly right.
/// </summary>
[Collection(PcscdCollection.Name)]
[Trait("Category", "Interop")]
public sealed class OpenScInteropTests(IssuerFixture issuer)
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task OpenSC_pkcs15_tool_lists_the_four_JPKI_certificates()
    {
        await using var card = await InsertedCard.InsertAsync(EmulatedCard.Load(issuer.CopyOfTemplate()));

        var (exit, output) = await RunAsync("pkcs15-tool", "--reader", PcscdCollection.Reader, "--list-certificates");

        Assert.True(exit == 0, $"pkcs15-tool exited {exit}:\n{output}");
        // One entry per certificate file, each with its label and path (pkcs15-tool prints paths in lower case).
        (string Label, string Path)[] expected =
        [
            ("User Authentication Certificate", "000a"),
            ("Digital Signature Certificate", "0001"),
            ("User Authentication Certificate CA", "000b"),
            ("Digital Signature Certificate CA", "0002"),
        ];
        foreach (var (label, path) in expected)
            Assert.True(Regex.IsMatch(output, $@"X\.509 Certificate \[{Regex.Escape(label)}\]\n(?:\t[^\n]*\n)*?\tPath\s*:\s*{path}\n"),
                $"'{label}' at path {path} missing from pkcs15-tool output:\n{output}");
        Assert.True(CountOccurrences(output, "X.509 Certificate [") == 4, $"expected 4 certificates:\n{output}");
    }

    [Fact]
    public async Task OpenSC_reads_the_user_authentication_certificate_we_issued()
    {
        await using var card = await InsertedCard.InsertAsync(EmulatedCard.Load(issuer.CopyOfTemplate()));

        var (exit, output) = await RunAsync("pkcs15-tool", "--reader", PcscdCollection.Reader, "--read-certificate", "01");

        Assert.True(exit == 0, $"pkcs15-tool exited {exit}:\n{output}");
        var pem = output[output.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)..];
        using var certificate = X509Certificate2.CreateFromPem(pem);
        Assert.Equal(issuer.Template.AuthenticationSerial, certificate.SerialNumber);
    }

    [Fact]
    public async Task OpenSC_signs_with_the_user_authentication_key_after_the_PIN_and_the_signature_verifies()
    {
        var path = issuer.CopyOfTemplate();
        var work = issuer.NewDirectory();
        var message = "challenge from a relying party"u8.ToArray();
        var hashFile = Path.Combine(work, "hash.bin");
        var signatureFile = Path.Combine(work, "signature.bin");
        await File.WriteAllBytesAsync(hashFile, SHA256.HashData(message));
        var reader = new JpkiClient(new InProcessTransport(EmulatedCard.Load(path)));
        reader.SelectJpkiAp();
        using var certificate = X509CertificateLoader.LoadCertificate(reader.ReadAuthenticationCertificate());
        await using var card = await InsertedCard.InsertAsync(EmulatedCard.Load(path));

        var (exit, output) = await RunAsync("pkcs15-crypt", "--reader", PcscdCollection.Reader, "--sign", "--key", "01",
            "--sha-256", "--pkcs1", "--pin", IssuerFixture.Pin, "--input", hashFile, "--output", signatureFile);

        Assert.True(exit == 0, $"pkcs15-crypt exited {exit}:\n{output}");
        var signature = await File.ReadAllBytesAsync(signatureFile);
        using var key = certificate.GetRSAPublicKey()!;
        Assert.True(key.VerifyData(message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            "OpenSC's signature does not verify with the card's certificate");
    }

    [Fact]
    public async Task OpenSC_sees_the_card_ATR_in_the_virtual_reader()
    {
        await using var card = await InsertedCard.InsertAsync(EmulatedCard.Load(issuer.CopyOfTemplate()));

        var (exit, output) = await RunAsync("opensc-tool", "--reader", PcscdCollection.Reader, "--atr");

        Assert.True(exit == 0, $"opensc-tool exited {exit}:\n{output}");
        Assert.Contains("3b:da:13:ff:81:31:fb:46:80:12:39:2f:31:c1:73:c6:01:c0:3b", output, StringComparison.OrdinalIgnoreCase);
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"{tool} is not installed ({e.Message}). Run: scripts/pcsc.sh install");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(ToolTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{tool} did not finish within {ToolTimeout.TotalSeconds} s");
            }
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}

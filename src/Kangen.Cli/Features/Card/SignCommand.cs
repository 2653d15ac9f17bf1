using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Spectre.Console;

namespace Kangen.Cli.Features.Card;

/// <summary><c>kangen card sign</c>: the card signs SHA-256 of some data with the user-authentication key.</summary>
public static class SignCommand
{
    public static Command Create(CliContext context)
    {
        var cardFile = CardCli.CardFileOrReaderArgument();
        var reader = CardCli.ReaderOption();
        var pin = CardCli.PinOption();
        // Not "--data @path": System.CommandLine expands any @token as a response file before the command sees it.
        var data = new Option<string?>("--data") { Description = "The text to sign (UTF-8)." };
        var dataFile = new Option<FileInfo?>("--data-file") { Description = "A file whose bytes to sign (instead of --data)." };
        var command = new Command("sign", "Sign data with the user-authentication key (PIN needed); prints the base64 RSA PKCS#1 v1.5 SHA-256 signature after checking it against the certificate.")
        {
            cardFile, reader, pin, data, dataFile,
        };
        command.SetAction(parse =>
        {
            if (!CardCli.CheckCardSource(context, parse, cardFile, reader))
                return ExitCodes.Usage;
            if ((parse.GetValue(data) is null) == (parse.GetValue(dataFile) is null))
            {
                context.Error("Give exactly one of --data <text> and --data-file <path>.");
                return ExitCodes.Usage;
            }
            if (CardCli.CheckedPin(context, parse, pin, out var exit) is not { } value)
                return exit;
            return CardCli.Guard(context, () =>
            {
                var message = parse.GetValue(dataFile) is { } file ? File.ReadAllBytes(file.FullName) : Encoding.UTF8.GetBytes(parse.GetValue(data)!);
                var (scope, _, client) = CardCli.Open(parse, cardFile, reader);
                using (scope)
                {
                    var (der, signature) = CardCli.SignWithCard(client, value, message);
                    using var certificate = X509CertificateLoader.LoadCertificate(der);
                    using var key = certificate.GetRSAPublicKey()!;
                    if (!key.VerifyData(message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                    {
                        context.Error("The card's signature does not verify with its own certificate: the card file is inconsistent.");
                        return ExitCodes.Failure;
                    }
                    // Raw writer: Spectre would wrap the long line at the console width and break pipes.
                    context.Console.Profile.Out.Writer.WriteLine(Convert.ToBase64String(signature));
                    return ExitCodes.Ok;
                }
            });
        });
        return command;
    }
}

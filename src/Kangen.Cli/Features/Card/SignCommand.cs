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
        var cardFile = CardCli.CardFileArgument();
        var pin = CardCli.PinOption();
        var data = new Option<string>("--data") { Description = "The text to sign, or @path to sign a file's bytes.", Required = true };
        var command = new Command("sign", "Sign data with the user-authentication key (PIN needed); prints the base64 RSA PKCS#1 v1.5 SHA-256 signature after checking it against the certificate.")
        {
            cardFile, pin, data,
        };
        command.SetAction(parse =>
        {
            var value = CardCli.Pin(context, parse, pin);
            if (value is null)
                return ExitCodes.Usage;
            if (!CardCli.CheckPinFormat(context, value))
                return ExitCodes.Failure;
            return CardCli.Guard(context, () =>
            {
                var text = parse.GetValue(data)!;
                var message = text.StartsWith('@') ? File.ReadAllBytes(text[1..]) : Encoding.UTF8.GetBytes(text);
                var (transport, client) = CardCli.Open(parse.GetValue(cardFile)!);
                using (transport)
                {
                    using var certificate = X509CertificateLoader.LoadCertificate(client.ReadAuthenticationCertificate());
                    client.VerifyAuthPin(value);
                    var signature = client.SignWithAuthenticationKey(Kangen.SmartCard.JpkiClient.CreateSha256DigestInfo(message));
                    using var key = certificate.GetRSAPublicKey()!;
                    if (!key.VerifyData(message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                    {
                        context.Error("The card's signature does not verify with its own certificate: the card file is inconsistent.");
                        return ExitCodes.Failure;
                    }
                    context.Console.WriteLine(Convert.ToBase64String(signature));
                    return ExitCodes.Ok;
                }
            });
        });
        return command;
    }
}

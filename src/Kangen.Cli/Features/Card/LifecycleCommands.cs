using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Kangen.SmartCard;
using Spectre.Console;

namespace Kangen.Cli.Features.Card;

/// <summary><c>kangen card renew</c>, <c>revoke</c> and <c>crl</c>: the issuer's certificate lifecycle.</summary>
public static class LifecycleCommands
{
    private static readonly Dictionary<string, X509RevocationReason> Reasons = new()
    {
        ["unspecified"] = X509RevocationReason.Unspecified,
        ["key-compromise"] = X509RevocationReason.KeyCompromise,
        ["affiliation-changed"] = X509RevocationReason.AffiliationChanged,
        ["superseded"] = X509RevocationReason.Superseded,
        ["cessation-of-operation"] = X509RevocationReason.CessationOfOperation,
        ["certificate-hold"] = X509RevocationReason.CertificateHold,
    };

    public static Command CreateRenew(CliContext context)
    {
        var data = CardCli.DataOption();
        var cardFile = CardCli.CardFileArgument();
        var command = new Command("renew", "Renew both certificates: new keys and serials on the same card; old -> new links published in renewals.jsonl.")
        {
            cardFile, data,
        };
        command.SetAction(parse => CardCli.Guard(context, () =>
        {
            using var issuer = CardIssuer.Open(CardCli.DataDirectory(parse, data), context.Time);
            var renewed = issuer.Renew(parse.GetValue(cardFile)!);
            context.Console.MarkupLine("[green]Renewed.[/]");
            foreach (var link in issuer.ReadRenewalLinks().Where(l => l.NewSerial == renewed.AuthenticationSerial || l.NewSerial == renewed.SigningSerial))
                context.Console.WriteLine($"{(link.Kind == CertificateKind.Authentication ? "Authentication" : "Signing")} serial: {link.OldSerial} -> {link.NewSerial}");
            context.Console.WriteLine($"Valid until: {CardCli.Jst(renewed.NotAfter)}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command CreateRevoke(CliContext context)
    {
        var data = CardCli.DataOption();
        var cardFile = CardCli.CardFileArgument();
        var reason = new Option<string>("--reason") { Description = "CRL reason.", DefaultValueFactory = _ => "unspecified" };
        reason.AcceptOnlyFromAmong([.. Reasons.Keys]);
        var command = new Command("revoke", "Revoke both certificates of a card and publish new CRLs.") { cardFile, reason, data };
        command.SetAction(parse => CardCli.Guard(context, () =>
        {
            using var issuer = CardIssuer.Open(CardCli.DataDirectory(parse, data), context.Time);
            var revoked = issuer.Revoke(parse.GetValue(cardFile)!, Reasons[parse.GetValue(reason)!]);
            if (revoked.Count == 0)
            {
                context.Console.WriteLine("Already revoked; nothing changed.");
                return ExitCodes.Ok;
            }
            foreach (var entry in revoked)
                context.Console.WriteLine($"Revoked {entry.Kind.ToString().ToLowerInvariant()} certificate {entry.Serial} ({parse.GetValue(reason)}).");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command CreateCrl(CliContext context)
    {
        var data = CardCli.DataOption();
        var command = new Command("crl", "Sign and publish fresh CRLs (number incremented) and print them.") { data };
        command.SetAction(parse => CardCli.Guard(context, () =>
        {
            using var issuer = CardIssuer.Open(CardCli.DataDirectory(parse, data), context.Time);
            foreach (var crl in issuer.PublishCrls())
            {
                context.Console.MarkupLineInterpolated($"[bold]{(crl.Kind == CertificateKind.Authentication ? "User authentication" : "Signing")} CRL[/] {crl.Path}");
                context.Console.WriteLine($"  Number: {crl.Number}");
                context.Console.WriteLine($"  This update: {CardCli.Jst(crl.ThisUpdate)}");
                context.Console.WriteLine($"  Next update: {CardCli.Jst(crl.NextUpdate)}");
                context.Console.WriteLine($"  Revoked: {crl.Entries.Count}");
                foreach (var entry in crl.Entries)
                    context.Console.WriteLine($"    {entry.Serial}  {CardCli.Jst(entry.RevokedAt)}  {entry.Reason}");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}

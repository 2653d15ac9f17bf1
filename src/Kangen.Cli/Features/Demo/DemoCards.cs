using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kangen.Cli.Features.Card;
using Kangen.Platform.Features.Identity;
using Kangen.Platform.Features.Identity.Certificates;
using Kangen.SmartCard;
using Spectre.Console;

namespace Kangen.Cli.Features.Demo;

/// <summary>A demo card and how its authentication went.</summary>
internal sealed record DemoCard(string Label, CardHolder Holder, string CardFile, string Pin, string Serial, bool Authenticated);

/// <summary>
/// The card part of the demo: the issuing authority issues cards, each card goes through the
/// challenge-response a relying service performs (read certificate, VERIFY, SIGN a fresh challenge;
/// the platform's verifier checks chain, policy, validity, CRL and signature), a wrong PIN shows the
/// tries left, and a card reported lost is revoked and refused.
/// </summary>
internal static class DemoCards
{
    private static readonly (string Label, CardHolder Holder, string Pin)[] People =
    [
        ("taro", new CardHolder("佐藤 太郎", new DateOnly(1980, 4, 1), CardHolderSex.Male, "東京都千代田区霞が関2-1-2"), "1234"),
        ("hanako", new CardHolder("鈴木 花子", new DateOnly(1975, 11, 3), CardHolderSex.Female, "大阪府大阪市北区中之島1-3-20"), "5678"),
        ("yui", new CardHolder("佐藤 結衣", new DateOnly(2012, 5, 5), CardHolderSex.Female, "東京都千代田区霞が関2-1-2"), "2468"),
    ];

    /// <summary>The card reported lost (revoked by the tour): its label, holder and PIN.</summary>
    public static readonly (string Label, CardHolder Holder, string Pin) Lost =
        ("lost", new CardHolder("高橋 健", new DateOnly(1990, 8, 20), CardHolderSex.Male, "福岡県福岡市中央区天神1-8-1"), "1111");

    /// <summary>Where the demo's card files are: the platform's <c>cards</c> folder, which the municipal pages list.</summary>
    public static string CardsFolder(string folder) => Path.Combine(folder, "cards");

    /// <summary>The card file of a demo card.</summary>
    public static string PathOf(string folder, string label) => Path.Combine(CardsFolder(folder), $"{label}.card");

    public static IReadOnlyList<DemoCard> Run(CliContext context, string folder)
    {
        var console = context.Console;
        Directory.CreateDirectory(folder);
        using var issuer = CardIssuer.Open(folder, context.Time);
        Directory.CreateDirectory(CardsFolder(folder));
        string PathOf(string label) => DemoCards.PathOf(folder, label);

        // Fresh cards every run: a demo card left locked or revoked by earlier experiments must not spoil this one.
        var issued = new List<(string Label, CardHolder Holder, string Pin, IssuedCard Card)>();
        console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .Start(progress =>
            {
                var task = progress.AddTask("Issuing demo cards (two RSA-2048 key pairs each)", maxValue: People.Length + 1);
                foreach (var (label, holder, pin) in People.Append(Lost))
                {
                    File.Delete(PathOf(label));
                    issued.Add((label, holder, pin, issuer.Issue(PathOf(label), holder, pin, "DEMO2022")));
                    task.Increment(1);
                }
            });
        console.MarkupLineInterpolated($"Issuer: [bold]{issuer.AuthenticationCaCertificate.Subject}[/] in {Path.GetFullPath(issuer.IssuerDirectory)}");

        var lost = issued.Single(c => c.Label == Lost.Label);
        issuer.Revoke(lost.Card.CardFilePath, X509RevocationReason.KeyCompromise);
        console.MarkupLineInterpolated($"The card of {lost.Holder.Name} was reported lost: certificate {lost.Card.AuthenticationSerial} revoked, CRL published.");
        // The relying side is the platform's own verifier, trusting this issuer and following its CRL.
        var verifier = new CardCertificateVerifier(TrustStore.FromIssuerDirectory(issuer.IssuerDirectory, context.Time), context.Time);

        var table = new Table().Title("Card authentication: server challenge, card VERIFY + SIGN, server checks")
            .AddColumns("Card", "Certificate serial", "Valid until (JST)", "PIN tries", "Result");
        var results = new List<DemoCard>();
        foreach (var (label, holder, pin, card) in issued)
        {
            var outcome = Authenticate(card.CardFilePath, pin, verifier);
            table.AddRow(Markup.Escape(label), card.AuthenticationSerial, CardCli.Jst(card.NotAfter),
                $"{EmulatedCard.Load(card.CardFilePath).AuthPinTriesLeft}/{PinRules.AuthenticationPinMaxTries}",
                outcome is null ? "[green]authenticated[/]" : $"[red]refused[/]: {Markup.Escape(outcome)}");
            if (label != Lost.Label)
                results.Add(new DemoCard(label, holder, card.CardFilePath, pin, card.AuthenticationSerial, outcome is null));
        }
        console.Write(table);

        // A mistyped PIN costs a try and says how many are left; the right one restores all three.
        var first = results[0];
        using (var transport = new InProcessTransport(EmulatedCard.Load(first.CardFile)))
        {
            var client = new JpkiClient(transport);
            client.SelectJpkiAp();
            try
            {
                client.VerifyAuthPin(first.Pin == "0000" ? "9999" : "0000");
            }
            catch (SmartCardException e) when (e.TriesLeft is { } left)
            {
                console.MarkupLineInterpolated($"{first.Label} mistypes the PIN: 暗証番号が違います（残り{left}回）/ 密码错误（剩余{left}次）/ wrong PIN, {left} tries left.");
            }
            client.VerifyAuthPin(first.Pin);
            console.MarkupLineInterpolated($"{first.Label} types it again: verified, {client.GetAuthPinTriesLeft()}/{PinRules.AuthenticationPinMaxTries} tries left. Three wrong PINs in a row lock the card until the municipal office resets it.");
        }
        return results;
    }

    /// <summary>
    /// One challenge-response: the card half as <c>kangen reserve</c> runs it, the server half by the platform's
    /// verifier (chain, validity, policy, key usage, CRL, signature). Null when authenticated, else the refusal code.
    /// </summary>
    private static string? Authenticate(string cardFile, string pin, CardCertificateVerifier verifier)
    {
        var challenge = RandomNumberGenerator.GetBytes(32);
        byte[] certificate, signature;
        using (var transport = new InProcessTransport(EmulatedCard.Load(cardFile)))
        {
            var client = new JpkiClient(transport);
            client.SelectJpkiAp();
            (certificate, signature) = CardCli.SignWithCard(client, pin, challenge);
        }
        var check = verifier.Check(certificate);
        if (!check.IsValid)
            return check.ErrorCode;
        return verifier.VerifySignature(check.Certificate!, challenge, signature) ? null : IdentityProblems.SignatureInvalid.Code;
    }
}

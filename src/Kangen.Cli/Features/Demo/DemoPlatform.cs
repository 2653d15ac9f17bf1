using Kangen.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Kangen.Cli.Features.Demo;

/// <summary>
/// The platform part of the demo: the platform hosted in this process on a free loopback port, on SQLite in
/// the demo folder, trusting the demo issuer. Each demo card reserves its My Key ID through <c>kangen reserve</c>,
/// the revoked card is refused, a second login finds the same person, the demo people register and apply
/// (<see cref="DemoApplications"/>), and the audit chain is verified.
/// </summary>
internal static class DemoPlatform
{
    /// <summary>The date of the campaign's own calendar that today becomes in the demo.</summary>
    public const string DemoAnchor = "2022-10-15";

    public static async Task<bool> RunAsync(CliContext context, string folder, IReadOnlyList<DemoCard> cards, DateTimeOffset instant, CancellationToken cancellationToken)
    {
        var console = context.Console;
        // A staff token for the call-centre step, configured by its hash only (as a deployment would).
        var staffToken = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var adminToken = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        await using var app = PlatformHost.Build(
            ["--urls=http://127.0.0.1:0", "--" + PlatformData.ConfigurationKey + "=" + folder, "--Kangen:Storage:Provider=sqlite",
             // The 2022-2023 campaign on today's calendar: today is its 2022-10-15 (every program open, version 2 in force).
             "--Kangen:Campaign:DemoAnchor=" + DemoAnchor,
             // The built-in demo operators confirm the accounts of services whose operator is not registered.
             "--" + Kangen.Platform.Features.Services.ServicesRegistration.DemoOperatorsKey + "=true",
             "--Kangen:Staff:Tokens:0:Id=demo-agent", "--Kangen:Staff:Tokens:0:Role=call-centre",
             "--Kangen:Staff:Tokens:0:Sha256=" + Kangen.Platform.Features.Staff.StaffRoles.HashToken(staffToken),
             "--Kangen:Staff:Tokens:1:Id=demo-admin", "--Kangen:Staff:Tokens:1:Role=admin",
             "--Kangen:Staff:Tokens:1:Sha256=" + Kangen.Platform.Features.Staff.StaffRoles.HashToken(adminToken),
             // Operators registered a moment ago are seen at once.
             "--Kangen:Operators:Verification:CacheSeconds=0"],
            builder =>
            {
                builder.Services.AddSingleton(context.Time);
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
            });
        await app.StartAsync(cancellationToken);
        var ok = true;
        IReadOnlyList<DemoOperator> operators = [];
        try
        {
            var url = app.Urls.First();
            console.MarkupLineInterpolated($"Platform listening on [bold]{url}[/] (SQLite in {folder}); API reference at {url}/scalar");
            foreach (var card in cards)
            {
                console.MarkupLineInterpolated($"[bold]{card.Label}[/] (certificate {card.Serial}):");
                ok &= await KangenCli.RunAsync(["reserve", "--card", card.CardFile, "--pin", card.Pin, "--server", url], context, cancellationToken) == ExitCodes.Ok;
            }
            console.MarkupLine("[bold]taro[/] logs in again: the same person, the same My Key ID.");
            ok &= await KangenCli.RunAsync(["reserve", "--card", cards[0].CardFile, "--pin", cards[0].Pin, "--server", url], context, cancellationToken) == ExitCodes.Ok;

            var lost = Path.Combine(folder, "lost.card");
            console.MarkupLine("The lost card tries to log in (its certificate is on the issuer's CRL):");
            ok &= await KangenCli.RunAsync(["reserve", "--card", lost, "--pin", "1111", "--server", url], context, cancellationToken) == ExitCodes.Failure;

            var campaign = app.Services.GetRequiredService<Kangen.Platform.Features.Campaigns.CampaignProvider>();
            console.MarkupLineInterpolated($"The campaign runs on demo dates: every date moved by {campaign.ShiftDays} days, so today is its {DemoAnchor}.");
            operators = await DemoOperators.StartAsync(context, folder, url, adminToken, cancellationToken);
            ok &= await DemoApplications.RunAsync(context, url, cards, operators, staffToken, cancellationToken);
            ok &= await DemoOperators.GrantAndSettleAsync(context, url, adminToken, operators, cancellationToken);

            console.MarkupLine("Procedure spots near Tokyo station that take applications, open at the demo instant:");
            ok &= await KangenCli.RunAsync(["spots", "near", "--postal-code", "100-0005", "--operation", "apply", "--open-at", instant.ToString("yyyy-MM-ddTHH:mmzzz", System.Globalization.CultureInfo.InvariantCulture), "--k", "5"], context, cancellationToken) == ExitCodes.Ok;
        }
        finally
        {
            await DemoOperators.StopAsync(operators);
            await app.StopAsync(CancellationToken.None);
        }

        console.MarkupLine("Every change above went into the hash-chained audit log; the administrator's check:");
        ok &= await KangenCli.RunAsync(["admin", "audit", "verify", "--data", folder], context, cancellationToken) == ExitCodes.Ok;
        return ok;
    }
}

using Kangen.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Kangen.Cli.Features.Demo;

/// <summary>The platform and the two demo operators of a demo run, running in this process until disposed.</summary>
internal sealed class DemoSite(WebApplication platform, string folder) : IAsyncDisposable
{
    public WebApplication Platform { get; } = platform;

    /// <summary>The platform's data folder.</summary>
    public string Folder { get; } = folder;

    public IReadOnlyList<DemoOperator> Operators { get; set; } = [];

    /// <summary>The address the platform listens on (the first of its URLs).</summary>
    public string Url => Platform.Urls.First();

    /// <summary>Stops the operators and the platform together, briefly: open browser connections are cut after a second.</summary>
    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await Task.WhenAll([.. Operators.Select(o => o.App.StopAsync(grace.Token)), Platform.StopAsync(grace.Token)]);
        }
        catch (OperationCanceledException)
        {
            // The grace period ended: what was still open was cut, which is what stopping the demo means.
        }
        foreach (var op in Operators)
            await op.App.DisposeAsync();
        await Platform.DisposeAsync();
    }
}

/// <summary>
/// The platform part of the demo: the platform hosted in this process (on SQLite in the demo folder, trusting the demo
/// issuer) at the demo's address, with the demo operators beside it. Each demo card reserves its My Key ID through
/// <c>kangen reserve</c>, the revoked card is refused, a second login finds the same person, the demo people register
/// and apply (<see cref="DemoApplications"/>), and the audit chain is verified.
/// </summary>
internal static class DemoPlatform
{
    /// <summary>The date of the campaign's own calendar that today becomes in the demo.</summary>
    public const string DemoAnchor = "2022-10-15";

    /// <summary>
    /// Starts the platform at <paramref name="urls"/> with the staff tokens (configured by their hash only, as a
    /// deployment would) and any further settings.
    /// </summary>
    /// <exception cref="IOException">An address is taken.</exception>
    public static async Task<DemoSite> StartAsync(CliContext context, string folder, string urls, DemoStaff staff,
        IEnumerable<string> settings, CancellationToken cancellationToken)
    {
        var args = new List<string>
        {
            "--urls=" + urls, "--" + PlatformData.ConfigurationKey + "=" + folder, "--Kangen:Storage:Provider=sqlite",
            // The 2022-2023 campaign on today's calendar: today is its 2022-10-15 (every program open, version 2 in force).
            "--Kangen:Campaign:DemoAnchor=" + DemoAnchor,
            // The built-in demo operators confirm the accounts of services whose operator is not registered.
            "--" + Kangen.Platform.Features.Services.ServicesRegistration.DemoOperatorsKey + "=true",
            // Operators registered a moment ago are seen at once.
            "--Kangen:Operators:Verification:CacheSeconds=0",
        };
        args.AddRange(staff.Settings());
        args.AddRange(settings);
        var app = PlatformHost.Build([.. args], builder =>
        {
            builder.Services.AddSingleton(context.Time);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            // The demo's key ring is a plain folder by design (docs/web.md); the warning saying so is noise here.
            builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        });
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new DemoSite(app, folder);
    }

    /// <summary>The scripted tour against a started <paramref name="site"/>; starts the demo operators into it.</summary>
    public static async Task<bool> RunTourAsync(CliContext context, DemoSite site, IReadOnlyList<DemoCard> cards, DateTimeOffset instant,
        DemoStaff staff, CancellationToken cancellationToken)
    {
        var console = context.Console;
        console.Write(new Rule("4. The platform and two payment operators: My Key IDs, registrations, applications, grants and settlement over HTTP").LeftJustified());
        var folder = site.Folder;
        var ok = true;
        var url = site.Url;
        console.MarkupLineInterpolated($"Platform listening on [bold]{url}[/] (SQLite in {folder}); API reference at {url}/scalar");
        foreach (var card in cards)
        {
            console.MarkupLineInterpolated($"[bold]{card.Label}[/] (certificate {card.Serial}):");
            ok &= await KangenCli.RunAsync(["reserve", "--card", card.CardFile, "--pin", card.Pin, "--server", url], context, cancellationToken) == ExitCodes.Ok;
        }
        console.MarkupLine("[bold]taro[/] logs in again: the same person, the same My Key ID.");
        ok &= await KangenCli.RunAsync(["reserve", "--card", cards[0].CardFile, "--pin", cards[0].Pin, "--server", url], context, cancellationToken) == ExitCodes.Ok;

        var lost = DemoCards.PathOf(folder, DemoCards.Lost.Label);
        console.MarkupLine("The lost card tries to log in (its certificate is on the issuer's CRL):");
        ok &= await KangenCli.RunAsync(["reserve", "--card", lost, "--pin", DemoCards.Lost.Pin, "--server", url], context, cancellationToken) == ExitCodes.Failure;

        var campaign = site.Platform.Services.GetRequiredService<Kangen.Platform.Features.Campaigns.CampaignProvider>();
        console.MarkupLineInterpolated($"The campaign runs on demo dates: every date moved by {campaign.ShiftDays} days, so today is its {DemoAnchor}.");
        site.Operators = await DemoOperators.StartAsync(context, folder, url, staff.Admin, cancellationToken);
        ok &= await DemoApplications.RunAsync(context, url, cards, site.Operators, staff.CallCentre, cancellationToken);
        ok &= await DemoOperators.GrantAndSettleAsync(context, url, staff.Admin, site.Operators, cancellationToken);

        console.MarkupLine("Procedure spots near Tokyo station that take applications, open at the demo instant:");
        ok &= await KangenCli.RunAsync(["spots", "near", "--postal-code", "100-0005", "--operation", "apply", "--open-at", instant.ToString("yyyy-MM-ddTHH:mmzzz", System.Globalization.CultureInfo.InvariantCulture), "--k", "5"], context, cancellationToken) == ExitCodes.Ok;
        return ok;
    }

    /// <summary>The administrator's check of the hash-chained audit log.</summary>
    public static async Task<bool> VerifyAuditAsync(CliContext context, string folder, CancellationToken cancellationToken)
    {
        context.Console.MarkupLine("Every change above went into the hash-chained audit log; the administrator's check:");
        return await KangenCli.RunAsync(["admin", "audit", "verify", "--data", folder], context, cancellationToken) == ExitCodes.Ok;
    }
}

/// <summary>
/// The demo's staff: one random token per role for this run, configured on the platform by its SHA-256 only (as a
/// deployment would) and printed for the person trying the pages.
/// </summary>
internal sealed record DemoStaff(string Counter, string CallCentre, string Municipal, string Admin)
{
    public static DemoStaff Create()
    {
        static string Token() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        return new DemoStaff(Token(), Token(), Token(), Token());
    }

    /// <summary>Role, staff id and token, in the order the tour shows them.</summary>
    public IEnumerable<(string Role, string Id, string Token)> All =>
    [
        (Kangen.Platform.Features.Staff.StaffRoles.Counter, "demo-counter", Counter),
        (Kangen.Platform.Features.Staff.StaffRoles.CallCentre, "demo-agent", CallCentre),
        (Kangen.Platform.Features.Staff.StaffRoles.Municipal, "demo-municipal", Municipal),
        (Kangen.Platform.Features.Staff.StaffRoles.Admin, "demo-admin", Admin),
    ];

    /// <summary>The platform settings: <c>--Kangen:Staff:Tokens:i:Id/Role/Sha256</c>.</summary>
    public IEnumerable<string> Settings() => All.SelectMany((s, i) => new[]
    {
        $"--Kangen:Staff:Tokens:{i}:Id={s.Id}", $"--Kangen:Staff:Tokens:{i}:Role={s.Role}",
        $"--Kangen:Staff:Tokens:{i}:Sha256={Kangen.Platform.Features.Staff.StaffRoles.HashToken(s.Token)}",
    });
}

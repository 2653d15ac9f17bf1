using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Kangen.Cli.Features.Card.Agent;
using Kangen.Platform;
using Kangen.Platform.Features.Staff;
using Kangen.SmartCard;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Kangen.Web.Tests;

/// <summary>An emulated card held by the fixture's card agent.</summary>
/// <param name="Name">Its name in the fixture, which is also its id in the agent (what a page's card list shows).</param>
/// <param name="FilePath">The card file.</param>
/// <param name="Pin">Its user-authentication PIN.</param>
/// <param name="Serial">Its authentication certificate's serial (hex).</param>
public sealed record WebCard(string Name, string FilePath, string Pin, string Serial)
{
    /// <summary>The card's id in the agent.</summary>
    public string AgentId => Name;
}

/// <summary>
/// What a browser test runs against, all of it real: the platform on Kestrel (SQLite in a temporary folder, the
/// campaign on today's calendar with every program open, the built-in demo operators, staff tokens for every role),
/// the local card agent on loopback holding emulated cards of the platform's issuer, and Debian's Chromium driven
/// headless by Playwright. One per test class (<c>IClassFixture&lt;WebFixture&gt;</c>); derive to add configuration.
/// </summary>
public class WebFixture : IAsyncLifetime
{
    /// <summary>The PIN of every card but the locked one's (which is blocked anyway).</summary>
    public const string DefaultPin = "1234";

    private static readonly (string Name, DateOnly BirthDate)[] CardSet =
    [
        ("adult-1", new(1980, 4, 1)), ("adult-2", new(1981, 5, 2)), ("adult-3", new(1982, 6, 3)), ("adult-4", new(1983, 7, 4)),
        ("adult-5", new(1984, 8, 5)), ("adult-6", new(1985, 9, 6)), ("adult-7", new(1986, 10, 7)), ("adult-8", new(1987, 11, 8)),
        ("parent", new(1978, 3, 3)), ("child", new(2015, 5, 5)),
        ("spare-1", new(1990, 1, 1)), ("spare-2", new(1991, 2, 2)), ("spare-3", new(1992, 3, 3)), ("spare-4", new(1993, 4, 4)),
        ("locked", new(1975, 12, 12)),
    ];

    private static readonly string[] Roles = [StaffRoles.Counter, StaffRoles.CallCentre, StaffRoles.Municipal, StaffRoles.Admin];

    private readonly Dictionary<string, WebCard> _cards = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _staffTokens = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private CardAgent? _agent;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The platform's address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The local card agent's address.</summary>
    public Uri AgentUrl { get; private set; } = null!;

    /// <summary>The platform's data folder (SQLite, issuer, keys; card files in its <c>cards</c> folder).</summary>
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "kangen-web-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>Where the card files are (what the municipal pages list).</summary>
    public string CardsDirectory => Path.Combine(DataDirectory, "cards");

    /// <summary>The running platform's services (create a scope for the DbContext).</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>The browser.</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>More platform arguments (<c>--Kangen:Web:CounterIdleSeconds=5</c>...) for a derived fixture.</summary>
    protected virtual IEnumerable<string> ExtraArguments => [];

    /// <summary>More platform services for a derived fixture (a <see cref="TimeProvider"/> it controls, say).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>A card of the set by name ("adult-1".."adult-8", "parent", "child", "spare-1".."spare-4", "locked").</summary>
    public WebCard Card(string name) =>
        _cards.TryGetValue(name, out var card) ? card : throw new ArgumentException($"No card '{name}' in the fixture.", nameof(name));

    /// <summary>The staff token of a role (counter, call-centre, municipal, admin); the staff id is "test-" + role.</summary>
    public string StaffToken(string role) =>
        _staffTokens.TryGetValue(role, out var token) ? token : throw new ArgumentException($"No staff role '{role}'.", nameof(role));

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(CardsDirectory);
        IssueCards();

        var platformPort = FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{platformPort}/");
        _agent = await CardAgent.StartAsync(new CardAgentOptions
        {
            Port = 0,
            Cards = [.. _cards.Values.Select(c => (AgentCard)new EmulatedAgentCard(c.Name, c.FilePath))],
            AllowedOrigins = [BaseUrl.GetLeftPart(UriPartial.Authority)],
        });
        AgentUrl = _agent.Url;

        var args = new List<string>
        {
            "--urls=" + BaseUrl.GetLeftPart(UriPartial.Authority),
            "--" + PlatformData.ConfigurationKey + "=" + DataDirectory,
            "--Kangen:Storage:Provider=sqlite",
            "--Kangen:Campaign:DemoAnchor=2022-10-15",
            "--Kangen:Operators:Demo=true",
            "--Kangen:Web:CardAgentUrl=" + AgentUrl,
            "--Kangen:Web:CardsDirectory=" + CardsDirectory,
        };
        for (var i = 0; i < Roles.Length; i++)
        {
            var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
            _staffTokens[Roles[i]] = token;
            args.Add($"--Kangen:Staff:Tokens:{i}:Id=test-{Roles[i]}");
            args.Add($"--Kangen:Staff:Tokens:{i}:Role={Roles[i]}");
            args.Add($"--Kangen:Staff:Tokens:{i}:Sha256={StaffRoles.HashToken(token)}");
        }
        args.AddRange(ExtraArguments);
        _app = PlatformHost.Build([.. args], builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            ConfigureServices(builder.Services);
        });
        await _app.StartAsync();

        (_playwright, _browser) = await LaunchChromiumAsync();
    }

    /// <summary>Playwright and Debian's Chromium, headless (<c>KANGEN_CHROMIUM</c> names another executable).</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchChromiumAsync()
    {
        var chromium = Environment.GetEnvironmentVariable("KANGEN_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(chromium))
            throw new InvalidOperationException($"Chromium not found at {chromium}: install Debian's chromium (scripts/test.sh does) or set KANGEN_CHROMIUM.");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // Root in CI: Chromium's sandbox needs an unprivileged user.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        return (playwright, browser);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_agent is not null)
            await _agent.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a closing process: the temporary folder is left behind, nothing else.
        }
    }

    /// <summary>
    /// How long a test waits for the browser (a bound on waiting, not on speed: a clean-clone CI run, with the platform
    /// tests running beside these on the same two cores, once took over 20 s for a staff sign-in's redirect to load).
    /// </summary>
    public const int WaitMilliseconds = 60_000;

    /// <summary>A fresh browser context (no cookies, Japanese locale, a phone-or-desktop sized viewport) and a page in it.</summary>
    public async Task<IPage> NewPageAsync(BrowserNewContextOptions? options = null)
    {
        var context = await Browser.NewContextAsync(options ?? new BrowserNewContextOptions
        {
            Locale = "ja-JP",
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(WaitMilliseconds);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Opens a citizen session over the platform's API with the card (challenge, card signature in-process) and puts
    /// its cookie into the page's browser context: for tests of pages behind the login.
    /// </summary>
    public async Task<string> SignInByApiAsync(IPage page, string cardName, string channel = "web")
    {
        ArgumentNullException.ThrowIfNull(page);
        var card = Card(cardName);
        using var http = new HttpClient { BaseAddress = BaseUrl };
        var challengeResponse = await http.PostAsJsonAsync("api/v1/challenges", new { purpose = "session" });
        challengeResponse.EnsureSuccessStatusCode();
        var challenge = (await challengeResponse.Content.ReadFromJsonAsync<ChallengeBody>())!.Challenge;
        var (certificate, signature) = await SignWithCardAsync(card, challenge);
        var sessionResponse = await http.PostAsJsonAsync("api/v1/sessions", new
        {
            challenge,
            certificate = Convert.ToBase64String(certificate),
            signature = Convert.ToBase64String(signature),
            channel,
        });
        if (sessionResponse.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"The session was refused: {(int)sessionResponse.StatusCode} {await sessionResponse.Content.ReadAsStringAsync()}");
        var session = (await sessionResponse.Content.ReadFromJsonAsync<SessionBody>())!;
        await page.Context.AddCookiesAsync(
        [
            new Microsoft.Playwright.Cookie { Name = "kangen-session", Value = session.Token, Url = BaseUrl.GetLeftPart(UriPartial.Authority), HttpOnly = true, SameSite = SameSiteAttribute.Strict },
        ]);
        return session.MyKeyId;
    }

    /// <summary>
    /// The card's certificate and its signature over a text's UTF-8 bytes, through the running local card agent (the
    /// component a page uses), so that a test signing in over the API exercises the agent too.
    /// </summary>
    public async Task<(byte[] Certificate, byte[] Signature)> SignWithCardAsync(WebCard card, string text)
    {
        ArgumentNullException.ThrowIfNull(card);
        using var agent = new HttpClient { BaseAddress = AgentUrl };
        var path = "v1/cards/" + Uri.EscapeDataString(card.AgentId);
        var certificate = (await agent.GetFromJsonAsync<AgentCertificate>(path + "/certificate"))!;
        var signed = await agent.PostAsJsonAsync(path + "/sign", new { pin = card.Pin, challenge = Convert.ToBase64String(Encoding.UTF8.GetBytes(text ?? "")) });
        if (!signed.IsSuccessStatusCode)
            throw new InvalidOperationException($"The card agent refused to sign with {card.Name}: {(int)signed.StatusCode} {await signed.Content.ReadAsStringAsync()}");
        var signature = (await signed.Content.ReadFromJsonAsync<AgentSignature>())!;
        return (Convert.FromBase64String(certificate.Der), Convert.FromBase64String(signature.Signature));
    }

    /// <summary>Whether every session of the person of <paramref name="myKeyId"/> has ended (and there was one).</summary>
    public async Task<bool> SessionsEndedAsync(string myKeyId)
    {
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Kangen.Platform.Storage.KangenDbContext>();
        var person = await db.Persons.AsNoTracking().SingleAsync(p => p.MyKeyId == myKeyId);
        var sessions = await db.Sessions.AsNoTracking().Where(p => p.PersonId == person.Id).ToListAsync();
        return sessions.Count > 0 && sessions.All(p => p.EndedAt is not null);
    }

    /// <summary>
    /// Waits until the page's URL satisfies <paramref name="arrived"/> and that document has loaded. Not
    /// <c>IPage.WaitForURLAsync</c>: it checks, then subscribes to the page's events, and an event delivered between the
    /// two on Playwright's own thread is lost (microsoft/playwright-dotnet#3364); a clean-clone CI run waited out its
    /// whole minute that way for a "load" that had already happened. Polling the URL and the document's readyState
    /// loses nothing. It waits as long as <see cref="WaitMilliseconds"/>. Like the call it replaces, it cannot tell the page
    /// before a navigation from the one after when <paramref name="arrived"/> accepts both's URLs.
    /// </summary>
    /// <exception cref="TimeoutException">The page did not get there in time (the message names where it stayed).</exception>
    public static async Task WaitForUrlAsync(IPage page, Func<string, bool> arrived)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(arrived);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (arrived(page.Url))
            {
                try
                {
                    if (await page.EvaluateAsync<bool>("document.readyState === 'complete'") && arrived(page.Url))
                        return;
                }
                catch (PlaywrightException) when (!page.IsClosed)
                {
                    // The document went away under the check (a navigation): look again.
                }
            }
            if (waited.ElapsedMilliseconds > WaitMilliseconds)
                throw new TimeoutException(arrived(page.Url)
                    ? $"The page at {page.Url} did not finish loading within {WaitMilliseconds / 1000} s."
                    : $"The page is still at {page.Url}, not where it was expected, after {WaitMilliseconds / 1000} s.");
            await Task.Delay(50);
        }
    }

    /// <summary>Signs in as staff of a role through the real sign-in page.</summary>
    public async Task StaffSignInAsync(IPage page, string role)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync(new Uri(BaseUrl, "staff/sign-in").ToString());
        await page.Locator("#token").FillAsync(StaffToken(role));
        await page.Locator("form button[type=submit]").ClickAsync();
        try
        {
            await WaitForUrlAsync(page, url => !url.Contains("/staff/sign-in", StringComparison.Ordinal));
        }
        catch (TimeoutException e)
        {
            // A clean-clone CI run once stayed on the sign-in page past the wait with nothing to say why: the page the
            // browser is left on (a refusal, an error page, a form never sent) is what the next reader needs.
            string text;
            try
            {
                text = await page.Locator("body").InnerTextAsync(new() { Timeout = 5_000 });
            }
            catch (PlaywrightException unreadable)
            {
                text = "(unreadable: " + unreadable.Message + ")";
            }
            throw new TimeoutException($"Still on {page.Url} after signing in as {role}; the page says: {(text.Length > 600 ? text[..600] : text)}", e);
        }
    }

    /// <summary>A full-page screenshot in <c>artifacts/screenshots/&lt;name&gt;.png</c> at the repository root; returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        var folder = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>The repository root (where Kangen.slnx is).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kangen.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Kangen.slnx not found above " + AppContext.BaseDirectory);
    }

    private void IssueCards()
    {
        using var issuer = CardIssuer.Open(DataDirectory, TimeProvider.System);
        var i = 0;
        foreach (var (name, birthDate) in CardSet)
        {
            var path = Path.Combine(CardsDirectory, name + ".card");
            // Names and addresses are the issuer's resident records (for renewal); the platform never sees them.
            var holder = new CardHolder($"試験 {name}", birthDate, i++ % 2 == 0 ? CardHolderSex.Female : CardHolderSex.Male, "東京都千代田区千代田1-1");
            var issued = issuer.Issue(path, holder, DefaultPin, "TEST2022");
            _cards[name] = new WebCard(name, path, DefaultPin, issued.AuthenticationSerial);
        }
        LockPin(_cards["locked"]);
    }

    private static void LockPin(WebCard card)
    {
        for (var attempt = 0; attempt < PinRules.AuthenticationPinMaxTries; attempt++)
        {
            using var transport = new InProcessTransport(EmulatedCard.Load(card.FilePath));
            var client = new JpkiClient(transport);
            client.SelectJpkiAp();
            try
            {
                client.VerifyAuthPin("9999");
            }
            catch (SmartCardException)
            {
                // Each wrong PIN costs a try; the last one blocks the card.
            }
        }
    }

    /// <summary>A TCP port on loopback that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record ChallengeBody(string Challenge);

    private sealed record AgentCertificate(string Der);

    private sealed record AgentSignature(string Signature);

    private sealed record SessionBody(string Token, string MyKeyId);
}

using System.Net;
using System.Net.Sockets;
using Kangen.Cli.Features.Card.Agent;
using Kangen.Platform.Features.Services;
using Kangen.SmartCard;
using Spectre.Console;

namespace Kangen.Cli.Features.Demo;

/// <summary>A card the demo's card agent holds for the web pages.</summary>
/// <param name="Id">Its id in the agent (what the login page lists).</param>
/// <param name="Holder">The holder's name as the issuer recorded it.</param>
/// <param name="BirthDate">The holder's birth date.</param>
/// <param name="Pin">Its user-authentication PIN.</param>
/// <param name="Use">What it is for in the guided tour.</param>
/// <param name="FilePath">The card file.</param>
internal sealed record WebDemoCard(string Id, string Holder, DateOnly BirthDate, string Pin, string Use, string FilePath);

/// <summary>A demo account opened for a web card at the demo operator, as the citizen types it into /apply.</summary>
internal sealed record WebDemoAccount(WebDemoCard Card, PaymentService Service, IReadOnlyList<(string Label, string Value)> Fields);

/// <summary>
/// The web part of <c>kangen demo</c>: fresh cards for the pages (three adults, a parent and a child under 15, a card
/// whose PIN is locked) beside the scripted tour's cards, accounts for them at the demo operator, the local card agent
/// holding all of them, and the guided tour printed for a newcomer.
/// </summary>
internal static class DemoWeb
{
    /// <summary>The card agent's port unless <c>--agent-port</c> says otherwise (what the pages expect by default).</summary>
    public const int DefaultAgentPort = 47300;

    /// <summary>The PIN of every fresh web card.</summary>
    public const string Pin = "1234";

    /// <summary>The signing password of every demo card.</summary>
    public const string SigningPassword = "DEMO2022";

    /// <summary>The service the tour applies with: its operator, kangen-demo, runs beside the platform.</summary>
    public const string Service = "demo-pay";

    private static readonly (string Id, CardHolder Holder, string Use)[] Fresh =
    [
        ("ichiro", new CardHolder("山田 一郎", new DateOnly(1985, 2, 14), CardHolderSex.Male, "東京都新宿区西新宿2-8-1"), "sign in and apply (Japanese)"),
        ("misaki", new CardHolder("田中 美咲", new DateOnly(1992, 9, 30), CardHolderSex.Female, "京都府京都市中京区寺町通御池上る上本能寺前町488"), "sign in and apply (中文)"),
        ("kenta", new CardHolder("伊藤 健太", new DateOnly(1968, 12, 1), CardHolderSex.Male, "北海道札幌市中央区北1条西2丁目"), "sign in and apply (English), or at the counter"),
        ("naoko", new CardHolder("中村 直子", new DateOnly(1983, 6, 18), CardHolderSex.Female, "神奈川県横浜市中区日本大通1"), "parent: applies for ren"),
        ("ren", new CardHolder("中村 蓮", new DateOnly(2015, 3, 3), CardHolderSex.Male, "神奈川県横浜市中区日本大通1"), "child under 15 (naoko's son)"),
        ("locked", new CardHolder("小林 明", new DateOnly(1979, 1, 25), CardHolderSex.Male, "愛知県名古屋市中区三の丸3-1-1"), "PIN locked: reset it at /municipal"),
    ];

    private static readonly string[] FreshWithAccounts = ["ichiro", "misaki", "kenta", "naoko", "ren"];

    /// <summary>
    /// The cards the agent holds, in the order the login page lists them: the fresh ones, the scripted tour's people
    /// (who have applied already: their status is full), the lost card (revoked).
    /// </summary>
    public static IReadOnlyList<(string Id, string FilePath)> AgentCards(string folder) =>
        [.. Fresh.Select(p => p.Id).Concat(["taro", "hanako", "yui", DemoCards.Lost.Label]).Select(id => (id, DemoCards.PathOf(folder, id)))];

    /// <summary>Parses <c>--urls</c> for the kept-open demo: http(s) URLs with an explicit port.</summary>
    public static bool TryParseUrls(string text, out IReadOnlyList<Uri> urls, out string error)
    {
        var parsed = new List<Uri>();
        urls = parsed;
        error = "";
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcard hosts are not URI hosts; read them as 0.0.0.0.
            var normalized = part.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/")
            {
                error = $"--urls: '{part}' is not an address such as http://127.0.0.1:5080.";
                return false;
            }
            if (uri.Port == 0)
            {
                error = $"--urls: '{part}' needs a port: the card agent must know the pages' address before they start (port 0 is for --exit only).";
                return false;
            }
            parsed.Add(uri);
        }
        if (parsed.Count == 0)
        {
            error = "--urls: give at least one address such as http://127.0.0.1:5080.";
            return false;
        }
        return true;
    }

    /// <summary>The address to open in a browser: the first URL, with a wildcard host shown as 127.0.0.1.</summary>
    public static Uri BrowserUrl(IReadOnlyList<Uri> urls)
    {
        var first = urls[0];
        return IsWildcard(first.Host) ? new UriBuilder(first) { Host = "127.0.0.1" }.Uri : first;
    }

    /// <summary>
    /// The web origins the agent accepts: each platform address, with 127.0.0.1 and localhost both allowed for a
    /// loopback or wildcard host (a browser may be pointed at either).
    /// </summary>
    public static IReadOnlyList<string> AllowedOrigins(IReadOnlyList<Uri> urls)
    {
        var origins = new List<string>();
        foreach (var url in urls)
        {
            var hosts = IsWildcard(url.Host) || url.IsLoopback ? ["127.0.0.1", "localhost"] : new[] { url.Host };
            foreach (var host in hosts)
                origins.Add($"{url.Scheme}://{host}:{url.Port}");
        }
        return [.. origins.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// A message for every address already taken (the platform's and the agent's), found before the demo spends a
    /// minute on its scripted tour. Another <c>kangen demo</c> or <c>kangen serve</c> is the usual cause.
    /// </summary>
    public static IReadOnlyList<string> TakenAddresses(IReadOnlyList<Uri> urls, int agentPort)
    {
        var problems = new List<string>();
        foreach (var url in urls)
        {
            var address = IsWildcard(url.Host) ? IPAddress.Any
                : IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) ? ip
                : IPAddress.Loopback;
            if (!IsFree(address, url.Port))
                problems.Add($"Port {url.Port} is taken ({url}): is another kangen demo or kangen serve running? Stop it, or choose another address: kangen demo --urls http://127.0.0.1:{NextPort(url.Port)}");
        }
        if (agentPort != 0 && !IsFree(IPAddress.Loopback, agentPort))
            problems.Add($"Port {agentPort} on 127.0.0.1 is taken, so the card agent cannot start there (is another kangen demo or kangen card agent running?). Stop it, or choose another port: kangen demo --agent-port {NextPort(agentPort)}");
        return problems;
    }

    /// <summary>Starts the card agent on 127.0.0.1 holding the demo's cards, for pages at <paramref name="origins"/>.</summary>
    /// <exception cref="IOException">The port is taken.</exception>
    public static Task<CardAgent> StartAgentAsync(string folder, int port, IReadOnlyList<string> origins, CancellationToken cancellationToken) =>
        CardAgent.StartAsync(new CardAgentOptions
        {
            Port = port,
            // Card files that do not exist yet are offered as absent until the demo has issued them.
            Cards = [.. AgentCards(folder).Select(c => (AgentCard)new EmulatedAgentCard(c.Id, c.FilePath))],
            AllowedOrigins = origins,
        }, cancellationToken);

    /// <summary>
    /// Issues the fresh web cards (new ones every run, so a newcomer can apply again on an old data folder: a new card
    /// is a new person to the platform) and blocks the PIN of the locked one with three wrong tries.
    /// </summary>
    public static IReadOnlyList<WebDemoCard> IssueCards(CliContext context, string folder, IReadOnlyList<DemoCard> tourCards)
    {
        var cards = new List<WebDemoCard>();
        using (var issuer = CardIssuer.Open(folder, context.Time))
        {
            context.Console.Status().Start("Issuing the web demo cards", _ =>
            {
                foreach (var (id, holder, use) in Fresh)
                {
                    var path = DemoCards.PathOf(folder, id);
                    File.Delete(path);
                    issuer.Issue(path, holder, Pin, SigningPassword);
                    cards.Add(new WebDemoCard(id, holder.Name, holder.BirthDate, Pin, use, path));
                }
            });
        }
        LockPin(cards.Single(c => c.Id == "locked").FilePath);
        foreach (var card in tourCards)
        {
            var use = card.Label == "yui" ? "child of taro: applied in the tour" : "applied in the tour: see /status";
            cards.Add(new WebDemoCard(card.Label, card.Holder.Name, card.Holder.BirthDate, card.Pin, use, card.CardFile));
        }
        var (lostLabel, lostHolder, lostPin) = DemoCards.Lost;
        cards.Add(new WebDemoCard(lostLabel, lostHolder.Name, lostHolder.BirthDate, lostPin, "reported lost: refused (revoked)", DemoCards.PathOf(folder, lostLabel)));
        return cards;
    }

    /// <summary>Opens one demo-pay account per fresh card at the demo operator (the child's own, as the rules require).</summary>
    public static async Task<IReadOnlyList<WebDemoAccount>> OpenAccountsAsync(CliContext context, IReadOnlyList<WebDemoCard> cards,
        IReadOnlyList<DemoOperator> operators, CancellationToken cancellationToken)
    {
        var service = ServiceCatalogue.LoadDefault().Find(Service)!;
        var op = operators.Single(o => o.Code == service.Operator);
        var accounts = new List<WebDemoAccount>();
        foreach (var card in cards.Where(c => FreshWithAccounts.Contains(c.Id)))
        {
            var (account, _) = await op.OpenAccountAsync(Service, context.Time, cancellationToken);
            var fields = service.Fields
                .Where(f => account.Fields.ContainsKey(f.Name))
                .Select(f => ($"{f.Label.Ja} / {f.Label.En}", account.Fields[f.Name]))
                .ToList();
            accounts.Add(new WebDemoAccount(card, service, fields));
        }
        return accounts;
    }

    /// <summary>The guided tour: where to open, which card and PIN, what to type, the staff tokens, how to stop.</summary>
    public static void PrintTour(CliContext context, Uri site, Uri agent, IReadOnlyList<WebDemoCard> cards, IReadOnlyList<WebDemoAccount> accounts, DemoStaff staff)
    {
        var console = context.Console;
        var root = site.GetLeftPart(UriPartial.Authority);
        console.Write(new Rule("[bold]The web product is open / ウェブ版を開きました[/]").LeftJustified());
        console.MarkupLineInterpolated($"Platform [bold link]{root}/[/]   card agent {agent} (127.0.0.1 only, pages of {root} only)");
        console.WriteLine();

        var cardTable = new Table().Title("Cards in the card agent / カードリーダー（エージェント）のカード")
            .AddColumns("Card", "Holder / 氏名", "Born", "PIN", "Use it for");
        foreach (var card in cards)
            cardTable.AddRow($"[bold]{Markup.Escape(card.Id)}[/]", Markup.Escape(card.Holder), card.BirthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                card.Pin, Markup.Escape(card.Use));
        console.Write(cardTable);

        if (accounts.Count > 0)
        {
            var service = accounts[0].Service;
            var accountTable = new Table().Title($"Accounts to type in /apply: {Markup.Escape(service.Name.Ja)} / {Markup.Escape(service.Name.En)} ({service.Code.Value}), confirmed by its operator {service.Operator}")
                .AddColumns("Card", "Field", "Value");
            foreach (var account in accounts)
            {
                foreach (var (i, (label, value)) in account.Fields.Index())
                    accountTable.AddRow(i == 0 ? $"[bold]{Markup.Escape(account.Card.Id)}[/]" : "", Markup.Escape(label), $"[bold]{Markup.Escape(value)}[/]");
            }
            console.Write(accountTable);
        }

        // Plain lines, not a table: a token must never wrap where it is copied from.
        console.Write(new Rule("Staff tokens for this run: sign in at /staff/sign-in / 職員ログイン").LeftJustified());
        foreach (var (role, _, token) in staff.All)
            console.MarkupLineInterpolated($"{role,-12} {token}");

        var steps = new[]
        {
            $"Open [bold]{root}/[/] (トップページ, Japanese). 中文: {root}/?culture=zh, English: {root}/?culture=en, or the language switch at the top.",
            $"ログイン [bold]{root}/login[/]: card [bold]ichiro[/], PIN [bold]{Pin}[/]. Try a wrong PIN (tries left), card [bold]locked[/] (go to the municipal office), card [bold]lost[/] (revoked).",
            $"申請 [bold]{root}/apply[/]: service [bold]{Service}[/], type ichiro's account from the table, confirm the masked name, confirm with the card: 申請済み / applied.",
            $"申請状況 [bold]{root}/status[/]: what was applied and granted (taro's is full: card taro, PIN 1234).",
            $"Child: sign in as [bold]naoko[/], apply for her son with card [bold]ren[/] (PIN {Pin}, signing password {SigningPassword}) and ren's own account.",
            $"窓口端末 [bold]{root}/counter[/] with the counter token: the same flow for a visitor (card kenta); the terminal forgets the citizen after each application and when idle.",
            $"コールセンター [bold]{root}/callcentre[/] with the call-centre token: look up a My Key ID with the phone digits given when applying.",
            $"市区町村窓口 [bold]{root}/municipal[/] with the municipal token: reset the PIN of card [bold]locked[/], then sign in with it.",
            $"管理 [bold]{root}/admin[/] with the admin token: live charts, campaign and service editing, operators, audit verification.",
        };
        console.Write(new Rule("Guided tour / ご案内").LeftJustified());
        foreach (var (i, step) in steps.Index())
            console.MarkupLine($"{i + 1}. {step}");
        console.WriteLine();
        console.MarkupLine("Press [bold]Ctrl+C[/] to stop / 終了は Ctrl+C. (kangen demo --exit runs the scripted tour only.)");
    }

    private static void LockPin(string cardFile)
    {
        for (var attempt = 0; attempt < PinRules.AuthenticationPinMaxTries; attempt++)
        {
            using var transport = new InProcessTransport(EmulatedCard.Load(cardFile));
            var client = new JpkiClient(transport);
            client.SelectJpkiAp();
            try
            {
                client.VerifyAuthPin("9999");
            }
            catch (SmartCardException)
            {
                // Each wrong PIN costs a try (its state is written back to the file); the last one blocks the PIN.
            }
        }
    }

    private static bool IsWildcard(string host) => host is "0.0.0.0" or "[::]" or "::";

    private static int NextPort(int port) => port < 65535 ? port + 1 : port - 1;

    private static bool IsFree(IPAddress address, int port)
    {
        try
        {
            using var listener = new TcpListener(address, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return false;
        }
    }
}

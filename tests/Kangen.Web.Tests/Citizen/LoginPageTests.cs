using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kangen.Web.Tests.Citizen;

/// <summary>The card login page through the real local card agent: success, wrong PIN, locked card, agent unreachable, languages.</summary>
public sealed class LoginPageTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    private async Task<IPage> OpenLoginAsync(string path = "login")
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.BaseUrl, path).ToString());
        // The script has listed the agent's cards and checked the first one's PIN counter.
        await Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();
        return page;
    }

    private static async Task ChooseCardAsync(IPage page, string label, WebCard card)
    {
        await page.GetByLabel(label).SelectOptionAsync(card.AgentId);
    }

    [Fact]
    public async Task Logging_in_with_the_card_lands_on_my_page_with_the_My_Key_ID_reserved_in_the_database()
    {
        var card = fixture.Card("adult-1");
        var page = await OpenLoginAsync();
        await ChooseCardAsync(page, "使用するカード", card);
        await Expect(page.GetByTestId("pin-tries")).ToHaveTextAsync("暗証番号の残り入力回数: 3回");
        await WebFixture.ScreenshotAsync(page, "citizen-login-ja");

        await page.GetByLabel("暗証番号（数字4桁）").FillAsync(card.Pin);
        await page.GetByRole(AriaRole.Button, new() { Name = "ログイン", Exact = true }).ClickAsync();
        await WebFixture.WaitForUrlAsync(page, url => url.EndsWith("/me", StringComparison.Ordinal));

        var shown = await page.GetByTestId("my-key-id").InnerTextAsync();
        Assert.Equal(await CitizenData.MyKeyIdOfAsync(fixture, card), shown);
        Assert.Matches("^[A-Z0-9]{8}$", shown);
        await Expect(page.GetByTestId("reserved-now")).ToBeVisibleAsync();
        Assert.Contains(card.Serial, await page.GetByTestId("certificates").InnerTextAsync(), StringComparison.Ordinal);
        await WebFixture.ScreenshotAsync(page, "citizen-me-ja");

        // Logging out ends the session: my page asks for the card again.
        await page.GetByRole(AriaRole.Button, new() { Name = "ログアウト" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(fixture.BaseUrl.ToString()) + "(\\?.*)?$"));
        await page.GotoAsync(new Uri(fixture.BaseUrl, "me").ToString());
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
    }

    [Fact]
    public async Task A_wrong_PIN_shows_the_tries_left_warns_at_the_last_one_and_really_costs_the_card_a_try()
    {
        var card = fixture.Card("spare-1");
        var page = await OpenLoginAsync();
        await ChooseCardAsync(page, "使用するカード", card);
        await Expect(page.GetByTestId("pin-tries")).ToHaveTextAsync("暗証番号の残り入力回数: 3回");
        var pin = page.GetByLabel("暗証番号（数字4桁）");
        var login = page.GetByRole(AriaRole.Button, new() { Name = "ログイン", Exact = true });

        await pin.FillAsync(card.Pin == "9876" ? "9875" : "9876");
        await login.ClickAsync();
        await Expect(page.GetByTestId("pin-wrong")).ToContainTextAsync("暗証番号の残り入力回数: 2回");
        await Expect(page.GetByTestId("pin-last-try")).ToBeHiddenAsync();
        Assert.Equal(2, CitizenData.PinTriesLeft(card));
        Assert.Equal("", await pin.InputValueAsync());
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
        await WebFixture.ScreenshotAsync(page, "citizen-login-wrong-pin-ja");

        await pin.FillAsync(card.Pin == "9876" ? "9875" : "9876");
        await login.ClickAsync();
        await Expect(page.GetByTestId("pin-wrong")).ToContainTextAsync("暗証番号の残り入力回数: 1回");
        await Expect(page.GetByTestId("pin-last-try")).ToContainTextAsync("市区町村窓口");
        Assert.Equal(1, CitizenData.PinTriesLeft(card));
        Assert.Equal(0, await CitizenData.SessionsOfAsync(fixture, card));

        // The right PIN still works and resets the counter.
        await pin.FillAsync(card.Pin);
        await login.ClickAsync();
        await WebFixture.WaitForUrlAsync(page, url => url.EndsWith("/me", StringComparison.Ordinal));
        Assert.Equal(3, CitizenData.PinTriesLeft(card));
    }

    [Fact]
    public async Task A_locked_card_gets_the_municipal_office_guidance_and_opens_no_session()
    {
        var card = fixture.Card("locked");
        var page = await OpenLoginAsync();
        await ChooseCardAsync(page, "使用するカード", card);

        var guide = page.GetByTestId("guide-locked");
        await Expect(guide).ToBeVisibleAsync();
        await Expect(guide).ToContainTextAsync("市区町村窓口でのみ");
        await Expect(page.GetByTestId("login-form")).ToBeHiddenAsync();
        Assert.Equal("/spots?operation=reserve", await guide.GetByRole(AriaRole.Link).GetAttributeAsync("href"));
        await WebFixture.ScreenshotAsync(page, "citizen-login-locked-ja");

        Assert.Equal(0, CitizenData.PinTriesLeft(card));
        Assert.Null(await CitizenData.MyKeyIdOfAsync(fixture, card));
        Assert.Equal(0, await CitizenData.SessionsOfAsync(fixture, card));
    }

    [Fact]
    public async Task An_unreachable_agent_gets_the_command_to_start_it_and_the_address_can_be_changed()
    {
        var page = await OpenLoginAsync();
        int deadPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            deadPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var dead = $"http://127.0.0.1:{deadPort}/";

        await page.GetByText("カードアプリの設定").ClickAsync();
        await page.GetByLabel("カードアプリのアドレス").FillAsync(dead);
        await page.GetByRole(AriaRole.Button, new() { Name = "保存して再接続" }).ClickAsync();

        var guide = page.GetByTestId("guide-unreachable");
        await Expect(guide).ToBeVisibleAsync();
        await Expect(guide).ToContainTextAsync(dead);
        var origin = fixture.BaseUrl.GetLeftPart(UriPartial.Authority);
        await Expect(page.GetByTestId("agent-command")).ToContainTextAsync($"kangen card agent --port 47300 --allow-origin {origin} --card");
        await Expect(page.GetByTestId("login-form")).ToBeHiddenAsync();
        Assert.Equal(dead, await page.EvaluateAsync<string>("() => window.KangenCard.agentUrl()"));
        await WebFixture.ScreenshotAsync(page, "citizen-login-unreachable-ja");

        // Back to the real agent: the cards are there again.
        await page.GetByLabel("カードアプリのアドレス").FillAsync(fixture.AgentUrl.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "保存して再接続" }).ClickAsync();
        await Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();
        await Expect(guide).ToBeHiddenAsync();
    }

    [Theory]
    [InlineData("zh", "adult-2", "用个人编号卡登录", "使用的卡", "密码剩余输入次数：3次", "密码（4位数字）", "登录", "我的页面")]
    [InlineData("en", "adult-3", "Log in with your My Number Card", "Card to use", "PIN tries left: 3", "PIN (4 digits)", "Log in", "My page")]
    public async Task Logging_in_in_Chinese_and_English_shows_the_texts_in_that_language(
        string culture, string cardName, string heading, string cardLabel, string tries, string pinLabel, string button, string meHeading)
    {
        var card = fixture.Card(cardName);
        var page = await OpenLoginAsync("login?culture=" + culture);
        Assert.Equal(heading, await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        await ChooseCardAsync(page, cardLabel, card);
        await Expect(page.GetByTestId("pin-tries")).ToHaveTextAsync(tries);
        await WebFixture.ScreenshotAsync(page, "citizen-login-" + culture);

        await page.GetByLabel(pinLabel).FillAsync(card.Pin);
        await page.GetByRole(AriaRole.Button, new() { Name = button, Exact = true }).ClickAsync();
        await WebFixture.WaitForUrlAsync(page, url => url.EndsWith("/me", StringComparison.Ordinal));
        Assert.Equal(meHeading, await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        Assert.Equal(await CitizenData.MyKeyIdOfAsync(fixture, card), await page.GetByTestId("my-key-id").InnerTextAsync());
    }

    [Fact]
    public async Task A_page_behind_the_login_explains_why_and_the_login_returns_to_it()
    {
        var card = fixture.Card("adult-5");
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.BaseUrl, "status").ToString());
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
        await Expect(page.GetByTestId("login-reason")).ToContainTextAsync("ログインが必要です");
        await Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();

        await page.GetByLabel("使用するカード").SelectOptionAsync(card.AgentId);
        await Expect(page.GetByTestId("pin-tries")).ToHaveTextAsync("暗証番号の残り入力回数: 3回");
        await page.GetByLabel("暗証番号（数字4桁）").FillAsync(card.Pin);
        await page.GetByRole(AriaRole.Button, new() { Name = "ログイン", Exact = true }).ClickAsync();
        await WebFixture.WaitForUrlAsync(page, url => url.EndsWith("/status", StringComparison.Ordinal));

        Assert.Equal(await CitizenData.MyKeyIdOfAsync(fixture, card), await page.GetByTestId("status-my-key-id").InnerTextAsync());
        await Expect(page.GetByTestId("applied-card-acquisition")).ToHaveTextAsync("未申込");
        await Expect(page.GetByTestId("todo-card-acquisition")).ToContainTextAsync("お申込みができます");
        await Expect(page.GetByTestId("todo-health-insurance")).ToContainTextAsync("健康保険証利用登録");
        await WebFixture.ScreenshotAsync(page, "citizen-status-ja");
    }

    [Fact]
    public async Task A_login_form_posted_with_a_forged_signature_is_refused_with_the_platforms_message()
    {
        var page = await OpenLoginAsync("login?culture=en");
        // Fill the hidden fields as the script would, but with a signature that does not verify.
        var challenge = await page.EvaluateAsync<string>(
            "async () => (await (await fetch('/api/v1/challenges', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{\"purpose\":\"session\"}'})).json()).challenge");
        var (certificate, _) = await fixture.SignWithCardAsync(fixture.Card("adult-8"), challenge);
        var (_, otherSignature) = await fixture.SignWithCardAsync(fixture.Card("spare-2"), challenge);
        await page.EvaluateAsync(@"([c, cert, sig]) => {
            document.getElementById('login-challenge').value = c;
            document.getElementById('login-certificate').value = cert;
            document.getElementById('login-signature').value = sig;
            document.getElementById('login-form').submit();
        }", new[] { challenge, Convert.ToBase64String(certificate), Convert.ToBase64String(otherSignature) });

        var problem = page.GetByTestId("login-problem");
        await Expect(problem).ToBeVisibleAsync();
        Assert.Equal("auth.signature-invalid", await problem.GetAttributeAsync("data-code"));
        await Expect(problem).ToContainTextAsync("You could not be logged in.");
        Assert.Null(await CitizenData.MyKeyIdOfAsync(fixture, fixture.Card("adult-8")));
    }

    [Fact]
    public async Task A_login_at_a_counter_terminal_opens_a_spot_session_which_cannot_register_a_public_fund_account()
    {
        var card = fixture.Card("spare-3");
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "counter");
        await page.GotoAsync(new Uri(fixture.BaseUrl, "login").ToString());
        await Expect(page.GetByTestId("login-counter")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();
        await page.GetByLabel("使用するカード").SelectOptionAsync(card.AgentId);
        await Expect(page.GetByTestId("pin-tries")).ToHaveTextAsync("暗証番号の残り入力回数: 3回");
        await page.GetByLabel("暗証番号（数字4桁）").FillAsync(card.Pin);
        await page.GetByRole(AriaRole.Button, new() { Name = "ログイン", Exact = true }).ClickAsync();
        await WebFixture.WaitForUrlAsync(page, url => url.EndsWith("/me", StringComparison.Ordinal));

        Assert.Equal(["spot"], await CitizenData.SessionChannelsOfAsync(fixture, card));
        await page.GotoAsync(new Uri(fixture.BaseUrl, "registrations").ToString());
        await Expect(page.GetByTestId("not-at-spot")).ToContainTextAsync("手続きスポットの端末からは登録できません");
    }
}

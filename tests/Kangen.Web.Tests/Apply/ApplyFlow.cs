using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kangen.Web.Tests.Apply;

/// <summary>Walks the application wizard's pages as a citizen does (labels and buttons in the page's language).</summary>
internal sealed class ApplyFlow(WebFixture fixture, IPage page, string culture)
{
    public IPage Page => page;

    public string Culture => culture;

    /// <summary>The text in the flow's language.</summary>
    public string L(string ja, string zh, string en) => culture switch { "zh" => zh, "en" => en, _ => ja };

    public string Url(string path) => new Uri(fixture.BaseUrl, path).ToString();

    /// <summary>The demo operator's fields of an account (index picks one; each test uses its own).</summary>
    public static IReadOnlyDictionary<string, string> Account(WebFixture fixture, string service, int index)
    {
        var catalogue = fixture.Services.GetRequiredService<ServiceCatalogue>();
        return DemoAccounts.Create(catalogue.Find(service)!, index);
    }

    /// <summary>The normalised payment service ID of typed fields (as the platform reads them).</summary>
    public static string AccountId(PaymentService service, IReadOnlyDictionary<string, string> fields) =>
        FieldValidation.Validate(service, fields.ToDictionary(kv => kv.Key, kv => (string?)kv.Value)).Fields!.AccountId;

    public static PaymentService Service(WebFixture fixture, string code) => fixture.Services.GetRequiredService<ServiceCatalogue>().Find(code)!;

    public Task ScreenshotAsync(string name) => WebFixture.ScreenshotAsync(page, name);

    /// <summary>Step 1 with the service preselected: keeps the programs offered and goes on.</summary>
    public async Task ChooseServiceAsync()
    {
        await page.GetByRole(AriaRole.Button, new() { Name = L("次へ", "下一步", "Next"), Exact = true }).ClickAsync();
    }

    /// <summary>Step 2: types the service's fields by their labels and asks the operator.</summary>
    public async Task EnterAccountAsync(PaymentService service, IReadOnlyDictionary<string, string> fields, string? phone = null)
    {
        foreach (var field in service.Fields)
            await page.GetByLabel(field.Label.For(culture), new() { Exact = true }).FillAsync(fields[field.Name]);
        if (phone is not null)
            await page.GetByLabel(L("電話番号の下4桁（任意）", "电话号码后4位（可选）", "Last 4 digits of a phone number (optional)")).FillAsync(phone);
        await page.GetByRole(AriaRole.Button, new() { Name = L("決済サービスに確認する", "向支付服务确认", "Check with the payment service") }).ClickAsync();
    }

    /// <summary>Step 3: accepts the terms.</summary>
    public async Task AcceptAsync()
    {
        await page.Locator("#accept").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = L("次へ", "下一步", "Next"), Exact = true }).ClickAsync();
    }

    /// <summary>Step 4: waits for the agent's cards (the signed-in card preselected), types the PIN and signs.</summary>
    public async Task WaitForCardsAsync(string cardId)
    {
        await Assertions.Expect(page.Locator("#card option[value='" + cardId + "']")).ToHaveCountAsync(1);
        Assert.Equal(cardId, await page.Locator("#card").InputValueAsync());
    }

    public async Task SignAsync(string pin)
    {
        await page.GetByLabel(L("利用者証明用電子証明書の暗証番号（数字4桁）", "用户证明用电子证书的密码（4位数字）", "User-authentication PIN (4 digits)")).FillAsync(pin);
        await page.GetByRole(AriaRole.Button, new() { Name = L("カードで確認して申し込む", "用卡确认并申请", "Confirm with the card and apply") }).ClickAsync();
    }

    /// <summary>Everything from /apply?service= to "applied" for the signed-in card.</summary>
    public async Task ApplyAsync(string cardId, string service, IReadOnlyDictionary<string, string> fields, Func<string, Task>? screenshot = null, bool navigate = true)
    {
        if (navigate)
            await page.GotoAsync(Url("apply?service=" + service));
        screenshot ??= _ => Task.CompletedTask;
        await screenshot("1-service");
        await ChooseServiceAsync();
        await screenshot("2-account");
        await EnterAccountAsync(Service(fixture, service), fields);
        await screenshot("3-holder");
        await AcceptAsync();
        await WaitForCardsAsync(cardId);
        await screenshot("4-card");
        await SignAsync(WebFixture.DefaultPin);
        await WebFixture.WaitForUrlAsync(page, url => url.EndsWith("/apply/applied", StringComparison.Ordinal));
        await screenshot("5-applied");
    }

    /// <summary>
    /// On the login page (where /apply sent a visitor without a session): chooses the card, types the PIN, logs in and
    /// waits to be back on the page that asked.
    /// </summary>
    public async Task LogInAsync(WebCard card, string backTo)
    {
        await Assertions.Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();
        await page.GetByLabel(L("使用するカード", "使用的卡", "Card to use")).SelectOptionAsync(card.AgentId);
        await page.GetByLabel(L("暗証番号（数字4桁）", "密码（4位数字）", "PIN (4 digits)")).FillAsync(card.Pin);
        await page.GetByRole(AriaRole.Button, new() { Name = L("ログイン", "登录", "Log in"), Exact = true }).ClickAsync();
        await WebFixture.WaitForUrlAsync(page, url => new Uri(url).PathAndQuery.StartsWith(backTo, StringComparison.Ordinal));
    }

    /// <summary>The person whose authentication certificate has this serial.</summary>
    public static async Task<Guid?> PersonOfAsync(WebFixture fixture, string serial)
    {
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        return await db.Certificates.AsNoTracking().Where(c => c.Serial == serial).Select(c => (Guid?)c.PersonId).SingleOrDefaultAsync();
    }

    /// <summary>The person's recorded program applications (program, service, actor) and submissions.</summary>
    public static async Task<(List<(string Program, string Service, string Actor)> Programs, int Submissions)> RecordedAsync(WebFixture fixture, Guid person)
    {
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        var rows = await db.Applications.AsNoTracking().Where(a => a.PersonId == person).ToListAsync();
        var submissions = await db.ApplicationSubmissions.AsNoTracking().CountAsync(s => s.PersonId == person);
        return (rows.Select(r => (r.Program, r.Service, r.Actor)).OrderBy(r => r.Program, StringComparer.Ordinal).ToList(), submissions);
    }
}

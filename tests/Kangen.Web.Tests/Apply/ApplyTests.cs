using Kangen.Platform.Features.Services;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kangen.Web.Tests.Apply;

/// <summary>The application wizard in the browser: the real platform, the real card agent with emulated cards, Chromium.</summary>
public sealed class ApplyTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    private async Task<ApplyFlow> SignedInAsync(string card, string culture)
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.BaseUrl, "?culture=" + culture).ToString());
        await fixture.SignInByApiAsync(page, card);
        return new ApplyFlow(fixture, page, culture);
    }

    [Theory]
    [InlineData("ja", "adult-1", 101)]
    [InlineData("zh", "adult-2", 102)]
    [InlineData("en", "adult-3", 103)]
    public async Task A_citizen_applies_from_the_landing_page_to_applied_in_each_language(string culture, string cardName, int account)
    {
        var card = fixture.Card(cardName);
        var fields = ApplyFlow.Account(fixture, "demo-pay", account);
        var service = ApplyFlow.Service(fixture, "demo-pay");
        var page = await fixture.NewPageAsync();
        var flow = new ApplyFlow(fixture, page, culture);
        await page.GotoAsync(flow.Url("?culture=" + culture));
        // From the landing page to the service's application: without a session the wizard sends the citizen to the
        // real login page, which brings them back with the service still chosen.
        await page.GotoAsync(flow.Url("apply?service=demo-pay"));
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
        await flow.LogInAsync(card, "/apply?service=demo-pay");

        await flow.ApplyAsync(card.AgentId, "demo-pay", fields,
            step => culture == "ja" || step == "5-applied" ? flow.ScreenshotAsync($"citizen-apply-{step}-{culture}") : Task.CompletedTask, navigate: false);

        Assert.Contains(flow.L("お申込みを受け付けました。", "已受理您的申请。", "Your application has been recorded."), await page.GetByTestId("applied").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(service.Name.For(culture), await page.GetByTestId("applied-service").InnerTextAsync());
        Assert.Equal(service.MaskAccountId(ApplyFlow.AccountId(service, fields)), await page.GetByTestId("applied-account").InnerTextAsync());
        Assert.Equal(["card-acquisition"], await page.GetByTestId("applied-programs").Locator("li").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.program)"));
        var person = await ApplyFlow.PersonOfAsync(fixture, card.Serial);
        var (programs, submissions) = await ApplyFlow.RecordedAsync(fixture, person!.Value);
        Assert.Equal([("card-acquisition", "demo-pay", "self")], programs);
        Assert.Equal(1, submissions);
        using var scope = fixture.Services.CreateScope();
        var myKeyId = await scope.ServiceProvider.GetRequiredService<KangenDbContext>().Persons.Where(p => p.Id == person).Select(p => p.MyKeyId).SingleAsync();
        Assert.Equal(myKeyId, await page.GetByTestId("applied-mykeyid").InnerTextAsync());
    }

    [Fact]
    public async Task The_masked_holder_name_and_the_terms_in_force_are_shown_before_signing()
    {
        var flow = await SignedInAsync("adult-7", "ja");
        var fields = ApplyFlow.Account(fixture, "demo-pay", 107);
        var service = ApplyFlow.Service(fixture, "demo-pay");
        await flow.Page.GotoAsync(flow.Url("apply?service=demo-pay"));
        await flow.ChooseServiceAsync();
        await flow.EnterAccountAsync(service, fields);

        var expected = DemoDerivation.MaskedHolderName(service, ApplyFlow.AccountId(service, fields));
        Assert.Equal(expected, await flow.Page.GetByTestId("holder-name").InnerTextAsync());
        Assert.Contains("2022-06", await flow.Page.GetByTestId("terms-text").InnerTextAsync(), StringComparison.Ordinal);

        // The acceptance is required: without it the citizen stays here with the message next to the checkbox.
        await flow.Page.GetByRole(AriaRole.Button, new() { Name = "次へ", Exact = true }).ClickAsync();
        Assert.Equal("true", await flow.Page.Locator("#accept").GetAttributeAsync("aria-invalid"));
        Assert.Contains("利用規約に同意", await flow.Page.Locator("#accept-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(expected, await flow.Page.GetByTestId("holder-name").InnerTextAsync());
    }

    [Fact]
    public async Task A_field_error_keeps_the_citizen_on_the_step_with_the_message_next_to_the_field_and_writes_nothing()
    {
        var card = fixture.Card("adult-4");
        var flow = await SignedInAsync("adult-4", "ja");
        var service = ApplyFlow.Service(fixture, "demo-pay");
        var fields = new Dictionary<string, string>(ApplyFlow.Account(fixture, "demo-pay", 104));
        var id = ApplyFlow.AccountId(service, fields);
        // One mistyped digit: the check digit no longer matches.
        fields[service.AccountIdField.Name] = id[..^2] + ((id[^2] - '0' + 1) % 10) + id[^1];
        await flow.Page.GotoAsync(flow.Url("apply?service=demo-pay"));
        await flow.ChooseServiceAsync();

        await flow.EnterAccountAsync(service, fields);

        var input = flow.Page.GetByLabel(service.AccountIdField.Label.Ja, new() { Exact = true });
        Assert.Equal("true", await input.GetAttributeAsync("aria-invalid"));
        Assert.Contains("field-appUserId-error", await input.GetAttributeAsync("aria-describedby") ?? "", StringComparison.Ordinal);
        Assert.Equal(ServiceProblems.FieldCheckDigit(service.AccountIdField).Ja, await flow.Page.Locator("#field-appUserId-error").InnerTextAsync());
        Assert.Equal("step", await flow.Page.Locator(".steps li:nth-child(2)").GetAttributeAsync("aria-current"));
        // What was typed stays (the ID), secrets do not come back.
        Assert.Equal(fields[service.AccountIdField.Name], await input.InputValueAsync());
        Assert.Equal("", await flow.Page.GetByLabel("セキュリティコード1", new() { Exact = true }).InputValueAsync());
        await flow.ScreenshotAsync("citizen-apply-2-field-error-ja");

        var person = (await ApplyFlow.PersonOfAsync(fixture, card.Serial))!.Value;
        var (programs, submissions) = await ApplyFlow.RecordedAsync(fixture, person);
        Assert.Empty(programs);
        Assert.Equal(0, submissions);
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        // Not even a verification was counted: the operator was never asked.
        Assert.False(await db.RateWindows.AnyAsync(w => w.Key == "verify:person:" + person));
    }

    [Fact]
    public async Task A_wrong_PIN_at_the_final_confirmation_shows_the_tries_left_and_records_nothing()
    {
        var card = fixture.Card("adult-5");
        var flow = await SignedInAsync("adult-5", "ja");
        var service = ApplyFlow.Service(fixture, "demo-pay");
        await flow.Page.GotoAsync(flow.Url("apply?service=demo-pay"));
        await flow.ChooseServiceAsync();
        await flow.EnterAccountAsync(service, ApplyFlow.Account(fixture, "demo-pay", 105));
        await flow.AcceptAsync();
        await flow.WaitForCardsAsync(card.AgentId);

        await flow.SignAsync("9999");

        var error = flow.Page.Locator("#pin-error");
        await Assertions.Expect(error).ToBeVisibleAsync();
        Assert.Contains("残り2回", await error.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("true", await flow.Page.Locator("#pin").GetAttributeAsync("aria-invalid"));
        await flow.ScreenshotAsync("citizen-apply-4-wrong-pin-ja");
        var person = (await ApplyFlow.PersonOfAsync(fixture, card.Serial))!.Value;
        Assert.Equal(0, (await ApplyFlow.RecordedAsync(fixture, person)).Submissions);

        // The right PIN then applies (and the card counts its tries again from the top).
        await flow.SignAsync(card.Pin);
        await WebFixture.WaitForUrlAsync(flow.Page, url => url.EndsWith("/apply/applied", StringComparison.Ordinal));
        Assert.Equal(1, (await ApplyFlow.RecordedAsync(fixture, person)).Submissions);
        Assert.Equal(3, Citizen.CitizenData.PinTriesLeft(card));
    }

    [Fact]
    public async Task A_double_submit_records_one_application_and_the_second_shows_it_as_already_recorded()
    {
        var card = fixture.Card("adult-6");
        var flow = await SignedInAsync("adult-6", "en");
        var page = flow.Page;
        IRequest? submitted = null;
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.Contains("handler=Submit", StringComparison.Ordinal))
                submitted = request;
        };

        await flow.ApplyAsync(card.AgentId, "demo-pay", ApplyFlow.Account(fixture, "demo-pay", 106));

        // The same form posted again (a double click that got through, or a browser retry): the draft's idempotency
        // key makes it a replay.
        Assert.NotNull(submitted);
        var again = await page.Context.APIRequest.PostAsync(submitted!.Url, new()
        {
            Headers = new Dictionary<string, string> { ["Content-Type"] = "application/x-www-form-urlencoded" },
            Data = submitted.PostData,
            MaxRedirects = 0,
        });
        Assert.Equal(302, again.Status);
        await page.GotoAsync(flow.Url("apply/applied"));
        Assert.Contains("This application was already recorded.", await page.GetByTestId("applied").InnerTextAsync(), StringComparison.Ordinal);
        var person = (await ApplyFlow.PersonOfAsync(fixture, card.Serial))!.Value;
        var (programs, submissions) = await ApplyFlow.RecordedAsync(fixture, person);
        Assert.Equal(1, submissions);
        Assert.Single(programs);
    }

    [Fact]
    public async Task An_account_already_taken_by_another_person_is_refused_with_its_message()
    {
        var fields = ApplyFlow.Account(fixture, "demo-pay", 108);
        var first = await SignedInAsync("spare-1", "ja");
        await first.ApplyAsync(fixture.Card("spare-1").AgentId, "demo-pay", fields);

        var second = await SignedInAsync("spare-2", "ja");
        await second.Page.GotoAsync(second.Url("apply?service=demo-pay"));
        await second.ChooseServiceAsync();
        await second.EnterAccountAsync(ApplyFlow.Service(fixture, "demo-pay"), fields);

        var error = second.Page.GetByTestId("apply-error");
        Assert.Equal("application.account-taken", await error.GetAttributeAsync("data-code"));
        Assert.Contains("別の方がすでにポイントの受取りに使っています", await error.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await second.Page.GetByTestId("holder-name").CountAsync());
        await second.ScreenshotAsync("citizen-apply-2-account-taken-ja");
        var person = (await ApplyFlow.PersonOfAsync(fixture, fixture.Card("spare-2").Serial))!.Value;
        Assert.Equal(0, (await ApplyFlow.RecordedAsync(fixture, person)).Submissions);
    }

    [Fact]
    public async Task A_parent_applies_for_their_child_with_both_cards_and_the_childs_age_proof()
    {
        var parent = fixture.Card("parent");
        var child = fixture.Card("child");
        var service = ApplyFlow.Service(fixture, "demo-pay");
        var own = ApplyFlow.Account(fixture, "demo-pay", 109);
        var flow = await SignedInAsync("parent", "ja");
        // The parent applies for themselves first: that account cannot be the child's.
        await flow.ApplyAsync(parent.AgentId, "demo-pay", own);
        var page = flow.Page;

        await page.GotoAsync(flow.Url("apply/child?service=demo-pay"));
        await flow.ScreenshotAsync("citizen-apply-child-1-service-ja");
        await flow.ChooseServiceAsync();
        await flow.EnterAccountAsync(service, own);
        var refused = page.GetByTestId("apply-error");
        Assert.Equal("application.account-same-as-representative", await refused.GetAttributeAsync("data-code"));
        Assert.Contains("お子さま用のアカウント", await refused.InnerTextAsync(), StringComparison.Ordinal);

        await flow.EnterAccountAsync(service, ApplyFlow.Account(fixture, "demo-pay", 110));
        await flow.AcceptAsync();
        await flow.WaitForCardsAsync(parent.AgentId);
        await Assertions.Expect(page.Locator("#child-card option[value='child']")).ToHaveCountAsync(1);
        await page.Locator("#child-card").SelectOptionAsync("child");
        await page.GetByLabel("お子さまの暗証番号（数字4桁）").FillAsync(child.Pin);
        await page.GetByLabel("お子さまの署名用電子証明書のパスワード").FillAsync("TEST2022");
        await flow.ScreenshotAsync("citizen-apply-child-4-cards-ja");
        await flow.SignAsync(parent.Pin);
        await WebFixture.WaitForUrlAsync(page, url => url.EndsWith("/apply/applied", StringComparison.Ordinal));
        await flow.ScreenshotAsync("citizen-apply-child-5-applied-ja");

        Assert.Contains("お子さまのマイキーID", await page.GetByTestId("applied-summary").InnerTextAsync(), StringComparison.Ordinal);
        var childPerson = (await ApplyFlow.PersonOfAsync(fixture, child.Serial))!.Value;
        var parentPerson = (await ApplyFlow.PersonOfAsync(fixture, parent.Serial))!.Value;
        Assert.Equal([("card-acquisition", "demo-pay", "legal-representative")], (await ApplyFlow.RecordedAsync(fixture, childPerson)).Programs);
        using var scope = fixture.Services.CreateScope();
        var submission = await scope.ServiceProvider.GetRequiredService<KangenDbContext>().ApplicationSubmissions.AsNoTracking().SingleAsync(s => s.PersonId == childPerson);
        Assert.Equal(parentPerson, submission.RequesterId);
        Assert.Equal(parent.Serial, submission.RepresentativeSerial);
        Assert.Equal(child.Serial, submission.Serial);
    }

    [Fact]
    public async Task At_a_counter_terminal_the_citizen_is_forgotten_after_applying_and_the_next_citizen_is_offered()
    {
        var card = fixture.Card("spare-3");
        var page = await fixture.NewPageAsync();
        await fixture.StaffSignInAsync(page, "counter");
        await fixture.SignInByApiAsync(page, "spare-3", "spot");
        var flow = new ApplyFlow(fixture, page, "ja");

        await flow.ApplyAsync(card.AgentId, "demo-pay", ApplyFlow.Account(fixture, "demo-pay", 111));

        Assert.Equal("/counter", await page.GetByTestId("next-citizen").GetAttributeAsync("href"));
        await flow.ScreenshotAsync("counter-apply-5-applied-ja");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "kangen-session");
        var person = (await ApplyFlow.PersonOfAsync(fixture, card.Serial))!.Value;
        using var scope = fixture.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        Assert.All(await db.Sessions.AsNoTracking().Where(s => s.PersonId == person).ToListAsync(), s => Assert.NotNull(s.EndedAt));
        Assert.Equal(1, (await ApplyFlow.RecordedAsync(fixture, person)).Submissions);
        // The next visitor of /apply meets the login, not the previous citizen's wizard.
        await page.GotoAsync(flow.Url("apply"));
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
    }
}

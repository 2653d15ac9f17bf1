using Kangen.Platform.Features.Registrations;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kangen.Web.Tests.Citizen;

/// <summary>The citizen's pages behind the login (my page, registrations) and the public ones (services, spots).</summary>
public sealed class CitizenPagesTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    private Task<IResponse?> GoAsync(IPage page, string path) => page.GotoAsync(new Uri(fixture.BaseUrl, path).ToString());

    [Fact]
    public async Task My_page_regenerates_the_My_Key_ID_and_changes_it_to_a_chosen_one_refusing_a_malformed_one()
    {
        var card = fixture.Card("adult-4");
        var page = await fixture.NewPageAsync();
        var reserved = await fixture.SignInByApiAsync(page, card.Name);
        await GoAsync(page, "me");
        Assert.Equal(reserved, await page.GetByTestId("my-key-id").InnerTextAsync());
        await Expect(page.GetByTestId("regenerations-left")).ToContainTextAsync("あと3回");

        await page.GetByRole(AriaRole.Button, new() { Name = "再発行する" }).ClickAsync();
        await Expect(page.GetByTestId("me-done")).ToContainTextAsync("再発行しました");
        var regenerated = await page.GetByTestId("my-key-id").InnerTextAsync();
        Assert.NotEqual(reserved, regenerated);
        Assert.Equal(regenerated, await CitizenData.MyKeyIdOfAsync(fixture, card));
        await Expect(page.GetByTestId("regenerations-left")).ToContainTextAsync("あと2回");

        var field = page.GetByLabel("新しいマイキーID");
        await field.FillAsync("AB-12");
        await page.GetByRole(AriaRole.Button, new() { Name = "変更する" }).ClickAsync();
        await Expect(page.GetByTestId("chosen-id-error")).ToContainTextAsync("英大文字と数字の8文字");
        Assert.Equal("true", await field.GetAttributeAsync("aria-invalid"));
        Assert.Equal(regenerated, await CitizenData.MyKeyIdOfAsync(fixture, card));

        var chosen = "CZ" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        await field.FillAsync(chosen.ToLowerInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "変更する" }).ClickAsync();
        await Expect(page.GetByTestId("me-done")).ToContainTextAsync(regenerated + " → " + chosen);
        Assert.Equal(chosen, await page.GetByTestId("my-key-id").InnerTextAsync());
        Assert.Equal(chosen, await CitizenData.MyKeyIdOfAsync(fixture, card));
        await Expect(page.GetByTestId("regenerations-left")).ToContainTextAsync("あと2回");
    }

    [Fact]
    public async Task Registrations_show_a_field_error_then_record_both_registrations()
    {
        var card = fixture.Card("adult-6");
        var page = await fixture.NewPageAsync();
        await fixture.SignInByApiAsync(page, card.Name);
        await GoAsync(page, "registrations");

        // Part 2: an insurer number with a typing mistake, then the right one.
        var body = "0613001";
        var insurer = body + HealthInsuranceCard.CheckDigit(body);
        var wrong = body + (char)('0' + ((insurer[^1] - '0' + 1) % 10));
        await page.GetByLabel("保険者番号").FillAsync(wrong);
        await page.GetByLabel("記号（ない場合は空欄）").FillAsync("12");
        await page.GetByLabel("番号", new() { Exact = true }).FillAsync("3456");
        await page.GetByRole(AriaRole.Button, new() { Name = "健康保険証利用を登録する" }).ClickAsync();
        await Expect(page.GetByTestId("error-insurerNumber")).ToContainTextAsync("入力誤り");
        Assert.Equal("true", await page.GetByLabel("保険者番号").GetAttributeAsync("aria-invalid"));
        Assert.Equal("12", await page.GetByLabel("記号（ない場合は空欄）").InputValueAsync());
        Assert.Empty(await CitizenData.RegistrationKindsOfAsync(fixture, card));

        await page.GetByLabel("保険者番号").FillAsync(insurer);
        await page.GetByRole(AriaRole.Button, new() { Name = "健康保険証利用を登録する" }).ClickAsync();
        await Expect(page.GetByTestId("registration-done")).ToContainTextAsync("健康保険証利用の登録を受け付けました");
        await Expect(page.GetByTestId("registered-health-insurance")).ToContainTextAsync(insurer);

        // Part 3: a branch the bank does not have, then a real one (みずほ 東京営業部).
        await page.GetByLabel("金融機関コード").FillAsync("0001");
        await page.GetByLabel("支店コード").FillAsync("998");
        await page.GetByLabel("口座番号").FillAsync("1234567");
        await page.GetByLabel("口座名義（カナ）").FillAsync("やまだ はなこ");
        await page.GetByRole(AriaRole.Button, new() { Name = "公金受取口座を登録する" }).ClickAsync();
        await Expect(page.GetByTestId("error-branchCode")).ToContainTextAsync("この支店コードの支店はありません");
        await Expect(page.GetByTestId("resolved-bankCode")).ToContainTextAsync("みずほ");
        await WebFixture.ScreenshotAsync(page, "citizen-registrations-error-ja");

        await page.GetByLabel("支店コード").FillAsync("001");
        await page.GetByRole(AriaRole.Button, new() { Name = "公金受取口座を登録する" }).ClickAsync();
        await Expect(page.GetByTestId("registration-done")).ToContainTextAsync("公金受取口座を登録しました");
        var summary = await page.GetByTestId("registered-public-fund-account").InnerTextAsync();
        Assert.Contains("東京営業部", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("1234567", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("ヤマダ", summary, StringComparison.Ordinal);
        Assert.Equal([RegistrationKinds.HealthInsurance, RegistrationKinds.PublicFundAccount], await CitizenData.RegistrationKindsOfAsync(fixture, card));
        await WebFixture.ScreenshotAsync(page, "citizen-registrations-ja");
    }

    [Fact]
    public async Task A_spot_session_is_told_why_it_cannot_register_a_public_fund_account()
    {
        var card = fixture.Card("adult-7");
        var page = await fixture.NewPageAsync();
        // A spot session lives only on a counter terminal: without counter staff signed in it is ended at once.
        await fixture.StaffSignInAsync(page, "counter");
        await fixture.SignInByApiAsync(page, card.Name, channel: "spot");
        await GoAsync(page, "registrations?culture=en");

        await Expect(page.GetByTestId("not-at-spot")).ToContainTextAsync("cannot be registered from a procedure-spot terminal");
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Register the account" }).CountAsync());
        // Health insurance stays possible at a spot.
        Assert.Equal(1, await page.GetByRole(AriaRole.Button, new() { Name = "Register for health insurance use" }).CountAsync());
    }

    [Fact]
    public async Task Services_are_found_by_text_and_kind_and_a_service_page_shows_its_fields_terms_and_the_apply_link()
    {
        var page = await fixture.NewPageAsync();
        await GoAsync(page, "services");
        var all = await page.GetByTestId("services-results").Locator("tbody tr").CountAsync();
        Assert.True(all > 10, $"{all} services listed");

        await page.GetByLabel("名前・事業者").FillAsync("デモ");
        await page.GetByLabel("種類").SelectOptionAsync("qr-app");
        await page.GetByRole(AriaRole.Button, new() { Name = "検索", Exact = true }).ClickAsync();
        var results = page.GetByTestId("services-results");
        await Expect(results).ToContainTextAsync("デモペイ");
        var found = await results.Locator("tbody tr").CountAsync();
        Assert.InRange(found, 1, all - 1);
        Assert.Contains("q=%E3%83%87%E3%83%A2", page.Url, StringComparison.Ordinal);
        await WebFixture.ScreenshotAsync(page, "citizen-services-ja");

        await results.GetByRole(AriaRole.Link, new() { Name = "デモペイ", Exact = true }).ClickAsync();
        await WebFixture.WaitForUrlAsync(page, url => url.EndsWith("/services/demo-pay", StringComparison.Ordinal));
        Assert.Equal("デモペイ", await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        await Expect(page.GetByTestId("terms-text")).ToContainTextAsync("デモペイ利用規約");
        await Expect(page.GetByTestId("service-fields")).ToContainTextAsync("決済サービスID");
        await Expect(page.GetByTestId("service-fields")).ToContainTextAsync("アプリの「マイナポイント」画面に表示される10桁の番号");
        Assert.Equal("/apply?service=demo-pay", await page.GetByTestId("apply-with-service").GetAttributeAsync("href"));
        await WebFixture.ScreenshotAsync(page, "citizen-service-ja");

        var missing = await GoAsync(page, "services/no-such-service");
        Assert.Equal(404, missing!.Status);
    }

    [Fact]
    public async Task Spots_are_listed_nearest_first_by_postal_code_and_operation_and_a_bad_postal_code_is_marked()
    {
        var page = await fixture.NewPageAsync();
        await GoAsync(page, "spots");
        await page.GetByLabel("郵便番号").FillAsync("12");
        await page.GetByRole(AriaRole.Button, new() { Name = "近くのスポットを探す" }).ClickAsync();
        await Expect(page.GetByTestId("error-postalCode")).ToBeVisibleAsync();
        Assert.Equal("true", await page.GetByLabel("郵便番号").GetAttributeAsync("aria-invalid"));

        await page.GetByLabel("郵便番号").FillAsync("100-0001");
        await page.GetByLabel("したいこと").SelectOptionAsync("apply");
        await page.GetByRole(AriaRole.Button, new() { Name = "近くのスポットを探す" }).ClickAsync();
        await Expect(page.GetByTestId("spots-origin")).ToContainTextAsync("千代田区");
        var rows = page.GetByTestId("spots-results").Locator("tbody tr");
        var count = await rows.CountAsync();
        Assert.InRange(count, 1, 10);
        var previous = 0.0;
        for (var i = 0; i < count; i++)
        {
            Assert.Contains("ポイント申込み", await rows.Nth(i).InnerTextAsync(), StringComparison.Ordinal);
            var distance = double.Parse((await rows.Nth(i).GetAttributeAsync("data-distance"))!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(distance >= previous, $"row {i} at {distance} m after {previous} m");
            previous = distance;
        }
        await WebFixture.ScreenshotAsync(page, "citizen-spots-ja");
    }
}

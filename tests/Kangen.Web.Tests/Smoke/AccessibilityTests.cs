using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Kangen.Web.Tests.Smoke;

/// <summary>
/// The pages pass axe-core's WCAG 2.1 A/AA rules (contrast, labels, landmarks, names of links and buttons, lang):
/// the machine-checkable part of "accessible"; keyboard use is exercised by the flows' tests.
/// </summary>
public sealed class AccessibilityTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    private static readonly AxeRunOptions Wcag = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    };

    [Theory]
    [InlineData("", "ja")]
    [InlineData("", "zh")]
    [InlineData("", "en")]
    [InlineData("staff/sign-in", "ja")]
    [InlineData("no-such-page", "en")]
    public async Task Public_pages_have_no_wcag_violations(string path, string culture)
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.BaseUrl, path + "?culture=" + culture).ToString());

        await AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task The_landing_page_can_be_used_with_the_keyboard_alone()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.BaseUrl.ToString());

        // The first Tab reaches the skip link, which moves focus to the main content.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("skip", await page.EvaluateAsync<string>("document.activeElement.className"));
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("main", await page.EvaluateAsync<string>("document.activeElement.id"));
    }

    /// <summary>Fails with every violation's rule and the elements it concerns.</summary>
    internal static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe(Wcag);
        var violations = result.Violations
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target.ToString()))}")
            .ToArray();
        Assert.True(violations.Length == 0, page.Url + "\n" + string.Join("\n", violations));
    }
}

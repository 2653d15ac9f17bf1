using Kangen.Cli.Tests.Features.Serve;
using Kangen.Platform.Features.Staff;

namespace Kangen.Cli.Tests.Features.Status;

/// <summary>A platform with admission on and an administrator, for staggered windows.</summary>
public sealed class StaggeredPlatform() : ServedPlatform([
    "--Kangen:Admission:Enabled=true", "--Kangen:Admission:TickMilliseconds=100",
    "--Kangen:Staff:Tokens:0:Id=admin-9", "--Kangen:Staff:Tokens:0:Role=admin", "--Kangen:Staff:Tokens:0:Sha256=" + StaffRoles.HashToken(StaggeredPlatform.AdminToken)])
{
    public const string AdminToken = "test-admin-token-staggered";
}

public sealed class StaggeredStatusTests(StaggeredPlatform platform) : IClassFixture<StaggeredPlatform>
{
    [Fact]
    public async Task While_windows_are_staggered_the_citizen_commands_need_the_digit_and_a_closed_window_says_when_it_opens()
    {
        var card = await platform.IssueCardAsync();
        // The platform's clock is fake (2026-04-01): digit 3 opens a day later, the rule lasts two.
        var (saved, savedOutput) = await platform.RunAsync("admin", "admission", "set", "--windows-until", "2026-04-03T03:00Z",
            "--window", "3=2026-04-02T03:00Z", "--server", platform.Url, "--staff-token", StaggeredPlatform.AdminToken);
        Assert.True(saved == 0, savedOutput);

        var (noDigit, noDigitOutput) = await platform.RunAsync("status", "--card", card, "--pin", "1234", "--server", platform.Url);
        var (closed, closedOutput) = await platform.RunAsync("register", "show", "--card", card, "--pin", "1234", "--server", platform.Url,
            "--birth-year-digit", "3");
        var (open, openOutput) = await platform.RunAsync("status", "--card", card, "--pin", "1234", "--server", platform.Url, "--lang", "en",
            "--birth-year-digit", "4");

        Assert.Equal(1, noDigit);
        Assert.Contains("admission.window-digit-required", noDigitOutput);
        Assert.Equal(1, closed);
        Assert.Contains("admission.window-closed", closedOutput);
        Assert.Contains("opens at 2026-04-02T03:00:00", closedOutput);
        Assert.True(open == 0, openOutput);
    }
}

namespace Kangen.Cli.Tests.Features.Admin;

public sealed class AdmissionCommandTests(ServedAdministration platform) : IClassFixture<ServedAdministration>
{
    private Task<(int ExitCode, string Output)> Admin(params string[] args) =>
        platform.RunAsync(["admin", "admission", .. args, "--server", platform.Url, "--staff-token", ServedAdministration.AdminToken]);

    [Fact]
    public async Task An_administrator_changes_capacity_rate_and_windows_live_and_sees_them()
    {
        var (code, output) = await Admin("set", "--enabled", "true", "--capacity", "3000", "--requests-per-second", "400",
            "--windows-until", "2026-12-03T00:00+09:00", "--window", "3=2026-12-01T09:00+09:00", "--window", "8=2026-12-02T09:00+09:00");

        Assert.True(code == 0, output);
        Assert.Contains("Saved", output);
        Assert.Contains("3,000", output);
        Assert.Contains("3: opens 2026-12-01 09:00:00 JST", output);
        Assert.Contains("8: opens 2026-12-02 09:00:00 JST", output);
        Assert.Matches(@"(?m)^\s*4: open\s*$", output);

        var (shown, show) = await Admin("show");
        Assert.Equal(0, shown);
        Assert.Contains("3,000", show);
        Assert.Contains("Staggered by the birth year's last digit until 2026-12-03 00:00:00 JST", show);

        var (cleared, clear) = await Admin("set", "--no-windows", "--enabled", "false");
        Assert.True(cleared == 0, clear);
        Assert.DoesNotContain("Staggered", clear);
        Assert.Contains("3,000", clear);
    }

    [Fact]
    public async Task Settings_out_of_range_are_refused_with_the_field_and_nothing_changes()
    {
        var (before, shownBefore) = await Admin("show");
        Assert.Equal(0, before);

        var (code, output) = await Admin("set", "--capacity", "0");

        Assert.Equal(1, code);
        Assert.Contains("admission.settings-invalid", output);
        Assert.Contains("capacity", output);
        var (_, shownAfter) = await Admin("show");
        Assert.Equal(Capacity(shownBefore), Capacity(shownAfter));
    }

    [Fact]
    public async Task A_malformed_window_or_a_non_admin_is_refused()
    {
        var (usage, usageOutput) = await Admin("set", "--window", "12=tomorrow");
        Assert.Equal(2, usage);
        Assert.Contains("--window takes D=instant", usageOutput);

        var (forbidden, forbiddenOutput) = await platform.RunAsync("admin", "admission", "show", "--server", platform.Url, "--staff-token", ServedAdministration.ClerkToken);
        Assert.Equal(1, forbidden);
        Assert.Contains("staff.role-forbidden", forbiddenOutput);
    }

    private static string Capacity(string output) =>
        output.Split('\n').Single(l => l.Contains("Capacity (people in the flow)", StringComparison.Ordinal));
}

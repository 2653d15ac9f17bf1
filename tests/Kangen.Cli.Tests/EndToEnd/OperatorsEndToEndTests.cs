using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Kangen.Protocol;

namespace Kangen.Cli.Tests.EndToEnd;

/// <summary>
/// The operator flows end to end over HTTP with two operator processes: verification at application time,
/// enrolment feeds under per-operator pseudonyms, simulated purchases, grants exactly up to the caps, a crash in the
/// middle of reporting that never double-grants, over-cap refusals, settlement against the ledger, and an operator
/// that stops answering during verification.
/// </summary>
public sealed class OperatorsEndToEndTests(OperatorsEndToEnd e2e) : IClassFixture<OperatorsEndToEnd>
{
    private static string CurrentMonth => DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9)).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Two_operators_verify_enrol_and_grant_exactly_up_to_the_caps_and_their_settlement_equals_the_ledger()
    {
        // A citizen of each operator: one applies for parts 1 and 2 with a QR app, one for part 1 with a transit card.
        var (payReference, payFields) = await e2e.OpenAccountAsync(e2e.Demo, "demo-pay");
        var (railReference, railFields) = await e2e.OpenAccountAsync(e2e.Rail, "demo-transit");
        var taro = await e2e.IssueCardAsync();
        var jiro = await e2e.IssueCardAsync();
        await e2e.RunOkAsync("register", "health-insurance", "--card", taro, "--pin", "1234", "--server", e2e.Url,
            "--insurer-number", "01130012", "--symbol", "1234", "--number", "567");
        var applied = await e2e.RunOkAsync(["apply", "--card", taro, "--pin", "1234", "--server", e2e.Url, "--service", "demo-pay", .. payFields,
            "--program", "card-acquisition", "--program", "health-insurance", "--yes"]);
        Assert.Contains("＊", applied, StringComparison.Ordinal); // the masked holder name came from the operator's own store
        await e2e.RunOkAsync(["apply", "--card", jiro, "--pin", "1234", "--server", e2e.Url, "--service", "demo-transit", .. railFields,
            "--program", "card-acquisition", "--yes"]);

        // Each operator learns of its own customer only, under a pseudonym of its own.
        var feeds = await e2e.QueryAsync("SELECT operator_code, pseudonym, account_reference, program FROM enrolment_events WHERE account_reference IN ($a, $b)",
            ("$a", payReference), ("$b", railReference));
        Assert.Equal(3, feeds.Count);
        Assert.All(feeds.Where(r => (string)r[2]! == payReference), r => Assert.Equal("kangen-demo", r[0]));
        Assert.All(feeds.Where(r => (string)r[2]! == railReference), r => Assert.Equal("demo-rail", r[0]));
        var taroPseudonym = (string)feeds.First(r => (string)r[2]! == payReference)[1]!;
        var jiroPseudonym = (string)feeds.Single(r => (string)r[2]! == railReference)[1]!;
        Assert.NotEqual(taroPseudonym, jiroPseudonym);
        var pseudonyms = await e2e.QueryAsync("SELECT operator_code, pseudonym, person_id FROM operator_pseudonyms");
        Assert.DoesNotContain(pseudonyms.GroupBy(r => r[1]), g => g.Count() > 1); // no pseudonym is shared between operators
        var taroPerson = pseudonyms.Single(r => (string)r[1]! == taroPseudonym)[2]!;
        Assert.DoesNotContain(pseudonyms, r => (string)r[0]! == "demo-rail" && Equals(r[2], taroPerson));
        await OperatorsEndToEnd.WaitForStatusAsync(e2e.Demo, s => s.GetProperty("enrolments").GetInt32() >= 2, "taro's two enrolments pulled");
        await OperatorsEndToEnd.WaitForStatusAsync(e2e.Rail, s => s.GetProperty("enrolments").GetInt32() >= 1, "jiro's enrolment pulled");

        // kangen-demo's purchase simulation is killed in the middle (SIGKILL), then run again: the grants it had
        // written to its outbox go out under the same keys, from the rerun and from the running operator's reporter.
        await KillMidwayAsync(["operator", "simulate", "--platform", e2e.Url, "--operator", "kangen-demo", "--key", e2e.KeyFile("kangen-demo"),
            "--data", e2e.Demo.Data, "--days", "60", "--seed", "7"]);
        await e2e.RunOkAsync("operator", "simulate", "--platform", e2e.Url, "--operator", "kangen-demo", "--key", e2e.KeyFile("kangen-demo"),
            "--data", e2e.Demo.Data, "--days", "60", "--seed", "8");
        await e2e.RunOkAsync("operator", "simulate", "--platform", e2e.Url, "--operator", "demo-rail", "--key", e2e.KeyFile("demo-rail"),
            "--data", e2e.Rail.Data, "--days", "30", "--seed", "9");
        await OperatorsEndToEnd.WaitForStatusAsync(e2e.Demo, s => s.GetProperty("pending").GetInt32() == 0, "an empty outbox");
        await OperatorsEndToEnd.WaitForStatusAsync(e2e.Rail, s => s.GetProperty("pending").GetInt32() == 0, "an empty outbox");

        // Exactly the caps: 5,000 for part 1 (60 days of purchases at 25 % are far more), 7,500 once for part 2.
        var taroTotals = await TotalsAsync(taroPseudonym);
        Assert.Equal(5_000, taroTotals["card-acquisition"]);
        Assert.Equal(7_500, taroTotals["health-insurance"]);
        var jiroTotals = await TotalsAsync(jiroPseudonym);
        Assert.InRange(jiroTotals["card-acquisition"], 1, 5_000);
        // The running totals the caps are enforced on equal the ledger, and no key was recorded twice.
        var mismatched = await e2e.QueryAsync("""
            SELECT t.person_id FROM grant_totals t
            WHERE t.card_acquisition <> (SELECT COALESCE(SUM(points), 0) FROM grants g WHERE g.person_id = t.person_id AND g.program = 'card-acquisition')
               OR t.health_insurance <> (SELECT COALESCE(SUM(points), 0) FROM grants g WHERE g.person_id = t.person_id AND g.program = 'health-insurance')
               OR t.public_fund_account <> (SELECT COALESCE(SUM(points), 0) FROM grants g WHERE g.person_id = t.person_id AND g.program = 'public-fund-account')
            """);
        Assert.Empty(mismatched);

        // Over the cap the platform refuses, says what remains, and a retry of the line is the same answer.
        using var demo = SignedClient("kangen-demo");
        var overCap = new GrantLine("e2e-over-cap-1", taroPseudonym, "demo-pay", "card-acquisition", 100, DateTimeOffset.UtcNow.AddSeconds(-5));
        var first = await GrantAsync(demo, overCap);
        Assert.Equal(GrantResult.RefusedStatus, first.Status);
        Assert.Equal("grant.exceeds-cap", first.Reason);
        Assert.Equal(0, first.Remaining!.Program);
        var again = await GrantAsync(demo, overCap);
        Assert.True(again.Replayed);
        Assert.Equal(first.Status, again.Status);
        Assert.Equal(first.Reason, again.Reason);
        var twice = await GrantAsync(demo, new GrantLine("e2e-part2-again", taroPseudonym, "demo-pay", "health-insurance", 7_500, DateTimeOffset.UtcNow.AddSeconds(-5)));
        Assert.Equal(GrantResult.RefusedStatus, twice.Status);
        // An operator cannot grant to another operator's pseudonym.
        using var rail = SignedClient("demo-rail");
        var foreign = await GrantAsync(rail, new GrantLine("e2e-foreign", taroPseudonym, "demo-transit", "card-acquisition", 10, DateTimeOffset.UtcNow.AddSeconds(-5)));
        Assert.Equal("grant.person-unknown", foreign.Reason);
        Assert.Equal(taroTotals, await TotalsAsync(taroPseudonym));

        // Settlement: each operator's check of the month's envelope agrees with its own ledger line by line.
        await e2e.RunOkAsync("operator", "settle", "--platform", e2e.Url, "--operator", "kangen-demo", "--key", e2e.KeyFile("kangen-demo"),
            "--data", e2e.Demo.Data, "--month", CurrentMonth);
        await e2e.RunOkAsync("operator", "settle", "--platform", e2e.Url, "--operator", "demo-rail", "--key", e2e.KeyFile("demo-rail"),
            "--data", e2e.Rail.Data, "--month", CurrentMonth);
        var listed = await e2e.RunOkAsync("admin", "settlement", "list", "--server", e2e.Url, "--staff-token", e2e.StaffToken, "--month", CurrentMonth);
        var ledger = await e2e.QueryAsync("SELECT operator_code, SUM(points) FROM grants WHERE status <> 'refused' GROUP BY operator_code");
        foreach (var row in ledger)
            Assert.Contains(((long)row[1]!).ToString("N0", System.Globalization.CultureInfo.InvariantCulture), listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operator_that_stops_answering_gets_a_retry_later_answer_and_nothing_is_recorded_until_it_is_back()
    {
        var (reference, fields) = await e2e.OpenAccountAsync(e2e.Rail, "demo-transit");
        var saburo = await e2e.IssueCardAsync();
        string[] apply = ["apply", "--card", saburo, "--pin", "1234", "--server", e2e.Url, "--service", "demo-transit", .. fields, "--program", "card-acquisition", "--yes"];

        await e2e.Rail.KillAsync();
        try
        {
            var (code, output) = await e2e.RunAsync(apply);
            Assert.NotEqual(0, code);
            Assert.Contains("operator-unavailable", output, StringComparison.Ordinal);
            Assert.Empty(await e2e.QueryAsync("SELECT 1 FROM service_accounts WHERE account_reference = $r", ("$r", reference)));
            Assert.Empty(await e2e.QueryAsync("SELECT 1 FROM enrolment_events WHERE account_reference = $r", ("$r", reference)));
        }
        finally
        {
            await e2e.Rail.StartAsync();
        }

        // As the message says, the citizen tries again later: a freshly started operator may still be warming up (its
        // first answers are slow on a loaded machine, past the test's 1 s attempt timeout), so "later" is a few tries.
        var (again, answer) = await e2e.RunAsync(apply);
        for (var attempt = 0; again != 0 && answer.Contains("operator-unavailable", StringComparison.Ordinal) && attempt < 10; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            (again, answer) = await e2e.RunAsync(apply);
        }
        Assert.True(again == 0, answer);
        Assert.Single(await e2e.QueryAsync("SELECT 1 FROM service_accounts WHERE account_reference = $r", ("$r", reference)));
    }

    private async Task<Dictionary<string, long>> TotalsAsync(string pseudonym)
    {
        var rows = await e2e.QueryAsync("""
            SELECT g.program, SUM(g.points) FROM grants g JOIN operator_pseudonyms p ON p.person_id = g.person_id
            WHERE p.pseudonym = $p GROUP BY g.program
            """, ("$p", pseudonym));
        var totals = new Dictionary<string, long> { ["card-acquisition"] = 0, ["health-insurance"] = 0, ["public-fund-account"] = 0 };
        foreach (var row in rows)
            totals[(string)row[0]!] = (long)row[1]!;
        return totals;
    }

    private HttpClient SignedClient(string code)
    {
        var key = SigningKeys.ReadPrivate(File.ReadAllText(e2e.KeyFile(code)));
        return new HttpClient(new SigningHandler(key, TimeProvider.System) { InnerHandler = new HttpClientHandler() }) { BaseAddress = new Uri(e2e.Url) };
    }

    private static async Task<GrantResult> GrantAsync(HttpClient client, GrantLine line)
    {
        using var response = await client.PostAsJsonAsync(OperatorRoutes.Grants, new GrantBatch([line]), ProtocolJson.Options);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonSerializer.Deserialize<GrantBatchResult>(body, ProtocolJson.Options)!.Results.Single();
    }

    /// <summary>Runs a kangen command as a process and kills it (SIGKILL) once it has had time to write part of its work.</summary>
    private static async Task KillMidwayAsync(string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kangen.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(2.5)));
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }
}

using System.Net;
using Kangen.Cli.Tests.Features.Serve;
using Spectre.Console.Testing;

namespace Kangen.Cli.Tests.Features.Reserve;

/// <summary>A platform whose citizen flow has room for one person, advancing its queue every 100 ms.</summary>
public sealed class OnePlacePlatform() : ServedPlatform([
    "--Kangen:Admission:Enabled=true", "--Kangen:Admission:Capacity=1", "--Kangen:Admission:TickMilliseconds=100",
    "--Kangen:Admission:PassGraceSeconds=5"]);

public sealed class QueuedReserveTests(OnePlacePlatform platform) : IClassFixture<OnePlacePlatform>
{
    [Fact]
    public async Task During_a_rush_kangen_reserve_waits_its_turn_in_the_queue_and_then_succeeds()
    {
        var card = await platform.IssueCardAsync();
        using var http = new HttpClient { BaseAddress = new Uri(platform.Url) };
        // Someone takes the only place (a pass fresh enough to count as in the flow).
        HttpResponseMessage? held = null;
        var holds = false;
        for (var attempt = 0; attempt < 300 && !holds; attempt++)
        {
            held?.Dispose();
            held = await http.PostAsync("/api/v1/admission", null);
            if (holds = (await held.Content.ReadAsStringAsync()).Contains("\"admitted\"", StringComparison.Ordinal))
                break;
            // The first advance has not measured the room yet; wait for it (a condition, not a measurement).
            await Task.Delay(100);
        }
        Assert.Equal(HttpStatusCode.OK, held!.StatusCode);
        Assert.True(holds, "nobody took the only place");
        held.Dispose();

        var console = new TestConsole().Width(250);
        var reserve = KangenCli.RunAsync(["reserve", "--card", card, "--pin", "1234", "--server", platform.Url], new CliContext(console, platform.Time));
        for (var attempt = 0; attempt < 600 && !console.Output.Contains("Waiting in the queue", StringComparison.Ordinal); attempt++)
        {
            Assert.False(reserve.IsCompleted, console.Output);
            await Task.Delay(50);
        }
        Assert.Contains("Waiting in the queue: number 1 in line", console.Output, StringComparison.Ordinal);

        // The place frees up: the holder never signed in, and their grace period ends. The clock moves until the
        // command's turn comes: on a loaded machine the holder's admission may reach the queue's count only at an
        // advance after the first move (the count dates it then), and the fake clock stands still between moves.
        for (var attempt = 0; attempt < 300 && !console.Output.Contains("Your turn", StringComparison.Ordinal) && !reserve.IsCompleted; attempt++)
        {
            platform.Time.Advance(TimeSpan.FromSeconds(6));
            await Task.WhenAny(reserve, Task.Delay(200));
        }

        Assert.Equal(0, await reserve);
        Assert.Contains("Your turn", console.Output, StringComparison.Ordinal);
        Assert.Contains("My Key ID", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_birth_year_digit_that_is_not_a_digit_is_a_usage_error()
    {
        var (code, output) = await platform.RunAsync("reserve", "--card", "x.card", "--pin", "1234", "--server", platform.Url, "--birth-year-digit", "12");

        Assert.Equal(2, code);
        Assert.Contains("--birth-year-digit must be one digit", output, StringComparison.Ordinal);
    }
}

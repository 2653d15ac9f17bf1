using Kangen.Platform.Features.Campaigns;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Tests.Features.Campaigns;

/// <summary>
/// The refresher's stop and disposal: a host stops its hosted services and disposes its services, and a test host may
/// do both at once (a CI run once failed a test's teardown with the refresher's source already disposed while it was
/// being stopped). Neither order, nor both at once, may throw.
/// </summary>
public sealed class ConfigurationRefresherTests
{
    // Stopping and disposing touch neither the database nor the documents.
    private static ConfigurationRefresher Refresher() =>
        new(null!, null!, Options.Create(new ConfigurationOptions()), NullLogger<ConfigurationRefresher>.Instance);

    [Fact]
    public async Task Stopped_then_disposed_or_disposed_then_stopped_it_throws_nothing()
    {
        var first = Refresher();
        await first.StopAsync(CancellationToken.None);
        first.Dispose();
        first.Dispose();

        var second = Refresher();
        second.Dispose();
        await second.StopAsync(CancellationToken.None);
        await second.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stopped_and_disposed_at_the_same_time_it_throws_nothing()
    {
        // The window is a few instructions wide: many tries, each a stop on another thread racing the disposal (the
        // refresher that disposed its source failed this within a second; the whole run takes about that).
        for (var i = 0; i < 400_000; i++)
        {
            var refresher = Refresher();
            using var go = new ManualResetEventSlim();
            var stop = Task.Run(async () =>
            {
                go.Wait();
                await refresher.StopAsync(CancellationToken.None);
            });
            go.Set();
            refresher.Dispose();
            await stop;
        }
    }
}

using System.Diagnostics;
using System.Net.Http.Json;
using Kangen.Operator.Hosting;
using Kangen.Operator.Storage;
using Kangen.Protocol;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Kangen.Platform.Tests.Features.Applications.Applying;

namespace Kangen.Platform.Tests.Features.OperatorSide;

/// <summary>
/// <see cref="OperatorHost"/> as the demo and the end-to-end runs host it (keys in PEM, the platform's key as the
/// platform publishes it, a short poll and report interval, the background worker on) against the real platform:
/// its worker pulls the feed and reports the fixed grant by itself. Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class OperatorHostTests<TFixture>(TFixture fixture) where TFixture : OperatorSideFixture
{
    protected TFixture Fixture { get; } = fixture;

    [Fact]
    public async Task The_hosted_operator_pulls_the_feed_and_reports_the_fixed_grant_by_itself()
    {
        var choice = Fixture.ReserveOperatorSide();
        var person = await Fixture.EnrolCustomerAsync(choice.Service, Health);
        using var key = await Fixture.RegisterWithKeyAsync(choice.Code);
        string platformKey;
        using (var client = Fixture.CreateClient())
            platformKey = await client.GetStringAsync(OperatorRoutes.PlatformKey);
        var options = Fixture.OptionsFor(choice.Code, key, Fixture.NewOperatorFolder());
        options.Background = true;
        options.PlatformKeyPem = platformKey;
        options.PollInterval = TimeSpan.FromMilliseconds(100);
        options.ReportInterval = TimeSpan.FromMilliseconds(100);
        var traffic = new PlatformTraffic();
        await using var host = OperatorHost.Build(["--urls=http://127.0.0.1:0"], options, b =>
        {
            b.Logging.ClearProviders();
            // The platform's clock, so the worker's signatures are fresh for it; the runtime over the test server.
            b.Services.AddSingleton<TimeProvider>(Fixture.Time);
            b.Services.AddSingleton(_ => Fixture.Runtime(options, traffic));
        });
        await host.StartAsync();
        try
        {
            // The worker waits on the fake clock between rounds: move it on while waiting for the grant to arrive.
            var waited = Stopwatch.StartNew();
            while ((await Fixture.PlatformGrantsAsync(choice.Code)).Count == 0 && waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                Fixture.Time.Advance(options.ReportInterval);
                await Task.Delay(50);
            }
            var granted = Assert.Single(await Fixture.PlatformGrantsAsync(choice.Code));
            Assert.Equal(($"p2.{person.Pseudonym}", person.PersonId, 7500L, Health), (granted.Key, granted.PersonId, granted.Points, granted.Program));
            Assert.Equal(7500, (await Fixture.TotalsAsync(person.PersonId)).HealthInsurance);
            Assert.NotEmpty(traffic.Of(OperatorRoutes.Enrolments));
            Assert.All(traffic.Exchanges, e => Assert.Equal(System.Net.HttpStatusCode.OK, e.Status));

            var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            OperatorStatus? status = null;
            while (waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                status = await http.GetFromJsonAsync<OperatorStatus>("/kangen/status");
                if (status!.Accepted == 1)
                    break;
                await Task.Delay(50);
            }
            var positions = await Fixture.FeedPositionsAsync(choice.Code);
            Assert.Equal((1, 7500L, 0), (status!.Accepted, status.PointsAccepted, status.Pending));
            Assert.Equal(positions[^1], status.Cursor);
            Assert.True(File.Exists(OperatorDb.PathOf(options.Data, choice.Code)));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}

public sealed class SqliteOperatorHostTests(SqliteOperatorSideFixture fixture)
    : OperatorHostTests<SqliteOperatorSideFixture>(fixture), IClassFixture<SqliteOperatorSideFixture>;

public sealed class PostgresOperatorHostTests(PostgresOperatorSideFixture fixture)
    : OperatorHostTests<PostgresOperatorSideFixture>(fixture), IClassFixture<PostgresOperatorSideFixture>;

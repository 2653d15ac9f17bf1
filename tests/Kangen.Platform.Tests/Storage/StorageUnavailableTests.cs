using System.Net;
using System.Text;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kangen.Platform.Tests.Storage;

/// <summary>
/// PostgreSQL reached through a <see cref="TcpCut"/>, so that a test can take the database away from the platform
/// and give it back.
/// </summary>
public sealed class CuttablePostgresFixture() : PlatformFixture(StorageProvider.Postgres)
{
    private TcpCut? _cut;

    public TcpCut Link => _cut!;

    protected override void Configure(IWebHostBuilder web)
    {
        var builder = new NpgsqlConnectionStringBuilder(Database.ConnectionString);
        _cut ??= new TcpCut(builder.Host!, builder.Port);
        builder.Host = "127.0.0.1";
        builder.Port = _cut.Port;
        // Fail fast while cut (the default waits 15 s for a connection).
        builder.Timeout = 2;
        web.UseSetting("Kangen:Storage:ConnectionString", builder.ConnectionString);
    }
}

/// <summary>SQLite with a one-second busy timeout, so that a writer holding the database shows as "busy" quickly.</summary>
public sealed class ImpatientSqliteFixture() : PlatformFixture(StorageProvider.Sqlite)
{
    protected override void Configure(IWebHostBuilder web) =>
        web.UseSetting("Kangen:Storage:ConnectionString", Database.ConnectionString + ";Default Timeout=1");
}

public sealed class PostgresUnavailableTests(CuttablePostgresFixture fixture) : IClassFixture<CuttablePostgresFixture>
{
    [Fact]
    public async Task A_sign_in_while_the_database_is_unreachable_gets_a_retryable_503_and_the_same_request_succeeds_once_it_is_back()
    {
        var card = fixture.IssueCard();
        using var client = fixture.CreateClient();
        var challenge = await PlatformClient.ChallengeAsync(client);
        var signature = card.Sign(Encoding.UTF8.GetBytes(challenge));
        var before = await fixture.CountAsync();

        fixture.Link.Cut();
        PlatformClient.Reply refused;
        try
        {
            refused = await PlatformClient.OpenSessionAsync(client, challenge, card.Certificate(), signature);
        }
        finally
        {
            fixture.Link.Restore();
            // The cut broke the pooled connections (the platform runs in this process): start the next test afresh.
            NpgsqlConnection.ClearAllPools();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Equal("application/problem+json", refused.ContentType);
        Assert.Equal(StorageUnavailable.Problem.Code, refused.Code);
        Assert.Equal("1", refused.Headers["Retry-After"]);
        Assert.Equal(before, await fixture.CountAsync());

        // Nothing was half-written: the very same signed challenge is still unused and opens the session now.
        var reply = await SendUntilConnectedAsync(() => PlatformClient.OpenSessionAsync(client, challenge, card.Certificate(), signature));
        Assert.Equal(HttpStatusCode.Created, reply.Status);
        var after = await fixture.CountAsync();
        Assert.Equal(before.Sessions + 1, after.Sessions);
        Assert.Equal(before.ConsumedChallenges + 1, after.ConsumedChallenges);
    }

    [Fact]
    public async Task A_page_while_the_database_is_unreachable_shows_the_busy_page_in_the_persons_language_with_503()
    {
        using var client = fixture.CreateClient();
        var (token, _) = await PlatformClient.LoginOkAsync(client, fixture.IssueCard());
        using var page = new HttpRequestMessage(HttpMethod.Get, "/me?culture=en");
        page.Headers.Add("Cookie", Kangen.Platform.Web.WebSessionAuthenticationHandler.CookieName + "=" + token);
        fixture.Link.Cut();
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(page);
        }
        finally
        {
            fixture.Link.Restore();
            // The cut broke the pooled connections (the platform runs in this process): start the next test afresh.
            NpgsqlConnection.ClearAllPools();
        }
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{response.StatusCode}: {html}");
        Assert.Contains(StorageUnavailable.Problem.En, html, StringComparison.Ordinal);
        Assert.True(response.Headers.RetryAfter is not null, "no Retry-After on the busy page");
    }

    /// <summary>
    /// Pooled connections broken by the cut fail once each when next used; the pool then opens fresh ones. A client
    /// told 503 sends the request again, as this does.
    /// </summary>
    private static async Task<PlatformClient.Reply> SendUntilConnectedAsync(Func<Task<PlatformClient.Reply>> send)
    {
        for (var attempt = 0; ; attempt++)
        {
            var reply = await send();
            if (reply.Status != HttpStatusCode.ServiceUnavailable || attempt == 20)
                return reply;
            Assert.Equal(StorageUnavailable.Problem.Code, reply.Code);
        }
    }
}

public sealed class SqliteBusyTests(ImpatientSqliteFixture fixture) : IClassFixture<ImpatientSqliteFixture>
{
    [Fact]
    public async Task A_sign_in_while_another_writer_holds_the_database_gets_a_retryable_503_and_changes_nothing()
    {
        var card = fixture.IssueCard();
        using var client = fixture.CreateClient();
        var challenge = await PlatformClient.ChallengeAsync(client);
        var signature = card.Sign(Encoding.UTF8.GetBytes(challenge));
        var before = await fixture.CountAsync();

        PlatformClient.Reply refused;
        await using (var writer = new SqliteConnection(fixture.Database.ConnectionString))
        {
            await writer.OpenAsync();
            await using var hold = writer.CreateCommand();
            hold.CommandText = "BEGIN IMMEDIATE";
            await hold.ExecuteNonQueryAsync();
            refused = await PlatformClient.OpenSessionAsync(client, challenge, card.Certificate(), signature);
            hold.CommandText = "ROLLBACK";
            await hold.ExecuteNonQueryAsync();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Equal(StorageUnavailable.Problem.Code, refused.Code);
        Assert.Equal(before, await fixture.CountAsync());
        var reply = await PlatformClient.OpenSessionAsync(client, challenge, card.Certificate(), signature);
        Assert.Equal(HttpStatusCode.Created, reply.Status);
    }
}

public sealed class UnavailableRecognitionTests
{
    [Fact]
    public async Task A_refused_PostgreSQL_connection_counts_as_unavailable()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=x;Timeout=2");
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => connection.OpenAsync());
        Assert.True(KangenStorage.IsUnavailable(failure), failure.ToString());
        Assert.True(KangenStorage.IsUnavailable(new InvalidOperationException("wrapped", failure)));
    }

    [Fact]
    public void A_timeout_outside_the_database_is_not_unavailable() =>
        Assert.False(KangenStorage.IsUnavailable(new System.Text.RegularExpressions.RegexMatchTimeoutException("x", "y", TimeSpan.FromSeconds(1))));

    [Fact]
    public async Task A_unique_violation_is_not_unavailable()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);";
        await command.ExecuteNonQueryAsync();
        command.CommandText = "INSERT INTO t VALUES (1)";
        var failure = await Assert.ThrowsAsync<SqliteException>(() => command.ExecuteNonQueryAsync());
        Assert.False(KangenStorage.IsUnavailable(failure));
    }
}

using Npgsql;

namespace Kangen.Cli.Features.Bench;

/// <summary>
/// A fresh PostgreSQL database for one bench run, <c>kangen_bench_&lt;guid&gt;</c> on the server a connection string
/// points to, dropped when disposed: every run starts from empty tables, and nothing of a run is left behind.
/// </summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly string _server;

    private BenchDatabase(string server, string name, string connectionString)
    {
        _server = server;
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>The database's name.</summary>
    public string Name { get; }

    /// <summary>The given connection string with its database replaced by this one.</summary>
    public string ConnectionString { get; }

    /// <summary>Creates the database through <paramref name="server"/> (a connection string whose user may create databases).</summary>
    /// <param name="server">The server's connection string.</param>
    /// <param name="durableCommits">
    /// Sets <c>synchronous_commit = on</c> for the database, whatever the server's setting: the test clusters run with it
    /// off (scripts/postgres.sh), which lets a server crash lose commits it acknowledged, and a crash fault must run with
    /// the durable commits of a production server. A database's setting overrides the server's for every session on it.
    /// </param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    public static async Task<BenchDatabase> CreateAsync(string server, CancellationToken cancellationToken, bool durableCommits = false)
    {
        var name = "kangen_bench_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync(cancellationToken);
            // The name is ours (a prefix and hex digits): nothing of the caller's reaches the statements.
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
            if (durableCommits)
            {
                create.CommandText = $"ALTER DATABASE {name} SET synchronous_commit = on";
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        return new BenchDatabase(server, name, new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString);
    }

    /// <summary>
    /// Gathers the planner's statistics for the whole database (<c>ANALYZE</c>) and answers how many rows the planner now
    /// takes <c>applications</c> to hold. A database that has been taking applications for a minute has them from
    /// autovacuum (its default wakes once a minute); a run's fresh database has none, and without them the planner
    /// guesses that a campaign's or a service's rows are few, so the group commit's key-list reads
    /// (<c>campaign = $1 AND person_id = ANY ($2)</c>) scan every row of the campaign instead of looking each key up: the
    /// measured phase would measure the guess (docs/performance.md, "The server's side of a group").
    /// </summary>
    public async Task<long> AnalyzeAsync(CancellationToken cancellationToken)
    {
        // Not pooled: the run's platform has its own pool, and this connection is not needed again.
        await using var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var analyze = new NpgsqlCommand("ANALYZE", connection) { CommandTimeout = 0 };
        await analyze.ExecuteNonQueryAsync(cancellationToken);
        // -1 until the table was first analyzed (PostgreSQL 14 and later).
        analyze.CommandText = "SELECT reltuples::bigint FROM pg_class WHERE oid = 'applications'::regclass";
        return (long)(await analyze.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        // The platform's pooled connections would keep the database busy; FORCE ends any left over.
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

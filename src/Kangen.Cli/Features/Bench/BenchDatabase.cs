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
    public static async Task<BenchDatabase> CreateAsync(string server, CancellationToken cancellationToken)
    {
        var name = "kangen_bench_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync(cancellationToken);
            // The name is ours (a prefix and hex digits): nothing of the caller's reaches the statement.
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        return new BenchDatabase(server, name, new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString);
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

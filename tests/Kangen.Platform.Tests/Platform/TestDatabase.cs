using Kangen.Platform.Storage;
using Npgsql;

namespace Kangen.Platform.Tests.Platform;

/// <summary>
/// A fresh, empty database for one fixture or test: an SQLite file in a temp folder, or a database
/// <c>kangen_test_&lt;guid&gt;</c> on the throwaway PostgreSQL of <c>scripts/postgres.sh</c>, dropped afterwards.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    /// <summary>The environment variable with the PostgreSQL admin connection string (set by scripts/test.sh).</summary>
    public const string PostgresVariable = "KANGEN_TEST_POSTGRES";

    private readonly string? _adminConnection;
    private readonly string? _databaseName;
    private readonly string? _folder;

    private TestDatabase(StorageProvider provider, string connectionString, string? adminConnection, string? databaseName, string? folder)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _adminConnection = adminConnection;
        _databaseName = databaseName;
        _folder = folder;
    }

    public StorageProvider Provider { get; }
    public string ConnectionString { get; }

    /// <summary>The admin connection string; PostgreSQL tests fail (never skip) when it is not set.</summary>
    public static string PostgresAdminConnection =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{PostgresVariable} is not set. The PostgreSQL half of the platform suite needs a server: run " +
                $"'scripts/postgres.sh install && scripts/postgres.sh start' and 'export {PostgresVariable}=\"$(scripts/postgres.sh url)\"' " +
                "(scripts/test.sh does all of this).");

    public static async Task<TestDatabase> CreateAsync(StorageProvider provider, string? sqliteFolder = null)
    {
        if (provider == StorageProvider.Sqlite)
        {
            var folder = sqliteFolder ?? Directory.CreateTempSubdirectory("kangen-db-").FullName;
            return new TestDatabase(provider, $"Data Source={Path.Combine(folder, "kangen.db")}", null, null, sqliteFolder is null ? folder : null);
        }
        var admin = PostgresAdminConnection;
        var name = "kangen_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(provider, builder.ConnectionString, admin, name, null);
    }

    /// <summary>A context on this database (the caller disposes it).</summary>
    public KangenDbContext NewContext() => KangenStorage.CreateContext(Provider, ConnectionString);

    public async ValueTask DisposeAsync()
    {
        if (_databaseName is not null && _adminConnection is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_adminConnection);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_databaseName} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        if (_folder is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

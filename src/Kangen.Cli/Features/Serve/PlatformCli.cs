using System.CommandLine;
using Kangen.Cli.Features.Card;
using Kangen.Platform.Storage;

namespace Kangen.Cli.Features.Serve;

/// <summary>The storage options shared by <c>kangen serve</c> and <c>kangen admin ...</c>.</summary>
internal static class PlatformCli
{
    public const string ProviderVariable = "Kangen__Storage__Provider";
    public const string ConnectionVariable = "Kangen__Storage__ConnectionString";

    public static Option<string?> ProviderOption() => new Option<string?>("--provider")
    {
        Description = $"Database: sqlite (default: a file in the data folder) or postgres (default: ${ProviderVariable}, else sqlite).",
    }.AcceptOnlyFromAmong("sqlite", "postgres");

    public static Option<string?> ConnectionOption() => new("--connection")
    {
        Description = $"Connection string (default: ${ConnectionVariable}; for sqlite 'Data Source=<data>/kangen.db'; required for postgres).",
    };

    /// <summary>The storage choice from the options, then the environment, then the defaults.</summary>
    public static (string Data, StorageProvider Provider, string? Connection) Resolve(ParseResult parse, Option<string?> data, Option<string?> provider, Option<string?> connection)
    {
        var folder = Path.GetFullPath(CardCli.DataDirectory(parse, data));
        var providerName = parse.GetValue(provider) ?? Environment.GetEnvironmentVariable(ProviderVariable);
        var connectionString = parse.GetValue(connection) ?? Environment.GetEnvironmentVariable(ConnectionVariable);
        return (folder, StorageOptions.ParseProvider(providerName), string.IsNullOrWhiteSpace(connectionString) ? null : connectionString);
    }

    /// <summary>A context on the chosen database, or null after an error (postgres without a connection string).</summary>
    public static KangenDbContext? Open(CliContext context, string data, StorageProvider provider, string? connection)
    {
        var options = new StorageOptions { Provider = provider.ToString().ToLowerInvariant(), ConnectionString = connection };
        if (provider == StorageProvider.Postgres && connection is null)
        {
            context.Error("PostgreSQL needs --connection \"Host=...;Database=...;Username=...\".");
            return null;
        }
        return KangenStorage.CreateContext(provider, options.ResolveConnectionString(data));
    }

    /// <summary>Where the database is, for messages (no password).</summary>
    public static string Describe(StorageProvider provider, string data, string? connection) => provider == StorageProvider.Sqlite
        ? "SQLite " + (connection ?? Path.Combine(data, "kangen.db"))
        : "PostgreSQL " + new Npgsql.NpgsqlConnectionStringBuilder(connection) { Password = null }.ToString();
}

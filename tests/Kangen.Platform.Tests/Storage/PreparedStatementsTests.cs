using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kangen.Platform.Tests.Storage;

/// <summary>
/// On PostgreSQL the platform's connections prepare the statements they send again and again (Npgsql's automatic
/// preparation), so their text is not sent and parsed on every call, unless the connection string says otherwise.
/// </summary>
public class PreparedStatementsTests
{
    [Fact]
    public void A_connection_string_without_the_setting_gets_the_platforms_default()
    {
        var resolved = new NpgsqlConnectionStringBuilder(KangenStorage.Postgres("Host=127.0.0.1;Database=kangen;Username=k;Password='se;c=ret'"));

        Assert.Equal(KangenStorage.DefaultMaxAutoPrepare, resolved.MaxAutoPrepare);
        // Nothing else of the given string is lost on the way.
        Assert.Equal("kangen", resolved.Database);
        Assert.Equal("se;c=ret", resolved.Password);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Database=kangen;Max Auto Prepare=0", 0)]
    [InlineData("Host=127.0.0.1;Database=kangen;MaxAutoPrepare=10", 10)]
    [InlineData("Host=127.0.0.1;Database=kangen;max auto prepare=200", 200)]
    [InlineData("Host=127.0.0.1;Password='a;Max Auto Prepare=1';MAXAUTOPREPARE=7", 7)]
    public void A_connection_string_that_names_the_setting_keeps_its_own(string connectionString, int expected)
    {
        Assert.Equal(connectionString, KangenStorage.Postgres(connectionString));
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(KangenStorage.Postgres(connectionString)).MaxAutoPrepare);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData(";Max Auto Prepare=0", false)]
    public async Task A_statement_sent_again_and_again_is_prepared_on_the_server_unless_turned_off(string setting, bool prepared)
    {
        await using var database = await TestDatabase.CreateAsync(StorageProvider.Postgres);
        await using (var migrate = database.NewContext())
            await KangenStorage.MigrateAsync(migrate);
        await using var db = KangenStorage.CreateContext(StorageProvider.Postgres, database.ConnectionString + setting);
        await db.Database.OpenConnectionAsync();
        var id = Guid.CreateVersion7();

        // Npgsql prepares a statement from its fifth use on a connection (Auto Prepare Min Usages).
        for (var i = 0; i < 6; i++)
            Assert.Null(await db.Persons.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id));

        // What the server holds prepared for this very connection.
        var statements = await db.Database.SqlQueryRaw<string>("SELECT statement AS \"Value\" FROM pg_prepared_statements").ToListAsync();
        Assert.Equal(prepared, statements.Any(s => s.Contains("FROM persons", StringComparison.Ordinal)));
    }
}

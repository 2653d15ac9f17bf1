using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kangen.Platform.Tests.Storage;

/// <summary>How the platform registers its database contexts, on a host that is built and never started or connected.</summary>
public sealed class StorageRegistrationTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("kangen-storage-registration-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void Every_request_gets_its_own_context_built_from_options_made_once_per_host(string provider)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Kangen:Data"] = _data;
        builder.Configuration["Kangen:Storage:Provider"] = provider;
        // Never connected to: the options and the context are only built.
        builder.Configuration["Kangen:Storage:ConnectionString"] = provider == "postgres" ? "Host=127.0.0.1;Database=unused" : null;
        builder.AddStorage();
        using var host = builder.Build();

        using var first = host.Services.CreateScope();
        using var second = host.Services.CreateScope();
        var contexts = new[] { first, second }.Select(s => s.ServiceProvider.GetRequiredService<KangenDbContext>()).ToArray();

        Assert.NotSame(contexts[0], contexts[1]);
        Assert.Equal(provider == "sqlite" ? typeof(SqliteKangenDbContext) : typeof(PostgresKangenDbContext), contexts[0].GetType());
        // Building the options (warnings, interceptors, provider extensions) in every request's scope made an application
        // allocate 16 % more (docs/performance.md).
        var options = new[] { first, second }.Select(s => provider == "sqlite"
            ? (DbContextOptions)s.ServiceProvider.GetRequiredService<DbContextOptions<SqliteKangenDbContext>>()
            : s.ServiceProvider.GetRequiredService<DbContextOptions<PostgresKangenDbContext>>()).ToArray();
        Assert.Same(options[0], options[1]);
    }
}

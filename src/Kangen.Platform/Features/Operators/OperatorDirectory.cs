using System.Collections.Concurrent;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Operators;

/// <summary>A registered operator as account verification needs it.</summary>
/// <param name="Code">The operator code.</param>
/// <param name="Status"><c>active</c> or <c>suspended</c>.</param>
/// <param name="VerificationUrl">Its verification endpoint, if any.</param>
public sealed record RegisteredOperator(string Code, string Status, Uri? VerificationUrl);

/// <summary>
/// The <c>operators</c> table as account verification reads it, kept for
/// <see cref="VerificationOptions.CacheSeconds"/>: a verification must not cost a database read, and a change made
/// on another replica applies here within that time (at once here: the admin routes call <see cref="Forget"/>).
/// An unregistered operator is remembered too, so applications to the many unconnected operators do not read either.
/// </summary>
public sealed class OperatorDirectory(IServiceScopeFactory scopes, TimeProvider time, IOptions<VerificationOptions> options)
{
    private readonly ConcurrentDictionary<string, (RegisteredOperator? Operator, DateTimeOffset ReadAt)> _entries = new(StringComparer.Ordinal);

    /// <summary>The registered operator with this code, or null when it is not registered.</summary>
    public async Task<RegisteredOperator?> FindAsync(string code, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(code, out var cached) && now - cached.ReadAt < TimeSpan.FromSeconds(options.Value.CacheSeconds))
            return cached.Operator;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        var row = await db.Operators.AsNoTracking().Where(o => o.Code == code)
            .Select(o => new { o.Code, o.Status, o.VerificationUrl }).SingleOrDefaultAsync(cancellationToken);
        var found = row is null ? null : new RegisteredOperator(row.Code, row.Status,
            Uri.TryCreate(row.VerificationUrl, UriKind.Absolute, out var url) ? url : null);
        _entries[code] = (found, now);
        return found;
    }

    /// <summary>Forgets one operator (or all), after a change made on this replica.</summary>
    public void Forget(string? code = null)
    {
        if (code is null)
            _entries.Clear();
        else
            _entries.TryRemove(code, out _);
    }
}

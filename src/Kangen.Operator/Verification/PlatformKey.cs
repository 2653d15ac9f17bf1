using System.Security.Cryptography;
using Kangen.Protocol;

namespace Kangen.Operator.Verification;

/// <summary>
/// The platform's public key, which the operator checks verification calls against: read from a PEM file, or
/// fetched once from the platform's anonymous platform-key route (again when a call names another key id,
/// at most once a minute, or every 5 seconds while no key could be loaded, so a key rotation on the platform is
/// followed and a stream of calls naming unknown keys does not become a stream of fetches). The key and its id
/// are replaced together, and a replaced key is left to the garbage collector rather than disposed, because a
/// verification running at that moment may still be using it.
/// </summary>
public sealed class PlatformKey(TimeProvider time, string? pemFile, Uri? platform) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Loaded? _loaded;
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    /// <summary>A key known in advance (tests, or a PEM given in code).</summary>
    public static PlatformKey FromPem(string pem, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (!SigningKeys.TryReadPublic(pem.Trim(), out var key, out var reason))
            throw new CryptographicException("The platform key is not usable: " + reason);
        return new PlatformKey(time, null, null) { _loaded = new Loaded(key!, SigningKeys.KeyId(key!)) };
    }

    /// <summary>The key id, once loaded.</summary>
    public string? KeyId => Volatile.Read(ref _loaded)?.KeyId;

    /// <summary>The key for <paramref name="keyId"/>, loading or refreshing it when needed; null when it is not the platform's.</summary>
    public async Task<ECDsa?> ForAsync(string keyId, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _loaded) is { } known && known.KeyId == keyId)
            return known.Key;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = Volatile.Read(ref _loaded);
            if (current is not null && current.KeyId == keyId)
                return current.Key;
            var now = time.GetUtcNow();
            if (now - _fetchedAt < (current is null ? RetryWithoutKey : RefetchInterval))
                return null;
            _fetchedAt = now;
            await LoadAsync(cancellationToken);
            return Volatile.Read(ref _loaded) is { } loaded && loaded.KeyId == keyId ? loaded.Key : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Loads the key from the file or the platform.</summary>
    /// <exception cref="InvalidOperationException">When there is neither, or the PEM is unusable.</exception>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        string pem;
        if (pemFile is not null)
            pem = await File.ReadAllTextAsync(pemFile, cancellationToken);
        else if (platform is not null)
        {
            using var http = new HttpClient { BaseAddress = platform, Timeout = TimeSpan.FromSeconds(15) };
            pem = await http.GetStringAsync(new Uri(OperatorRoutes.PlatformKey, UriKind.Relative), cancellationToken);
        }
        else if (Volatile.Read(ref _loaded) is not null)
            return;
        else
            throw new InvalidOperationException("No platform key: give a PEM file or the platform URL.");
        if (!SigningKeys.TryReadPublic(pem.Trim(), out var key, out var reason))
            throw new InvalidOperationException("The platform key is not usable: " + reason);
        Volatile.Write(ref _loaded, new Loaded(key!, SigningKeys.KeyId(key!)));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Volatile.Read(ref _loaded)?.Key.Dispose();
        _gate.Dispose();
    }

    /// <summary>How often a call naming another key id may refetch the key.</summary>
    public static readonly TimeSpan RefetchInterval = TimeSpan.FromMinutes(1);

    /// <summary>How often the key is fetched again while none could be loaded.</summary>
    public static readonly TimeSpan RetryWithoutKey = TimeSpan.FromSeconds(5);

    private sealed record Loaded(ECDsa Key, string KeyId);
}

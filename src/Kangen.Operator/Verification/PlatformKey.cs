using System.Security.Cryptography;
using Kangen.Protocol;

namespace Kangen.Operator.Verification;

/// <summary>
/// The platform's public key, which the operator checks verification calls against: read from a PEM file, or
/// fetched once from the platform's anonymous platform-key route (again when a call names another key id,
/// at most once a minute, so a key rotation on the platform is followed).
/// </summary>
public sealed class PlatformKey(TimeProvider time, string? pemFile, Uri? platform) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ECDsa? _key;
    private string? _keyId;
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    /// <summary>A key known in advance (tests, or a PEM given in code).</summary>
    public static PlatformKey FromPem(string pem, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (!SigningKeys.TryReadPublic(pem.Trim(), out var key, out var reason))
            throw new CryptographicException("The platform key is not usable: " + reason);
        var result = new PlatformKey(time, null, null) { _key = key, _keyId = SigningKeys.KeyId(key!) };
        return result;
    }

    /// <summary>The key id, once loaded.</summary>
    public string? KeyId => _keyId;

    /// <summary>The key for <paramref name="keyId"/>, loading or refreshing it when needed; null when it is not the platform's.</summary>
    public async Task<ECDsa?> ForAsync(string keyId, CancellationToken cancellationToken)
    {
        if (_key is not null && _keyId == keyId)
            return _key;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_key is not null && _keyId == keyId)
                return _key;
            var now = time.GetUtcNow();
            if (_key is not null && now - _fetchedAt < TimeSpan.FromMinutes(1))
                return null;
            _fetchedAt = now;
            await LoadAsync(cancellationToken);
            return _keyId == keyId ? _key : null;
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
        else if (_key is not null)
            return;
        else
            throw new InvalidOperationException("No platform key: give a PEM file or the platform URL.");
        if (!SigningKeys.TryReadPublic(pem.Trim(), out var key, out var reason))
            throw new InvalidOperationException("The platform key is not usable: " + reason);
        var old = _key;
        _key = key;
        _keyId = SigningKeys.KeyId(key!);
        old?.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _key?.Dispose();
        _gate.Dispose();
    }
}

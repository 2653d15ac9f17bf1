using Kangen.Platform.Features.Identity.Certificates;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Identity;

/// <summary>
/// Keeps the trust store no older than <c>Kangen:Trust:MaxAgeSeconds</c> (default 10) when an authentication
/// needs it. The background refresh runs every minute; between two runs a card may have been renewed (its new
/// serial would otherwise create a second person: the real program's missed renewal links) or revoked. So an
/// authentication that finds the store older than the limit refreshes it inline first, at most one request at
/// a time; the others go on with the current state rather than queue behind the file reads.
/// </summary>
public sealed class TrustFreshness(TrustStore trust, TimeProvider time, IOptions<TrustSourceOptions> options)
{
    private readonly Lock _gate = new();

    /// <summary>Refreshes when stale; true when this call refreshed (so the caller re-checks revocation).</summary>
    public bool EnsureFresh()
    {
        var maxAge = TimeSpan.FromSeconds(options.Value.MaxAgeSeconds);
        if (trust.LastRefreshed is { } last && time.GetUtcNow() - last <= maxAge)
            return false;
        if (!_gate.TryEnter())
            return false;
        try
        {
            if (trust.LastRefreshed is { } again && time.GetUtcNow() - again <= maxAge)
                return false;
            trust.Refresh();
            return true;
        }
        finally
        {
            _gate.Exit();
        }
    }
}

using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Kangen.SmartCard;

namespace Kangen.Platform.Features.Identity.Certificates;

/// <summary>What a <see cref="TrustStore.Refresh"/> found.</summary>
/// <param name="At">When the refresh ran.</param>
/// <param name="RevokedCount">Revoked serials in force after the refresh.</param>
/// <param name="RenewalLinkCount">Authentication renewal links in force after the refresh.</param>
/// <param name="Problems">Sources that could not be used (bad signature, unreadable, older than the one in force, stale); empty when all was well.</param>
public sealed record TrustRefreshResult(DateTimeOffset At, int RevokedCount, int RenewalLinkCount, IReadOnlyList<string> Problems)
{
    /// <summary>True when every source was read and accepted.</summary>
    public bool Succeeded => Problems.Count == 0;
}

/// <summary>
/// The relying party's trust configuration for card authentication: trust anchors (issuer keys parsed
/// once), the revoked serials of their CRLs and the renewal links old -> new. Thread-safe: requests read
/// immutable snapshots that <see cref="Refresh"/> swaps atomically, so a lookup never waits for a refresh
/// and costs one hash probe whatever the size of the CRL.
/// </summary>
public sealed class TrustStore
{
    private const string AuthenticationCaFile = "auth-ca.cer";
    private const string AuthenticationCrlFile = "auth.crl";
    private const string RenewalsFile = "renewals.jsonl";

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private readonly TimeProvider _time;
    private readonly Lock _refreshGate = new();
    private readonly List<CrlSource> _crlSources = [];
    private readonly List<string> _linkSources = [];
    private volatile HashSet<string> _revoked = new(StringComparer.Ordinal);
    private volatile Dictionary<string, string> _predecessors = new(StringComparer.Ordinal);
    private volatile TrustRefreshResult? _lastResult;
    private readonly Dictionary<string, (FileStamp Stamp, Dictionary<string, string> Links, List<string> Problems)> _linkCache = new(StringComparer.Ordinal);

    private TrustStore(IReadOnlyList<TrustAnchor> anchors, TimeProvider time)
    {
        Anchors = anchors;
        _time = time;
    }

    internal IReadOnlyList<TrustAnchor> Anchors { get; }

    /// <summary>The trust anchors' certificates.</summary>
    public IEnumerable<X509Certificate2> AnchorCertificates => Anchors.Select(a => a.Certificate);

    /// <summary>Number of revoked serials in force.</summary>
    public int RevokedCount => _revoked.Count;

    /// <summary>Number of authentication renewal links in force.</summary>
    public int RenewalLinkCount => _predecessors.Count;

    /// <summary>When <see cref="Refresh"/> last ran (null before the first). Never waits for a running refresh.</summary>
    public DateTimeOffset? LastRefreshed => _lastResult?.At;

    /// <summary>The result of the last <see cref="Refresh"/> (null before the first).</summary>
    public TrustRefreshResult? LastResult => _lastResult;

    /// <summary>
    /// Trust as a <see cref="CardIssuer"/> publishes it in <c>&lt;data&gt;/issuer</c>: the anchor
    /// <c>auth-ca.cer</c>, the CRL <c>auth.crl</c> and the authentication links of <c>renewals.jsonl</c>.
    /// Runs a first <see cref="Refresh"/>; its problems (e.g. no CRL published yet) are in <see cref="LastResult"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no <c>auth-ca.cer</c> in the folder.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException"><c>auth-ca.cer</c> is not a certificate.</exception>
    public static TrustStore FromIssuerDirectory(string issuerDirectory, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(issuerDirectory);
        var anchorPath = Path.Combine(issuerDirectory, AuthenticationCaFile);
        if (!File.Exists(anchorPath))
            throw new FileNotFoundException($"No user-authentication CA certificate ({AuthenticationCaFile}) in '{issuerDirectory}'.", anchorPath);
        var anchor = X509CertificateLoader.LoadCertificateFromFile(anchorPath);
        var store = Create([anchor], time);
        store.AddCrlSource(Path.Combine(issuerDirectory, AuthenticationCrlFile));
        store.AddRenewalLinkSource(Path.Combine(issuerDirectory, RenewalsFile));
        store.Refresh();
        return store;
    }

    /// <summary>An explicit configuration: these anchors, with CRLs and link files added by path afterwards.</summary>
    /// <exception cref="ArgumentException">No anchors, or an anchor without a usable RSA key.</exception>
    public static TrustStore Create(IEnumerable<X509Certificate2> anchors, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        ArgumentNullException.ThrowIfNull(time);
        var parsed = anchors.Select(TrustAnchor.From).ToArray();
        if (parsed.Length == 0)
            throw new ArgumentException("At least one trust anchor is needed.", nameof(anchors));
        return new TrustStore(parsed, time);
    }

    /// <summary>Adds a DER CRL file issued by one of the anchors; read at the next <see cref="Refresh"/>.</summary>
    public void AddCrlSource(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        lock (_refreshGate)
            _crlSources.Add(new CrlSource(Path.GetFullPath(path)));
    }

    /// <summary>Adds a <c>renewals.jsonl</c> file (one link a line; only kind <c>authentication</c> is used); read at the next <see cref="Refresh"/>.</summary>
    public void AddRenewalLinkSource(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        lock (_refreshGate)
            _linkSources.Add(Path.GetFullPath(path));
    }

    /// <summary>
    /// Re-reads every CRL and link file and swaps the new sets in. A CRL that is unreadable, badly
    /// signed, not from an anchor, or older than the one in force is refused and that source keeps its
    /// previous serials; the problem is reported. A file whose size and modification time are unchanged
    /// is not parsed again, so a refresh with nothing new costs a few stat calls whatever the CRL's size.
    /// Readers never wait for a refresh; refreshes run one at a time.
    /// </summary>
    public TrustRefreshResult Refresh()
    {
        lock (_refreshGate)
        {
            var now = _time.GetUtcNow();
            var problems = new List<string>();
            foreach (var source in _crlSources)
                source.Reload(Anchors, now, problems);

            HashSet<string> revoked;
            if (_crlSources.Count == 1)
                revoked = _crlSources[0].Serials;
            else
            {
                revoked = new HashSet<string>(StringComparer.Ordinal);
                foreach (var source in _crlSources)
                    revoked.UnionWith(source.Serials);
            }

            Dictionary<string, string> predecessors;
            if (_linkSources.Count == 1)
                predecessors = Links(_linkSources[0], problems);
            else
            {
                predecessors = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var path in _linkSources)
                {
                    foreach (var (newSerial, oldSerial) in Links(path, problems))
                        predecessors[newSerial] = oldSerial;
                }
            }

            _revoked = revoked;
            _predecessors = predecessors;
            var result = new TrustRefreshResult(now, revoked.Count, predecessors.Count, problems);
            _lastResult = result;
            return result;
        }
    }

    /// <summary>True when <paramref name="serialUpperHex"/> is on a CRL in force.</summary>
    public bool IsRevoked(string serialUpperHex) => _revoked.Contains(serialUpperHex);

    /// <summary>The serial that <paramref name="newSerialUpperHex"/> renewed (one step; follow chains in the caller).</summary>
    public bool TryGetPredecessor(string newSerialUpperHex, out string oldSerialUpperHex)
    {
        if (_predecessors.TryGetValue(newSerialUpperHex, out var old))
        {
            oldSerialUpperHex = old;
            return true;
        }
        oldSerialUpperHex = "";
        return false;
    }

    /// <summary>The links of one file, parsed again only when the file changed.</summary>
    private Dictionary<string, string> Links(string path, List<string> problems)
    {
        var stamp = FileStamp.Of(path);
        if (stamp is { } known && _linkCache.TryGetValue(path, out var cached) && cached.Stamp == known)
        {
            problems.AddRange(cached.Problems);
            return cached.Links;
        }
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        var fileProblems = new List<string>();
        ReadLinks(path, links, fileProblems);
        problems.AddRange(fileProblems);
        if (stamp is { } s)
            _linkCache[path] = (s, links, fileProblems);
        return links;
    }

    private static void ReadLinks(string path, Dictionary<string, string> predecessors, List<string> problems)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (FileNotFoundException)
        {
            // No renewal yet: the issuer creates the file on the first one.
            return;
        }
        catch (IOException e)
        {
            problems.Add($"{path}: {e.Message}");
            return;
        }
        catch (UnauthorizedAccessException e)
        {
            problems.Add($"{path}: {e.Message}");
            return;
        }
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
                continue;
            LinkLine? link;
            try
            {
                link = JsonSerializer.Deserialize<LinkLine>(lines[i], Json);
            }
            catch (JsonException e)
            {
                problems.Add($"{path} line {i + 1}: not a renewal link ({e.Message})");
                continue;
            }
            if (link is null || string.IsNullOrEmpty(link.OldSerial) || string.IsNullOrEmpty(link.NewSerial))
            {
                problems.Add($"{path} line {i + 1}: not a renewal link");
                continue;
            }
            if (!string.Equals(link.Kind, "authentication", StringComparison.OrdinalIgnoreCase))
                continue;
            predecessors[link.NewSerial.ToUpperInvariant()] = link.OldSerial.ToUpperInvariant();
        }
    }

    private sealed record LinkLine(string? Kind, string? OldSerial, string? NewSerial);

    /// <summary>Size and modification time: the issuer replaces CRLs by rename and appends links, both of which change it.</summary>
    private readonly record struct FileStamp(long Length, DateTime LastWriteUtc)
    {
        public static FileStamp? Of(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(info.Length, info.LastWriteTimeUtc) : null;
        }
    }

    /// <summary>One CRL file and the serials last accepted from it.</summary>
    private sealed class CrlSource(string path)
    {
        private System.Numerics.BigInteger? _number;
        private DateTimeOffset? _thisUpdate;
        private DateTimeOffset? _nextUpdate;
        private FileStamp? _stamp;

        public HashSet<string> Serials { get; private set; } = new(StringComparer.Ordinal);

        public void Reload(IReadOnlyList<TrustAnchor> anchors, DateTimeOffset now, List<string> problems)
        {
            var stamp = FileStamp.Of(path);
            if (stamp is not null && stamp == _stamp)
            {
                if (_nextUpdate is { } due && due < now)
                    problems.Add($"{path}: CRL is stale (next update was due {due:O}); using it until a newer one is published.");
                return;
            }
            byte[] der;
            try
            {
                der = File.ReadAllBytes(path);
            }
            catch (IOException e)
            {
                problems.Add($"{path}: cannot read the CRL ({e.Message}); keeping {Serials.Count} revoked serials from before.");
                return;
            }
            catch (UnauthorizedAccessException e)
            {
                problems.Add($"{path}: cannot read the CRL ({e.Message}); keeping {Serials.Count} revoked serials from before.");
                return;
            }

            RevocationList? list = null;
            string? refusal = null;
            foreach (var anchor in anchors)
            {
                try
                {
                    list = RevocationList.Load(der, anchor.Certificate);
                    break;
                }
                catch (InvalidDataException e)
                {
                    refusal = e.Message;
                }
            }
            if (list is null)
            {
                problems.Add($"{path}: CRL refused ({refusal}); keeping {Serials.Count} revoked serials from before.");
                return;
            }
            // A replayed older CRL could un-revoke certificates: only a newer or equal one replaces the one in force.
            if ((_number is { } n && list.Number is { } m && m < n) || (_thisUpdate is { } t && list.ThisUpdate < t))
            {
                problems.Add($"{path}: CRL number {list.Number} of {list.ThisUpdate:O} is older than the one in force ({_number}); keeping it.");
                return;
            }
            if (list.NextUpdate is { } next && next < now)
                problems.Add($"{path}: CRL is stale (next update was due {next:O}); using it until a newer one is published.");
            _number = list.Number;
            _thisUpdate = list.ThisUpdate;
            _nextUpdate = list.NextUpdate;
            _stamp = stamp;
            Serials = list.RevokedSerials as HashSet<string> ?? new HashSet<string>(list.RevokedSerials, StringComparer.Ordinal);
        }
    }
}

using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kangen.Platform.Features.Secrets;

/// <summary>
/// The platform's data keys: sealing keys (AES-256-GCM; the newest seals, every one still opens what it sealed, so a
/// key can be rotated without rewriting rows) and one hashing key (HMAC-SHA256 for values that are looked up by hash,
/// such as the phone's last 4 digits, and so cannot rotate without a rehash). Read from <c>Kangen:Secrets:KeyFile</c>,
/// else <c>&lt;data&gt;/platform/secrets.json</c>, created on first run (every replica must share the file's content).
/// </summary>
public sealed class SecretKeys
{
    private readonly Dictionary<string, byte[]> _sealing;

    private SecretKeys(Dictionary<string, byte[]> sealing, string current, string hashId, byte[] hashKey, string? sourcePath = null)
    {
        _sealing = sealing;
        CurrentSealingKeyId = current;
        HashKeyId = hashId;
        HashKey = hashKey;
        SourcePath = sourcePath;
    }

    /// <summary>The sealing key ids, oldest first (<c>s1</c>, <c>s2</c>, ...).</summary>
    public IReadOnlyList<string> SealingKeyIds => _sealing.Keys.OrderBy(Number).ThenBy(k => k, StringComparer.Ordinal).ToArray();

    /// <summary>The file these keys were read from, if any (a box re-reads it when it meets a key it does not hold).</summary>
    internal string? SourcePath { get; }

    /// <summary>SHA-256 of the keys' content: tells a changed file from the same one (never shown).</summary>
    internal string Fingerprint => _fingerprint ??= Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ToJson())));

    private string? _fingerprint;

    /// <summary>The id of the key that seals new values.</summary>
    public string CurrentSealingKeyId { get; }

    /// <summary>The id of the hashing key (prefixes every keyed hash).</summary>
    public string HashKeyId { get; }

    internal byte[] HashKey { get; }

    internal byte[] CurrentSealingKey => _sealing[CurrentSealingKeyId];

    internal bool TryGetSealingKey(string id, out byte[] key) => _sealing.TryGetValue(id, out key!);

    /// <summary>Fresh keys: one sealing key (<c>s1</c>) and the hashing key (<c>h1</c>).</summary>
    public static SecretKeys CreateNew() =>
        new(new Dictionary<string, byte[]> { ["s1"] = RandomNumberGenerator.GetBytes(32) }, "s1", "h1", RandomNumberGenerator.GetBytes(32));

    /// <summary>These keys plus a new sealing key that becomes current (old ones keep opening what they sealed).</summary>
    public SecretKeys Rotate()
    {
        var next = 1 + _sealing.Keys.Select(Number).Max();
        var sealing = new Dictionary<string, byte[]>(_sealing) { ["s" + next] = RandomNumberGenerator.GetBytes(32) };
        return new SecretKeys(sealing, "s" + next, HashKeyId, HashKey, SourcePath);
    }

    /// <summary>
    /// These keys without the old sealing key <paramref name="id"/>: whatever it sealed no longer opens, so the caller
    /// first makes sure nothing is sealed with it (<c>kangen admin secrets retire</c> counts the rows).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is the current key or not one of these keys.</exception>
    public SecretKeys Retire(string id)
    {
        if (id == CurrentSealingKeyId)
            throw new ArgumentException($"'{id}' is the current sealing key and cannot be retired.", nameof(id));
        if (!_sealing.ContainsKey(id))
            throw new ArgumentException($"'{id}' is not a sealing key of this file.", nameof(id));
        var sealing = new Dictionary<string, byte[]>(_sealing);
        sealing.Remove(id);
        return new SecretKeys(sealing, CurrentSealingKeyId, HashKeyId, HashKey, SourcePath);
    }

    /// <summary>Reads an existing key file (never creates one: an administrator's command must not invent keys).</summary>
    /// <exception cref="InvalidOperationException">The file is missing or is not a complete key file.</exception>
    public static SecretKeys Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new InvalidOperationException($"There is no key file at {path}.");
        return ReadExisting(path);
    }

    private static SecretKeys ReadExisting(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>The same file read again, or null when it cannot be read now (missing, half-copied, not a key file).</summary>
    internal SecretKeys? Reread()
    {
        if (SourcePath is null)
            return null;
        try
        {
            return Read(SourcePath);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The ids of the sealing keys that <paramref name="other"/> also holds but with other bytes (never the bytes).</summary>
    internal IReadOnlyList<string> ConflictingSealingKeyIds(SecretKeys other) =>
        _sealing.Where(p => other._sealing.TryGetValue(p.Key, out var theirs) && !CryptographicOperations.FixedTimeEquals(p.Value, theirs))
            .Select(p => p.Key).OrderBy(Number).ThenBy(k => k, StringComparer.Ordinal).ToArray();

    /// <summary>True when <paramref name="other"/> hashes as these keys do (same hashing key id and bytes).</summary>
    internal bool SameHashKey(SecretKeys other) =>
        other.HashKeyId == HashKeyId && CryptographicOperations.FixedTimeEquals(other.HashKey, HashKey);

    private static int Number(string id) => int.TryParse(id.AsSpan(1), out var n) ? n : 0;

    /// <summary>Reads the key file, or creates it (mode 0600) when it does not exist.</summary>
    /// <exception cref="InvalidOperationException">The file is not a key file, or a configured file does not exist.</exception>
    /// <exception cref="IOException">A new file could not be written, put in place or flushed.</exception>
    public static SecretKeys Load(string? configuredPath, string dataDirectory)
    {
        var path = Path.GetFullPath(string.IsNullOrWhiteSpace(configuredPath) ? DefaultPath(dataDirectory) : configuredPath);
        if (File.Exists(path))
            return ReadExisting(path);
        if (!string.IsNullOrWhiteSpace(configuredPath))
            throw new InvalidOperationException($"Kangen:Secrets:KeyFile names '{configuredPath}', which does not exist.");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written aside, then put in place only if no file is there, in one step: another instance on the same folder that
        // finds the file (it reads without waiting) must find it whole, and two instances starting together must end up
        // with one file. Written in place, it was once read half-written (a CI run's 500).
        var fresh = CreateNew();
        var temp = fresh.WriteAside(path);
        try
        {
            if (!PutInPlace(temp, path))
                return ReadExisting(path); // another instance created it first: everyone uses that one
        }
        finally
        {
            File.Delete(temp); // only the temporary name goes: the file stays under its own
        }
        if (!OperatingSystem.IsWindows())
            Posix.FlushDirectory(Path.GetDirectoryName(path)!);
        return new SecretKeys(fresh._sealing, fresh.CurrentSealingKeyId, fresh.HashKeyId, fresh.HashKey, path);
    }

    private static bool PutInPlace(string temp, string path)
    {
        // A file system without hard links (some shared and FUSE mounts) answers link(2) with an error of its own: there
        // the move below is the best left, one step on Windows, check-then-rename on Unix.
        if (!OperatingSystem.IsWindows() && Posix.LinkNew(temp, path) is { } linked)
            return linked;
        try
        {
            File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    /// <summary><c>&lt;data&gt;/platform/secrets.json</c>.</summary>
    public static string DefaultPath(string dataDirectory) => Path.Combine(dataDirectory, "platform", "secrets.json");

    /// <summary>
    /// Writes the keys (for rotation by an administrator) atomically with mode 0600: a uniquely named temporary file,
    /// flushed, renamed over <paramref name="path"/>, then the folder flushed so that the rename itself survives a crash.
    /// A file it replaces keeps its owner and group (so that <c>sudo</c> does not leave a file the replicas cannot read);
    /// when this process cannot give the new file that owner and group, nothing is replaced.
    /// </summary>
    /// <exception cref="IOException">The file could not be written, or could not keep its owner and group.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        path = Path.GetFullPath(path);
        var temp = WriteAside(path);
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists(path))
                Posix.KeepOwner(path, temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp); // gone already after the rename; a failed save leaves nothing behind
        }
        if (!OperatingSystem.IsWindows())
            Posix.FlushDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>
    /// Writes the keys to a new temporary file beside <paramref name="path"/> with mode 0600, on disk before it is moved
    /// into place: a crash must leave no file, the old one or the whole new one, never a key lost.
    /// </summary>
    private string WriteAside(string path)
    {
        // Unique: two writers (or a leftover of an interrupted save) never share, truncate or rename each other's file.
        var temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var stream = new FileStream(temp, options);
            stream.Write(Encoding.UTF8.GetBytes(ToJson()));
            stream.Flush(flushToDisk: true);
            return temp;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// Holds <c>&lt;path&gt;.lock</c> exclusively for a read-modify-write of the key file (rotate, retire), so that two
    /// such commands at once cannot each save a file without the other's change.
    /// </summary>
    /// <exception cref="IOException">Another process holds the lock (or it cannot be created).</exception>
    public static IDisposable Lock(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        // Never deleted: removing a lock file another process has just opened would let a third one lock a new file.
        return new FileStream(Path.GetFullPath(path) + ".lock", options);
    }

    private string ToJson() => JsonSerializer.Serialize(new KeyFile
    {
        Current = CurrentSealingKeyId,
        Sealing = _sealing.ToDictionary(p => p.Key, p => Convert.ToBase64String(p.Value)),
        HashId = HashKeyId,
        Hash = Convert.ToBase64String(HashKey),
    }, FileJson);

    private static SecretKeys Parse(string json, string path)
    {
        KeyFile? file;
        try
        {
            file = JsonSerializer.Deserialize<KeyFile>(json, FileJson);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{path} is not a Kangen key file: {e.Message}");
        }
        if (file?.Sealing is not { Count: > 0 } sealing || file.Current is null || !sealing.ContainsKey(file.Current)
            || string.IsNullOrEmpty(file.HashId) || string.IsNullOrEmpty(file.Hash))
            throw new InvalidOperationException($"{path} is not a complete Kangen key file (current, sealing, hashId, hash).");
        var keys = new Dictionary<string, byte[]>();
        foreach (var (id, text) in sealing)
        {
            var key = FromBase64(text, path);
            if (key.Length != 32 || id.Contains(':', StringComparison.Ordinal))
                throw new InvalidOperationException($"{path}: sealing key '{id}' must be 32 bytes and its id must not contain ':'.");
            keys[id] = key;
        }
        var hash = FromBase64(file.Hash, path);
        if (hash.Length < 32)
            throw new InvalidOperationException($"{path}: the hashing key must be at least 32 bytes.");
        return new SecretKeys(keys, file.Current, file.HashId, hash, Path.GetFullPath(path));
    }

    private static byte[] FromBase64(string text, string path)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{path}: a key is not base64.");
        }
    }

    private static readonly JsonSerializerOptions FileJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private sealed class KeyFile
    {
        public string? Current { get; set; }
        public Dictionary<string, string>? Sealing { get; set; }
        [JsonPropertyName("hashId")] public string? HashId { get; set; }
        public string? Hash { get; set; }
    }
}

/// <summary>
/// Seals and opens values with the key ring: <c>&lt;key-id&gt;:&lt;base64url(nonce | ciphertext | tag)&gt;</c>, AES-256-GCM with
/// the purpose as associated data (a value sealed as a service ID does not open as anything else).
/// Keyed hashes: <c>&lt;hash-key-id&gt;:&lt;hex HMAC-SHA256(purpose "\n" value)&gt;</c>.
/// </summary>
/// <remarks>
/// A value sealed under a key this box does not hold makes it re-read its key file (at most once per
/// <see cref="RereadInterval"/>): during a rotation the replicas are restarted one by one, and a replica still running
/// with the old keys must open what a restarted one sealed as soon as its copy of the file holds the new key. Sealing
/// also re-reads the file at most once per interval and adopts it when its content changed, so that every replica,
/// restarted or not, seals with its copy's current key within the interval (else a replica never restarted would keep
/// sealing with a key about to be retired). A file is adopted only if it hashes as the box does and every key id both
/// hold has the same bytes in both (a rotation made from a stale copy has its own, different "s2"); otherwise it is
/// ignored with a warning.
/// </remarks>
public sealed class SecretBox
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>How often at most an unknown key id makes the box re-read its key file.</summary>
    public static readonly TimeSpan RereadInterval = TimeSpan.FromSeconds(10);

    [ThreadStatic] private static AesGcm? t_cipher;
    [ThreadStatic] private static byte[]? t_cipherKey;

    private readonly TimeProvider _time;
    private readonly ILogger? _logger;
    private readonly Lock _reread = new();
    private SecretKeys _keys;
    private long _lastReread;
    private bool _rereadOnce;
    private long _lastContentCheck;
    private string? _refusedFingerprint;

    /// <summary>A box over <paramref name="keys"/> on the system clock.</summary>
    public SecretBox(SecretKeys keys)
        : this(keys, TimeProvider.System)
    {
    }

    /// <summary>A box over <paramref name="keys"/>; <paramref name="time"/> paces the re-reading of the key file.</summary>
    public SecretBox(SecretKeys keys, TimeProvider time)
        : this(keys, time, null)
    {
    }

    /// <summary>A box over <paramref name="keys"/>; <paramref name="logger"/> hears of key files it refuses to adopt.</summary>
    public SecretBox(SecretKeys keys, TimeProvider time, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(time);
        _keys = keys;
        _time = time;
        _logger = logger;
        _lastContentCheck = time.GetTimestamp();
    }

    /// <summary>The keys in use now (after a re-read, those of the file).</summary>
    public SecretKeys Keys => Volatile.Read(ref _keys);

    /// <summary>Seals <paramref name="value"/> for <paramref name="purpose"/> under the current key.</summary>
    public string Seal(string purpose, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var keys = RereadIfChanged() ?? Keys; // one ring for both the id and the key, even if a re-read swaps it meanwhile
        var plain = Encoding.UTF8.GetBytes(value);
        var output = new byte[NonceSize + plain.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        CipherFor(keys.CurrentSealingKey).Encrypt(nonce, plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length), Encoding.UTF8.GetBytes(purpose));
        return keys.CurrentSealingKeyId + ":" + Base64Url.EncodeToString(output);
    }

    /// <summary>The id of the key <paramref name="sealedValue"/> was sealed with, or null when it has none.</summary>
    public static string? KeyIdOf(string? sealedValue) =>
        sealedValue?.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon ? sealedValue[..colon] : null;

    /// <summary>Opens a sealed value; false when it is malformed, sealed for another purpose, under an unknown key, or altered.</summary>
    public bool TryOpen(string purpose, string? sealedValue, out string value)
    {
        value = "";
        if (KeyIdOf(sealedValue) is not { } keyId)
            return false;
        if (!Keys.TryGetSealingKey(keyId, out var key) && !(Reread() is { } fresh && fresh.TryGetSealingKey(keyId, out key)))
            return false;
        var text = sealedValue![(keyId.Length + 1)..];
        if (!Base64Url.IsValid(text))
            return false;
        var bytes = Base64Url.DecodeFromChars(text);
        if (bytes.Length < NonceSize + TagSize)
            return false;
        var plain = new byte[bytes.Length - NonceSize - TagSize];
        try
        {
            CipherFor(key).Decrypt(bytes.AsSpan(0, NonceSize), bytes.AsSpan(NonceSize, plain.Length), bytes.AsSpan(NonceSize + plain.Length), plain, Encoding.UTF8.GetBytes(purpose));
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        value = Encoding.UTF8.GetString(plain);
        return true;
    }

    /// <summary>
    /// This thread's cipher for <paramref name="key"/>. An <see cref="AesGcm"/> must not be used by two threads at once,
    /// and making one sets the key into a new native cipher context, which every seal and open paid (about 1 % of an
    /// application's processor time): each thread keeps the last one it made. Key arrays are never written after a
    /// ring is read or made (a rotation shares them), so the same array is the same key.
    /// </summary>
    private static AesGcm CipherFor(byte[] key)
    {
        if (t_cipher is { } cipher && ReferenceEquals(t_cipherKey, key))
            return cipher;
        // Made before the old one goes: should making it fail, the thread keeps a working cipher for the old key.
        var made = new AesGcm(key, TagSize);
        t_cipher?.Dispose();
        (t_cipher, t_cipherKey) = (made, key);
        return made;
    }

    /// <summary>The keyed hash of <paramref name="value"/> for <paramref name="purpose"/>.</summary>
    public string Hash(string purpose, string value)
    {
        var keys = Keys;
        return keys.HashKeyId + ":" + Convert.ToHexStringLower(HMACSHA256.HashData(keys.HashKey, Encoding.UTF8.GetBytes(purpose + "\n" + value)));
    }

    /// <summary>Compares a value with a stored keyed hash in constant time.</summary>
    public bool HashEquals(string purpose, string value, string? storedHash) =>
        storedHash is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(purpose, value)), Encoding.ASCII.GetBytes(storedHash));

    /// <summary>The key file read again and adopted, or null (no file, read too recently, unreadable, not adoptable).</summary>
    private SecretKeys? Reread()
    {
        if (Keys.SourcePath is null)
            return null;
        lock (_reread)
        {
            // Paced: anyone can send a value with a made-up key id, and each would otherwise cost a file read.
            var now = _time.GetTimestamp();
            if (_rereadOnce && _time.GetElapsedTime(_lastReread, now) < RereadInterval)
                return null;
            _rereadOnce = true;
            _lastReread = now;
            return Adopt(Keys.Reread());
        }
    }

    /// <summary>
    /// The keys of the file when its content changed since they were read (looked at most once per interval) and can
    /// be adopted, else null.
    /// </summary>
    private SecretKeys? RereadIfChanged()
    {
        var keys = Keys;
        // Checked before the lock as well: sealing is frequent and almost never due for a look at the file.
        if (keys.SourcePath is null || _time.GetElapsedTime(Interlocked.Read(ref _lastContentCheck)) < RereadInterval)
            return null;
        lock (_reread)
        {
            var now = _time.GetTimestamp();
            if (_time.GetElapsedTime(_lastContentCheck, now) < RereadInterval)
                return null;
            Interlocked.Exchange(ref _lastContentCheck, now);
            // The content decides, not the write time: file times advance by the kernel's tick, so a file replaced
            // within a few milliseconds of the previous write can keep its time. Reading a small file once per
            // interval costs nothing next to the sealing it guards.
            var fresh = Keys.Reread();
            // Unchanged, or the very file already refused (a warning each interval would say nothing new).
            if (fresh is null || fresh.Fingerprint == Keys.Fingerprint || fresh.Fingerprint == _refusedFingerprint)
                return null;
            return Adopt(fresh);
        }
    }

    /// <summary>Adopts <paramref name="fresh"/> if it agrees with the keys in use (called under the re-read lock).</summary>
    private SecretKeys? Adopt(SecretKeys? fresh)
    {
        if (fresh is null)
            return null;
        var current = Keys;
        if (!current.SameHashKey(fresh))
        {
            Refuse(fresh, "it has another hashing key (its hashes would match nothing stored)", [fresh.HashKeyId]);
            return null;
        }
        if (current.ConflictingSealingKeyIds(fresh) is { Count: > 0 } conflicting)
        {
            Refuse(fresh, "a key id it shares with the keys in use has other key bytes (a rotation made from a stale copy?)", conflicting);
            return null;
        }
        Volatile.Write(ref _keys, fresh);
        return fresh;
    }

    private void Refuse(SecretKeys fresh, string why, IReadOnlyList<string> keyIds)
    {
        _refusedFingerprint = fresh.Fingerprint;
        _logger?.LogWarning("The key file {Path} changed but is not adopted: {Reason} (key ids {KeyIds}); this replica keeps the keys {Current} it holds.",
            fresh.SourcePath, why, string.Join(", ", keyIds), string.Join(", ", Keys.SealingKeyIds));
    }
}

/// <summary>Registration of the key ring and the box.</summary>
public static class SecretsRegistration
{
    /// <summary>Adds <see cref="SecretKeys"/> (from <c>Kangen:Secrets:KeyFile</c> or the data folder) and <see cref="SecretBox"/>.</summary>
    public static IHostApplicationBuilder AddSecrets(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            var configured = configuration["Kangen:Secrets:KeyFile"];
            if (string.IsNullOrWhiteSpace(configured)
                && sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Storage.StorageOptions>>().Value.ParsedProvider == Storage.StorageProvider.Postgres)
            {
                // Replicas on one database must share these keys, or one cannot open what another sealed (verification
                // tokens, service IDs) nor match another's phone hashes.
                sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SecretKeys)).LogWarning(
                    "Kangen:Secrets:KeyFile is not set: this replica uses the data keys of its own data folder. Give every replica the same key file.");
            }
            return SecretKeys.Load(configured, PlatformData.Resolve(configuration));
        });
        builder.Services.AddSingleton(sp => new SecretBox(sp.GetRequiredService<SecretKeys>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<SecretBox>()));
        return builder;
    }
}

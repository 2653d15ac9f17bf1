using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace Kangen.Platform.Features.Identity.Certificates;

/// <summary>SHA-256 of a certificate's DER, as a value key.</summary>
internal readonly record struct CertificateHash(ulong A, ulong B, ulong C, ulong D)
{
    public static CertificateHash From(ReadOnlySpan<byte> sha256) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(sha256),
        BinaryPrimitives.ReadUInt64LittleEndian(sha256[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(sha256[16..]),
        BinaryPrimitives.ReadUInt64LittleEndian(sha256[24..]));

    public override int GetHashCode() => (int)A;
}

/// <summary>
/// Certificates that passed the static checks (structure, issuer signature, profile), keyed by the hash
/// of their DER. Bounded with two generations: when the young one fills, it becomes the old one and the
/// previous old one is dropped; a hit in the old generation is promoted. This keeps recently used cards
/// without a lock or per-entry bookkeeping, and memory never exceeds two generations.
/// </summary>
internal sealed class VerifiedCertificateCache
{
    private readonly int _generationSize;
    private readonly Lock _rotateGate = new();
    private volatile ConcurrentDictionary<CertificateHash, VerifiedCertificate> _young = new();
    private volatile ConcurrentDictionary<CertificateHash, VerifiedCertificate> _old = new();
    private int _youngCount;

    public VerifiedCertificateCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 0);
        _generationSize = Math.Max(1, capacity / 2);
        Enabled = capacity > 0;
    }

    public bool Enabled { get; }

    public bool TryGet(CertificateHash key, out VerifiedCertificate certificate)
    {
        if (_young.TryGetValue(key, out certificate!))
            return true;
        if (_old.TryGetValue(key, out certificate!))
        {
            Add(key, certificate);
            return true;
        }
        return false;
    }

    public void Add(CertificateHash key, VerifiedCertificate certificate)
    {
        if (!Enabled)
            return;
        if (_young.TryAdd(key, certificate) && Interlocked.Increment(ref _youngCount) >= _generationSize)
            Rotate();
    }

    private void Rotate()
    {
        lock (_rotateGate)
        {
            if (Volatile.Read(ref _youngCount) < _generationSize)
                return;
            _old = _young;
            _young = new ConcurrentDictionary<CertificateHash, VerifiedCertificate>();
            Volatile.Write(ref _youngCount, 0);
        }
    }
}

extern alias platform;

using BenchmarkDotNet.Attributes;
using platform::Kangen.Platform.Features.Secrets;

namespace Kangen.Benchmarks;

/// <summary>
/// The platform's sealing and keyed hashing (<see cref="SecretBox"/>), on every application: the account verification
/// token is opened (AES-256-GCM), the service ID sealed, the phone digits hashed (HMAC-SHA256).
/// </summary>
[MemoryDiagnoser]
public class SecretBoxBenchmarks
{
    private const string Purpose = "bench";
    // About the size of an account verification token's JSON, which is what the box opens most.
    private const string Value = """{"operator":"kangen-demo","service":"demo-pay","account":"ACC-0001000042","verifiedAt":"2026-11-28T02:00:00+00:00","expiresAt":"2026-11-28T02:20:00+00:00"}""";
    private SecretBox _box = null!;
    private string _sealed = "";

    [GlobalSetup]
    public void Setup()
    {
        _box = new SecretBox(SecretKeys.CreateNew());
        _sealed = _box.Seal(Purpose, Value);
        if (!_box.TryOpen(Purpose, _sealed, out var opened) || opened != Value || _box.TryOpen("other", _sealed, out _))
            throw new InvalidOperationException("The box does not open its own value, or opens it for another purpose.");
    }

    [Benchmark]
    public string Seal() => _box.Seal(Purpose, Value);

    [Benchmark]
    public bool Open() => _box.TryOpen(Purpose, _sealed, out _);

    [Benchmark]
    public string Hash() => _box.Hash(Purpose, "1234");
}

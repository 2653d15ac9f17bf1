extern alias platform;

using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using platform::Kangen.Platform.Features.Identity.Challenges;

namespace Kangen.Benchmarks;

/// <summary>
/// The stateless challenge codec (DESIGN flow 1: every authentication and every application asks for one and sends it
/// back): issuing (nonce, expiry, MAC) and validating (MAC, purpose, expiry), alone and together.
/// </summary>
[MemoryDiagnoser]
public class ChallengeCodecBenchmarks
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private ChallengeCodec _codec = null!;
    private string _issued = "";
    private string _forged = "";

    [GlobalSetup]
    public void Setup()
    {
        _codec = new ChallengeCodec(RandomNumberGenerator.GetBytes(32), TimeProvider.System);
        _issued = _codec.Issue(ChallengePurposes.Session, Lifetime).Challenge;
        // The same challenge with its MAC's last character changed: refused by the MAC, the first check.
        _forged = _issued[..^1] + (_issued[^1] == 'A' ? 'B' : 'A');
        if (_codec.Validate(_issued, ChallengePurposes.Session).Challenge is null || _codec.Validate(_forged, ChallengePurposes.Session).Challenge is not null)
            throw new InvalidOperationException("The codec does not accept its own challenge or accepts a forged one.");
    }

    [Benchmark]
    public string Issue() => _codec.Issue(ChallengePurposes.Session, Lifetime).Challenge;

    [Benchmark]
    public bool Validate() => _codec.Validate(_issued, ChallengePurposes.Session).Challenge is not null;

    [Benchmark]
    public bool ValidateForged() => _codec.Validate(_forged, ChallengePurposes.Session).Challenge is not null;

    /// <summary>What one authentication costs the codec: issue, then validate what came back.</summary>
    [Benchmark]
    public bool IssueAndValidate() =>
        _codec.Validate(_codec.Issue(ChallengePurposes.Session, Lifetime).Challenge, ChallengePurposes.Session).Challenge is not null;
}

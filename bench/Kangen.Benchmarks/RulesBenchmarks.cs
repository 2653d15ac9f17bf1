using BenchmarkDotNet.Attributes;
using Kangen.Rules;

namespace Kangen.Benchmarks;

/// <summary>
/// The rules on the grant-ingestion hot path (target: 1 million grants per minute with cap enforcement):
/// remaining entitlement + accept, eligibility at an instant, and resolving the campaign version in force.
/// </summary>
[MemoryDiagnoser]
public class RulesBenchmarks
{
    private CampaignDefinition _definition = null!;
    private Campaign _campaign = null!;
    private PersonFacts _person = null!;
    private GrantTotals _grants = null!;
    private readonly DateTimeOffset _instant = new(2023, 2, 28, 23, 59, 59, TimeSpan.FromHours(9));
    private readonly ServiceCode _service = ServiceCode.Parse("demo-pay");

    [GlobalSetup]
    public void Setup()
    {
        _definition = CampaignFile.LoadDefault();
        _campaign = _definition.InForceAt(_instant);
        _person = new PersonFacts(
            new DateTimeOffset(2020, 6, 15, 10, 0, 0, TimeSpan.FromHours(9)),
            new DateTimeOffset(2020, 7, 20, 10, 0, 0, TimeSpan.FromHours(9)),
            Phase1History.Applied(new DateTimeOffset(2020, 9, 1, 9, 30, 0, TimeSpan.FromHours(9)), Yen.Of(3000)),
            new DateTimeOffset(2021, 10, 20, 12, 0, 0, TimeSpan.FromHours(9)),
            null);
        _grants = GrantTotals.Of(Yen.Of(1000), Yen.Of(7500), Yen.Zero);
    }

    /// <summary>Remaining per program and in total, then a partial acceptance of a part 1 grant.</summary>
    [Benchmark]
    public long RemainingAndAccept()
    {
        var entitlement = Entitlement.Of(_campaign, _person.Phase1, _grants);
        var decision = entitlement.Accept(ProgramKind.CardAcquisition, 2000);
        return entitlement.RemainingTotal.Amount + decision.Accepted.Amount;
    }

    /// <summary>Eligibility for every program under an already resolved campaign version.</summary>
    [Benchmark]
    public int Eligibility() =>
        EligibilityRules.Evaluate(_campaign, _person, _instant, _service).Programs.Count(p => p.IsEligible);

    /// <summary>Resolving the version in force (amendments applied) plus eligibility, as a request would do it.</summary>
    [Benchmark]
    public int ResolveAndEligibility() =>
        EligibilityRules.Evaluate(_definition, _person, _instant, _service).Programs.Count(p => p.IsEligible);
}

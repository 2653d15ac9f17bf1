extern alias platform;

using BenchmarkDotNet.Attributes;
using platform::Kangen.Platform.Features.Services;

namespace Kangen.Benchmarks;

/// <summary>
/// Field validation on the application path (DESIGN flow 3): normalising and checking what an applicant typed against
/// a service's fields. Every demo service of the catalogue with an account of its own shape (the demo derivation the
/// bench citizens use), the bench's <c>demo-pay</c> alone, and the refusal path (every field wrong).
/// </summary>
[MemoryDiagnoser]
public class FieldValidationBenchmarks
{
    private (PaymentService Service, IReadOnlyDictionary<string, string?> Fields)[] _every = [];
    private (PaymentService Service, IReadOnlyDictionary<string, string?> Fields) _demoPay;
    private (PaymentService Service, IReadOnlyDictionary<string, string?> Fields) _wrong;

    /// <summary>Services of the default catalogue (96).</summary>
    public const int Services = 96;

    [GlobalSetup]
    public void Setup()
    {
        var catalogue = ServiceCatalogue.LoadDefault();
        _every = [.. catalogue.All.Select(s => (s, Typed(DemoAccounts.Create(s, 7))))];
        if (_every.Length != Services)
            throw new InvalidOperationException($"The catalogue has {_every.Length} services, the benchmark divides by {Services}.");
        if (_every.FirstOrDefault(e => FieldValidation.Validate(e.Service, e.Fields).Fields is null) is { Service: not null } refused)
            throw new InvalidOperationException($"The demo account of {refused.Service.Code} does not validate; the benchmark would time the refusal.");
        var demoPay = catalogue.Find("demo-pay") ?? throw new InvalidOperationException("No demo-pay in the catalogue.");
        _demoPay = (demoPay, Typed(DemoAccounts.Create(demoPay, 7)));
        _wrong = (demoPay, demoPay.Fields.ToDictionary(f => f.Name, _ => (string?)"??? not a value ???"));
    }

    private static Dictionary<string, string?> Typed(IReadOnlyDictionary<string, string> fields) =>
        fields.ToDictionary(f => f.Key, f => (string?)f.Value);

    /// <summary>One valid account per demo service, each validated once; the mean is per validation.</summary>
    [Benchmark(OperationsPerInvoke = Services)]
    public int EveryDemoService()
    {
        var valid = 0;
        foreach (var (service, fields) in _every)
        {
            if (FieldValidation.Validate(service, fields).Fields is not null)
                valid++;
        }
        return valid;
    }

    /// <summary>The account of the service the bench's citizens apply with.</summary>
    [Benchmark]
    public bool DemoPay() => FieldValidation.Validate(_demoPay.Service, _demoPay.Fields).Fields is not null;

    /// <summary>Every field wrong: the problems built for each (the refusal path of bad input).</summary>
    [Benchmark]
    public int DemoPayEveryFieldWrong() => FieldValidation.Validate(_wrong.Service, _wrong.Fields).Problems.Count;
}

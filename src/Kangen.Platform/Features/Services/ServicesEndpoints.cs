using Kangen.Platform.Features.Campaigns;
using Kangen.Platform.Problems;
using Kangen.Rules;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Kangen.Protocol;

namespace Kangen.Platform.Features.Services;

/// <summary>Registration of the services feature.</summary>
public static class ServicesRegistration
{
    /// <summary>The configuration key of a catalogue file to serve instead of the embedded one.</summary>
    public const string FileKey = "Kangen:Services:File";

    /// <summary>The configuration key that lets the built-in demo operators verify accounts (<c>true</c>; default off).</summary>
    public const string DemoOperatorsKey = "Kangen:Operators:Demo";

    /// <summary>
    /// Registers the <see cref="ServiceCatalogue"/> (the file at <c>Kangen:Services:File</c> if set, else the embedded one,
    /// its dates moved with the campaign's when <c>Kangen:Campaign:DemoAnchor</c> is set; replaced by an administrator's
    /// newest saved catalogue, see <see cref="Campaigns.ConfigurationDocuments"/>)
    /// and <see cref="IAccountVerifier"/>: registered operators over HTTP (<see cref="Operators.OperatorAccountVerifier"/>, when
    /// the Operators feature is added), the others by the singleton <see cref="DemoOperators"/> (also resolvable as itself)
    /// when enabled, else <see cref="NoOperatorConnection"/>; unless an <see cref="IAccountVerifier"/> was registered before.
    /// </summary>
    public static IHostApplicationBuilder AddServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(services =>
        {
            var file = services.GetRequiredService<IConfiguration>()[FileKey];
            // A broken configured catalogue is an operator's mistake at start-up: the exception lists every problem.
            var catalogue = string.IsNullOrWhiteSpace(file) ? ServiceCatalogue.LoadDefault() : ServiceCatalogue.Load(Path.GetFullPath(file));
            // On demo dates the services' terms and closing days move with the campaign. Detached: an administrator's
            // saved catalogue replaces this instance's contents (Campaigns.ConfigurationDocuments), never the shared default's.
            return catalogue.ShiftedBy(services.GetService<Campaigns.CampaignProvider>()?.ShiftDays ?? 0).Detached();
        });
        builder.AddConfigurationDocuments();
        builder.Services.TryAddSingleton<DemoOperators>();
        // The demo operators' codes derive from a published constant: anyone can compute an account's codes. So they
        // answer only when asked for (kangen demo, kangen serve --demo-operators, tests); otherwise every verification
        // is "operator unavailable" until real operators are connected.
        // Registered operators (Features/Operators) are asked over HTTP; the others fall back to the demo or to none.
        builder.Services.TryAddSingleton<IAccountVerifier>(services =>
        {
            IAccountVerifier fallback = services.GetRequiredService<IConfiguration>().GetValue<bool>(DemoOperatorsKey)
                ? services.GetRequiredService<DemoOperators>()
                : new NoOperatorConnection();
            return services.GetService<Operators.OperatorDirectory>() is { } directory
                ? new Operators.OperatorAccountVerifier(directory, services.GetRequiredService<IHttpClientFactory>(), fallback)
                : fallback;
        });
        return builder;
    }
}

/// <summary>The operator's extra points in a response.</summary>
public sealed record ServiceBonusResponse(LocalizedText Description, int? RatePercent, int? CapPoints);

/// <summary>One service in a search answer.</summary>
public sealed record ServiceSummaryResponse(
    string Code, LocalizedText Name, string Operator, LocalizedText OperatorName, string Kind, IReadOnlyList<string> Programs,
    DateOnly? LastDay, ServiceBonusResponse? Bonus, string CurrentTerms);

/// <summary>The answer to <c>GET /api/v1/services</c>.</summary>
public sealed record ServiceSearchResponse(int Count, IReadOnlyList<ServiceSummaryResponse> Services);

/// <summary>One input field of a service.</summary>
public sealed record ServiceFieldResponse(
    string Name, LocalizedText Label, LocalizedText? Hint, string Pattern, int MinLength, int MaxLength, string CheckDigit,
    bool Secret, bool IsAccountId, string Normalisation, string Mask);

/// <summary>One version of a service's terms.</summary>
public sealed record ServiceTermsResponse(string Version, DateOnly Effective, LocalizedText Summary);

/// <summary>The answer to <c>GET /api/v1/services/{code}</c>.</summary>
public sealed record ServiceDetailResponse(
    string Code, LocalizedText Name, string Operator, LocalizedText OperatorName, string Kind, IReadOnlyList<string> Programs,
    DateOnly? LastDay, ServiceBonusResponse? Bonus, string GrantTiming, string Rounding, IReadOnlyList<ServiceFieldResponse> Fields,
    ServiceTermsResponse CurrentTerms, IReadOnlyList<ServiceTermsResponse> Terms);

/// <summary>Routes of the services feature (anonymous, read-only).</summary>
public static class ServicesEndpoints
{
    /// <summary>Maps <c>GET /api/v1/services</c>, <c>/api/v1/services/{code}</c> and <c>/api/v1/services/{code}/terms/{version}</c>.</summary>
    public static IEndpointRouteBuilder MapServices(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var group = app.MapGroup("/api/v1/services").WithTags("Services").AllowAnonymous();
        group.MapGet("/", Search)
            .WithName("SearchServices")
            .WithSummary("Payment services whose code, name or operator contains q (any language, any width), of a kind and accepting a program.");
        group.MapGet("/{code}", Get)
            .WithName("GetService")
            .WithSummary("One payment service: its fields (labels, patterns, check digits, which are secret), terms in force and history, programs, dates, bonus.");
        group.MapGet("/{code}/terms/{version}", GetTerms)
            .WithName("GetServiceTerms")
            .WithSummary("One version of a payment service's terms.");
        return app;
    }

    private static Results<Ok<ServiceSearchResponse>, ProblemHttpResult> Search(
        ServiceCatalogue catalogue, TimeProvider time, string? q, string? kind, string? program)
    {
        var (kindFilter, programFilter, problems) = ParseFilters(kind, program);
        if (problems.Count > 0)
            return ProblemResults.From(problems);
        var today = Today(time);
        var services = catalogue.Search(q, kindFilter, programFilter).Select(s => Summary(s, today)).ToArray();
        return TypedResults.Ok(new ServiceSearchResponse(services.Length, services));
    }

    private static Results<Ok<ServiceDetailResponse>, ProblemHttpResult> Get(ServiceCatalogue catalogue, TimeProvider time, string code)
    {
        var service = catalogue.Find(code);
        return service is null ? ProblemResults.From(ServiceProblems.NotFound(code)) : TypedResults.Ok(Detail(service, Today(time)));
    }

    private static Results<Ok<ServiceTermsResponse>, ProblemHttpResult> GetTerms(ServiceCatalogue catalogue, string code, string version)
    {
        var service = catalogue.Find(code);
        if (service is null)
            return ProblemResults.From(ServiceProblems.NotFound(code));
        var terms = service.FindTerms(version);
        return terms is null ? ProblemResults.From(ServiceProblems.TermsNotFound(service, version)) : TypedResults.Ok(Terms(terms));
    }

    /// <summary>The kind and program filters of a search; a problem for each unknown value.</summary>
    public static (ServiceKind? Kind, ProgramKind? Program, IReadOnlyList<PlatformProblem> Problems) ParseFilters(string? kind, string? program)
    {
        var problems = new List<PlatformProblem>();
        ServiceKind? kindFilter = null;
        ProgramKind? programFilter = null;
        if (!string.IsNullOrEmpty(kind))
        {
            if (ServiceKinds.TryParse(kind, out var k))
                kindFilter = k;
            else
                problems.Add(ServiceProblems.QueryInvalid("kind", kind, ServiceKinds.All.Select(x => x.ToCode())));
        }
        if (!string.IsNullOrEmpty(program))
        {
            if (ProgramKinds.TryParse(program, out var p))
                programFilter = p;
            else
                problems.Add(ServiceProblems.QueryInvalid("program", program, ProgramKinds.All.Select(x => x.ToCode())));
        }
        return (kindFilter, programFilter, problems);
    }

    /// <summary>Today in Japan, the calendar of the terms' effective dates.</summary>
    public static DateOnly Today(TimeProvider time) => CampaignTimeZone.Japan.DateOf(time.GetUtcNow());

    /// <summary>The search-answer form of a service.</summary>
    public static ServiceSummaryResponse Summary(PaymentService s, DateOnly today) => new(
        s.Code.Value, s.Name, s.Operator, s.OperatorName, s.Kind.ToCode(), s.Programs.Select(p => p.ToCode()).ToArray(),
        s.LastDay, Bonus(s.Bonus), s.TermsAt(today).Version);

    /// <summary>The full form of a service.</summary>
    public static ServiceDetailResponse Detail(PaymentService s, DateOnly today) => new(
        s.Code.Value, s.Name, s.Operator, s.OperatorName, s.Kind.ToCode(), s.Programs.Select(p => p.ToCode()).ToArray(),
        s.LastDay, Bonus(s.Bonus), s.GrantTiming, s.Rounding,
        s.Fields.Select(f => new ServiceFieldResponse(f.Name, f.Label, f.Hint, f.Pattern, f.MinLength, f.MaxLength, f.CheckDigit.ToCode(),
            f.Secret, f.IsAccountId, f.Normalisation, f.Mask)).ToArray(),
        Terms(s.TermsAt(today)), s.Terms.Select(Terms).ToArray());

    private static ServiceTermsResponse Terms(ServiceTerms t) => new(t.Version, t.Effective, t.Summary);

    private static ServiceBonusResponse? Bonus(ServiceBonus? b) => b is null ? null : new(b.Description, b.RatePercent, b.CapPoints);
}

/// <summary>The verifier when no operator is connected: every account is "operator unavailable", nothing is recorded.</summary>
public sealed class NoOperatorConnection : IAccountVerifier
{
    /// <inheritdoc />
    public Task<AccountVerification> VerifyAsync(ValidatedFields fields, CancellationToken cancellationToken) =>
        Task.FromResult<AccountVerification>(new AccountVerification.Unavailable(
            $"no operator connection is configured for {fields?.Service.Operator}; the built-in demo operators answer only with {ServicesRegistration.DemoOperatorsKey}=true (kangen serve --demo-operators)"));
}

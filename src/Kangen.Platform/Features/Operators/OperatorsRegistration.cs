namespace Kangen.Platform.Features.Operators;

/// <summary>Registration of the operators feature (onboarding, self-service, the feed, link changes, HTTP verification).</summary>
public static class OperatorsRegistration
{
    /// <summary>
    /// Adds <see cref="VerificationOptions"/>, the <see cref="PlatformSigningKey"/> (from
    /// <c>Kangen:Operators:SigningKeyFile</c> or the data folder), the <see cref="OperatorDirectory"/> and the signed,
    /// resilient verification client. <see cref="Services.ServicesRegistration"/> composes the verifier from them.
    /// </summary>
    public static IHostApplicationBuilder AddOperators(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<VerificationOptions>().BindConfiguration(VerificationOptions.Section)
            .Validate(o => o.AttemptTimeoutSeconds > 0 && o.TotalTimeoutSeconds >= o.AttemptTimeoutSeconds && o.Retries is >= 0 and <= 10
                && o.RetryDelayMilliseconds >= 0 && o.BreakerMinimumThroughput >= 2 && o.BreakSeconds >= 0.5 && o.CacheSeconds >= 0,
                "Kangen:Operators:Verification: timeouts positive (total at least the attempt's), 0-10 retries, breaker throughput at least 2, break at least 0.5 s.");
        builder.Services.AddSingleton(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            return PlatformSigningKey.Load(configuration[PlatformSigningKey.FileKey], PlatformData.Resolve(configuration));
        });
        builder.Services.AddSingleton<OperatorDirectory>();
        OperatorAccountVerifier.AddClient(builder.Services);
        return builder;
    }

    /// <summary>Maps the admin, operator and link routes.</summary>
    public static IEndpointRouteBuilder MapOperators(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapOperatorAdmin();
        app.MapOperatorSelf();
        app.MapLinks();
        return app;
    }
}

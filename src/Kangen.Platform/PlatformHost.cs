using Kangen.Platform.Features.Admission;
using Kangen.Platform.Features.Applications;
using Kangen.Platform.Features.CallCentre;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Features.Status;
using Kangen.Platform.Features.Identity;
using Kangen.Platform.Features.Operators;
using Kangen.Platform.Features.Grants;
using Kangen.Platform.Features.Settlement;
using Kangen.Platform.Features.Identity.Certificates;
using Kangen.Platform.Features.Registrations;
using Kangen.Platform.Features.Reservation;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Features.Spots;
using Kangen.Platform.Observability;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Scalar.AspNetCore;

namespace Kangen.Platform;

/// <summary>
/// Builds the platform web application, so that <c>Program</c>, <c>kangen serve</c> and <c>kangen demo</c>
/// host exactly the same thing (in-process in the CLI).
/// </summary>
public static class PlatformHost
{
    /// <summary>
    /// A ready-to-run application. <paramref name="args"/> are ASP.NET Core arguments (e.g. <c>--urls</c>,
    /// <c>--Kangen:Data=...</c>); <paramref name="configure"/> may add configuration or services before the
    /// platform registers its own (e.g. a <see cref="TimeProvider"/>).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(PlatformHost).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);
        builder.AddPlatform();
        var app = builder.Build();
        app.MapPlatform();
        return app;
    }

    /// <summary>Every registration of the platform.</summary>
    public static IHostApplicationBuilder AddPlatform(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails();
        // The framework's own refusals (a 415 for a body that is not JSON, before any endpoint runs) get stable codes too.
        builder.Services.AddFrameworkProblemCodes();
        builder.Services.AddExceptionHandler<StorageUnavailable>();
        builder.Services.AddOpenApi(OpenApiSecurity.Configure);
        builder.Services.AddSingleton<PlatformMetrics>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("kangen-platform"))
            .WithMetrics(metrics => metrics
                .AddMeter(PlatformMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter());
        builder.AddStorage();
        builder.AddSecrets();
        builder.AddIdentity();
        builder.Services.AddHostedService<Housekeeping>();
        builder.Services.AddHealthChecks().AddCheck<ReadinessCheck>("ready", tags: ["ready"]);
        builder.AddSpots();
        builder.AddRegistrations();
        builder.AddServices();
        builder.AddApplications();
        builder.AddStatus();
        builder.AddStaff();
        builder.AddCallCentre();
        builder.AddOperatorAuthentication();
        builder.AddGrants();
        builder.AddSettlement();
        builder.AddOperators();
        builder.AddWeb();
        builder.AddAdmission();
        return builder;
    }

    /// <summary>Every route of the platform.</summary>
    public static WebApplication MapPlatform(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWebLanguages();
        // The API answers failures with problem details; a person at a page gets a page in their language.
        app.UseWhen(http => !WebRegistration.IsPageRequest(http), api =>
        {
            api.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = StorageUnavailable.StatusFor });
            api.UseStatusCodePages();
        });
        app.UseWhen(WebRegistration.IsPageRequest, pages =>
        {
            pages.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandlingPath = "/error", StatusCodeSelector = StorageUnavailable.StatusFor });
            pages.UseStatusCodePagesWithReExecute("/error");
        });
        app.UseWeb();
        // Routing after the error pages, so that a re-executed request (/error) finds its page.
        app.UseRouting();
        app.UseAuthentication();
        app.UseAdmission();
        app.UseAuthorization();
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapOpenApi();
        app.MapScalarApiReference("/scalar");
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapIdentity();
        app.MapReservation();
        app.MapSpots();
        app.MapRegistrations();
        app.MapServices();
        app.MapApplications();
        app.MapStatus();
        app.MapCallCentre();
        app.MapGrants();
        app.MapSettlement();
        app.MapOperators();
        app.MapAdmission();
        app.MapWeb();
        return app;
    }
}

/// <summary>Ready when the database answers with every migration applied and the trust store has loaded.</summary>
internal sealed class ReadinessCheck(KangenDbContext db, TrustStore trust) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!await db.Database.CanConnectAsync(cancellationToken))
            return HealthCheckResult.Unhealthy("database unreachable");
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToArray();
        if (pending.Length > 0)
            return HealthCheckResult.Unhealthy("migrations pending: " + string.Join(", ", pending));
        if (trust.LastRefreshed is null)
            return HealthCheckResult.Unhealthy("trust store not loaded");
        return HealthCheckResult.Healthy($"{db.Provider}; {trust.RevokedCount} revoked serials");
    }
}

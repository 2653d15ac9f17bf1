using System.CommandLine;
using Kangen.Cli.Features.Card;
using Kangen.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Kangen.Cli.Features.Serve;

/// <summary><c>kangen serve</c>: the platform alone, hosted in this process (migrations applied at start).</summary>
public static class ServeCommand
{
    /// <summary>The default address: loopback only, so nothing is exposed by accident.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>The <c>serve</c> command.</summary>
    public static Command Create(CliContext context)
    {
        var data = CardCli.DataOption();
        var urls = new Option<string>("--urls") { Description = "Where to listen (a ';'-separated list of URLs).", DefaultValueFactory = _ => DefaultUrls };
        var provider = PlatformCli.ProviderOption();
        var connection = PlatformCli.ConnectionOption();
        var demoDates = new Option<bool>("--demo-dates")
        {
            Description = "Run the 2022-2023 campaign on today's calendar (today becomes its 2022-10-15, every program open), as kangen demo does.",
        };
        var demoOperators = new Option<bool>("--demo-operators")
        {
            Description = "Let the built-in demo operators verify accounts (their codes derive from a published constant: never in production).",
        };
        var command = new Command("serve",
            "Run the platform: card authentication, My Key ID reservation, audit log, spots; /health, /ready, /openapi/v1.json, /scalar, /metrics. " +
            "By default it trusts the emulated card issuer of the data folder (kangen card issue --data <same folder>).")
        {
            data, urls, provider, connection, demoDates, demoOperators,
        };
        // Any other setting passes through as ASP.NET Core configuration: --Kangen:Staff:Tokens:0:Id=agent-1 ...
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (folder, chosen, cs) = PlatformCli.Resolve(parse, data, provider, connection);
            if (chosen == Kangen.Platform.Storage.StorageProvider.Postgres && cs is null)
            {
                context.Error("PostgreSQL needs --connection \"Host=...;Database=...;Username=...\".");
                return ExitCodes.Usage;
            }
            var args = new List<string>
            {
                "--urls=" + parse.GetValue(urls),
                "--" + PlatformData.ConfigurationKey + "=" + folder,
                "--Kangen:Storage:Provider=" + chosen.ToString().ToLowerInvariant(),
            };
            if (cs is not null)
                args.Add("--Kangen:Storage:ConnectionString=" + cs);
            if (parse.GetValue(demoDates))
                args.Add("--Kangen:Campaign:DemoAnchor=" + Demo.DemoPlatform.DemoAnchor);
            if (parse.GetValue(demoOperators))
                args.Add("--" + Kangen.Platform.Features.Services.ServicesRegistration.DemoOperatorsKey + "=true");
            foreach (var token in parse.UnmatchedTokens)
            {
                if (!token.StartsWith("--Kangen:", StringComparison.Ordinal) || !token.Contains('=', StringComparison.Ordinal))
                {
                    context.Error($"Unknown option '{token}'. Settings pass through as --Kangen:Section:Key=value.");
                    return ExitCodes.Usage;
                }
                args.Add(token);
            }
            Directory.CreateDirectory(folder);
            await using var app = PlatformHost.Build([.. args], builder => builder.Services.AddSingleton(context.Time));
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e)
            {
                context.Error($"Cannot listen on {parse.GetValue(urls)}: {e.Message}");
                return ExitCodes.Failure;
            }
            // A setting out of range is said by name, before anything is served.
            catch (Microsoft.Extensions.Options.OptionsValidationException e)
            {
                foreach (var failure in e.Failures)
                    context.Error("Configuration: " + failure);
                return ExitCodes.Failure;
            }
            context.Console.MarkupLineInterpolated($"Kangen platform listening on [bold]{string.Join(", ", app.Urls)}[/]");
            context.Console.MarkupLineInterpolated($"  data {folder}; {PlatformCli.Describe(chosen, folder, cs)}");
            context.Console.MarkupLineInterpolated($"  health /health, readiness /ready, API reference /scalar, OpenAPI /openapi/v1.json, metrics /metrics");
            try
            {
                await app.WaitForShutdownAsync(cancellationToken);
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}

using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Kangen.Operator.Accounts;
using Kangen.Operator.Grants;
using Kangen.Operator.Hosting;
using Kangen.Operator.Services;
using Kangen.Operator.Simulation;
using Kangen.Operator.Storage;
using Kangen.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Kangen.Cli.Features.Operator;

/// <summary><c>kangen operator ...</c>: a payment operator's side, run by the operator (keys, accounts, the app, simulation, settlement).</summary>
public static class OperatorCommand
{
    /// <summary>The default address of an operator app.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5090";

    /// <summary>The <c>operator</c> command.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("operator", "Run a payment operator's side: its key, customer accounts, verification endpoint, grants and settlement checks.");
        command.Subcommands.Add(Keygen(context));
        command.Subcommands.Add(Accounts(context));
        command.Subcommands.Add(Run(context));
        command.Subcommands.Add(Simulate(context));
        command.Subcommands.Add(Settle(context));
        command.Subcommands.Add(Status(context));
        return command;
    }

    private static Option<string> DataOption() => new("--data") { Description = "The operator's data folder (its database is <data>/<operator>.db).", Required = true };
    private static Option<string> OperatorOption(bool required = true) => new("--operator") { Description = "The operator code, e.g. kangen-demo.", Required = required };
    private static Option<string> PlatformOption() => new("--platform") { Description = "The platform's base URL, e.g. http://127.0.0.1:5080.", Required = true };
    private static Option<FileInfo> KeyOption() => new("--key") { Description = "The operator's private key (PEM, from kangen operator keygen).", Required = true };

    private static Command Keygen(CliContext context)
    {
        var output = new Option<FileInfo>("--out") { Description = "Where to write the private key (PEM, mode 0600).", Required = true };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file." };
        var command = new Command("keygen", "Create an ECDSA P-256 key pair: the private key goes to a file (mode 0600), the public key beside it (.pub) and printed with its id, for the platform administrator to register.")
        {
            output, force,
        };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(output)!;
            if (file.Exists && !parse.GetValue(force))
            {
                context.Error($"{file.FullName} exists; pass --force to overwrite it (the old key stops working once revoked).");
                return ExitCodes.Failure;
            }
            using var key = SigningKeys.Create();
            Directory.CreateDirectory(file.DirectoryName ?? ".");
            SigningKeys.WritePrivatePem(key, file.FullName, overwrite: true);
            // The public half beside it, for the administrator (kangen admin operator key-add --public-key FILE.pub).
            var publicFile = file.FullName + ".pub";
            File.WriteAllText(publicFile, SigningKeys.PublicPem(key) + "\n");
            context.Console.MarkupLineInterpolated($"Private key written to [bold]{file.FullName}[/] (keep it; only the public key leaves this machine).");
            context.Console.MarkupLineInterpolated($"Public key written to [bold]{publicFile}[/].");
            context.Console.MarkupLineInterpolated($"Key id: [bold]{SigningKeys.KeyId(key)}[/]");
            context.Console.WriteLine("Public key to register with the platform:");
            context.Console.WriteLine(SigningKeys.PublicPem(key));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Accounts(CliContext context)
    {
        var data = DataOption();
        var code = OperatorOption();
        var service = new Option<string>("--service") { Description = "The service, one of the operator's.", Required = true };
        var count = new Option<int>("--count") { Description = "How many accounts (1-1000).", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var seed = new Option<int?>("--seed") { Description = "Seed of the invented values (default random)." };
        var open = new Command("open", "Open demo customer accounts and print what each customer would type to apply (the codes are stored only as hashes: this is the only time they are shown).")
        {
            data, code, service, count, json, seed,
        };
        open.SetAction(async (parse, cancellationToken) =>
        {
            var n = parse.GetValue(count);
            if (n is < 1 or > 1000)
            {
                context.Error("--count must be between 1 and 1000.");
                return ExitCodes.Usage;
            }
            OperatorServices services;
            try
            {
                services = OperatorServices.Load(parse.GetValue(code)!);
            }
            catch (InvalidOperationException e)
            {
                context.Error(e.Message);
                return ExitCodes.Failure;
            }
            var chosen = services.Find(parse.GetValue(service));
            if (chosen is null)
            {
                context.Error($"{services.OperatorCode} has no service '{parse.GetValue(service)}'; its services: {string.Join(", ", services.All.Select(s => s.Code))}.");
                return ExitCodes.Failure;
            }
            var store = new OperatorStore(parse.GetValue(data)!, services.OperatorCode);
            await using var db = store.Open();
            var random = parse.GetValue(seed) is { } s ? new Random(s) : new Random();
            var opened = await AccountBook.OpenAsync(db, chosen, n, random, context.Time.GetUtcNow(), cancellationToken);
            if (parse.GetValue(json))
            {
                context.Console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(
                    opened.Select(a => new { service = a.Service, reference = a.Reference, holder = a.HolderKana, fields = a.Fields }),
                    new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumn("Reference").AddColumn("Holder");
            foreach (var field in chosen.Fields)
                table.AddColumn(field.Name);
            foreach (var a in opened)
                table.AddRow([Markup.Escape(a.Reference), Markup.Escape(a.HolderKana), .. chosen.Fields.Select(f => Markup.Escape(a.Fields[f.Name]))]);
            context.Console.Write(table);
            context.Console.MarkupLineInterpolated($"{opened.Count} account(s) of {chosen.Code} opened in {store.File}.");
            return ExitCodes.Ok;
        });
        var command = new Command("accounts", "The operator's customer accounts.");
        command.Subcommands.Add(open);
        return command;
    }

    private static Command Run(CliContext context)
    {
        var data = DataOption();
        var code = OperatorOption();
        var platform = PlatformOption();
        var key = KeyOption();
        var urls = new Option<string>("--urls") { Description = "Where the verification endpoint listens.", DefaultValueFactory = _ => DefaultUrls };
        var platformKey = new Option<FileInfo?>("--platform-key") { Description = "The platform's public key (PEM); default: fetched from the platform at start." };
        var poll = new Option<double>("--poll-seconds") { Description = "How often the enrolment feed is read.", DefaultValueFactory = _ => 10 };
        var report = new Option<double>("--report-seconds") { Description = "How often the grant outbox is sent.", DefaultValueFactory = _ => 10 };
        var command = new Command("run", "Run the operator app until Ctrl+C: the verification endpoint (POST /kangen/verify), the enrolment feed pull and the grant reporter.")
        {
            data, code, platform, key, urls, platformKey, poll, report,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = Options(parse, data, code, platform, key);
            options.PlatformKeyFile = parse.GetValue(platformKey)?.FullName;
            options.PollInterval = TimeSpan.FromSeconds(Math.Max(0.1, parse.GetValue(poll)));
            options.ReportInterval = TimeSpan.FromSeconds(Math.Max(0.1, parse.GetValue(report)));
            WebApplication app;
            try
            {
                app = OperatorHost.Build(["--urls=" + parse.GetValue(urls)], options, builder => builder.Services.AddSingleton(context.Time));
                // Resolve now, so a bad key or operator code is reported before listening.
                _ = app.Services.GetRequiredService<OperatorRuntime>();
            }
            catch (Exception e) when (e is InvalidOperationException or CryptographicException or IOException or UriFormatException)
            {
                context.Error(e.Message);
                return ExitCodes.Failure;
            }
            await using (app)
            {
                try
                {
                    await app.StartAsync(cancellationToken);
                }
                catch (IOException e)
                {
                    context.Error($"Cannot listen on {parse.GetValue(urls)}: {e.Message}");
                    return ExitCodes.Failure;
                }
                var runtime = app.Services.GetRequiredService<OperatorRuntime>();
                context.Console.MarkupLineInterpolated($"Operator [bold]{options.Code}[/] (key {runtime.KeyId}) listening on [bold]{string.Join(", ", app.Urls)}[/]");
                context.Console.MarkupLineInterpolated($"  verification endpoint {options.VerifyPath}; platform {options.Platform}; data {runtime.Store.File}");
                try
                {
                    await app.WaitForShutdownAsync(cancellationToken);
                }
                finally
                {
                    await app.StopAsync(CancellationToken.None);
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Simulate(CliContext context)
    {
        var data = DataOption();
        var code = OperatorOption();
        var platform = PlatformOption();
        var key = KeyOption();
        var days = new Option<int>("--days") { Description = "Days of spending per person.", DefaultValueFactory = _ => 30 };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulation.", DefaultValueFactory = _ => 1 };
        var command = new Command("simulate", "Pull the enrolment feed, invent purchases and charges for every enrolled person, compute rebates and report the grants; then summarise.")
        {
            data, code, platform, key, days, seed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(days) is < 1 or > 366)
            {
                context.Error("--days must be between 1 and 366.");
                return ExitCodes.Usage;
            }
            return await WithRuntimeAsync(context, Options(parse, data, code, platform, key), cancellationToken, async runtime =>
            {
                await using var db = runtime.Store.Open();
                var pulled = await runtime.Puller!.PullAsync(db, cancellationToken);
                context.Console.MarkupLineInterpolated($"Feed: {pulled.Records} new records ({pulled.Enrolled} enrolments, {pulled.Suspended} suspensions, {pulled.Resumed} resumptions, {pulled.Renewed} renewals).");
                SimulationResult? simulated = null;
                ReportSummary? reported = null;
                var closed = 0;
                var pendingBefore = 0;
                await context.Console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                    .StartAsync(async progress =>
                    {
                        var spend = progress.AddTask("Purchases and charges", maxValue: 1);
                        simulated = await new PurchaseSimulator(runtime.Ledger, runtime.Time).RunAsync(db, parse.GetValue(days), parse.GetValue(seed),
                            new Progress<(int Done, int Total)>(p => { spend.MaxValue = Math.Max(1, p.Total); spend.Value = p.Done; }), cancellationToken);
                        spend.Value = spend.MaxValue;
                        closed = await runtime.Ledger.CloseMonthsAsync(db, cancellationToken);
                        pendingBefore = (await OperatorStatus.ReadAsync(db, cancellationToken)).Pending;
                        var send = progress.AddTask("Reporting grants", maxValue: Math.Max(1, pendingBefore));
                        reported = await runtime.Reporter!.ReportAsync(db, runtime.Store.DataFolder, new Progress<int>(n => send.Value = n), cancellationToken);
                        send.Value = send.MaxValue;
                    });
                var status = await OperatorStatus.ReadAsync(db, cancellationToken);
                var table = new Table().AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
                table.AddRow("People enrolled for part 1", simulated!.People.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
                table.AddRow("Purchases / charges / returns", $"{simulated.Purchases:N0} / {simulated.Charges:N0} / {simulated.Returns:N0}");
                table.AddRow("Yen spent (stays with the operator)", $"{simulated.Spent:N0}");
                table.AddRow("Months closed (monthly services)", $"{closed:N0}");
                table.AddRow("Grant lines sent this run", $"{reported!.Sent:N0}");
                table.AddRow("Points proposed (all time)", $"{status.PointsProposed:N0}");
                table.AddRow("Points accepted (all time)", $"{status.PointsAccepted:N0}");
                table.AddRow("Lines accepted / partial / refused", $"{status.Accepted:N0} / {status.Partial:N0} / {status.Refused:N0}");
                table.AddRow("Cancellations (returns)", $"{status.Cancellations:N0}");
                table.AddRow("People at the cap", $"{status.AtCap:N0}");
                table.AddRow("Still in the outbox", $"{status.Pending:N0}");
                context.Console.Write(table);
                if (reported.Error is not null)
                {
                    context.Error("Reporting stopped (the rest stays in the outbox and is sent next time): " + reported.Error);
                    return ExitCodes.Failure;
                }
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command Settle(CliContext context)
    {
        var data = DataOption();
        var code = OperatorOption();
        var platform = PlatformOption();
        var key = KeyOption();
        var month = new Option<string>("--month") { Description = "The month, yyyy-MM (Japan time).", Required = true };
        var command = new Command("settle", "Check a month's settlement against the operator's ledger: confirm it when it matches (exit 0), otherwise reconcile and list the differences (exit 1).")
        {
            data, code, platform, key, month,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var m = parse.GetValue(month)!;
            if (!Kangen.Platform.Features.Grants.GrantRules.TryParseMonth(m, out _))
            {
                context.Error($"--month must be yyyy-MM, not '{m}'.");
                return ExitCodes.Usage;
            }
            return await WithRuntimeAsync(context, Options(parse, data, code, platform, key), cancellationToken, async runtime =>
            {
                await using var db = runtime.Store.Open();
                var result = await runtime.Settlement!.CheckAsync(db, m, cancellationToken);
                var table = new Table().AddColumn("").AddColumn(new TableColumn("Lines").RightAligned()).AddColumn(new TableColumn("Points").RightAligned());
                table.AddRow("Operator ledger", $"{result.LocalCount:N0}", $"{result.LocalPoints:N0}");
                table.AddRow($"Platform ({result.EnvelopeState})", $"{result.PlatformCount:N0}", $"{result.PlatformPoints:N0}");
                context.Console.Write(table);
                if (result.Outcome != "differences")
                {
                    context.Console.MarkupLineInterpolated($"{m}: [green]{(result.Outcome == "confirmed" ? "confirmed with the control totals" : "matches (" + result.EnvelopeState + ")")}[/].");
                    return ExitCodes.Ok;
                }
                var differences = new Table().AddColumn("Key").AddColumn("Difference").AddColumn(new TableColumn("Platform").RightAligned()).AddColumn(new TableColumn("Operator").RightAligned());
                foreach (var d in result.Differences)
                    differences.AddRow(Markup.Escape(d.Key), d.Kind, d.PlatformPoints?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "-", d.OperatorPoints?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "-");
                context.Console.Write(differences);
                context.Error($"{m}: {result.Differences.Count} difference(s); not confirmed.");
                return ExitCodes.Failure;
            });
        });
        return command;
    }

    private static Command Status(CliContext context)
    {
        var data = DataOption();
        var code = OperatorOption(required: false);
        var command = new Command("status", "Counts of the operator's store: accounts, people, transactions, the outbox and answers, the feed position.")
        {
            data, code,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var folder = parse.GetValue(data)!;
            var operatorCode = parse.GetValue(code);
            if (operatorCode is null)
            {
                var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.db") : [];
                if (files.Length != 1)
                {
                    context.Error(files.Length == 0 ? $"No operator database in {folder}." : $"Several operators in {folder}: pass --operator.");
                    return ExitCodes.Failure;
                }
                operatorCode = Path.GetFileNameWithoutExtension(files[0]);
            }
            else if (!File.Exists(OperatorDb.PathOf(folder, operatorCode)))
            {
                context.Error($"No database of {operatorCode} in {folder}.");
                return ExitCodes.Failure;
            }
            var store = new OperatorStore(folder, operatorCode);
            await using var db = store.Open();
            var s = await OperatorStatus.ReadAsync(db, cancellationToken);
            var table = new Table().AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
            table.AddRow("Operator", Markup.Escape(operatorCode));
            table.AddRow("Accounts", $"{s.Accounts:N0}");
            table.AddRow("People (enrolments)", $"{s.People:N0} ({s.Enrolments:N0})");
            table.AddRow("Suspended", $"{s.Suspended:N0}");
            table.AddRow("Transactions / yen spent", $"{s.Transactions:N0} / {s.Spent:N0}");
            table.AddRow("Grants pending", $"{s.Pending:N0}");
            table.AddRow("Grants accepted / partial / refused", $"{s.Accepted:N0} / {s.Partial:N0} / {s.Refused:N0}");
            table.AddRow("Points proposed / accepted", $"{s.PointsProposed:N0} / {s.PointsAccepted:N0}");
            table.AddRow("Cancellations", $"{s.Cancellations:N0}");
            table.AddRow("People at the cap", $"{s.AtCap:N0}");
            table.AddRow("Feed cursor", Markup.Escape(s.Cursor ?? "(start)"));
            table.AddRow("Last feed read", s.LastPull?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "never");
            context.Console.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static OperatorOptions Options(ParseResult parse, Option<string> data, Option<string> code, Option<string> platform, Option<FileInfo> key) => new()
    {
        Data = parse.GetValue(data)!,
        Code = parse.GetValue(code)!,
        Platform = parse.GetValue(platform),
        KeyFile = parse.GetValue(key)?.FullName,
    };

    // A worker's round is a pull and a report: seconds, unless the platform is slow to answer.
    private static readonly TimeSpan StoreWait = TimeSpan.FromMinutes(1);

    private static async Task<int> WithRuntimeAsync(CliContext context, OperatorOptions options, CancellationToken cancellationToken, Func<OperatorRuntime, Task<int>> action)
    {
        OperatorRuntime runtime;
        try
        {
            if (!Uri.TryCreate(options.Platform, UriKind.Absolute, out _))
            {
                context.Error($"--platform must be an absolute URL, not '{options.Platform}'.");
                return ExitCodes.Usage;
            }
            runtime = new OperatorRuntime(options, context.Time);
        }
        catch (Exception e) when (e is InvalidOperationException or CryptographicException or IOException or ArgumentException)
        {
            context.Error(e.Message);
            return ExitCodes.Failure;
        }
        using (runtime)
        {
            try
            {
                // The worker of a `kangen operator run` on this data folder finishes its round first (and skips its
                // rounds until this command is done).
                using var held = await runtime.Store.LockAsync(StoreWait, cancellationToken);
                if (held is null)
                {
                    context.Error($"Another kangen operator process has held the store {runtime.Store.File} for over {StoreWait.TotalSeconds:0} s; try again when it is done.");
                    return ExitCodes.Failure;
                }
                return await action(runtime);
            }
            catch (Exception e) when (e is PlatformException or HttpRequestException or Polly.Timeout.TimeoutRejectedException or JsonException or FormatException)
            {
                context.Error(e.Message);
                return ExitCodes.Failure;
            }
        }
    }
}

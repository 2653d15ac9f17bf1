using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kangen.Cli.Features.Card;
using Kangen.Cli.Features.Citizen;
using Kangen.Platform.Features.Applications;
using Kangen.Rules;
using Kangen.SmartCard;
using Spectre.Console;

namespace Kangen.Cli.Features.Apply;

/// <summary>
/// <c>kangen apply</c>: flow 3 from a PC with a card reader. Log in with the card, have the operator verify the account
/// (<c>--field name=value</c>, the service's own fields), confirm the masked holder name and the terms, then sign the
/// application with the card (and, for a child, with the child's card too) and submit it under an idempotency key,
/// retrying once on a lost answer without risk of a double application.
/// </summary>
public static class ApplyCommand
{
    /// <summary>The <c>apply</c> command.</summary>
    public static Command Create(CliContext context)
    {
        var card = new Option<string>("--card") { Description = "Your card file (the representative's when applying for a child).", Required = true };
        var pin = CardCli.PinOption();
        var server = PlatformConnection.ServerOption();
        var service = new Option<string>("--service") { Description = "The payment service code (kangen services search).", Required = true };
        var fields = new Option<string[]>("--field")
        {
            Description = "A field of the service as name=value (repeat; kangen services show CODE lists them).",
            AllowMultipleArgumentsPerToken = false,
        };
        var programs = new Option<string[]>("--program")
        {
            Description = "card-acquisition, health-insurance or public-fund-account (repeat). Default: every program you can apply for now (for a child: card-acquisition).",
        };
        var phone = new Option<string?>("--phone-last4") { Description = "Optional: the last 4 digits of a phone number, for call-centre enquiries." };
        var yes = new Option<bool>("--yes") { Description = "Confirm the holder name and the terms without asking." };
        var key = new Option<string?>("--idempotency-key") { Description = "Retry key (default: a fresh one); the same key never records twice." };
        var childCard = new Option<string?>("--child-card") { Description = "As legal representative: the child's card file." };
        var childPin = new Option<string?>("--child-pin") { Description = "The child's 4-digit PIN." };
        var childPassword = new Option<string?>("--child-signing-password") { Description = "The child's signing password (the signing certificate's birth date gives the age band)." };
        var childPresent = new Option<bool>("--child-present") { Description = "The child (15-17) is present." };
        var digit = PlatformConnection.BirthYearDigitOption();
        var command = new Command("apply", "Apply for Mynapoint with a payment service: operator verification, confirmation, card signature.")
        {
            card, pin, server, service, fields, programs, phone, yes, key, childCard, childPin, childPassword, childPresent, digit,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (CardCli.CheckedPin(context, parse, pin, out var exit) is not { } given)
                return exit;
            var parsedFields = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var pair in parse.GetValue(fields) ?? [])
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    // Not echoed: the value may be a security code.
                    context.Error("--field takes name=value (one --field per field).");
                    return ExitCodes.Usage;
                }
                parsedFields[pair[..eq].Trim()] = pair[(eq + 1)..];
            }
            var wanted = new List<ProgramKind>();
            foreach (var code in parse.GetValue(programs) ?? [])
            {
                if (!ProgramKinds.TryParse(code, out var kind))
                {
                    context.Error($"--program must be one of {string.Join(", ", ProgramKinds.All.Select(p => p.ToCode()))}, not '{code}'.");
                    return ExitCodes.Usage;
                }
                wanted.Add(kind);
            }
            Child? child = null;
            if (parse.GetValue(childCard) is { } childFile)
            {
                var cp = parse.GetValue(childPin);
                var password = parse.GetValue(childPassword);
                if (cp is null || !PinRules.IsValidAuthenticationPin(cp) || string.IsNullOrEmpty(password))
                {
                    context.Error("--child-card needs --child-pin (4 digits) and --child-signing-password.");
                    return ExitCodes.Usage;
                }
                child = new Child(childFile, cp, password, parse.GetValue(childPresent));
            }
            // Normalised as the platform does (full-width digits typed on a Japanese keyboard), so the statement the card
            // signs is the one the platform rebuilds.
            string? phoneDigits = null;
            if (parse.GetValue(phone) is { } typed && !ApplicantFacts.TryNormalizePhoneLast4(typed, out phoneDigits))
            {
                context.Error("--phone-last4 takes the last 4 digits of a phone number.");
                return ExitCodes.Usage;
            }
            var request = new Request(parse.GetValue(card)!, given, parse.GetValue(service)!, parsedFields, wanted, phoneDigits,
                parse.GetValue(yes), parse.GetValue(key) ?? Guid.NewGuid().ToString("N"), child);
            return await PlatformConnection.RunAsync(context, parse.GetValue(server)!, http => ApplyAsync(context, http, request, cancellationToken), cancellationToken,
                parse.GetValue(digit));
        });
        return command;
    }

    private sealed record Child(string CardFile, string Pin, string SigningPassword, bool Present);

    private sealed record Request(string CardFile, string Pin, string Service, Dictionary<string, string?> Fields, List<ProgramKind> Programs,
        string? PhoneLast4, bool Yes, string IdempotencyKey, Child? Child);

    private static async Task<int> ApplyAsync(CliContext context, HttpClient http, Request r, CancellationToken cancellationToken)
    {
        var (session, exit) = await PlatformConnection.LoginAsync(context, http, r.CardFile, r.Pin, cancellationToken);
        if (session is null)
            return exit;
        try
        {
            return await ApplyInSessionAsync(context, http, session, r, cancellationToken);
        }
        finally
        {
            // The terminal forgets the citizen after every application, whatever happened.
            await PlatformConnection.LogoutAsync(http, session);
        }
    }

    private static async Task<int> ApplyInSessionAsync(CliContext context, HttpClient http, CardSession session, Request r, CancellationToken cancellationToken)
    {
        var forChild = r.Child is not null;
        context.Console.MarkupLineInterpolated($"マイキーID / My Key ID: [bold]{session.MyKeyId}[/]{(forChild ? "（法定代理人 / 法定代理人 / legal representative）" : "")}");

        using var verifyRequest = PlatformConnection.Authorized(HttpMethod.Post, "api/v1/applications/verify-account", session,
            new { service = r.Service, fields = r.Fields, forChild });
        using var verifyResponse = await http.SendAsync(verifyRequest, cancellationToken);
        if (!verifyResponse.IsSuccessStatusCode)
            return await PlatformConnection.ReportProblemAsync(context, verifyResponse, cancellationToken);
        var verified = (await verifyResponse.Content.ReadFromJsonAsync<VerifyAccountResponse>(cancellationToken))!;

        var (campaign, applicable) = await StatusAsync(http, session, verified, cancellationToken);
        var programs = r.Programs;
        if (programs.Count == 0)
        {
            // A child's registrations are not visible from the representative's session: part 1 by default, the others
            // when asked for with --program.
            programs = forChild ? [ProgramKind.CardAcquisition] : applicable;
            if (programs.Count == 0)
            {
                context.Error("今申し込めるポイントはありません / 目前没有可申请的积分 / Nothing to apply for now (kangen status shows why).");
                return ExitCodes.Failure;
            }
        }

        var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("");
        table.AddRow("決済サービス / Service", Markup.Escape(verified.Service));
        table.AddRow("決済サービスID / Service ID", Markup.Escape(verified.MaskedAccountId));
        table.AddRow("名義 / Holder", "[bold]" + Markup.Escape(verified.MaskedHolderName) + "[/]");
        table.AddRow("申込み / Programs", Markup.Escape(string.Join(", ", programs.Select(p => p.ToCode()))));
        table.AddRow("規約 / Terms", Markup.Escape($"{verified.Terms.Version}: {verified.Terms.Ja}\n{verified.Terms.En}"));
        context.Console.Write(table);
        if (!r.Yes)
        {
            if (!context.Console.Profile.Capabilities.Interactive)
            {
                context.Error("名義と規約の確認が必要です / 需要确认账户名义和条款 / Confirm the holder name and the terms: run again with --yes.");
                return ExitCodes.Usage;
            }
            if (!await context.Console.ConfirmAsync("この名義と規約で申し込みますか / Apply with this account and terms?", defaultValue: false, cancellationToken))
            {
                context.Console.MarkupLine("申し込みませんでした / 未申请 / Not applied.");
                return ExitCodes.Failure;
            }
        }

        var (challenge, challengeExit) = await PlatformConnection.ChallengeAsync(context, http, "application", cancellationToken);
        if (challenge is null)
            return challengeExit;
        var statement = ApplicationStatement.Build(challenge, campaign, forChild, programs, verified.Service, verified.Terms.Version,
            verified.Verification, r.PhoneLast4, r.Child?.Present ?? false);
        var bytes = ApplicationStatement.SignedBytes(statement);
        object body;
        if (r.Child is { } child)
        {
            var (repCertificate, repSignature, repExit) = PlatformConnection.Sign(context, r.CardFile, r.Pin, bytes);
            if (repExit != ExitCodes.Ok)
                return repExit;
            byte[]? childCertificate = null, childSignature = null, signingCertificate = null, signingSignature = null;
            var signed = CardCli.Guard(context, () =>
            {
                var (transport, client) = CardCli.Open(child.CardFile);
                using (transport)
                {
                    (childCertificate, childSignature) = CardCli.SignWithCard(client, child.Pin, bytes);
                    signingCertificate = client.ReadSigningCertificate(child.SigningPassword);
                    signingSignature = client.SignWithSigningKey(JpkiClient.CreateSha256DigestInfo(bytes));
                }
                return ExitCodes.Ok;
            });
            if (signed != ExitCodes.Ok)
                return signed;
            body = Body(programs, verified, r.PhoneLast4, challenge, childCertificate!, childSignature!,
                new { certificate = Convert.ToBase64String(repCertificate!), signature = Convert.ToBase64String(repSignature!) }, child.Present,
                new { certificate = Convert.ToBase64String(signingCertificate!), signature = Convert.ToBase64String(signingSignature!) });
        }
        else
        {
            var (certificate, signature, signExit) = PlatformConnection.Sign(context, r.CardFile, r.Pin, bytes);
            if (signExit != ExitCodes.Ok)
                return signExit;
            body = Body(programs, verified, r.PhoneLast4, challenge, certificate!, signature!, null, false, null);
        }

        var response = await SubmitWithRetryAsync(http, body, r.IdempotencyKey, cancellationToken);
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                return await PlatformConnection.ReportProblemAsync(context, response, cancellationToken);
            var application = (await response.Content.ReadFromJsonAsync<ApplicationResponse>(cancellationToken))!;
            var done = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("");
            done.AddRow("申込番号 / Application", application.ApplicationId.ToString());
            done.AddRow("マイキーID / My Key ID", application.MyKeyId + (forChild ? "（お子さま / child）" : ""));
            done.AddRow("申込み / Programs", string.Join(", ", application.Programs));
            done.AddRow("決済サービス / Service", $"{Markup.Escape(application.Service)} {Markup.Escape(application.MaskedAccountId)}");
            done.AddRow("記録日時 / Recorded", CardCli.Jst(application.RecordedAt));
            context.Console.MarkupLine(response.StatusCode == HttpStatusCode.OK
                ? "[green]お申込みは既に記録されています / 申请已记录 / Already recorded (retry):[/]"
                : "[green]お申込みを受け付けました / 已受理申请 / Application recorded:[/]");
            context.Console.Write(done);
            context.Console.MarkupLine("ポイントの付与は決済サービスのアプリやサイトでご確認ください / 积分发放请在支付服务的应用或网站上确认 / Points are shown by your payment service.");
            return ExitCodes.Ok;
        }
    }

    private static object Body(List<ProgramKind> programs, VerifyAccountResponse verified, string? phone, string challenge, byte[] certificate, byte[] signature,
        object? representative, bool childPresent, object? ageProof) => new
        {
            programs = programs.Select(p => p.ToCode()).ToArray(),
            service = verified.Service,
            termsVersion = verified.Terms.Version,
            verification = verified.Verification,
            phoneLast4 = phone,
            challenge,
            card = new { certificate = Convert.ToBase64String(certificate), signature = Convert.ToBase64String(signature) },
            representative,
            childPresent,
            ageProof,
        };

    /// <summary>Submits; when the answer is lost (connection reset, timeout), submits the same bytes under the same key once more.</summary>
    private static async Task<HttpResponseMessage> SubmitWithRetryAsync(HttpClient http, object body, string key, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/applications") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            try
            {
                return await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException) when (attempt == 1)
            {
            }
            catch (TaskCanceledException) when (attempt == 1 && !cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>The campaign the platform runs and the programs the signed-in person can apply for now with the service.</summary>
    private static async Task<(string Campaign, List<ProgramKind> Programs)> StatusAsync(HttpClient http, CardSession session, VerifyAccountResponse verified, CancellationToken cancellationToken)
    {
        using var request = PlatformConnection.Authorized(HttpMethod.Get, "api/v1/me/status", session);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var me = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("me");
        return (me.GetProperty("campaign").GetString()!, me.GetProperty("programs").EnumerateArray()
            .Where(p => p.GetProperty("toDo").GetProperty("code").GetString() == "todo.apply" && verified.Programs.Contains(p.GetProperty("program").GetString()))
            .Select(p => ProgramKinds.All.First(k => k.ToCode() == p.GetProperty("program").GetString()))
            .ToList());
    }
}

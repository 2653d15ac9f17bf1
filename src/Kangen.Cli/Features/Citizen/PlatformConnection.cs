using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kangen.Cli.Features.Card;
using Spectre.Console;

namespace Kangen.Cli.Features.Citizen;

/// <summary>A session opened with a card: its bearer token and who it is.</summary>
/// <param name="Token">The bearer token.</param>
/// <param name="MyKeyId">The person's My Key ID.</param>
/// <param name="Serial">The certificate serial.</param>
/// <param name="PersonCreated">True when the My Key ID was reserved by this login.</param>
/// <param name="LinkedByRenewal">True when a renewed certificate was linked now.</param>
public sealed record CardSession(string Token, string MyKeyId, string Serial, bool PersonCreated, bool LinkedByRenewal);

/// <summary>
/// What the citizen commands (<c>reserve</c>, <c>apply</c>, <c>status</c>, <c>register</c>) share: the <c>--server</c>
/// option, the HTTP client, card login (challenge, VERIFY + SIGN on the card, session), and reporting the platform's
/// problem details in Japanese and English with exit code 1.
/// </summary>
public static class PlatformConnection
{
    /// <summary>The <c>--server</c> option (default: where <c>kangen serve</c> listens).</summary>
    public static Option<string> ServerOption() => new("--server")
    {
        Description = "The platform's base URL (where kangen serve listens).",
        DefaultValueFactory = _ => Serve.ServeCommand.DefaultUrls,
    };

    /// <summary>
    /// <c>--birth-year-digit</c>: the last digit of the citizen's birth year, which the platform asks for while its
    /// administrator staggers admission by it (a digit 0-9, checked by the option).
    /// </summary>
    public static Option<int?> BirthYearDigitOption()
    {
        var option = new Option<int?>("--birth-year-digit")
        {
            Description = "The last digit of your birth year (0-9), needed while applications are staggered by it.",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } digit && digit is < 0 or > 9)
                result.AddError("--birth-year-digit must be one digit, 0-9.");
        });
        return option;
    }

    /// <summary><c>--staff-token</c>, defaulting to <c>$KANGEN_STAFF_TOKEN</c>; <paramref name="whose"/> says whose (e.g. "An administrator's").</summary>
    public static Option<string?> StaffTokenOption(string whose) => new("--staff-token")
    {
        Description = whose + " staff token (default: $KANGEN_STAFF_TOKEN; kangen admin staff-token makes one).",
    };

    /// <summary>
    /// As <see cref="RunAsync"/> with every request carrying <c>Authorization: Staff</c> and the token of
    /// <paramref name="token"/> (or <c>$KANGEN_STAFF_TOKEN</c>); without one it is a usage error (2) and nothing is sent.
    /// </summary>
    public static async Task<int> RunAsStaffAsync(CliContext context, ParseResult parse, Option<string> server, Option<string?> token,
        Func<HttpClient, Task<int>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parse);
        var staff = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("KANGEN_STAFF_TOKEN");
        if (string.IsNullOrWhiteSpace(staff))
        {
            context.Error("A staff token is needed: --staff-token or KANGEN_STAFF_TOKEN.");
            return ExitCodes.Usage;
        }
        return await RunAsync(context, parse.GetValue(server)!, http =>
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Staff", staff.Trim());
            return body(http);
        }, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a client for <paramref name="url"/>; a bad URL is a usage error (2), an
    /// unreachable, slow or garbled server a failure (1) with a readable message.
    /// </summary>
    public static async Task<int> RunAsync(CliContext context, string url, Func<HttpClient, Task<int>> body, CancellationToken cancellationToken, int? windowDigit = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(body);
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
        {
            context.Error($"--server must be an http or https URL, not '{url}'.");
            return ExitCodes.Usage;
        }
        // Waiting in the platform's queue (admission control) happens inside the handler, so the per-request timeout is off;
        // each request the handler sends is bounded by its own 30 s.
        using var http = new HttpClient(new AdmissionQueue(context, windowDigit) { InnerHandler = new TimeoutHandler(TimeSpan.FromSeconds(30)) })
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        try
        {
            return await body(http);
        }
        catch (HttpRequestException e)
        {
            context.Error($"サーバーに接続できません / 无法连接服务器 / Cannot reach the platform at {http.BaseAddress}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            context.Error($"サーバーが応答しません / 服务器无响应 / The platform at {http.BaseAddress} did not answer in time.");
        }
        catch (JsonException e)
        {
            context.Error($"サーバーの応答を読めません / 无法读取服务器的响应 / Unreadable answer from {http.BaseAddress}: {e.Message}");
        }
        return ExitCodes.Failure;
    }

    /// <summary>
    /// Logs in with the card file: a challenge, the card's certificate and signature (after the PIN), a session.
    /// Returns the session, or null after reporting why not (<paramref name="exitCode"/> then says how to exit).
    /// </summary>
    public static async Task<(CardSession? Session, int ExitCode)> LoginAsync(
        CliContext context, HttpClient http, string cardFile, string pin, CancellationToken cancellationToken, string channel = "cli")
    {
        ArgumentNullException.ThrowIfNull(http);
        var challenge = await ChallengeAsync(context, http, "session", cancellationToken);
        if (challenge.Text is null)
            return (null, challenge.ExitCode);
        var (certificate, signature, signed) = Sign(context, cardFile, pin, Encoding.UTF8.GetBytes(challenge.Text));
        if (signed != ExitCodes.Ok)
            return (null, signed);
        using var response = await http.PostAsJsonAsync("api/v1/sessions", new
        {
            challenge = challenge.Text,
            certificate = Convert.ToBase64String(certificate!),
            signature = Convert.ToBase64String(signature!),
            channel,
        }, cancellationToken);
        if (!response.IsSuccessStatusCode)
            return (null, await ReportProblemAsync(context, response, cancellationToken));
        var session = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return (new CardSession(
            session.GetProperty("token").GetString()!, session.GetProperty("myKeyId").GetString()!, session.GetProperty("serial").GetString()!,
            session.GetProperty("personCreated").GetBoolean(), session.GetProperty("linkedByRenewal").GetBoolean()), ExitCodes.Ok);
    }

    /// <summary>Ends the session (the terminal forgets the citizen); failures are ignored, the session expires anyway.</summary>
    public static async Task LogoutAsync(HttpClient http, CardSession session)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(session);
        using var end = new HttpRequestMessage(HttpMethod.Delete, "api/v1/sessions/current");
        end.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.Token);
        try
        {
            using var _ = await http.SendAsync(end, CancellationToken.None);
        }
        catch (HttpRequestException)
        {
        }
    }

    /// <summary>A challenge for <paramref name="purpose"/>, or null after reporting the problem.</summary>
    public static async Task<(string? Text, int ExitCode)> ChallengeAsync(CliContext context, HttpClient http, string purpose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var response = await http.PostAsJsonAsync("api/v1/challenges", new { purpose }, cancellationToken);
        if (!response.IsSuccessStatusCode)
            return (null, await ReportProblemAsync(context, response, cancellationToken));
        return ((await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("challenge").GetString()!, ExitCodes.Ok);
    }

    /// <summary>Reads the certificate and signs <paramref name="data"/> on the card (card errors reported, exit code returned).</summary>
    public static (byte[]? Certificate, byte[]? Signature, int ExitCode) Sign(CliContext context, string cardFile, string pin, byte[] data)
    {
        byte[]? certificate = null, signature = null;
        var exit = CardCli.Guard(context, () =>
        {
            var (transport, client) = CardCli.Open(cardFile);
            using (transport)
                (certificate, signature) = CardCli.SignWithCard(client, pin, data);
            return ExitCodes.Ok;
        });
        return (certificate, signature, exit);
    }

    /// <summary>A request with the session's bearer token.</summary>
    public static HttpRequestMessage Authorized(HttpMethod method, string path, CardSession session, object? body = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.Token);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        return request;
    }

    /// <summary>Prints the platform's problem (code, English title, Japanese message, field errors, detail); returns 1.</summary>
    public static async Task<int> ReportProblemAsync(CliContext context, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? code = null, title = null, detail = null;
        var lines = new List<string>();
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            var problem = JsonDocument.Parse(text).RootElement;
            code = problem.TryGetProperty("code", out var c) ? c.GetString() : null;
            title = problem.TryGetProperty("title", out var t) ? t.GetString() : null;
            detail = problem.TryGetProperty("detail", out var d) ? d.GetString() : null;
            if (problem.TryGetProperty("problems", out var list))
            {
                foreach (var item in list.EnumerateArray())
                {
                    var field = item.TryGetProperty("field", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() + ": " : "";
                    lines.Add($"{field}{item.GetProperty("ja").GetString()} / {item.GetProperty("en").GetString()}"
                        + (item.TryGetProperty("detail", out var dd) && dd.ValueKind == JsonValueKind.String && list.GetArrayLength() > 1 ? $" ({dd.GetString()})" : ""));
                }
            }
        }
        context.Error($"{code ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}: {title ?? response.ReasonPhrase}");
        foreach (var line in lines)
            context.Console.MarkupLineInterpolated($"  {line}");
        if (detail is not null)
            context.Console.MarkupLineInterpolated($"  ({detail})");
        return ExitCodes.Failure;
    }
}

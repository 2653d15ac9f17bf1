using System.CommandLine;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kangen.Cli.Features.Card;
using Kangen.SmartCard;
using Spectre.Console;

namespace Kangen.Cli.Features.Reserve;

/// <summary>
/// <c>kangen reserve</c>: what a citizen's PC does with a card reader: get a challenge from the platform,
/// VERIFY the PIN and SIGN the challenge on the card, open a session, print the My Key ID, end the session.
/// </summary>
public static class ReserveCommand
{
    /// <summary>The <c>reserve</c> command.</summary>
    public static Command Create(CliContext context)
    {
        var card = new Option<string>("--card") { Description = "The emulated card file (JSON).", Required = true };
        var pin = CardCli.PinOption();
        var server = new Option<string>("--server")
        {
            Description = "The platform's base URL (where kangen serve listens).",
            DefaultValueFactory = _ => Serve.ServeCommand.DefaultUrls,
        };
        var command = new Command("reserve", "Reserve (or look up) the My Key ID of a card: card authentication against a running platform.")
        {
            card, pin, server,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (CardCli.CheckedPin(context, parse, pin, out var exit) is not { } given)
                return exit;
            var url = parse.GetValue(server)!;
            if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
            {
                context.Error($"--server must be an http or https URL, not '{url}'.");
                return ExitCodes.Usage;
            }
            using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
            try
            {
                return await ReserveAsync(context, http, parse.GetValue(card)!, given, cancellationToken);
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
        });
        return command;
    }

    private static async Task<int> ReserveAsync(CliContext context, HttpClient http, string cardFile, string pin, CancellationToken cancellationToken)
    {
        using var challengeResponse = await http.PostAsJsonAsync("api/v1/challenges", new { purpose = "session" }, cancellationToken);
        if (!challengeResponse.IsSuccessStatusCode)
            return await ReportProblemAsync(context, challengeResponse, cancellationToken);
        var challenge = (await challengeResponse.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("challenge").GetString()!;

        byte[]? certificate = null, signature = null;
        var signed = CardCli.Guard(context, () =>
        {
            var (transport, client) = CardCli.Open(cardFile);
            using (transport)
            {
                (certificate, signature) = CardCli.SignWithCard(client, pin, Encoding.UTF8.GetBytes(challenge));
            }
            return ExitCodes.Ok;
        });
        if (signed != ExitCodes.Ok)
            return signed;

        using var sessionResponse = await http.PostAsJsonAsync("api/v1/sessions", new
        {
            challenge,
            certificate = Convert.ToBase64String(certificate!),
            signature = Convert.ToBase64String(signature!),
        }, cancellationToken);
        if (!sessionResponse.IsSuccessStatusCode)
            return await ReportProblemAsync(context, sessionResponse, cancellationToken);
        var session = await sessionResponse.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var myKeyId = session.GetProperty("myKeyId").GetString()!;
        var created = session.GetProperty("personCreated").GetBoolean();
        var renewed = session.GetProperty("linkedByRenewal").GetBoolean();

        // The terminal forgets the citizen at once: end the session we opened.
        using (var end = new HttpRequestMessage(HttpMethod.Delete, "api/v1/sessions/current"))
        {
            end.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", session.GetProperty("token").GetString());
            using var _ = await http.SendAsync(end, cancellationToken);
        }

        context.Console.MarkupLineInterpolated($"マイキーID / My Key ID: [bold]{myKeyId}[/]");
        context.Console.MarkupLineInterpolated($"  {(created ? "新しく設定しました / 已新设定 / reserved now" : renewed ? "更新後の証明書を同じ人に紐付けました / 已将更新后的证书关联到同一人 / renewed certificate linked to the same person" : "設定済み / 已设定 / already reserved")}; certificate {session.GetProperty("serial").GetString()}");
        return ExitCodes.Ok;
    }

    private static async Task<int> ReportProblemAsync(CliContext context, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? code = null, title = null, ja = null, detail = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            var problem = JsonDocument.Parse(text).RootElement;
            code = problem.TryGetProperty("code", out var c) ? c.GetString() : null;
            title = problem.TryGetProperty("title", out var t) ? t.GetString() : null;
            detail = problem.TryGetProperty("detail", out var d) ? d.GetString() : null;
            if (problem.TryGetProperty("problems", out var list) && list.GetArrayLength() > 0)
                ja = list[0].GetProperty("ja").GetString();
        }
        context.Error($"{code ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}: {title ?? response.ReasonPhrase}");
        if (ja is not null)
            context.Console.MarkupLineInterpolated($"  {ja}");
        if (detail is not null)
            context.Console.MarkupLineInterpolated($"  ({detail})");
        return ExitCodes.Failure;
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using Kangen.Platform.Features.Admission;
using Spectre.Console;

namespace Kangen.Cli.Features.Citizen;

/// <summary>
/// The citizen commands' side of the waiting room: every request carries the newest admission token
/// (<c>Kangen-Admission</c>) and, while staggered windows are in force, the birth year's last digit. A request answered
/// <c>admission.queued</c> waits its turn (printing the place in the queue as it changes, asking again as the platform's
/// <c>Retry-After</c> says) and is then sent again, so a rush makes the command wait, never fail.
/// </summary>
internal sealed class AdmissionQueue(CliContext context, int? windowDigit) : DelegatingHandler
{
    private volatile string? _token;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        long? lastPosition = null;
        while (true)
        {
            using var attempt = Copy(request, body);
            var response = await base.SendAsync(attempt, cancellationToken);
            Remember(response);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || await QueuedAsync(response, cancellationToken) is not { } queued)
                return response;
            response.Dispose();
            var position = queued.Position;
            while (true)
            {
                if (position != lastPosition)
                {
                    context.Console.WriteLine(queued.Wait is { } wait
                        ? $"順番待ち / 排队中 / Waiting in the queue: number {position} in line, about {wait} s."
                        : $"順番待ち / 排队中 / Waiting in the queue: number {position} in line.");
                    lastPosition = position;
                }
                // Waiting is paced by real time on purpose: the platform advances its queue on real time too.
                await Task.Delay(TimeSpan.FromSeconds(queued.RetryAfter), TimeProvider.System, cancellationToken);
                using var ask = new HttpRequestMessage(HttpMethod.Get, AdmissionUri(request.RequestUri!));
                AddHeaders(ask);
                using var state = await base.SendAsync(ask, cancellationToken);
                Remember(state);
                if (!state.IsSuccessStatusCode)
                    break; // the ticket was lost (e.g. a restart with new keys): the request draws a new one
                using var document = JsonDocument.Parse(await state.Content.ReadAsStringAsync(cancellationToken));
                var json = document.RootElement;
                var now = json.GetProperty("state").GetString();
                if (now != AdmissionStates.Waiting)
                {
                    // Admitted: go on. Anything else (a closed window) is for the request itself to report.
                    if (now == AdmissionStates.Admitted)
                        context.Console.WriteLine("順番が来ました / 轮到您了 / Your turn: going on.");
                    break;
                }
                position = json.GetProperty("position").GetInt64();
                queued = new Queued(position, json.TryGetProperty("estimatedWaitSeconds", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetInt32() : null,
                    RetryAfter(state));
            }
        }
    }

    private HttpRequestMessage Copy(HttpRequestMessage request, byte[]? body)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version };
        foreach (var (name, values) in request.Headers)
            copy.Headers.TryAddWithoutValidation(name, values);
        if (body is not null)
        {
            copy.Content = new ByteArrayContent(body);
            foreach (var (name, values) in request.Content!.Headers)
                copy.Content.Headers.TryAddWithoutValidation(name, values);
        }
        AddHeaders(copy);
        return copy;
    }

    private void AddHeaders(HttpRequestMessage request)
    {
        request.Headers.Remove(AdmissionHttp.Header);
        if (_token is not null)
            request.Headers.TryAddWithoutValidation(AdmissionHttp.Header, _token);
        if (windowDigit is { } digit && !request.Headers.Contains(AdmissionHttp.WindowDigitHeader))
            request.Headers.TryAddWithoutValidation(AdmissionHttp.WindowDigitHeader, digit.ToString(CultureInfo.InvariantCulture));
    }

    private void Remember(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues(AdmissionHttp.Header, out var values))
            _token = values.First();
    }

    private static async Task<Queued?> QueuedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            return null;
        // TimeoutHandler has buffered the body, so the caller can still read a 429 that is not the queue's.
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var problem = document.RootElement;
        if (!problem.TryGetProperty("code", out var code) || code.GetString() != AdmissionProblems.Queued.Code)
            return null;
        return new Queued(problem.GetProperty("position").GetInt64(),
            problem.TryGetProperty("estimatedWaitSeconds", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetInt32() : null, RetryAfter(response));
    }

    /// <summary>
    /// <c>api/v1/admission</c> beside the route that was asked (the platform may live under a path prefix, as
    /// <c>--server</c> allows).
    /// </summary>
    private static Uri AdmissionUri(Uri requested)
    {
        var path = requested.AbsolutePath;
        var api = path.IndexOf("/api/v1/", StringComparison.Ordinal);
        return new Uri(requested, (api >= 0 ? path[..api] : "") + "/api/v1/admission");
    }

    private static int RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta is { } delta ? Math.Clamp((int)delta.TotalSeconds, 1, 30) : 1;

    private sealed record Queued(long Position, int? Wait, int RetryAfter);
}

/// <summary>Bounds each request sent (the client's own timeout would also count the time spent waiting in the queue).</summary>
internal sealed class TimeoutHandler(TimeSpan timeout) : DelegatingHandler(new HttpClientHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            var response = await base.SendAsync(request, bounded.Token);
            // The body too, within the same bound: the client's own timeout is off (waiting in the queue is not slow).
            await response.Content.LoadIntoBufferAsync(bounded.Token);
            return response;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TaskCanceledException($"No answer within {timeout.TotalSeconds:0} s.", e);
        }
    }
}

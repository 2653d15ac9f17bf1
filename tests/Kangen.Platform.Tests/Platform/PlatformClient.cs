using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Kangen.Platform.Tests.Platform;

/// <summary>What a client of the platform does over HTTP, in small steps so tests can break any of them.</summary>
public static class PlatformClient
{
    public sealed record Reply(HttpStatusCode Status, string? ContentType, JsonElement Body)
    {
        public string? Code => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("code", out var c) ? c.GetString() : null;
        public string Text(string property) => Body.GetProperty(property).GetString()!;
    }

    public static async Task<Reply> SendAsync(HttpClient client, HttpMethod method, string url, object? body = null, string? token = null, string? rawJson = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (rawJson is not null)
            request.Content = new StringContent(rawJson, Encoding.UTF8, "application/json");
        else if (body is not null)
            request.Content = JsonContent.Create(body);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, json);
    }

    public static async Task<string> ChallengeAsync(HttpClient client, string purpose = "session")
    {
        var reply = await SendAsync(client, HttpMethod.Post, "/api/v1/challenges", new { purpose });
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Text("challenge");
    }

    public static Task<Reply> OpenSessionAsync(HttpClient client, string challenge, byte[] certificate, byte[] signature) =>
        SendAsync(client, HttpMethod.Post, "/api/v1/sessions",
            new { challenge, certificate = Convert.ToBase64String(certificate), signature = Convert.ToBase64String(signature) });

    /// <summary>The whole flow with <paramref name="card"/>: challenge, sign its UTF-8 bytes, open the session.</summary>
    public static async Task<Reply> LoginAsync(HttpClient client, TestCard card)
    {
        var challenge = await ChallengeAsync(client);
        return await OpenSessionAsync(client, challenge, card.Certificate(), card.Sign(Encoding.UTF8.GetBytes(challenge)));
    }

    /// <summary>Logs in and asserts success; returns the session token and My Key ID.</summary>
    public static async Task<(string Token, string MyKeyId)> LoginOkAsync(HttpClient client, TestCard card)
    {
        var reply = await LoginAsync(client, card);
        Assert.True(reply.Status == HttpStatusCode.Created, $"login failed: {reply.Status} {reply.Body}");
        return (reply.Text("token"), reply.Text("myKeyId"));
    }
}

using System.Net;
using System.Text.Json;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Status;

/// <summary>Reading <c>GET /api/v1/me/status</c> (also the status inside a call-centre answer).</summary>
public static class StatusReplies
{
    public static Task<Reply> GetStatusAsync(HttpClient client, string? token) =>
        SendAsync(client, HttpMethod.Get, "/api/v1/me/status", token: token);

    public static async Task<JsonElement> GetStatusOkAsync(HttpClient client, string token)
    {
        var reply = await GetStatusAsync(client, token);
        Assert.True(reply.Status == HttpStatusCode.OK, $"status failed: {reply.Status} {reply.Raw}");
        return reply.Body;
    }

    public static JsonElement[] Programs(JsonElement status) => status.GetProperty("me").GetProperty("programs").EnumerateArray().ToArray();

    public static string ToDo(JsonElement program) => program.GetProperty("toDo").GetProperty("code").GetString()!;

    public static string[] Reasons(JsonElement program) =>
        program.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()!).ToArray();

    /// <summary>
    /// No property is named like an amount, and the only numbers are the part and the campaign version: points are the
    /// operator's to show.
    /// </summary>
    public static void AssertNoAmounts(JsonElement element, string path = "$")
    {
        string[] amountLike = ["point", "amount", "grant", "yen", "bonus", "balance", "value"];
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Assert.DoesNotContain(amountLike, word => property.Name.Contains(word, StringComparison.OrdinalIgnoreCase));
                    if (property.Value.ValueKind == JsonValueKind.Number)
                        Assert.True(property.Name is "part" or "campaignVersion", $"{path}.{property.Name} is a number: {property.Value}");
                    AssertNoAmounts(property.Value, path + "." + property.Name);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Assert.True(item.ValueKind != JsonValueKind.Number, $"{path}[{i}] is a number: {item}");
                    AssertNoAmounts(item, $"{path}[{i++}]");
                }
                break;
        }
    }
}

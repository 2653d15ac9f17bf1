using System.Net;
using System.Text.Json;
using Kangen.Platform.Tests.Platform;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests;

/// <summary>What the host serves besides the features: probes, the API description, metrics.</summary>
public class PlatformHostTests(SqlitePlatformFixture fixture) : IClassFixture<SqlitePlatformFixture>
{
    [Fact]
    public async Task Health_and_readiness_answer()
    {
        using var client = fixture.CreateClient();
        Assert.Equal("Healthy", await client.GetStringAsync("/health"));
        Assert.Equal("Healthy", await client.GetStringAsync("/ready"));
    }

    [Fact]
    public async Task The_openapi_document_lists_the_routes_and_the_session_scheme()
    {
        using var client = fixture.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;
        var paths = root.GetProperty("paths");
        foreach (var path in new[]
                 {
                     "/api/v1/challenges", "/api/v1/sessions", "/api/v1/sessions/current", "/api/v1/me", "/api/v1/me/my-key-id", "/api/v1/me/my-key-id/regenerate",
                     "/api/v1/services", "/api/v1/services/{code}", "/api/v1/applications/verify-account", "/api/v1/applications", "/api/v1/me/status",
                     "/api/v1/me/registrations", "/api/v1/call-centre/lookups",
                 })
            Assert.True(paths.TryGetProperty(path, out _), path);
        Assert.Equal("bearer", root.GetProperty("components").GetProperty("securitySchemes").GetProperty("session").GetProperty("scheme").GetString());
        Assert.True(paths.GetProperty("/api/v1/me").GetProperty("get").TryGetProperty("security", out _));
        Assert.False(paths.GetProperty("/api/v1/challenges").GetProperty("post").TryGetProperty("security", out _));
        using var reference = await client.GetAsync("/scalar/");
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
    }

    [Fact]
    public async Task Metrics_count_challenges_sessions_persons_and_refusals_by_code()
    {
        using var client = fixture.CreateClient();
        await LoginOkAsync(client, fixture.IssueCard());
        await LoginAsync(client, fixture.IssueCard(trusted: false));

        var metrics = await client.GetStringAsync("/metrics");

        Assert.Contains("kangen_challenges_issued_total{", metrics);
        Assert.Contains("kangen_sessions_created_total", metrics);
        Assert.Contains("kangen_persons_created_total", metrics);
        Assert.Contains("code=\"auth.certificate-untrusted\"", metrics);
    }
}

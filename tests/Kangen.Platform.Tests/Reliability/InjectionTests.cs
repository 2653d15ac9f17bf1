using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Kangen.Platform.Tests.Reliability;

/// <summary>
/// SQL-looking and HTML/script strings in every route value and declared query parameter of the API (from the OpenAPI
/// document) and in the search fields of the public pages: never a 5xx, a refusal is a coded problem, nothing is
/// written (every table is still there and counted), and a page that shows the text back shows it escaped.
/// </summary>
public abstract class InjectionTests<TFixture>(TFixture fixture, ITestOutputHelper output) where TFixture : HostileFixture
{
    /// <summary>What an attacker types: SQL for SQLite and PostgreSQL, markup, template and path tricks, a NUL.</summary>
    public static readonly string[] Payloads =
    [
        "' OR '1'='1",
        "1; DROP TABLE persons; --",
        "x' UNION SELECT hash FROM audit_head --",
        "'; SELECT pg_sleep(5); --",
        "\" OR \"\"=\"",
        "<script>alert('kangen')</script>",
        "\"><img src=x onerror=alert(1)>",
        "{{7*7}}${7*7}<%= 7*7 %>",
        "../../../../etc/passwd",
        "%00\u0000nul",
        "ＡＢＣＤ１２３４",
        new string('A', 5000),
    ];

    private const string Script = "<script>alert('kangen')</script>";

    [Fact]
    public async Task Sql_and_script_strings_in_every_route_value_and_query_parameter_are_data_and_change_nothing()
    {
        await fixture.ReadyAsync();
        using var client = fixture.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var failures = new List<string>();
        var sent = 0;
        var before = await fixture.FingerprintAsync();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (operation.Value.TryGetProperty("requestBody", out _) || operation.Name is not ("get" or "post" or "put" or "patch" or "delete"))
                    continue;
                var parameters = operation.Value.TryGetProperty("parameters", out var list)
                    ? list.EnumerateArray().Select(p => (Name: p.GetProperty("name").GetString()!, In: p.GetProperty("in").GetString()!)).ToArray()
                    : [];
                if (parameters.Length == 0)
                    continue;
                var caller = CallerOf(path.Name);
                var method = new HttpMethod(operation.Name.ToUpperInvariant());
                foreach (var target in parameters)
                {
                    // A NUL in a path is refused by Kestrel (400) before any middleware runs; the test server throws instead.
                    foreach (var payload in Payloads.Where(p => target.In != "path" || !p.Contains('\0', StringComparison.Ordinal) && !p.Contains("%00", StringComparison.Ordinal)))
                    {
                        var url = Url(path.Name, parameters, target.Name, payload);
                        var (status, contentType, text) = await fixture.SendRawAsync(caller, method, url, null, null);
                        sent++;
                        var what = $"{operation.Name.ToUpperInvariant()} {path.Name} [{target.Name}={Shorten(payload, 40)}]";
                        if ((int)status >= 500)
                            failures.Add($"{what}: {(int)status} {Shorten(text, 300)}");
                        else if ((int)status >= 400 && HostileFixture.ProblemCode(contentType, text) is null)
                            failures.Add($"{what}: {(int)status} {contentType} without a problem code");
                        if (contentType is "text/html" && text.Contains(Script, StringComparison.Ordinal))
                            failures.Add($"{what}: the script came back unescaped in HTML");
                        var after = await fixture.FingerprintAsync();
                        if (before.Differences(after) is { Count: > 0 } changes)
                            failures.Add($"{what}: {(int)status} changed {string.Join(", ", changes)}");
                        before = after;
                    }
                }
            }
        }
        output.WriteLine($"{sent} requests with hostile route values and query parameters");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} misbehaved:\n" + string.Join('\n', failures.Take(40)));
    }

    [Theory]
    [InlineData("/services?culture=en&q=")]
    [InlineData("/services?culture=ja&kind=")]
    [InlineData("/services?culture=zh&program=")]
    [InlineData("/spots?culture=en&postalCode=")]
    [InlineData("/spots?culture=en&operation=")]
    [InlineData("/spots?culture=en&kind=")]
    public async Task Pages_show_typed_markup_escaped_and_never_fail(string prefix)
    {
        using var client = fixture.CreateClient();
        foreach (var payload in Payloads)
        {
            using var response = await client.GetAsync(prefix + Uri.EscapeDataString(payload));
            var html = await response.Content.ReadAsStringAsync();

            Assert.True((int)response.StatusCode < 500, $"{prefix}{payload}: {(int)response.StatusCode}");
            Assert.DoesNotContain(Script, html, StringComparison.Ordinal);
            Assert.DoesNotContain("<img src=x onerror", html, StringComparison.Ordinal);
            // The search boxes give the text back (escaped), so the check above is not vacuous there.
            if (payload == Script && prefix.EndsWith("q=", StringComparison.Ordinal) || payload == Script && prefix.EndsWith("postalCode=", StringComparison.Ordinal))
                Assert.Contains("&lt;script&gt;alert(", html, StringComparison.Ordinal);
        }
    }

    private static Caller CallerOf(string path) => path switch
    {
        _ when path.StartsWith("/api/v1/admin/links", StringComparison.Ordinal) => Caller.Clerk,
        _ when path.StartsWith("/api/v1/admin/", StringComparison.Ordinal) => Caller.Admin,
        _ when path.StartsWith("/api/v1/operator/", StringComparison.Ordinal) => Caller.Operator,
        _ when path.StartsWith("/api/v1/call-centre/", StringComparison.Ordinal) => Caller.Agent,
        _ => Caller.Citizen,
    };

    /// <summary>The path with every parameter filled: the target with the payload, the others with ordinary values.</summary>
    private static string Url(string template, (string Name, string In)[] parameters, string target, string payload)
    {
        var url = template;
        var query = new List<string>();
        foreach (var (name, where) in parameters)
        {
            var value = name == target ? payload : Ordinary(name);
            if (where == "path")
                url = url.Replace("{" + name + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
            else if (where == "query")
                query.Add(name + "=" + Uri.EscapeDataString(value));
        }
        return query.Count == 0 ? url : url + "?" + string.Join('&', query);
    }

    private static string Ordinary(string name) => name switch
    {
        "month" => "2026-03",
        "operator" => HostileFixture.OperatorCode,
        "code" => "demo-pay",
        "lat" => "35.68",
        "lng" => "139.76",
        "limit" => "10",
        "k" => "3",
        _ => "x",
    };

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..length] + "...";
}

public sealed class SqliteInjectionTests(SqliteHostileFixture fixture, ITestOutputHelper output)
    : InjectionTests<SqliteHostileFixture>(fixture, output), IClassFixture<SqliteHostileFixture>;

public sealed class PostgresInjectionTests(PostgresHostileFixture fixture, ITestOutputHelper output)
    : InjectionTests<PostgresHostileFixture>(fixture, output), IClassFixture<PostgresHostileFixture>;

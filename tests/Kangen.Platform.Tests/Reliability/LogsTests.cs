using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Features.CallCentre;
using Kangen.Platform.Tests.Features.Operators;
using Kangen.Platform.Tests.Platform;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Reliability;

/// <summary>
/// No secret in any log: a full flow over HTTP with every category at Trace (ASP.NET Core's request logging, routing,
/// authentication and antiforgery, EF Core's SQL with sensitive data logging off, the platform's own) captured in
/// memory, then every line and every structured value searched for what must never be written down.
/// </summary>
public abstract class LogsTests<TFixture>(TFixture fixture) where TFixture : LogsFixture
{
    private const string Phone = "7394";

    [Fact]
    public async Task A_full_flow_logged_at_trace_writes_no_token_account_id_phone_digits_key_or_sealed_value()
    {
        var secrets = new List<(string What, string Value)>();
        using var client = fixture.CreateClient();

        // Citizens: sessions, registrations, account verification, an application with a phone, the status.
        var taro = await SignInAsync(client, fixture.IssueCard());
        secrets.Add(("session token", taro.Token));
        await RegisterHealthInsuranceAsync(client, taro.Token);
        await RegisterPublicFundAccountAsync(client, taro.Token);
        secrets.Add(("bank account number", "7654321"));
        var fields = fixture.NewAccount("demo-card");
        foreach (var (name, value) in fields.Where(f => f.Value.Length >= 6))
            secrets.Add(("account field " + name, value));
        secrets.Add(("payment service ID", fixture.NormalisedId("demo-card", fields)));
        var verified = await VerifyOkAsync(client, taro.Token, "demo-card", fields);
        secrets.Add(("verification token", verified.Verification));
        var applied = await ApplyAsync(client, new ApplicationDraft([Card], "demo-card", verified.TermsVersion, verified.Verification,
            taro.Card, PhoneLast4: Phone), idempotencyKey: "logs-" + Guid.NewGuid());
        Assert.True(applied.Status == HttpStatusCode.Created, applied.Raw);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Get, "/api/v1/me/status", token: taro.Token)).Status);
        // A refusal too: a tampered verification token and a wrong bearer token go through the error paths.
        var tampered = verified.Verification[..^4] + "AAAA";
        secrets.Add(("tampered verification token", tampered));
        await ApplyAsync(client, new ApplicationDraft([Card], "demo-card", verified.TermsVersion, tampered, taro.Card, PhoneLast4: Phone));
        var wrongBearer = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        secrets.Add(("unknown bearer token", wrongBearer));
        await SendAsync(client, HttpMethod.Get, "/api/v1/me/status", token: wrongBearer);

        // Staff: a call-centre lookup with the phone digits, the admin's console; an operator onboarded and pulling.
        var agent = fixture.NewAgent();
        secrets.Add(("staff token", agent.Token));
        secrets.Add(("admin staff token", fixture.Admin.Token));
        var lookup = await CallCentreClient.LookupAsync(client, agent, taro.MyKeyId, Phone);
        Assert.Equal(HttpStatusCode.OK, lookup.Status);
        var wrongStaff = await CallCentreClient.LookupAsync(client, "Staff " + wrongBearer, taro.MyKeyId, Phone);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongStaff.Status);
        var key = await fixture.OnboardAsync(client, "demo-credit");
        var pem = key.ExportPkcs8PrivateKeyPem();
        foreach (var line in pem.Split('\n').Where(l => l.Length >= 40 && !l.StartsWith("-----", StringComparison.Ordinal)))
            secrets.Add(("operator private key PEM", line));
        secrets.Add(("operator private key", Convert.ToBase64String(key.ExportParameters(true).D!)));
        using (var signed = fixture.SignedClient(key))
            Assert.Equal(HttpStatusCode.OK, (await OperatorsFixture.FeedAsync(signed)).Status);

        // Pages: a citizen's page and a refused post without its antiforgery token.
        using (var page = await client.GetAsync("/"))
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using (var post = await client.PostAsync("/counter/forget", new FormUrlEncodedContent([])))
            Assert.NotEqual(HttpStatusCode.InternalServerError, post.StatusCode);

        // What the database and key file hold: sealed values and key bytes must not appear either.
        await using (var db = fixture.NewContext())
        {
            foreach (var sealedValue in await db.ApplicationSubmissions.Select(a => a.SealedServiceId).ToListAsync())
                secrets.Add(("sealed service ID", sealedValue[3..]));
            foreach (var sealedValue in await db.Registrations.Select(r => r.Sealed).ToListAsync())
                secrets.Add(("sealed registration", sealedValue[3..]));
            foreach (var hash in await db.ApplicationSubmissions.Where(a => a.PhoneHash != null).Select(a => a.PhoneHash!).ToListAsync())
                secrets.Add(("phone hash", hash[3..]));
        }
        using (var file = JsonDocument.Parse(await File.ReadAllTextAsync(SecretKeys.DefaultPath(fixture.DataDirectory))))
        {
            foreach (var sealingKey in file.RootElement.GetProperty("sealing").EnumerateObject())
                secrets.Add(("sealing key", sealingKey.Value.GetString()!));
            secrets.Add(("hashing key", file.RootElement.GetProperty("hash").GetString()!));
        }

        var lines = fixture.Logs.Lines();
        // The capture really holds the chatty sources: request logging with paths, EF Core's SQL, the platform's own.
        Assert.Contains(lines, l => l.StartsWith("Microsoft.AspNetCore.Hosting.Diagnostics", StringComparison.Ordinal) && l.Contains("/api/v1/applications", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Microsoft.EntityFrameworkCore.Database.Command", StringComparison.Ordinal) && l.Contains("application_submissions", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Microsoft.AspNetCore.Routing", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Microsoft.AspNetCore.Antiforgery", StringComparison.Ordinal));

        foreach (var line in lines)
        {
            foreach (var (what, value) in secrets)
                Assert.False(line.Contains(value, StringComparison.Ordinal), $"{what} in the log: {line}");
            // Short values as values of their own (they also occur inside hashes and timestamps by chance).
            Assert.False(Regex.IsMatch(line, $"(?<![0-9A-Za-z+/:.-]){Phone}(?![0-9A-Za-z+/=:.-])"), $"the phone digits in the log: {line}");
            Assert.False(Regex.IsMatch(line, $"(?i)pin\\W{{0,3}}{PlatformFixture.Pin}"), $"a PIN in the log: {line}");
        }
    }
}

/// <summary>The operators' platform (staff, operators, demo accounts) with every log category captured at Trace.</summary>
public abstract class LogsFixture(StorageProvider provider) : OperatorsFixture(provider)
{
    public CapturedLogs Logs { get; } = new();

    protected override void Configure(IWebHostBuilder web)
    {
        base.Configure(web);
        web.ConfigureLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            logging.AddFilter(_ => true);
            logging.AddProvider(Logs);
        });
    }
}

/// <summary>Every entry, as "category level message | exception | structured values | scopes".</summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<string> Lines() => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = new System.Text.StringBuilder().Append(category).Append(' ').Append(logLevel).Append(' ').Append(formatter(state, exception));
            if (exception is not null)
                text.Append(" | ").Append(exception);
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                foreach (var (name, value) in values)
                    text.Append(" | ").Append(name).Append('=').Append(value);
            owner._scopes.ForEachScope((scope, builder) => builder.Append(" | scope ").Append(scope), text);
            owner._lines.Enqueue(text.ToString());
        }
    }
}

public sealed class SqliteLogsFixture() : LogsFixture(StorageProvider.Sqlite);

public sealed class PostgresLogsFixture() : LogsFixture(StorageProvider.Postgres);

public sealed class SqliteLogsTests(SqliteLogsFixture fixture) : LogsTests<SqliteLogsFixture>(fixture), IClassFixture<SqliteLogsFixture>;

public sealed class PostgresLogsTests(PostgresLogsFixture fixture) : LogsTests<PostgresLogsFixture>(fixture), IClassFixture<PostgresLogsFixture>;

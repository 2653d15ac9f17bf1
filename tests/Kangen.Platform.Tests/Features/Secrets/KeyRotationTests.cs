using System.Data.Common;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kangen.Platform.Features.Applications;
using Kangen.Platform.Features.Registrations;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Features.Applications;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Secrets;

/// <summary>
/// A sealing-key rotation on a running platform, as <c>kangen admin secrets</c> does it: rotate the key file, restart
/// (a replica started on the new file beside one still on the old keys), reseal every row, retire the old key. The
/// platform keeps reading what it sealed, and no table holds a payment service ID or phone digits at any point.
/// </summary>
public abstract class KeyRotationTests(StorageProvider provider)
{
    private const string Phone = "7394";

    [Fact]
    public async Task After_rotate_and_reseal_every_sealed_row_is_under_the_new_key_and_the_platform_still_reads_it()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var secrets = new List<string>();

        // Before: an applicant with both registrations and a phone, applied with an idempotency key; a second applicant.
        var taro = await SignInAsync(client, fixture.IssueCard());
        await RegisterHealthInsuranceAsync(client, taro.Token);
        await RegisterPublicFundAccountAsync(client, taro.Token);
        var taroFields = fixture.NewAccount("demo-pay");
        secrets.Add(fixture.NormalisedId("demo-pay", taroFields));
        var verified = await VerifyOkAsync(client, taro.Token, "demo-pay", taroFields);
        var draft = new ApplicationDraft([Card, Health, PublicFund], "demo-pay", verified.TermsVersion, verified.Verification, taro.Card, PhoneLast4: Phone);
        var body = await SignApplicationAsync(client, draft);
        var first = await PostApplicationAsync(client, body, "rotation-1");
        Assert.True(first.Status == HttpStatusCode.Created, first.Raw);
        var hanako = await SignInAsync(client, fixture.IssueCard());
        var hanakoFields = fixture.NewAccount("kaede-debit");
        secrets.Add(fixture.NormalisedId("kaede-debit", hanakoFields));
        await ApplySelfOkAsync(client, hanako, "kaede-debit", hanakoFields, Card);

        var path = SecretKeys.DefaultPath(fixture.DataDirectory);
        await using (var db = fixture.NewContext())
            Assert.Equal(2 + 2, await new SealedRows(db, fixture.Box, fixture.Time).CountWithAsync("s1", default));

        // Rotate, and a replica restarted on the new file: it seals with s2.
        SecretKeys.Read(path).Rotate().Save(path);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using var replica = fixture.StartReplica();
        using var replicaClient = replica.CreateClient();
        var yui = await SignInAsync(replicaClient, fixture.IssueCard());
        var yuiFields = fixture.NewAccount("demo-pay");
        secrets.Add(fixture.NormalisedId("demo-pay", yuiFields));
        var yuiVerified = await VerifyOkAsync(replicaClient, yui.Token, "demo-pay", yuiFields);
        Assert.StartsWith("kv1.s2:", yuiVerified.Verification, StringComparison.Ordinal);
        // The first instance still runs on the old keys: the token sealed with s2 makes it re-read its file, and it opens.
        var yuiApplied = await ApplyAsync(client, new ApplicationDraft([Card], "demo-pay", yuiVerified.TermsVersion, yuiVerified.Verification, yui.Card, PhoneLast4: Phone));
        Assert.True(yuiApplied.Status == HttpStatusCode.Created, yuiApplied.Raw);

        // Reseal with the new file's keys, as the command does.
        var keys = SecretKeys.Read(path);
        var box = new SecretBox(keys);
        ResealSummary summary;
        var seen = 0;
        await using (var db = fixture.NewContext())
        {
            var rows = new SealedRows(db, box, fixture.Time);
            Assert.Equal(4, await rows.CountOldAsync(default));
            summary = await rows.ResealAsync(batchSize: 1, new Counter(n => seen += n), default);
            Assert.Equal(0, await rows.CountWithAsync("s1", default));
            Assert.Equal(0, await rows.CountOldAsync(default));
            var counts = await rows.CountAsync(default);
            Assert.Equal([(SealedRows.SubmissionsColumn, "s2", 3L), (SealedRows.RegistrationsColumn, "s2", 2L)],
                counts.Select(c => (c.Column, c.KeyId, c.Rows)).OrderBy(c => c.Column, StringComparer.Ordinal).ToArray());
        }
        Assert.Equal(4L, Assert.Single(summary.Resealed, p => p.Key == "s1").Value);
        Assert.Empty(summary.Unopenable);
        Assert.Equal(4, seen);

        // A second run finds nothing left; every sealed value opens with the new key ring alone.
        await using (var db = fixture.NewContext())
        {
            var again = await new SealedRows(db, box, fixture.Time).ResealAsync(100, null, default);
            Assert.Empty(again.Resealed);
            var onlyNew = new SecretBox(keys.Retire("s1"));
            foreach (var row in await db.ApplicationSubmissions.AsNoTracking().ToListAsync())
            {
                Assert.StartsWith("s2:", row.SealedServiceId, StringComparison.Ordinal);
                Assert.True(onlyNew.TryOpen(ApplicationRecorder.ServiceIdPurpose, row.SealedServiceId, out var id));
                Assert.Contains(id, secrets);
                Assert.True(row.PhoneHash is null || onlyNew.HashEquals(ApplicationRecorder.PhonePurpose, Phone, row.PhoneHash));
            }
            foreach (var row in await db.Registrations.AsNoTracking().ToListAsync())
            {
                Assert.StartsWith("s2:", row.Sealed, StringComparison.Ordinal);
                Assert.True(onlyNew.TryOpen(BuiltInRegistry.Purpose(row.Kind), row.Sealed, out _));
            }
            var audit = await db.AuditLog.AsNoTracking().Where(e => e.Action == "secrets.resealed").ToListAsync();
            Assert.Single(audit);
        }

        // The platform reads the resealed rows: the replayed application shows the same masked ID, the status the
        // service, and registering the same details again is recognised as unchanged (same fingerprint, still opens).
        var replay = await PostApplicationAsync(replicaClient, body, "rotation-1");
        Assert.Equal(HttpStatusCode.OK, replay.Status);
        Assert.Equal(first.Text("maskedAccountId"), replay.Text("maskedAccountId"));
        Assert.NotEqual("", replay.Text("maskedAccountId"));
        var status = await SendAsync(replicaClient, HttpMethod.Get, "/api/v1/me/status", token: (await SignInAsync(replicaClient, taro.Card)).Token);
        Assert.Equal(HttpStatusCode.OK, status.Status);
        Assert.Equal("demo-pay", status.Body.GetProperty("me").GetProperty("programs")[0].GetProperty("service").GetProperty("code").GetString());
        var registrations = await SendAsync(replicaClient, HttpMethod.Get, "/api/v1/me/registrations", token: taro.Token);
        Assert.Equal(HttpStatusCode.OK, registrations.Status);
        Assert.Equal(JsonValueKind.Object, registrations.Body.GetProperty("healthInsurance").ValueKind);
        Assert.Equal(JsonValueKind.Object, registrations.Body.GetProperty("publicFundAccount").ValueKind);

        // Retire s1: the ring keeps s2 only, the platform restarted on it still serves the replay.
        Assert.Throws<ArgumentException>(() => keys.Retire("s2"));
        keys.Retire("s1").Save(path);
        Assert.Equal(["s2"], SecretKeys.Read(path).SealingKeyIds);
        using var restarted = fixture.StartReplica();
        using var restartedClient = restarted.CreateClient();
        var again2 = await PostApplicationAsync(restartedClient, await SignApplicationAsync(restartedClient, draft with
        {
            Verification = (await VerifyOkAsync(restartedClient, (await SignInAsync(restartedClient, taro.Card)).Token, "demo-pay", taroFields)).Verification,
        }), "rotation-1");
        Assert.Equal(HttpStatusCode.OK, again2.Status);
        Assert.Equal(first.Text("maskedAccountId"), again2.Text("maskedAccountId"));

        await AssertNoPlainSecretsAsync(fixture, secrets);
    }

    [Fact]
    public async Task A_row_sealed_with_a_key_missing_from_the_file_is_counted_and_left_as_it_is()
    {
        await using var fixture = await ApplyingFixture.StartAsync(provider, ApplyingFixture.DefaultAnchor);
        using var client = fixture.CreateClient();
        var person = await SignInAsync(client, fixture.IssueCard());
        await ApplySelfOkAsync(client, person, "demo-pay", fixture.NewAccount("demo-pay"), Card);
        // Sealed by a deployment whose file this is not (or an edited row): it cannot be opened, so it must not be lost.
        var stranger = new SecretBox(SecretKeys.CreateNew()).Seal(ApplicationRecorder.ServiceIdPurpose, "0000111122223333");
        await using (var db = fixture.NewContext())
            await db.ApplicationSubmissions.ExecuteUpdateAsync(u => u.SetProperty(a => a.SealedServiceId, stranger));
        var path = SecretKeys.DefaultPath(fixture.DataDirectory);
        var keys = SecretKeys.Read(path).Rotate();

        await using (var db = fixture.NewContext())
        {
            var summary = await new SealedRows(db, new SecretBox(keys), fixture.Time).ResealAsync(10, null, default);
            Assert.Equal(1L, summary.Unopenable["s1"]);
            Assert.Empty(summary.Resealed);
            Assert.Equal(stranger, await db.ApplicationSubmissions.Select(a => a.SealedServiceId).SingleAsync());
        }
    }

    private static async Task AssertNoPlainSecretsAsync(ApplyingFixture fixture, IReadOnlyList<string> ids)
    {
        var texts = await ReadEveryTextAsync(fixture);
        Assert.Contains(texts, t => t.Text == "demo-pay"); // the scan reads the tables
        foreach (var (where, text) in texts)
        {
            foreach (var id in ids)
                Assert.False(text.Contains(id, StringComparison.Ordinal), $"a payment service ID found in {where}");
            Assert.False(Regex.IsMatch(text, $"(?<![0-9A-Za-z+/:.-]){Phone}(?![0-9A-Za-z+/=:.-])"), $"the phone digits found in {where}: {text}");
        }
    }

    /// <summary>Every string value of every column of every table, with "table.column".</summary>
    internal static async Task<List<(string Where, string Text)>> ReadEveryTextAsync(ApplyingFixture fixture)
    {
        await using var db = fixture.NewContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = fixture.Provider == StorageProvider.Sqlite
                ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                : "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        }
        var texts = new List<(string, string)>();
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            await using DbDataReader reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    if (!reader.IsDBNull(i) && reader.GetValue(i) is string text)
                        texts.Add(($"{table}.{reader.GetName(i)}", text));
                }
            }
        }
        return texts;
    }

    private sealed class Counter(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}

public sealed class SqliteKeyRotationTests() : KeyRotationTests(StorageProvider.Sqlite);

public sealed class PostgresKeyRotationTests() : KeyRotationTests(StorageProvider.Postgres);

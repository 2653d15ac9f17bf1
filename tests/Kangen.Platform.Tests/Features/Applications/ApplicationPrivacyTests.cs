using System.Data.Common;
using System.Net;
using System.Text.RegularExpressions;
using Kangen.Platform.Features.Applications;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.EntityFrameworkCore;
using static Kangen.Platform.Tests.Features.Applications.Applying;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Applications;

/// <summary>
/// Invariant 5 after real applications: no text column of any table holds a payment service ID, a security code or
/// password, phone digits, a holder's name or a birth date; the sealed ID opens to the normalised ID.
/// </summary>
public abstract class ApplicationPrivacyTests<TFixture>(TFixture fixture) where TFixture : ApplyingFixture
{
    protected TFixture Fixture { get; } = fixture;

    private const string Phone = "7394";
    private static readonly DateOnly ChildBorn = new(2016, 5, 5);

    [Fact]
    public async Task After_applications_no_table_holds_an_id_a_code_the_phone_digits_a_name_or_a_birth_date()
    {
        using var client = Fixture.CreateClient();
        var secrets = new List<string>();
        var submissions = new List<(Guid Id, string NormalisedId)>();
        var adult = await SignInAsync(client, Fixture.IssueCard());
        await RegisterHealthInsuranceAsync(client, adult.Token);
        await RegisterPublicFundAccountAsync(client, adult.Token);
        // Services with long codes, a login and password, and a bank-issued ID; an applicant with every part and a phone.
        var services = new[] { "aozora-money", "hoshizora-gold", "kaede-debit", "demo-pay" };
        for (var i = 0; i < services.Length; i++)
        {
            var service = services[i];
            var applicant = i == 0 ? adult : await SignInAsync(client, Fixture.IssueCard());
            var fields = Fixture.NewAccount(service);
            secrets.AddRange(fields.Values);
            var normalised = Fixture.NormalisedId(service, fields);
            secrets.Add(normalised);
            var verified = await VerifyOkAsync(client, applicant.Token, service, fields);
            // The operator's confirmation shows the ID masked and never a code; the token is sealed.
            Assert.DoesNotContain(normalised, verified.Reply.Raw);
            Assert.All(fields.Where(f => Fixture.Service(service).Fields.Single(d => d.Name == f.Key).Secret),
                f => Assert.DoesNotContain($"\"{f.Value}\"", verified.Reply.Raw));
            var programs = i == 0 ? new[] { Card, Health, PublicFund } : [Card];
            var reply = await ApplyAsync(client, new ApplicationDraft(programs, service, verified.TermsVersion, verified.Verification, applicant.Card, PhoneLast4: Phone));
            Assert.True(reply.Status == HttpStatusCode.Created, $"{service}: {reply.Status} {reply.Raw}");
            Assert.DoesNotContain(normalised, reply.Raw);
            submissions.Add((Guid.Parse(reply.Text("applicationId")), normalised));
        }
        // And a child applied for by a representative (the child's birth date is read from the signing certificate).
        var parent = await SignInAsync(client, Fixture.IssueCard());
        var childCard = Fixture.IssueCard(birthDate: ChildBorn);
        var childFields = Fixture.NewAccount("demo-ecash");
        secrets.AddRange(childFields.Values);
        secrets.Add(Fixture.NormalisedId("demo-ecash", childFields));
        var forChild = await VerifyOkAsync(client, parent.Token, "demo-ecash", childFields, forChild: true);
        var childReply = await ApplyAsync(client, new ApplicationDraft([Card], "demo-ecash", forChild.TermsVersion, forChild.Verification, childCard,
            Representative: parent.Card, AgeProof: childCard, PhoneLast4: Phone));
        Assert.Equal(HttpStatusCode.Created, childReply.Status);
        submissions.Add((Guid.Parse(childReply.Text("applicationId")), Fixture.NormalisedId("demo-ecash", childFields)));

        var holder = PlatformFixture.DefaultHolder;
        var words = new List<string>
        {
            holder.Name, holder.Name.Replace(" ", "", StringComparison.Ordinal), "見本", "花子", "ミホン", "ハナコ", holder.Address,
        };
        foreach (var born in new[] { holder.BirthDate, ChildBorn })
            words.AddRange([born.ToString("yyyy-MM-dd"), born.ToString("yyyyMMdd"), born.ToString("yyyy/MM/dd")]);

        var texts = await ReadEveryTextAsync();

        // The scan reads what it should: the chosen service is there, in clear by design. The masked holder name (it
        // shows a family name) is not stored at all.
        Assert.Contains(texts, t => t.Text == "aozora-money");
        Assert.DoesNotContain(texts, t => t.Text.Contains('＊'));
        foreach (var (where, text) in texts)
        {
            foreach (var word in words.Concat(secrets.Where(s => s.Length >= 8)))
                Assert.False(text.Contains(word, StringComparison.Ordinal), $"'{word}' found in {where}: {text}");
            // Short codes and the phone digits would also match inside hashes, base64, GUIDs and timestamps by chance:
            // look for them as values of their own.
            foreach (var code in secrets.Where(s => s.Length < 8).Append(Phone))
                Assert.False(Regex.IsMatch(text, $"(?<![0-9A-Za-z+/:.-]){Regex.Escape(code)}(?![0-9A-Za-z+/=:.-])"), $"'{code}' found in {where}: {text}");
        }

        await using var db = Fixture.NewContext();
        foreach (var (id, normalised) in submissions)
        {
            var row = await db.ApplicationSubmissions.SingleAsync(s => s.Id == id);
            Assert.True(Fixture.Box.TryOpen(ApplicationRecorder.ServiceIdPurpose, row.SealedServiceId, out var opened));
            Assert.Equal(normalised, opened);
            Assert.NotNull(row.PhoneHash);
            Assert.True(Fixture.Box.HashEquals(ApplicationRecorder.PhonePurpose, Phone, row.PhoneHash));
            Assert.False(Fixture.Box.HashEquals(ApplicationRecorder.PhonePurpose, "7395", row.PhoneHash));
        }
    }

    /// <summary>Every string value of every column of every table, with "table.column" for messages.</summary>
    private async Task<List<(string Where, string Text)>> ReadEveryTextAsync()
    {
        await using var db = Fixture.NewContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = Fixture.Provider == StorageProvider.Sqlite
                ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                : "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        }
        Assert.Contains("application_submissions", tables);
        Assert.Contains("audit_log", tables);
        var texts = new List<(string, string)>();
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                Collect(reader, table, texts);
        }
        return texts;
    }

    private static void Collect(DbDataReader reader, string table, List<(string, string)> texts)
    {
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (!reader.IsDBNull(i) && reader.GetValue(i) is string text)
                texts.Add(($"{table}.{reader.GetName(i)}", text));
        }
    }
}

public sealed class SqlitePrivacyFixture() : ApplyingFixture(StorageProvider.Sqlite);

public sealed class PostgresPrivacyFixture() : ApplyingFixture(StorageProvider.Postgres);

public sealed class SqliteApplicationPrivacyTests(SqlitePrivacyFixture fixture)
    : ApplicationPrivacyTests<SqlitePrivacyFixture>(fixture), IClassFixture<SqlitePrivacyFixture>;

public sealed class PostgresApplicationPrivacyTests(PostgresPrivacyFixture fixture)
    : ApplicationPrivacyTests<PostgresPrivacyFixture>(fixture), IClassFixture<PostgresPrivacyFixture>;

namespace Kangen.SmartCard.Tests;

/// <summary>The card file: persistence of counters, atomic writes, refusal of damaged files.</summary>
[Collection(IssuerCollection.Name)]
public class CardFileTests(IssuerFixture fixture)
{
    [Fact]
    public void A_blocked_pin_stays_blocked_after_reloading_the_card_file()
    {
        var path = fixture.CopyOfTemplate();
        using (var transport = new InProcessTransport(EmulatedCard.Load(path)))
        {
            var client = new JpkiClient(transport);
            for (var i = 0; i < 3; i++)
                Assert.Throws<SmartCardException>(() => client.VerifyAuthPin("0000"));
        }

        using var again = new InProcessTransport(EmulatedCard.Load(path));
        var reloaded = new JpkiClient(again);

        Assert.Equal(0, reloaded.GetAuthPinTriesLeft());
        Assert.True(Assert.Throws<SmartCardException>(() => reloaded.VerifyAuthPin(IssuerFixture.Pin)).IsBlocked);
    }

    [Fact]
    public void Each_wrong_attempt_is_on_disk_before_the_card_answers()
    {
        var path = fixture.CopyOfTemplate();
        var card = EmulatedCard.Load(path);
        using var transport = new InProcessTransport(card);

        Assert.Throws<SmartCardException>(() => new JpkiClient(transport).VerifyAuthPin("0000"));

        Assert.Equal(2, EmulatedCard.Load(path).AuthPinTriesLeft);
    }

    [Fact]
    public void Writes_leave_no_temporary_files_behind()
    {
        var path = fixture.CopyOfTemplate();
        using var transport = new InProcessTransport(EmulatedCard.Load(path));
        var client = new JpkiClient(transport);
        Assert.Throws<SmartCardException>(() => client.VerifyAuthPin("0000"));
        client.VerifyAuthPin(IssuerFixture.Pin);
        client.ChangeAuthPin(IssuerFixture.Pin, "2468");

        Assert.Equal(["card.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_card_file_is_readable_only_by_its_owner()
    {
        if (OperatingSystem.IsWindows())
            return;
        var path = fixture.CopyOfTemplate();
        var card = EmulatedCard.Load(path);
        card.Save(path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void An_in_memory_card_round_trips_through_its_bytes_and_never_touches_the_file()
    {
        var card = EmulatedCard.FromBytes(fixture.TemplateBytes);
        using (var transport = new InProcessTransport(card))
            Assert.Throws<SmartCardException>(() => new JpkiClient(transport).VerifyAuthPin("0000"));

        var copy = EmulatedCard.FromBytes(card.ToBytes());

        Assert.Null(card.CardFilePath);
        Assert.Equal(2, copy.AuthPinTriesLeft);
        Assert.Equal(3, EmulatedCard.Load(fixture.TemplatePath).AuthPinTriesLeft);
    }

    [Fact]
    public void A_card_that_cannot_persist_its_counter_answers_memory_failure_and_counts_nothing()
    {
        var path = fixture.CopyOfTemplate();
        var card = EmulatedCard.Load(path);
        // A directory where the card file was makes the atomic rename fail, for root too.
        File.Delete(path);
        Directory.CreateDirectory(path);

        card.Process(Convert.FromHexString("00A4040C0AD392F000260100000001"));
        card.Process(Convert.FromHexString("00A4020C020018"));
        var response = ResponseApdu.Parse(card.Process(Convert.FromHexString("002000800430303030")));

        Assert.Equal(StatusWords.MemoryFailure, response.StatusWord);
        Assert.Equal(3, card.AuthPinTriesLeft);
        Assert.Equal(0x63C3, ResponseApdu.Parse(card.Process(Convert.FromHexString("00200080"))).StatusWord);
        Assert.Single(Directory.GetFileSystemEntries(Path.GetDirectoryName(path)!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"format\":\"something-else\",\"version\":1}")]
    [InlineData("{\"format\":\"kangen.emulated-jpki-card\",\"version\":99}")]
    [InlineData("{\"format\":\"kangen.emulated-jpki-card\",\"version\":1,\"cardId\":\"X\",\"tokenInfo\":\"JPKIAPICCTOKEN2\"}")]
    public void A_damaged_card_file_is_refused_with_a_clear_error(string content)
    {
        var path = Path.Combine(fixture.NewDirectory(), "bad.json");
        File.WriteAllText(path, content);

        var error = Assert.Throws<InvalidDataException>(() => EmulatedCard.Load(path));

        Assert.Contains("not a usable Kangen card file", error.Message);
        Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public void Every_truncation_of_a_card_file_is_refused_without_a_crash()
    {
        var bytes = fixture.TemplateBytes;
        for (var length = 0; length < bytes.Length; length += Math.Max(1, bytes.Length / 60))
            Assert.Throws<InvalidDataException>(() => EmulatedCard.FromBytes(bytes.AsSpan(0, length)));
    }

    [Fact]
    public void Tampered_values_in_a_card_file_are_refused()
    {
        var text = System.Text.Encoding.UTF8.GetString(fixture.TemplateBytes);
        var node = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        node["authentication"]!["secret"]!["triesLeft"] = 7;
        Assert.Throws<InvalidDataException>(() => EmulatedCard.FromBytes(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString())));

        node = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        node["authentication"]!["privateKey"] = node["signing"]!["privateKey"]!.GetValue<string>();
        var mismatch = Assert.Throws<InvalidDataException>(() => EmulatedCard.FromBytes(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString())));
        Assert.Contains("does not match", mismatch.Message);

        node = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        node["signing"]!["certificate"] = Convert.ToBase64String(new byte[40]);
        Assert.Throws<InvalidDataException>(() => EmulatedCard.FromBytes(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString())));
    }

    [Fact]
    public void A_missing_card_file_is_reported_as_missing()
    {
        Assert.Throws<FileNotFoundException>(() => EmulatedCard.Load(Path.Combine(fixture.NewDirectory(), "none.json")));
    }

    [Fact]
    public void Concurrent_clients_on_one_card_see_consistent_counters()
    {
        var card = EmulatedCard.FromBytes(fixture.TemplateBytes);
        var wrongAttempts = 0;
        Parallel.For(0, 8, _ =>
        {
            // Each APDU sequence is atomic only per APDU, so use the short-EF VERIFY that needs no prior SELECT EF.
            card.Process(Convert.FromHexString("00A4040C0AD392F000260100000001"));
            var sw = ResponseApdu.Parse(card.Process(Convert.FromHexString("002000980439393939"))).StatusWord;
            if (StatusWords.IsVerificationFailed(sw))
                Interlocked.Increment(ref wrongAttempts);
        });

        Assert.Equal(Math.Max(0, 3 - wrongAttempts), card.AuthPinTriesLeft);
        Assert.True(wrongAttempts <= 3);
    }
}
